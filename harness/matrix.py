"""The quirk matrix: run the same examples under the default settings and under each quirk's other values.

A client must pass every *tolerable* variant (a careful client works whatever the vendor really does). For
an *exclusive* quirk (its readings can't all be met, e.g. which path a signature covers) the matrix says
which readings the client works with, and fails only when it works with none; the tolerable variants then
run under a reading it works with. `verify --quirk-matrix` and `check --quirk-matrix` use this; a column is
whatever the caller's `run` makes of one set of quirks (a verify run, a property run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mocks.kit.quirks import EXCLUSIVE, TOLERABLE

from . import checks
from .quirks import Variant, declared, exclusive_reading, variants
from .report import Result


@dataclass
class Column:
    """One variant's verdict: each check passed or not, with its failures as report dicts."""

    variant: Variant
    status: dict[str, bool]
    failures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    detail: str | None = None  # e.g. a property run's error
    seconds: float = 0.0
    raw: Any = None  # the run behind it (VerifyResult, PropertyOutcome), for timelines

    @property
    def ok(self) -> bool:
        return all(self.status.values()) and self.detail is None


@dataclass
class MatrixOutcome:
    vendor: str
    columns: list[Column]
    readings: dict[str, list[Any]]  # exclusive quirk -> the values the client works with
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def checks(self) -> list[str]:
        return list(dict.fromkeys(name for column in self.columns for name in column.status))

    def works_with(self) -> list[str]:
        """'signing_path: without_query' for each exclusive reading the client met."""
        return [exclusive_reading(self.vendor, q, v) for q, values in self.readings.items() for v in values]

    def as_json(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "ok": self.ok,
            "problems": self.problems,
            "works_with": self.works_with(),
            "variants": [
                {**c.variant.as_json(), "ok": c.ok, "checks": c.status, "detail": c.detail}
                for c in self.columns
            ],
        }


def run_matrix(vendor: str, pins: dict[str, Any], run: Callable[[Variant], Column]) -> MatrixOutcome:
    """Default first, then each exclusive quirk's other readings, then each tolerable quirk flipped (under
    the first reading the client works with)."""
    all_variants = variants(vendor, pins)
    default = all_variants[0]
    columns = [run(default)]
    base = dict(default.quirks)
    readings: dict[str, list[Any]] = {}
    problems: list[str] = []
    for quirk in (q for q in declared(vendor) if q.kind == EXCLUSIVE and q.name not in pins):
        working = [default.quirks[quirk.name]] if columns[0].ok else []
        for variant in (v for v in all_variants if v.quirk == quirk.name):
            column = run(variant)
            columns.append(column)
            if column.ok:
                working.append(variant.quirks[quirk.name])
        readings[quirk.name] = working
        if working:
            base[quirk.name] = working[0]
        else:
            problems.append(
                f"works with no reading of exclusive quirk {quirk.name} ({', '.join(map(str, quirk.values))})"
            )
    if not readings and not columns[0].ok:
        problems.append(f"fails the default settings: {', '.join(_failed(columns[0]))}")
    for variant in (v for v in all_variants if v.kind == TOLERABLE):
        shifted = {k: v for k, v in base.items() if v != default.quirks[k]}
        name = variant.name + "".join(f" (with {k}={v})" for k, v in shifted.items())
        quirks = {**base, variant.quirk: variant.quirks[variant.quirk]}  # type: ignore[index]
        column = run(Variant(name, quirks, TOLERABLE, variant.quirk))
        columns.append(column)
        if not column.ok:
            problems.append(f"fails tolerable variant {name}: {', '.join(_failed(column))}")
    return MatrixOutcome(vendor, columns, readings, problems)


def _failed(column: Column) -> list[str]:
    failed = [name for name, ok in column.status.items() if not ok]
    return failed or ([column.detail] if column.detail else [])


def results(outcome: MatrixOutcome, suite: str) -> list[Result]:
    """One Result per variant and check (suite "<suite> [<variant>]"), then the matrix verdict. A failed
    exclusive reading is not a failure while the client works with another: it is reported, not failed."""
    found: list[Result] = []
    for column in outcome.columns:
        variant = column.variant
        if variant.kind == EXCLUSIVE:
            tolerated = bool(outcome.readings.get(variant.quirk or ""))
        else:  # the default fails where the client meets another reading of an exclusive quirk
            tolerated = variant.kind == "default" and any(
                values and variant.quirks[quirk] not in values for quirk, values in outcome.readings.items()
            )
        for check, ok in column.status.items():
            note = None
            if not ok and tolerated:
                works = ", ".join(outcome.works_with())
                note = f"the client does not work with {variant.name}; it works with {works}"
            found.append(
                Result(
                    outcome.vendor,
                    f"{suite} [{variant.name}]",
                    check,
                    ok or tolerated,
                    column.seconds / max(1, len(column.status)),
                    note or (column.detail if not ok else None),
                    column.failures.get(check, []),
                    extra={"variant": variant.as_json(), "passed": ok},
                )
            )
    summary = outcome.problems or [
        f"passes every tolerable variant; works with: {', '.join(outcome.works_with()) or '-'}"
    ]
    found.append(
        Result(
            outcome.vendor,
            f"{suite} verdict",
            "quirk matrix",
            outcome.ok,
            0.0,
            "; ".join(summary),
            extra={"matrix": outcome.as_json()},
        )
    )
    return found


