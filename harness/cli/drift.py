"""`catalog-harness drift VENDOR CASSETTE`: replay a recorded cassette against a fresh mock
(harness.drift)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from .. import exitcodes
from .inputs import UsageError, output_file
from .options import EPILOG, QUIET, VENDOR, VERBOSE, file_option, json_option, level, settings, verbosity


@click.command(
    "drift",
    context_settings=settings(),
    help="Replay a recorded cassette (a HAR file, as `catalog-harness record` writes) against a fresh "
    "mock; name the quirks that remove the differences.\n\n"
    "-q prints only the verdict line; -v adds each difference as one plain line.",
    epilog=EPILOG,
    short_help="replay a recorded cassette against a fresh mock; name the quirks that remove differences",
)
@click.argument("vendor", type=VENDOR)
@click.argument("cassette", type=click.Path(dir_okay=False))
@json_option("print the drift report as JSON on stdout")
@file_option("--junit", "write a JUnit XML report (one case per exchange)")
@file_option("--html", "write a self-contained HTML report")
@verbosity
@click.pass_context
def command(ctx: click.Context, **params: Any) -> int:
    args = SimpleNamespace(**params, verbosity=level(ctx))
    output_file("--junit", args.junit)
    output_file("--html", args.html)
    return run(args)


def run(args: SimpleNamespace) -> int:
    from .. import terminal
    from ..drift import drift, results
    from ..report import write_junit

    try:
        report = drift(args.vendor, args.cassette)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.junit:
        write_junit(args.junit, results(report), f"catalog-harness drift {args.vendor}")
    if args.html:
        write_html(Path(args.html), report)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        show(terminal.console(min_width=140), report, args.verbosity)
    return exitcodes.DRIFT if report.drift else exitcodes.OK


def show(console: Any, report: Any, verbosity: int = 0) -> None:
    from rich.markup import escape
    from rich.table import Table

    if verbosity == QUIET:
        gaps = sum(d.fix is None for d in report.differences)
        verdict = (
            f"drift: {len(report.differences)} differences, {gaps} fidelity gaps"
            if report.drift
            else "no drift"
        )
        console.print(f"{report.vendor}: {verdict}", markup=False, highlight=False)
        return
    console.print(
        f"{report.vendor}: {report.replayed} of {report.exchanges} recorded exchanges replayed against "
        f"a fresh mock seeded with {report.seeded} products",
        highlight=False,
    )
    for line in report.skipped:
        console.print(f"  skipped: {line}", markup=False, highlight=False)
    if not report.drift:
        console.print("[green]no drift: the mock answered every exchange as the vendor did[/]")
        return
    grid = Table(title=f"drift: {report.vendor} vs {report.cassette}", title_justify="left", show_lines=True)
    for column in ("#", "request", "aspect", "where", "vendor said", "mock said", "fix"):
        grid.add_column(column, overflow="fold")
    for d in report.differences:
        fix = ", ".join(f"{k}={json.dumps(v)}" for k, v in d.fix.items()) if d.fix else "[yellow]none: gap[/]"
        grid.add_row(
            str(d.exchange),
            escape(d.request),
            d.aspect,
            escape(d.where),
            escape(d.vendor),
            escape(d.mock),
            fix,
        )
    console.print(grid)
    gaps = sum(d.fix is None for d in report.differences)
    console.print(f"{len(report.differences)} differences, {gaps} fidelity gaps (no quirk removes them)")
    if report.suggested_settings:
        console.print("apply the suggested settings to the mock with:")
        console.print(f"  PUT /__mock__/settings {json.dumps(report.suggested_settings)}", markup=False)
        if report.remaining:
            console.print(f"  (with them, {len(report.remaining)} differences remain)")
    if verbosity == VERBOSE:  # one plain line each, whole whatever the table folded
        for d in report.differences:
            console.print(f"  #{d.exchange}: {d.text()}", markup=False, highlight=False)


def write_html(path: Path, report: Any) -> None:
    """One self-contained page: the rows and the settings body (no scripts, no network)."""
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(cell))}</td>"
            for cell in (
                d.exchange,
                d.request,
                d.aspect,
                d.where,
                d.vendor,
                d.mock,
                json.dumps(d.fix) if d.fix else "none: a fidelity gap",
            )
        )
        + "</tr>"
        for d in report.differences
    )
    settings = html.escape(json.dumps(report.suggested_settings, indent=2))
    applied = f"<h2>Suggested settings</h2><pre>PUT /__mock__/settings\n{settings}</pre>"
    applied = applied if report.suggested_settings else ""
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>drift: {html.escape(report.vendor)}</title>
<style>body{{font:14px system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}}th{{background:#eee}}</style>
</head><body>
<h1>drift: {html.escape(report.vendor)}</h1>
<p>{report.replayed} of {report.exchanges} exchanges of {html.escape(report.cassette)} replayed;
{len(report.differences)} differences.</p>
<table><tr><th>#</th><th>request</th><th>aspect</th><th>where</th><th>vendor said</th><th>mock said</th>
<th>fix</th></tr>{rows}</table>
{applied}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
