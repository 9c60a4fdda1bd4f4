"""`catalog-harness cases [VENDOR]`: the named vendor error cases (harness.cases)."""

from __future__ import annotations

import json

import click

from .options import QUIET, VENDOR, VERBOSE, json_option, level, settings, verbosity


@click.command(
    "cases",
    context_settings=settings(),
    help="List the named vendor error cases; `catalog-harness reproduce CASE` runs one.\n\n"
    "-q prints only the ids, one a line; -v adds each case's description.",
    short_help="list the named vendor error cases",
)
@click.argument("vendor", required=False, type=VENDOR)
@json_option("print id, vendor, title, description as JSON")
@verbosity
@click.pass_context
def command(ctx: click.Context, vendor: str | None, **params: bool) -> int:
    from rich.table import Table

    from .. import terminal
    from ..cases import all_cases

    verbosity = level(ctx)
    found = all_cases(vendor)
    if params["json"]:
        print(json.dumps([case.row() for case in found], indent=2))
        return 0
    if verbosity == QUIET:
        print("\n".join(case.id for case in found))
        return 0
    table = Table(title=f"{len(found)} error cases", title_justify="left")
    table.add_column("id", style="bold", no_wrap=True)
    for column in ("vendor", "title", *(["description"] if verbosity == VERBOSE else [])):
        table.add_column(column)
    for case in found:
        table.add_row(case.id, case.vendor, case.title, *([case.description] if verbosity == VERBOSE else []))
    terminal.console(min_width=120).print(table)
    return 0
