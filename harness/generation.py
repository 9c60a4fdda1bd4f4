"""Generated examples: hypothesis draws what a run starts from, and shrinks a failing one.

`explore` is the one example loop of `check`'s property run and `verify --examples`: hypothesis draws a
source catalogue, the vendor's records and a fault plan, the caller's `run_example` runs and judges each,
and a failure shrinks (within a time budget, when a run is a real process) to the smallest one found.
`generated_example` and `generated_catalogue` draw the one default example of a single `verify` run.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from .catalog import Product
from .interrupts import checkpoint
from .pipeline import Example
from .properties import ChecksFailed, Judged
from .shards import stable_generation
from .strategies import Scenario, remote_state, scenarios
from .vendors import VendorHarness

GENERATION_POOL = 40  # generated scenarios to choose the default one from


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


def example_id(scenario: Scenario, existing: list[dict]) -> str:
    """A short digest of what an example is made of: equal ids, equal examples (shards are compared by it)."""
    text = json.dumps([scenario.describe(), existing], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Exploration:
    """What an example loop found: the minimal failing run (else the last run) and how it got there."""

    examples: int = 0
    example_ids: list[str] = field(default_factory=list)  # a digest of each example run, in order
    first_failed_at: int | None = None  # the number of the first example that failed
    result: Judged | None = None  # the minimal failing run, else the last run
    example: Example | None = None  # what that run started from
    scenario: Scenario | None = None  # what hypothesis drew for it
    failed: bool = False  # hypothesis ended on a failing example
    error: Exception | None = None  # hypothesis ended on anything else

    def keep(self, example: Example, scenario: Scenario, result: Judged) -> None:
        """Take a finished run: the latest failure is the smallest so far; with none, the latest run."""
        if not result.ok and self.first_failed_at is None:
            self.first_failed_at = self.examples
        if self.result is None or self.result.ok or not result.ok:
            self.result, self.example, self.scenario = result, example, scenario

    def described(self) -> dict | None:
        """The kept run's scenario as a report shows it, with the vendor's records it started from."""
        if self.scenario is None or self.example is None:
            return None
        return self.scenario.describe() | {"existing": self.example.existing}


def explore(
    harness: VendorHarness,
    run_example: Callable[[Example], Judged],
    *,
    examples: int,
    seed: int,
    key: bytes,
    faults: list[dict] | None = None,  # a fixed fault plan for every example; None: generated plans
    shrink: bool = True,
    shrink_seconds: float | None = None,
    database: Any = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[int, Any], None] | None = None,
) -> Exploration:
    """Run `examples` generated examples (seeded), shrinking the first failure.

    With `shrink_seconds`, shrinking gets a time budget: after it, candidates are skipped and the smallest
    failure seen so far is the answer (each failure hypothesis finds while shrinking is smaller than the
    one before). `key` keeps saved failures (`--example-db`) apart per vendor and client.
    """
    adapter = harness.adapter
    found = Exploration()
    first_failure: list[float] = []
    budget = math.inf if shrink_seconds is None else shrink_seconds
    phases = (Phase.generate, Phase.shrink) if shrink else (Phase.generate,)

    # settings go on last: hypothesis' @seed alone turns the example database off.
    @run_settings(examples, phases, database)
    @hypothesis_seed(seed)
    @given(scenario=scenarios(adapter.fault_targets), data=st.data())
    def client_satisfies_checks(scenario: Scenario, data: Any) -> None:
        existing = data.draw(adapter.existing_records(scenario.remote), label="existing")
        if first_failure and time.monotonic() - first_failure[0] > budget:
            return  # out of shrinking time
        example = Example(scenario.source, existing, faults=scenario.faults if faults is None else faults)
        found.examples += 1
        found.example_ids.append(example_id(scenario, existing))
        if on_start:
            on_start(found.examples)
        result = run_example(example)
        found.keep(example, scenario, result)
        if on_result:
            on_result(found.examples, result)
        if not result.ok:
            first_failure[:1] = first_failure[:1] or [time.monotonic()]
            raise ChecksFailed(result.all_failures())

    client_satisfies_checks.hypothesis.inner_test._hypothesis_internal_add_digest = key  # type: ignore[attr-defined]
    try:
        client_satisfies_checks()
    except ChecksFailed:
        found.failed = True
    except Exception as exc:
        # A Ctrl-C raised inside hypothesis' own code can come out wrapped as an error: it is the interrupt.
        checkpoint()
        found.error = exc
    return found


# -- the default example of one run ------------------------------------------------------------------------
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
