"""The one run pipeline of `check` and `verify`: seed a fresh mock, run the client twice, judge the record.

    fresh mock ─► seed (or restore) ─► settings ─► runner.connect ─► faults ─► first sync ─► settle
        ─► journal + state ─► clear faults and journal ─► second sync ─► settle ─► checks

Only how the client is run differs, and that is a `Runner`: in this process on a virtual clock (the
reference clients and the Python API, `harness.runner.InProcess`) or a user's command in a subprocess
against a real port (`harness.command.Command`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from mocks.kit.clock import Clock
from mocks.kit.core import Mock

from .catalog import Product
from .properties import CheckFailure, RunRecord, run_checks
from .sync import SyncReport
from .vendors import VendorHarness

Checks = dict[str, Callable[[RunRecord], list[CheckFailure]]]


@dataclass
class Example:
    """What one run starts from: the source, what the vendor holds, and faults to inject."""

    source: list[Product]
    existing: list[dict] = field(default_factory=list)  # vendor records to seed
    state: dict | None = None  # or a whole mock snapshot (GET /__mock__/state) to restore
    faults: list[dict] = field(default_factory=list)


class ClientFailure(CheckFailure):
    """The client under test broke the harness's contract with it (sync() must return a SyncReport)."""

    check = "client"


class Runner(Protocol):
    """How the client under test is run. One instance serves one run: it may keep what it saw."""

    virtual_clock: bool  # the mock's clock: virtual (the client sleeps on it) or real

    def connect(self, harness: VendorHarness, app: Any, source: list[Product]) -> AbstractContextManager[str]:
        """Make the mock reachable for the client while the context lasts; yields the base URL."""
        ...

    def sync(self) -> SyncReport:
        """Run the client once; its report. Raises ClientFailure when there is nothing to judge it by."""
        ...

    def settle(self, mock: Mock) -> None:
        """After each sync: what the vendor does whether or not the client waited for it."""
        ...

    def failures(self, record: RunRecord) -> dict[str, list[CheckFailure]]:
        """The runner's own failures (a command that timed out, say), after the checks' ones."""
        ...


@dataclass
class Run:
    record: RunRecord
    failures: dict[str, list[CheckFailure]]  # check name -> its failures, empty on a pass
    requests: int  # sent by the first sync
    seconds: float  # clock time the first sync took (virtual time in process)
    base_url: str


def run(
    harness: VendorHarness,
    example: Example,
    runner: Runner,
    checks: Checks | None = None,
    settings: dict | None = None,
) -> Run:
    """One run. `settings` (e.g. {"quirks": {...}}, a quirk-matrix variant) go on after any restored state;
    `checks` are applied after the core ones."""
    clock = Clock(virtual=runner.virtual_clock)
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
    with runner.connect(harness, app, example.source) as base_url:
        mock.install_faults(example.faults)
        started = clock.now()
        try:
            report = runner.sync()
        except ClientFailure as failure:  # nothing to judge the run by: that is the one failure
            record = RunRecord(
                harness.adapter, example.source, before, before, mock.journal.entries(), SyncReport()
            )
            return Run(record, {failure.check: [failure]}, 0, clock.now() - started, base_url)
        seconds = clock.now() - started
        runner.settle(mock)
        journal, after = mock.journal.entries(), backend.products(account)
        mock.faults.clear()
        mock.journal.clear()
        second = runner.sync()  # the same sync again: idempotence
        runner.settle(mock)
        second_journal = mock.journal.entries()
    record = RunRecord(
        harness.adapter, example.source, before, after, journal, report, second_journal, second
    )
    requests = len(record.requests())
    return Run(record, {**run_checks(record, checks), **runner.failures(record)}, requests, seconds, base_url)
