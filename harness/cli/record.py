"""`catalog-harness record VENDOR --upstream URL`: a recording reverse proxy (harness.record)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from .. import exitcodes
from .inputs import UsageError
from .options import QUIET, VENDOR, VERBOSE, Host, Port, level, settings, verbosity


@click.command(
    "record",
    context_settings=settings(),
    help="A recording reverse proxy: forward to a vendor, write every exchange to a HAR file, with "
    "credentials redacted. Runs until Ctrl-C or SIGTERM.\n\n"
    "-q prints only the count recorded at the end; -v adds one line per exchange (method, path, status, ms).",
    short_help="a recording reverse proxy: forward to a vendor, write every exchange to a HAR file",
)
@click.argument("vendor", type=VENDOR)
@click.option("--upstream", required=True, metavar="URL", help="the vendor API (or sandbox) root")
@click.option("--host", type=Host(), default="127.0.0.1", help="interface to bind")
@click.option("--port", type=Port(), default=0, help="port (0: any free one, printed)")
@click.option("--out", metavar="FILE", help="the HAR cassette (default VENDOR.har)")
@verbosity
@click.pass_context
def command(ctx: click.Context, **params: Any) -> int:
    from urllib.parse import urlsplit

    args = SimpleNamespace(**params, verbosity=level(ctx))
    parts = urlsplit(args.upstream)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--upstream must be an http(s) URL, got {args.upstream!r}")
    return run(args)


def run(args: SimpleNamespace) -> int:
    """Until Ctrl-C or SIGTERM."""
    import signal
    import threading

    from .. import terminal
    from ..record import serve
    from .serve import request_line

    console = terminal.console(stderr=True)
    out = Path(args.out or f"{args.vendor}.har")
    log = request_line if args.verbosity == VERBOSE else None
    try:
        server, cassette = serve(args.vendor, args.upstream, out, args.host, args.port, on_request=log)
    except OSError as exc:
        console.print(f"[red]error:[/] --port {args.port}: {exc.strerror or exc}")
        return exitcodes.USAGE
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.verbosity > QUIET:
        console.print(
            f"recording {args.vendor}: http://{server.host}:{server.port} → {args.upstream}, cassette {out} "
            "(credentials redacted) · Ctrl-C or SIGTERM stops",
            highlight=False,
        )
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    server.stop()
    console.print(f"{len(cassette.entries)} exchanges recorded in {out}")
    return exitcodes.OK
