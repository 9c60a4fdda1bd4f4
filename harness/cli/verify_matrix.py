"""`verify --quirk-matrix`: the same example(s) under each quirk variant; a matrix of variants by checks."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

from .. import exitcodes
from .options import QUIET


def run_matrix(args: SimpleNamespace, harness: Any, given: SimpleNamespace, example: Any, echo: Any) -> int:
    """`example`: the one to run under every variant, or None with --examples (generated per variant)."""
    from .. import matrix, terminal

    console = terminal.console(stderr=True)
    started = time.perf_counter()
    outcome = matrix.verify_matrix(
        harness,
        args.user_command,
        given.pins,
        example=example,
        examples=args.examples,
        seed=args.seed,
        timeout=args.timeout,
        echo=echo,
        faults=given.faults if args.faults else None,
        shrink_seconds=args.shrink_seconds,
        on_variant=lambda v: args.verbosity == QUIET or console.print(f"{args.vendor}: variant {v.name}"),
    )
    _report(args, outcome, time.perf_counter() - started)
    return exitcodes.OK if outcome.ok else exitcodes.FAILED


def _report(args: SimpleNamespace, outcome: Any, seconds: float) -> None:
    import shlex

    from .. import matrix, terminal
    from ..html_report import Timeline, write_html
    from ..report import to_json, write_junit

    command = args.user_command
    results = matrix.results(outcome, "verify")
    title = f"catalog-harness verify {args.vendor} --quirk-matrix"
    if args.junit:
        write_junit(args.junit, results, title)
    if args.html:
        timelines = [
            Timeline(args.vendor, f"first run [{c.variant.name}]", c.raw.record.journal)
            for c in outcome.columns
            if c.raw is not None
        ]
        verdicts = "; ".join(matrix.verdict_lines(outcome))
        write_html(
            args.html, title, results, timelines, {"command": shlex.join(command), "quirk matrix": verdicts}
        )
    if args.json:
        print(to_json(results, command="verify", vendor=args.vendor, argv=command,
                      quirk_matrix=outcome.as_json(), seconds=round(seconds, 2)))  # fmt: skip
        return
    out = terminal.console(min_width=140)
    if args.verbosity > QUIET:
        out.print(matrix.table(outcome))
    for line in matrix.verdict_lines(outcome):
        out.print(line, markup=False, highlight=False)
    for column in outcome.columns:
        for check, failures in column.failures.items():
            for failure in failures[:5]:
                out.print(
                    f"- [{column.variant.name}] {check}: {failure['text']}", markup=False, highlight=False
                )
