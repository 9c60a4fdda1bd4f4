"""Verify a user's own sync command, in any language, against a vendor mock on a real port.

`verify_once` is one run of the pipeline (harness.pipeline) with the command as its runner
(harness.command): seed the mock, run the command, finish the vendor's pending async work, run it again
(idempotence), then apply every check. `verify_examples` lets hypothesis generate catalogues and fault
plans (harness.generation) and shrinks a failure to a minimal example that `replay_files` saves for a
one-line replay.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from . import pipeline
from .catalog import write_catalog
from .command import (
    DEFAULT_TIMEOUT,
    Command,
    CommandFailure,
    CommandRun,
    ReportError,
    environment,
    report_from,
    run_command,
)
from .generation import GENERATION_POOL, explore, generated_catalogue, generated_example
from .pipeline import Example
from .properties import CheckFailure, Judged, RunRecord
from .vendors import VendorHarness

__all__ = [
    "GENERATION_POOL",
    "CommandFailure",
    "CommandRun",
    "Example",
    "ReportError",
    "environment",
    "generated_catalogue",
    "generated_example",
    "report_from",
    "run_command",
]

DEFAULT_SHRINK_SECONDS = 60.0


@dataclass
class VerifyResult(Judged):
    vendor: str
    base_url: str
    record: RunRecord
    failures: dict[str, list[CheckFailure]]
    runs: list[CommandRun]


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
    runner = Command(command, timeout, echo)
    run = pipeline.run(harness, example, runner, harness.property_checks, settings)
    return VerifyResult(harness.name, run.base_url, run.record, run.failures, runner.runs)


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
    Each run is a real process, so shrinking gets a time budget (`shrink_seconds`)."""

    def run_example(example: Example) -> VerifyResult:
        return verify_once(harness, example, command, timeout=timeout, echo=echo, settings=settings)

    found = explore(
        harness,
        run_example,
        examples=examples,
        seed=seed,
        key="\0".join([harness.name, *command]).encode(),  # saved failures per vendor and command
        faults=faults,
        shrink_seconds=shrink_seconds,
        database=database,
        on_result=on_example,
    )
    result = found.result if isinstance(found.result, VerifyResult) else None
    outcome = VerifyOutcome(
        harness.name, found.examples, result, found.example, found.example_ids, found.first_failed_at
    )
    if found.error is not None and outcome.ok:  # not the budget's doing (hypothesis calls a skipped
        raise found.error  # replay flaky): a real error
    return outcome


def replay_files(
    directory: Path, harness: VendorHarness, example: Example, command: Sequence[str]
) -> tuple[list[Path], str]:
    """Save a failing example as catalogue, vendor state and fault plan; return them and the replay line."""
    directory.mkdir(parents=True, exist_ok=True)
    catalog, state, faults = (
        directory / f"{harness.name}-{n}" for n in ("catalog.json", "state.json", "faults.json")
    )
    write_catalog(catalog, example.source)
    state.write_text(
        json.dumps(example.state or {"products": example.existing}, indent=2, ensure_ascii=False) + "\n"
    )
    faults.write_text(json.dumps(example.faults, indent=2) + "\n")
    options = ["--catalog", str(catalog), "--state", str(state), "--faults", str(faults)]
    line = shlex.join(["catalog-harness", "verify", harness.name, *options, "--", *command])
    return [catalog, state, faults], line