def table(outcome: MatrixOutcome) -> Any:
    """Variants by checks, pass or FAIL, for the terminal."""
    from rich.table import Table

    grid = Table(title=f"{outcome.vendor}: quirk matrix", title_justify="left")
    grid.add_column("variant", style="bold")
    grid.add_column("kind")
    checks = outcome.checks
    for check in checks:
        grid.add_column(check)
    for column in outcome.columns:
        cells = [
            ("[green]pass[/]" if column.status[c] else "[red]FAIL[/]") if c in column.status else "-"
            for c in checks
        ]
        grid.add_row(column.variant.name, column.variant.kind, *cells)
    return grid


def verdict_lines(outcome: MatrixOutcome) -> list[str]:
    lines = [f"{outcome.vendor}: works with {reading}" for reading in outcome.works_with()]
    lines += [f"{outcome.vendor}: {problem}" for problem in outcome.problems]
    if outcome.ok:
        lines.append(f"{outcome.vendor}: quirk matrix passed ({len(outcome.columns)} variants)")
    return lines


# -- columns from the harness's runs -----------------------------------------------------------------------
def verify_column(variant: Variant, result: Any, seconds: float) -> Column:
    """A column from a verify run (harness.verify.VerifyResult)."""
    return Column(
        variant,
        {name: not failures for name, failures in result.failures.items()},
        {
            name: [dict(f.as_dict(), text=str(f)) for f in failures]
            for name, failures in result.failures.items()
        },
        seconds=seconds,
        raw=result,
    )


def property_column(variant: Variant, outcome: Any, check_names: list[str], seconds: float) -> Column:
    """A column from a property run (harness.runner.PropertyOutcome)."""
    failures: dict[str, list[dict[str, Any]]] = {}
    for failure in outcome.failures:
        failures.setdefault(failure.check, []).append(dict(failure.as_dict(), text=str(failure)))
    return Column(variant, outcome.check_status(check_names), failures, outcome.error, seconds, outcome)


def verify_matrix(
    harness: Any,
    command: list[str],
    pins: dict[str, Any],
    *,
    example: Any = None,
    examples: int | None = None,
    seed: int = 0,
    timeout: float = 120.0,
    echo: Any = None,
    faults: list[dict] | None = None,
    shrink_seconds: float = 60.0,
    on_variant: Callable[[Variant], None] | None = None,
) -> MatrixOutcome:
    """`verify --quirk-matrix`: the same example, or the same generated examples (same seed), per variant."""
    import time

    from .verify import verify_examples, verify_once

    def run(variant: Variant) -> Column:
        if on_variant:
            on_variant(variant)
        started = time.perf_counter()
        settings = {"quirks": variant.quirks}
        if examples:
            outcome = verify_examples(
                harness,
                command,
                examples,
                seed,
                timeout=timeout,
                echo=echo,
                faults=faults,
                shrink_seconds=shrink_seconds,
                settings=settings,
            )
            if outcome.result is None:
                return Column(variant, {}, detail="no example ran", seconds=time.perf_counter() - started)
            result = outcome.result
        else:
            result = verify_once(harness, example, command, timeout=timeout, echo=echo, settings=settings)
        return verify_column(variant, result, time.perf_counter() - started)

    return run_matrix(harness.name, pins, run)


def property_matrix(
    harness: Any,
    examples: int,
    seed: int,
    pins: dict[str, Any] | None = None,
    client_factory: Callable[..., Any] | None = None,
) -> MatrixOutcome:
    """`check --quirk-matrix`: the property run of a client (the reference client by default) per variant."""
    import time

    from .runner import property_run

    names = checks.names(harness.name)

    def run(variant: Variant) -> Column:
        started = time.perf_counter()
        outcome = property_run(
            harness, examples, seed, client_factory=client_factory, settings_={"quirks": variant.quirks}
        )
        return property_column(variant, outcome, names, time.perf_counter() - started)

    return run_matrix(harness.name, pins or {}, run)
