"""Verify a user's own sync command, in any language, against a vendor mock on a real port.

One run: seed the mock, write the source catalogue, run the command with the harness environment,
finish the vendor's pending async work, run the command again (idempotence), then apply every check
to the mock's state and journal. `verify_examples` lets hypothesis generate catalogues and fault plans
and shrinks a failure to a minimal example that `replay_files` saves for a one-line replay.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from hypothesis import Phase, given
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.server import ServerThread

from .catalog import Product, normalise_sku, write_catalog
from .interrupts import checkpoint
from .output import LINE_BYTES, BoundedOutput
from .properties import CheckFailure, ChecksFailed, Judged, RunRecord, run_checks
from .runner import example_id, run_settings
from .shards import stable_generation
from .strategies import Scenario, remote_state, scenarios
from .sync import SyncReport
from .vendors import VendorHarness

DEFAULT_TIMEOUT = 120.0
GENERATION_POOL = 40  # generated scenarios to choose the default one from
DEFAULT_SHRINK_SECONDS = 60.0


@dataclass
class Example:
    """What one verify run starts from: the source, what the vendor holds, and faults to inject."""

    source: list[Product]
    existing: list[dict] = field(default_factory=list)  # vendor records to seed
    state: dict | None = None  # or a whole mock snapshot (GET /__mock__/state) to restore
    faults: list[dict] = field(default_factory=list)


@dataclass
class CommandRun:
    exit_code: int | None  # None: killed at the timeout
    output: str
    seconds: float
    not_started: str | None = None  # why the command could not be started

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None


class CommandFailure(CheckFailure):
    check = "command"


@dataclass
class VerifyResult(Judged):
    vendor: str
    base_url: str
    record: RunRecord
    failures: dict[str, list[CheckFailure]]
    runs: list[CommandRun]


def environment(
    harness: VendorHarness, base_url: str, catalog: Path, report: Path, webhook_url: str | None
) -> dict[str, str]:
    """The variables a command gets (README: "verify"), on top of the caller's own environment."""
    env = {
        "HARNESS_VENDOR": harness.name,
        "HARNESS_BASE_URL": base_url,
        "HARNESS_CATALOG": str(catalog),
        "HARNESS_REPORT": str(report),
        **{name: harness.credentials[key] for name, key in harness.env_credentials.items()},
    }
    if harness.webhook_env and webhook_url:
        env[harness.webhook_env] = webhook_url
    return env


