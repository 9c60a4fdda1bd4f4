"""The pipeline's runner for a user's own sync command, in any language: a subprocess against a real port.

The command gets the harness environment (README: "verify"), runs in its own process group, is killed
with its children at the timeout or on Ctrl-C, and reports through HARNESS_REPORT or, failing that, its
output. The mock runs on the real clock; after each run the vendor finishes its queued work.
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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.server import ServerThread

from .catalog import Product, normalise_sku, write_catalog
from .interrupts import Interrupts, checkpoint, deferred
from .output import LINE_BYTES, BoundedOutput
from .properties import CheckFailure, RunRecord
from .sync import SyncReport
from .vendors import VendorHarness

DEFAULT_TIMEOUT = 120.0
RUN_NAMES = ("first run", "second run")
_running: set[subprocess.Popen] = set()  # the commands this process runs now (kill_running)


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
    """Run the command in its own process group, passing its output through as it comes.

    Signals are only noted from before the start until the group is killed, and acted on at the
    checkpoints between short waits: a SIGTERM that landed while Popen or the reader thread was still
    starting (after the command was already running) used to escape before the `finally` that kills
    the group, and left the command running after the harness had gone. A signal raised inside
    `Popen.wait` could also leave its lock held and hang the final wait.
    """
    started = time.perf_counter()
    kept = BoundedOutput()  # the terminal gets everything; memory keeps a head and a tail
    process: subprocess.Popen | None = None
    code: int | None = None
    try:
        with deferred():
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
            _running.add(process)
            reader = threading.Thread(target=_pump, args=(process, kept, echo), daemon=True)
            reader.start()
            code = _wait(process, time.monotonic() + timeout)
    finally:  # timeout, Ctrl-C, SIGTERM, or a normal exit that left children behind: none outlive the run
        if process is not None:
            _kill_group(process)
            _running.discard(process)
    reader.join(timeout=5)
    return CommandRun(code, kept.text(), time.perf_counter() - started)


def _pump(process: subprocess.Popen, kept: BoundedOutput, echo: TextIO | None) -> None:
    """The command's output, line by line, into memory and (whole lines at a time) through to `echo`."""
    stdout = process.stdout
    assert stdout is not None
    for raw in iter(lambda: stdout.readline(LINE_BYTES), b""):
        line = raw.decode("utf-8", "replace")
        kept.append(line)
        if echo is not None:
            echo.write(line)
            echo.flush()


