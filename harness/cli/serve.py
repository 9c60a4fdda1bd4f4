"""`catalog-harness serve [VENDOR...]`: the vendor mocks on one port, each under /<vendor>."""

from __future__ import annotations

import gc
import sys
from types import SimpleNamespace
from typing import Any

import click

from .. import exitcodes, exposure
from .options import NORMAL, QUIET, VENDOR, VERBOSE, Host, Port, json_option, level, settings, verbosity

DEFAULT_PORT = 8080


@click.command(
    "serve",
    context_settings=settings(),
    help="Serve vendor mocks on one port, each under /<vendor> (default: all vendors).\n\n"
    "-q prints nothing but errors (and the --json line); -v logs every request, as --log does.",
    short_help="serve vendor mocks on one port, each under /<vendor>",
)
@click.argument("vendors", nargs=-1, type=VENDOR, metavar="[VENDOR]...")
@click.option("--host", type=Host(), default="127.0.0.1", help="interface to bind")
@click.option("--port", type=Port(), default=DEFAULT_PORT, help="port (0: any free one)")
@click.option("--virtual-clock", is_flag=True, help="start with a frozen clock (POST /__mock__/clock)")
@json_option("print the base URLs and credentials as one JSON line on stdout")
@click.option(
    "--log", is_flag=True, help="one line per request on stdout: method, path, status, ms, fault effect"
)
@exposure.options
@verbosity
@click.pass_context
def command(ctx: click.Context, **params: Any) -> int:
    args = SimpleNamespace(**params, verbosity=level(ctx))
    return run(args)


def build_server_app(names: list[str], virtual_clock: bool = False) -> Any:
    """One WSGI app serving each vendor's mock under /<vendor>; the root lists them.

    Built from the mock packages alone: `serve` answers sooner without the harness's clients, hypothesis
    and schemathesis."""
    import importlib

    from mocks.kit.clock import Clock
    from mocks.kit.dispatch import Mounts

    from ..live import mount

    mocks = {name: importlib.import_module(f"mocks.{name}") for name in names}
    app = Mounts({f"/{name}": mocks[name].create_app(clock=Clock(virtual=virtual_clock)) for name in names})
    return mount(app)  # the live view on each mock: /<vendor>/__mock__/ui (harness/live)


def run(args: SimpleNamespace) -> int:
    from mocks.kit.core import Mock
    from mocks.kit.server import PortInUse, serve_forever

    from .. import terminal, vendors

    console = terminal.console(stderr=True)
    names = list(args.vendors) or vendors.names()
    exposure.prepare(args, console)  # before the apps are built: they read the token and hosts
    app = build_server_app(names, args.virtual_clock)
    credentials = {name: Mock.of(app.mounts[f"/{name}"]).spec.credentials for name in names}
    log = request_line if args.log or args.verbosity == VERBOSE else None
    # One process holds all state (DESIGN rule 7); the kit's server core owns the sockets.
    # The journal packs each exchange into one bytes blob the collector never tracks; what it still sees per
    # request is mostly werkzeug's router garbage (a self-referencing closure): small young-generation passes
    # (measured ≤ 2 ms) instead of rare 50,000-object ones (5-50 ms, the p99 tail).
    gc.freeze()
    gc.set_threshold(5_000, 20, 100)
    try:
        serve_forever(app, args.host, args.port, lambda port: announce(args, names, credentials, port), log)
    except PortInUse as exc:
        console.print(
            f"catalog-harness serve: [red]error:[/] argument --port: {exc.strerror}; "
            "stop the other server or pick another port",
            soft_wrap=True,
        )
        return exitcodes.USAGE
    except OSError as exc:
        where = f"{args.host}:{args.port}"
        console.print(
            f"catalog-harness serve: [red]error:[/] argument --host/--port: cannot listen on {where}: "
            f"{exc.strerror}",
            soft_wrap=True,
        )
        return exitcodes.USAGE
    if args.verbosity > QUIET:
        console.print("stopped")
    return exitcodes.OK


def announce(args: SimpleNamespace, names: list[str], credentials: dict[str, dict], port: int) -> None:
    """Once the port listens: a table of mocks on stderr and, with --json, one line on stdout that a script
    reads before it sends its first request."""
    import json

    from rich.table import Table

    from .. import terminal, vendors

    console = terminal.console(stderr=True)
    base = f"http://{args.host}:{port}"
    if args.verbosity >= NORMAL:
        grid = Table(title="catalog-harness mocks", title_justify="left")
        for column in ("vendor", "base URL", "credentials"):
            grid.add_column(column, style="bold" if column == "vendor" else None)
        for name in names:
            creds = "  ".join(f"{k}={v}" for k, v in credentials[name].items())
            grid.add_row(name, f"{base}/{name}", creds)
        console.print(grid)
        console.print(f"control API: {base}/<vendor>/__mock__/  ·  Ctrl-C or SIGTERM stops")
    if args.json:
        mocks = {
            name: {
                "base_url": f"{base}/{name}",
                "api_url": f"{base}/{name}{vendors.api_path(name)}",
                "control_url": f"{base}/{name}/__mock__",
                "credentials": credentials[name],
            }
            for name in names
        }
        print(json.dumps({"port": port, "vendors": mocks}), flush=True)


def request_line(environ: dict, status: str, seconds: float) -> None:
    """`GET /shipstation/products?page=1 200 0.4ms`, plus `fault=EFFECT` when a fault rule acted: one plain
    line per request on stdout, written as the answer goes out (never cut or wrapped)."""
    fault = environ.get("mockkit.fault")
    line = f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {status[:3]} {seconds * 1000:.1f}ms"
    sys.stdout.write(f"{line} fault={fault}\n" if fault else line + "\n")
    sys.stdout.flush()
