"""`catalog-harness quirks [VENDOR]`: each vendor's quirks as its mock declares them (harness.quirks)."""

from __future__ import annotations

import json

import click

from .options import QUIET, VENDOR, VERBOSE, json_option, level, settings, verbosity


@click.command(
    "quirks",
    context_settings=settings(),
    help="List each vendor's quirks: default, kind, what it does, source.\n\n"
    "-q prints only VENDOR.QUIRK=DEFAULT, one a line; -v adds each quirk's other values.",
    short_help="list each vendor's quirks: default, kind, source",
)
@click.argument("vendor", required=False, type=VENDOR)
@json_option("print them as JSON")
@verbosity
@click.pass_context
def command(ctx: click.Context, vendor: str | None, **params: bool) -> int:
    from rich.table import Table

    from .. import terminal
    from ..quirks import _shown, all_quirks

    verbosity = level(ctx)
    rows = all_quirks(vendor)
    if params["json"]:
        print(json.dumps([{"vendor": name, **q.describe()} for name, q in rows], indent=2))
        return 0
    if verbosity == QUIET:
        print("\n".join(f"{name}.{q.name}={_shown(q.default)}" for name, q in rows))
        return 0
    table = Table(title=f"{len(rows)} quirks", title_justify="left")
    columns = ["vendor", "quirk", "default", "kind", "what it does", "source"]
    for column in columns + (["other values"] if verbosity == VERBOSE else []):
        table.add_column(column, overflow="fold")
    for name, q in rows:
        others = [", ".join(_shown(v) for v in q.variants)] if verbosity == VERBOSE else []
        table.add_row(name, q.name, _shown(q.default), q.kind, q.description, q.source, *others)
    terminal.console(min_width=140).print(table)
    return 0