def _wait(process: subprocess.Popen, deadline: float) -> int | None:
    """The exit code, or None at the deadline; a signal noted meanwhile raises at the checkpoint."""
    while time.monotonic() < deadline:
        checkpoint()
        try:
            return process.wait(timeout=min(0.2, max(0.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            pass
    return None


def kill_running() -> None:
    """SIGKILL the group of every command this process runs now: for a process that is about to die
    without unwinding (a pool worker stopped with SIGTERM, workers.py)."""
    for process in list(_running):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


class DieOnSigterm(Interrupts):
    """SIGTERM in a process that must then die at once (a pool worker, workers.py): the commands it runs go
    first, each a session of its own and out of the signal's reach. While a command starts (run_command's
    `deferred`) the signal is only noted: run_command's checkpoint raises it once the group can be killed,
    and the caller exits with `Interrupted.exit_code`."""

    SIGNALS = (signal.SIGTERM,)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.deferring:
            self.signum = signum
            return
        kill_running()
        os._exit(128 + signum)


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
        return _report_file(path)
    lines = [(normalise_sku(line), line.strip()) for line in output.splitlines()]
    report = SyncReport(from_output=True)
    for product in source:
        # The SKU as a word of its own: SKU "a" is not named by every line with an "a" in it.
        named = re.compile(rf"(?<!\w){re.escape(product.key)}(?!\w)")
        said = [line for folded, line in lines if product.key and named.search(folded)]
        if said:
            report.errors[product.sku] = " | ".join(said)
    return report


def _report_file(path: Path) -> SyncReport:
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


def _read_report(path: Path, run: CommandRun, source: list[Product]) -> tuple[SyncReport, str | None]:
    """The run's report, and what was wrong with HARNESS_REPORT (then its output stands in)."""
    try:
        return report_from(path, run.output, source), None
    except ReportError as exc:
        path.unlink()
        return report_from(path, run.output, source), str(exc)


@contextlib.contextmanager
def _webhook_receiver(harness: VendorHarness, clock: Clock) -> Iterator[Any]:
    if harness.webhook_receiver is None:
        yield None, None
        return
    receiver = harness.webhook_receiver(harness.credentials, clock)
    with ServerThread(receiver.app) as server:
        yield receiver, server.base_url + receiver.path


class Command:
    """The pipeline's runner for a command: each sync is one run of it, with the harness environment."""

    virtual_clock = False

    def __init__(self, command: Sequence[str], timeout: float = DEFAULT_TIMEOUT, echo: TextIO | None = None):
        self.command, self.timeout, self.echo = command, timeout, echo
        self.runs: list[CommandRun] = []
        self.reports: list[SyncReport] = []
        self.problems: list[str | None] = []  # what was wrong with each run's HARNESS_REPORT
        self.env: dict[str, str] = {}
        self.report_path = Path()
        self.source: list[Product] = []

    @contextlib.contextmanager
    def connect(self, harness: VendorHarness, app: Any, source: list[Product]) -> Iterator[str]:
        """The mock on a port, a webhook receiver if the vendor sends webhooks, the catalogue in a file."""
        mock = Mock.of(app)
        with (
            tempfile.TemporaryDirectory(prefix="catalog-harness-") as workdir,
            ServerThread(app) as server,
            _webhook_receiver(harness, mock.clock) as (receiver, webhook_url),
        ):
            if webhook_url:
                mock.update_settings({"webhook_url": webhook_url})
            catalog, self.report_path = Path(workdir, "catalog.json"), Path(workdir, "report.json")
            write_catalog(catalog, source)
            self.source = source
            self.env = environment(harness, server.base_url, catalog, self.report_path, webhook_url)
            yield server.base_url
        if receiver is not None and self.reports:
            self.reports[0].webhooks = list(receiver.deliveries)

    def sync(self) -> SyncReport:
        self.report_path.unlink(missing_ok=True)  # each run writes its own report
        run = run_command(self.command, self.env, self.timeout, self.echo)
        report, problem = _read_report(self.report_path, run, self.source)
        self.runs.append(run)
        self.reports.append(report)
        self.problems.append(problem)
        return report

    def settle(self, mock: Mock) -> None:
        mock.backend.run_jobs()  # the vendor finishes queued work whether or not the command waited for it

    def failures(self, record: RunRecord) -> dict[str, list[CheckFailure]]:
        """A timeout fails; so does a non-zero exit when the command reported no failed or missing SKU, and
        a HARNESS_REPORT that cannot be read."""
        problems = bool(record.report.errors or record.report.missing_upstream)  # what the command reported
        failures: list[CheckFailure] = []
        for name, run in zip(RUN_NAMES, self.runs, strict=True):
            if run.not_started:
                failures.append(CommandFailure(f"{name}: {run.not_started}"))
            elif run.timed_out:
                failures.append(CommandFailure(f"{name}: still running after the timeout; killed"))
            elif run.exit_code and not problems:
                tail = run.output.strip().splitlines()[-3:]
                failures.append(
                    CommandFailure(f"{name}: exited with status {run.exit_code}: " + " / ".join(tail))
                )
        unreadable = [
            f"{name}: {problem}" for name, problem in zip(RUN_NAMES, self.problems, strict=True) if problem
        ]
        return {"command": failures + [CommandFailure(text) for text in unreadable]}