def run_command(
    command: Sequence[str], env: dict[str, str], timeout: float, echo: TextIO | None = None
) -> CommandRun:
    """Run the command in its own process group, passing its output through as it comes."""
    started = time.perf_counter()
    try:
        process = subprocess.Popen(
            list(command),
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        return CommandRun(127, "", 0.0, f"cannot start {command[0]!r}: {exc.strerror or exc}")
    kept = BoundedOutput()  # the terminal gets everything; memory keeps a head and a tail

    def pump() -> None:
        stdout = process.stdout
        assert stdout is not None
        for raw in iter(lambda: stdout.readline(LINE_BYTES), b""):
            line = raw.decode("utf-8", "replace")
            kept.append(line)
            if echo is not None:
                echo.write(line)
                echo.flush()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    code: int | None = None
    try:  # short waits, so a Ctrl-C or SIGTERM that Python swallowed is still acted on (interrupts.py)
        while code is None and time.monotonic() < deadline:
            try:
                code = process.wait(timeout=min(0.2, max(0.0, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                checkpoint()
    finally:  # timeout, Ctrl-C, SIGTERM, or a normal exit that left children behind: none outlive the run
        _kill_group(process)
    reader.join(timeout=5)
    return CommandRun(code, kept.text(), time.perf_counter() - started)


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the command's whole process group (it leads its own session), then reap the command."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class ReportError(ValueError):
    """HARNESS_REPORT was written but cannot be read; the message names the file and the problem."""


REPORT_LISTS = ("created", "updated", "unchanged", "missing_upstream")


def report_from(path: Path, output: str, source: list[Product]) -> SyncReport:
    """The command's report: HARNESS_REPORT if it wrote one, else what its output says about each SKU.

    From output, a product counts as reported when a line names its SKU; that line (with the vendor's
    reason, for a rejected row) is what `errors_surfaced` reads. A report that is there but malformed
    raises ReportError.
    """
    if path.exists() and path.stat().st_size:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ReportError(f"HARNESS_REPORT ({path.name}) is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ReportError(f"HARNESS_REPORT ({path.name}) must be a JSON object")
        errors = data.get("errors") or {}
        if not isinstance(errors, dict):
            raise ReportError(f'HARNESS_REPORT ({path.name}): "errors" must be an object of SKU: reason')
        lists: dict[str, list[str]] = {}
        for name in REPORT_LISTS:
            value = data.get(name) or []
            if not isinstance(value, list):
                raise ReportError(f'HARNESS_REPORT ({path.name}): "{name}" must be a list of SKUs')
            lists[name] = [str(sku) for sku in value]
        return SyncReport(**lists, errors={str(k): str(v) for k, v in errors.items()})
    lines = [(normalise_sku(line), line.strip()) for line in output.splitlines()]
    report = SyncReport(from_output=True)
    for product in source:
        # The SKU as a word of its own: SKU "a" is not named by every line with an "a" in it.
        named = re.compile(rf"(?<!\w){re.escape(product.key)}(?!\w)")
        said = [line for folded, line in lines if product.key and named.search(folded)]
        if said:
            report.errors[product.sku] = " | ".join(said)
    return report


@contextlib.contextmanager
def _webhook_receiver(harness: VendorHarness, clock: Clock) -> Iterator[Any]:
    if harness.webhook_receiver is None:
        yield None, None
        return
    receiver = harness.webhook_receiver(harness.credentials, clock)
    with ServerThread(receiver.app) as server:
        yield receiver, server.base_url + receiver.path


def verify_once(
    harness: VendorHarness,
    example: Example,
    command: Sequence[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    echo: TextIO | None = None,
    settings: dict | None = None,
) -> VerifyResult:
    """`settings` (e.g. {"quirks": {...}}, a quirk-matrix variant) go on after any restored state."""
    clock = Clock()
    app = harness.create_app(clock=clock)
    mock = Mock.of(app)
    backend = mock.backend
    account = backend.default_account
    if example.state is not None:
        mock.restore(example.state)
    else:
        backend.seed(account, example.existing)
    if settings:
        mock.update_settings(settings)
    before = backend.products(account)
    with (
        tempfile.TemporaryDirectory(prefix="catalog-harness-") as workdir,
        ServerThread(app) as server,
        _webhook_receiver(harness, clock) as (receiver, webhook_url),
    ):
        if webhook_url:
            mock.update_settings({"webhook_url": webhook_url})
        catalog, report_path = Path(workdir, "catalog.json"), Path(workdir, "report.json")
        write_catalog(catalog, example.source)
        base_url = server.base_url
        env = environment(harness, base_url, catalog, report_path, webhook_url)
        mock.install_faults(example.faults)
        first = run_command(command, env, timeout, echo)
        backend.run_jobs()  # the vendor finishes queued work whether or not the command waited for it
        journal, after = mock.journal.entries(), backend.products(account)
        report, report_problem = _read_report(report_path, first, example.source)
        report_path.unlink(missing_ok=True)
        mock.faults.clear()
        mock.journal.clear()
        second = run_command(command, env, timeout, echo)
        backend.run_jobs()
        second_journal = mock.journal.entries()
        second_report, second_problem = _read_report(report_path, second, example.source)
    if receiver is not None:
        report.webhooks = list(receiver.deliveries)
    record = RunRecord(
        harness.adapter, example.source, before, after, journal, report, second_journal, second_report
    )
    failures = run_checks(record, harness.property_checks)
    failures["command"] = _command_failures([first, second], record) + [
        CommandFailure(f"{name}: {problem}")
        for name, problem in (("first run", report_problem), ("second run", second_problem))
        if problem
    ]
    return VerifyResult(harness.name, base_url, record, failures, [first, second])


def _read_report(path: Path, run: CommandRun, source: list[Product]) -> tuple[SyncReport, str | None]:
    """The run's report, and what was wrong with HARNESS_REPORT (then its output stands in)."""
    try:
        return report_from(path, run.output, source), None
    except ReportError as exc:
        path.unlink()
        return report_from(path, run.output, source), str(exc)


def _command_failures(runs: list[CommandRun], record: RunRecord) -> list[CheckFailure]:
    """A timeout fails; so does a non-zero exit when the command reported no failed or missing SKU."""
    problems = bool(record.report.errors or record.report.missing_upstream)  # what the command reported
    failures: list[CheckFailure] = []
    for name, run in zip(("first run", "second run"), runs, strict=True):
        if run.not_started:
            failures.append(CommandFailure(f"{name}: {run.not_started}"))
        elif run.timed_out:
            failures.append(CommandFailure(f"{name}: still running after the timeout; killed"))
        elif run.exit_code and not problems:
            tail = run.output.strip().splitlines()[-3:]
            failures.append(
                CommandFailure(f"{name}: exited with status {run.exit_code}: " + " / ".join(tail))
            )
    return failures


# -- generated examples ------------------------------------------------------------------------------------
def generated_example(harness: VendorHarness, seed: int, source: list[Product] | None = None) -> Example:
    """The default vendor state (and catalogue, unless given), deterministic per seed.

    Of a pool of generated scenarios it takes the one with the most products in the source and at the
    vendor, so there is something to update, something to create and vendor-only data to keep.
    """
    adapter = harness.adapter
    scenario = scenarios(adapter.fault_targets) if source is None else st.just(Scenario(source, [], []))
    drawn = scenario.flatmap(
        lambda s: remote_state(s.source).flatmap(
            lambda remote: adapter.existing_records(remote).map(lambda existing: (s.source, remote, existing))
        )
    )
    pool: list[tuple[list[Product], list[Product], list[dict]]] = []

    @hypothesis_seed(seed)
    @run_settings(GENERATION_POOL, (Phase.generate,))
    @given(drawn)
    def collect(item: tuple[list[Product], list[Product], list[dict]]) -> None:
        pool.append(item)

    with stable_generation():  # the same example for a seed whatever modules this process has loaded
        collect()
    chosen, _, existing = max(pool, key=lambda item: len(item[0]) + len(item[1]))
    return Example(chosen, existing)


@dataclass
class VerifyOutcome:
    vendor: str
    examples: int = 0
    result: VerifyResult | None = None  # the minimal failing run, else the last run
    example: Example | None = None
    example_ids: list[str] = field(default_factory=list)  # a digest of each example run, in order
    first_failed_at: int | None = None  # the number of the first example that failed

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok


def verify_examples(
    harness: VendorHarness,
    command: Sequence[str],
    examples: int,
    seed: int,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    echo: TextIO | None = None,
    faults: list[dict] | None = None,  # a fixed fault plan for every example; None: generated plans
    shrink_seconds: float = DEFAULT_SHRINK_SECONDS,
    on_example: Callable[[int, VerifyResult], None] | None = None,
    settings: dict | None = None,
    database: Any = None,
) -> VerifyOutcome:
    """hypothesis draws catalogues, vendor state and fault plans; a failure shrinks to a smaller one.

    Each run is a real process, so shrinking gets a time budget: after it, candidates are skipped and
    the smallest failure seen so far is the answer (each failure hypothesis finds while shrinking is
    smaller than the one before).
    """
    adapter = harness.adapter
    outcome = VerifyOutcome(harness.name)
    first_failure: list[float] = []

    # settings go on last: hypothesis' @seed alone turns the example database off.
    @run_settings(examples, database=database)
    @hypothesis_seed(seed)
    @given(scenario=scenarios(adapter.fault_targets), data=st.data())
    def command_satisfies_checks(scenario: Scenario, data: Any) -> None:
        existing = data.draw(adapter.existing_records(scenario.remote), label="existing")
        if first_failure and time.monotonic() - first_failure[0] > shrink_seconds:
            return  # out of shrinking time
        example = Example(scenario.source, existing, faults=scenario.faults if faults is None else faults)
        result = verify_once(harness, example, command, timeout=timeout, echo=echo, settings=settings)
        outcome.examples += 1
        outcome.example_ids.append(example_id(scenario, existing))
        if not result.ok and outcome.first_failed_at is None:
            outcome.first_failed_at = outcome.examples
        if on_example:
            on_example(outcome.examples, result)
        if outcome.result is None or outcome.result.ok or not result.ok:
            outcome.result, outcome.example = result, example
        if not result.ok:
            first_failure[:1] = first_failure[:1] or [time.monotonic()]
            raise ChecksFailed(result.all_failures())

    # Saved failures are kept per vendor and command (`--example-db`).
    key = "\0".join([harness.name, *command]).encode()
    command_satisfies_checks.hypothesis.inner_test._hypothesis_internal_add_digest = key  # type: ignore[attr-defined]
    try:
        command_satisfies_checks()
    except ChecksFailed:
        pass
    except Exception:
        if outcome.ok:  # not the budget's doing (hypothesis calls a skipped replay flaky): a real error
            raise
    return outcome


def replay_files(
    directory: Path, harness: VendorHarness, example: Example, command: Sequence[str]
) -> tuple[list[Path], str]:
    """Save a failing example as catalogue, vendor state and fault plan; return them and the replay line."""
    import shlex

    directory.mkdir(parents=True, exist_ok=True)
    catalog, state, faults = (
        directory / f"{harness.name}-{n}" for n in ("catalog.json", "state.json", "faults.json")
    )
    write_catalog(catalog, example.source)
    state.write_text(
        json.dumps(example.state or {"products": example.existing}, indent=2, ensure_ascii=False) + "\n"
    )
    faults.write_text(json.dumps(example.faults, indent=2) + "\n")
    line = shlex.join(
        [
            "catalog-harness",
            "verify",
            harness.name,
            "--catalog",
            str(catalog),
            "--state",
            str(state),
            "--faults",
            str(faults),
            "--",
            *command,
        ]
    )
    return [catalog, state, faults], line


def load_state(path: Path) -> tuple[list[dict], dict | None]:
    """--state: {"products": [...]} or a bare list seeds the mock; a GET /__mock__/state snapshot restores."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "backend" in data:
        return [], data
    products = data.get("products") if isinstance(data, dict) else data
    if not isinstance(products, list) or not all(isinstance(p, dict) for p in products):
        raise ValueError(
            f'{path}: must be {{"products": [...]}}, a list of products, or a /__mock__/state snapshot'
        )
    return products, None


def load_faults(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    rules = data.get("rules") if isinstance(data, dict) else data
    if not isinstance(rules, list):
        raise ValueError(f'{path}: must be a list of fault rules or {{"rules": [...]}}')
    return rules


def generated_catalogue(seed: int, pool: int = 10) -> list[Product]:
    """A source catalogue alone, deterministic per seed (for a run whose vendor state is given): the
    largest of a small pool, so there is something to sync."""
    from .strategies import catalogues

    drawn: list[list[Product]] = []

    @hypothesis_seed(seed)
    @run_settings(pool, (Phase.generate,))
    @given(catalogues(min_size=1))
    def collect(catalogue: list[Product]) -> None:
        drawn.append(catalogue)

    collect()
    return max(drawn, key=len)
