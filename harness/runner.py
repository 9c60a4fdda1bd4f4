"""Drive a sync client against a vendor mock, in process on a virtual clock, and judge the outcome.

`run_once` is one run (sync, then the same sync again for idempotence). `property_run` lets
hypothesis generate the vendor's existing state, a source catalogue and a fault plan, runs the
client on each, applies every check, and shrinks a failure to a minimal scenario.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.transport import in_process_session

from .catalog import Product
from .properties import CheckFailure, ChecksFailed, Judged, RunRecord, run_checks
from .strategies import Scenario, scenarios
from .sync import SyncReport
from .vendors import VendorHarness

BASE_URL = "http://mock"
ExtraChecks = dict[str, Callable[[RunRecord], list[CheckFailure]]]


@dataclass
class RunResult(Judged):
    record: RunRecord
    failures: dict[str, list[CheckFailure]]
    requests: int  # sent by the first sync
    simulated_seconds: float  # virtual time the first sync took


def run_once(
    harness: VendorHarness,
    source: list[Product],
    existing: list[dict],
    faults: list[dict] | None = None,
    client_factory: Callable[..., Any] | None = None,
    extra_checks: ExtraChecks | None = None,
    settings_: dict | None = None,
) -> RunResult:
    adapter = harness.adapter
    factory = client_factory or adapter.make_client
    clock = Clock(virtual=True)
    app = harness.create_app(clock=clock, settings=settings_)
    mock = Mock.of(app)
    account = mock.backend.default_account
    mock.backend.seed(account, existing)
    before = mock.backend.products(account)
    mock.install_faults(faults or [])
    started = clock.now()
    try:
        report = _sync(factory, app, clock, source)
    except ClientFailure as failure:  # nothing to judge the run by: that is the one failure
        record = RunRecord(adapter, source, before, before, mock.journal.entries(), SyncReport())
        return RunResult(record, {"client": [failure]}, 0, clock.now() - started)
    elapsed = clock.now() - started
    journal = mock.journal.entries()
    after = mock.backend.products(account)
    mock.faults.clear()
    mock.journal.clear()
    second = _sync(factory, app, clock, source)
    record = RunRecord(adapter, source, before, after, journal, report, mock.journal.entries(), second)
    requests = sum(1 for e in journal if e.get("type") == "request")
    return RunResult(record, run_checks(record, extra_checks), requests, elapsed)


class ClientFailure(CheckFailure):
    """The client under test broke the harness's contract with it (sync() must return a SyncReport)."""

    check = "client"


def _sync(factory: Callable[..., Any], app: Any, clock: Clock, source: list[Product]) -> SyncReport:
    client = factory(base_url=BASE_URL, session=in_process_session(app, BASE_URL), clock=clock)
    try:
        report = client.sync(source)
    except Exception as exc:  # a crashing client is a finding, not a harness error
        report = SyncReport()
        report.errors["*"] = "client raised " + "".join(traceback.format_exception_only(exc)).strip()
        return report
    if not isinstance(report, SyncReport):
        raise ClientFailure(
            f"{type(client).__name__}.sync() returned {type(report).__name__}; it must return a "
            "harness.sync.SyncReport (created, updated, unchanged, missing_upstream, errors by SKU)"
        )
    return report


def run_settings(
    examples: int,
    phases: tuple[Phase, ...] = (Phase.generate, Phase.shrink),
    database: Any = None,
) -> Any:
    """Settings for runs that drive a client: no deadline, no health checks, and no example database
    unless one is given (`--example-db`): then saved failures are replayed first."""
    if database is not None and Phase.reuse not in phases:
        phases = (Phase.reuse, *phases)
    return settings(
        max_examples=examples,
        deadline=None,
        database=database,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
        phases=phases,
    )


@dataclass
class PropertyOutcome:
    vendor: str
    examples: int = 0
    failures: list[CheckFailure] = field(default_factory=list)
    scenario: dict | None = None  # the minimal failing scenario
    error: str | None = None
    journal: list[dict] = field(default_factory=list)  # of the minimal failing run, else of the last run
    example_ids: list[str] = field(default_factory=list)  # a digest of each example run, in order
    first_failed_at: int | None = None  # the number of the first example that failed

    @property
    def ok(self) -> bool:
        return not self.failures and self.error is None

    def check_status(self, names: list[str]) -> dict[str, bool]:
        failed = {f.check for f in self.failures}
        return {name: name not in failed and self.error is None for name in names}


def property_run(
    harness: VendorHarness,
    examples: int = 25,
    seed: int = 0,
    client_factory: Callable[..., Any] | None = None,
    extra_checks: ExtraChecks | None = None,
    on_example: Callable[[int], None] | None = None,
    settings_: dict | None = None,
    database: Any = None,
    shrink: bool = True,
) -> PropertyOutcome:
    adapter = harness.adapter
    extra_checks = harness.property_checks if extra_checks is None else extra_checks
    outcome = PropertyOutcome(harness.name)
    last: dict[str, Any] = {}

    # settings go on last: hypothesis' @seed alone turns the example database off.
    @run_settings(examples, (Phase.generate, Phase.shrink) if shrink else (Phase.generate,), database)
    @hypothesis_seed(seed)
    @given(scenario=scenarios(adapter.fault_targets), data=_data())
    def sync_satisfies_checks(scenario: Scenario, data: Any) -> None:
        existing = data.draw(adapter.existing_records(scenario.remote), label="existing")
        outcome.examples += 1
        outcome.example_ids.append(example_id(scenario, existing))
        if on_example:
            on_example(outcome.examples)
        result = run_once(
            harness, scenario.source, existing, scenario.faults, client_factory, extra_checks, settings_
        )
        outcome.journal = result.record.journal + result.record.second_journal
        if not result.ok:
            outcome.first_failed_at = outcome.first_failed_at or outcome.examples
            last.update(scenario=scenario.describe() | {"existing": existing}, failures=result.all_failures())
            raise ChecksFailed(result.all_failures())

    # One database key per vendor: a failure saved for one vendor is not replayed against another.
    sync_satisfies_checks.hypothesis.inner_test._hypothesis_internal_add_digest = harness.name.encode()  # type: ignore[attr-defined]
    try:
        sync_satisfies_checks()
    except ChecksFailed:
        outcome.failures = last["failures"]
        outcome.scenario = last["scenario"]
    except Exception as exc:
        outcome.error = "".join(traceback.format_exception_only(exc)).strip()
    return outcome


def example_id(scenario: Scenario, existing: list[dict]) -> str:
    """A short digest of what an example is made of: equal ids, equal examples (shards are compared by it)."""
    import hashlib
    import json

    text = json.dumps([scenario.describe(), existing], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _data() -> Any:
    from hypothesis import strategies as st

    return st.data()
