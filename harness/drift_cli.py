"""`catalog-harness drift VENDOR CASSETTE [--json] [--junit FILE] [--html FILE]`."""

from __future__ import annotations

import argparse
import html
import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import exitcodes, vendors
from .drift import DriftReport, drift, results


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("vendor", metavar="VENDOR")
    parser.add_argument("cassette", metavar="CASSETTE", help="a HAR file, as `catalog-harness record` writes")
    parser.add_argument("--json", action="store_true", help="print the drift report as JSON on stdout")
    parser.add_argument("--junit", metavar="FILE", help="write a JUnit XML report (one case per exchange)")
    parser.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")


def run(args: argparse.Namespace) -> int:
    from .report import write_junit

    console = Console(stderr=True)
    vendors.get(args.vendor)  # KeyError names the known vendors
    try:
        report = drift(args.vendor, args.cassette)
    except ValueError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return exitcodes.USAGE
    if args.junit:
        write_junit(args.junit, results(report), f"catalog-harness drift {args.vendor}")
    if args.html:
        write_html(Path(args.html), report)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        show(Console(width=max(140, Console().width)), report)
    return exitcodes.DRIFT if report.drift else exitcodes.OK


def show(console: Console, report: DriftReport) -> None:
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


def write_html(path: Path, report: DriftReport) -> None:
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
