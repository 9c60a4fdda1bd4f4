"""`catalog-harness merge-reports OUT.json|OUT.xml IN...`: shards' reports joined into one
(harness.merge_reports)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from .. import exitcodes
from .inputs import UsageError, output_file
from .options import QUIET, VERBOSE, level, settings, verbosity

HELP = """Join the JSON or JUnit reports of shards (or workers) into one; OUT's suffix picks the format.

Inputs are the --json output or --junit files of check, verify or contract, in any mix. A result present
in several inputs becomes one: it passes only if it passed everywhere, its failures and times add up.

-q prints only the results that did not pass; -v adds each input and each merged result."""


@click.command(
    "merge-reports",
    context_settings=settings(),
    help=HELP,
    short_help="join the JSON or JUnit reports of shards into one (OUT.json or OUT.xml)",
)
@click.argument("out", metavar="OUT.json|OUT.xml")
@click.argument("inputs", nargs=-1, required=True, metavar="IN...")
@verbosity
@click.pass_context
def command(ctx: click.Context, **params: Any) -> int:
    args = SimpleNamespace(**params, verbosity=level(ctx))
    if Path(args.out).suffix not in (".json", ".xml"):
        raise UsageError(f"OUT must end in .json or .xml: {args.out}")
    output_file("OUT", args.out)
    return run(args)


def run(args: SimpleNamespace) -> int:
    from .. import terminal
    from ..merge_reports import MergeError, merge, read_report
    from ..report import to_json, verdict, write_junit

    console, out = terminal.console(stderr=True), Path(args.out)
    try:
        reports = [read_report(Path(name)) for name in args.inputs]
    except MergeError as exc:
        raise UsageError(str(exc)) from None
    results = merge([r for _, found in reports for r in found])
    meta = next((m for m, _ in reports if m), {})
    if out.suffix == ".json":
        out.parent.mkdir(parents=True, exist_ok=True)
        fields = {k: v for k, v in meta.items() if k not in ("ok", "results", "seconds")}
        merged_from = [str(name) for name in args.inputs]
        out.write_text(to_json(results, **fields, merged_from=merged_from) + "\n", encoding="utf-8")
    else:
        write_junit(out, results, str(meta.get("name") or "catalog-harness"))
    counts = {v: sum(verdict(r) == v for r in results) for v in ("pass", "fail", "inconclusive")}
    say = lambda line: console.print(line, markup=False, highlight=False)  # noqa: E731
    if args.verbosity == VERBOSE:
        for name, (_, found) in zip(args.inputs, reports, strict=True):
            say(f"{name}: {len(found)} results")
    for r in results:
        if args.verbosity == VERBOSE or (args.verbosity == QUIET and verdict(r) != "pass"):
            say(f"{verdict(r)}: {r.vendor} · {r.suite} · {r.name}")
    if args.verbosity > QUIET:
        say(
            f"{out}: {len(results)} results from {len(args.inputs)} reports: {counts['pass']} passed, "
            f"{counts['fail']} failed, {counts['inconclusive']} inconclusive"
        )
    if counts["fail"]:
        return exitcodes.FAILED
    return exitcodes.INCONCLUSIVE if counts["inconclusive"] else exitcodes.OK
