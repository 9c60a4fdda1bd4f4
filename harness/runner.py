"""Drive a sync client against a vendor mock, in process on a virtual clock, and judge the outcome.

`run_once` is one run of the pipeline (harness.pipeline: sync, then the same sync again for idempotence)
with the client in this process. `property_run` lets hypothesis generate the vendor's existing state, a
source catalogue and a fault plan (harness.generation), runs the client on each, applies every check, and
shrinks a failure to a minimal scenario.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.transport import in_process_session

from . import pipeline
from .catalog import Product
from .generation import example_id, explore, run_settings
from .pipeline import ClientFailure, Example
from .properties import CheckFailure, Judged, RunRecord
from .sync import SyncReport
from .vendors import VendorHarness

__all__ = ["ClientFailure", "InProcess", "PropertyOutcome", "RunResult", "example_id", "run_settings"]

BASE_URL = "http://mock"
ExtraChecks = dict[str, Callable[[RunRecord], list[CheckFailure]]]
ClientFactory = Callable[..., Any]


@dataclass
class RunResult(Judged):
    record: RunRecord
    failures: dict[str, list[CheckFailure]]
    requests: int  # sent by the first sync
    simulated_seconds: float  # virtual time the first sync took


class InProcess:
    """The pipeline's runner for a Python client: built by `factory(base_url=, session=, clock=)` for each
    sync, it calls the app in this process (no sockets) and sleeps on the mock's virtual clock."""

    virtual_clock = True

    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory
        self.app: Any = None
        self.source: list[Product] = []

    @contextlib.contextmanager
    def connect(self, harness: VendorHarness, app: Any, source: list[Product]) -> Iterator[str]:
        self.app, self.source = app, source
        yield BASE_URL

    def sync(self) -> SyncReport:
        clock: Clock = Mock.of(self.app).clock
        client = self.factory(base_url=BASE_URL, session=in_process_session(self.app, BASE_URL), clock=clock)
        try:
            report = client.sync(self.source)
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

    def settle(self, mock: Mock) -> None:
        """Nothing: on the virtual clock, queued work runs while the client waits for it (or never)."""

    def failures(self, record: RunRecord) -> dict[str, list[CheckFailure]]:
        return {}


def run_once(
    harness: VendorHarness,
    source: list[Product],
    existing: list[dict],
    faults: list[dict] | None = None,
    client_factory: ClientFactory | None = None,
    extra_checks: ExtraChecks | None = None,
    settings_: dict | None = None,
) -> RunResult:
    runner = InProcess(client_factory or harness.adapter.make_client)
    run = pipeline.run(
        harness, Example(source, existing, faults=faults or []), runner, extra_checks, settings_
    )
    return RunResult(run.record, run.failures, run.requests, run.seconds)


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
    client_factory: ClientFactory | None = None,
    extra_checks: ExtraChecks | None = None,
    on_example: Callable[[int], None] | None = None,
    settings_: dict | None = None,
    database: Any = None,
    shrink: bool = True,
) -> PropertyOutcome:
    """`examples` generated runs of the client (the reference client by default); `on_example(n)` hears of
    each before it runs. A failure shrinks to the minimal scenario; the outcome names it."""
    extra_checks = harness.property_checks if extra_checks is None else extra_checks

    def run_example(example: Example) -> RunResult:
        return run_once(
            harness, example.source, example.existing, example.faults, client_factory, extra_checks, settings_
        )

    found = explore(
        harness,
        run_example,
        examples=examples,
        seed=seed,
        key=harness.name.encode(),  # a failure saved for one vendor is not replayed against another
        shrink=shrink,
        database=database,
        on_start=on_example,
    )
    outcome = PropertyOutcome(harness.name, found.examples, example_ids=found.example_ids)
    outcome.first_failed_at = found.first_failed_at
    if isinstance(found.result, RunResult):
        outcome.journal = found.result.record.journal + found.result.record.second_journal
    if found.error is not None:
        outcome.error = "".join(traceback.format_exception_only(found.error)).strip()
    elif found.failed and found.result is not None:
        outcome.failures, outcome.scenario = found.result.all_failures(), found.described()
    return outcome
