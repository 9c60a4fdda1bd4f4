"""catalog-harness: serve the vendor mocks, and check them (contracts + property runs)."""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import vendors

DEFAULT_PORT = 8080


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="catalog-harness", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve vendor mocks on one port, each under /<vendor>")
    serve.add_argument(
        "vendors", nargs="*", metavar="VENDOR", help=f"default: all ({', '.join(vendors.names())})"
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any free)"
    )
    serve.add_argument(
        "--virtual-clock", action="store_true", help="start with a frozen clock (POST /__mock__/clock)"
    )
    serve.set_defaults(run=_serve)

    check = commands.add_parser("check", help="contract conformance and property runs, in process")
    check.add_argument("vendors", nargs="*", metavar="VENDOR", help="default: all")
    check.add_argument("--examples", type=int, default=25, help="hypothesis examples per property run (25)")
    check.add_argument(
        "--contract-examples", type=int, default=20, help="examples per operation and mode (20)"
    )
    check.add_argument("--seed", type=int, default=0, help="seed for generation (0)")
    check.add_argument("--json", action="store_true", help="print the full result as JSON on stdout")
    check.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    check.set_defaults(run=_check)

    contract = commands.add_parser(
        "contract", help="the QA gate: a vendor's contract against a mock (default) or any base URL"
    )
    contract.add_argument("vendor", metavar="VENDOR")
    contract.add_argument("--base-url", help="e.g. a vendor sandbox; credentials come from the environment")
    contract.add_argument("--allow-writes", action="store_true", help="also run operations that change data")
    contract.add_argument("--examples", type=int, default=20, help="examples per operation and mode (20)")
    contract.add_argument("--seed", type=int, default=0, help="seed for generation (0)")
    contract.add_argument("--json", action="store_true", help="print the full result as JSON on stdout")
    contract.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    contract.set_defaults(run=_contract)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc.args[0]}")
        return 2


def _selected(names: list[str]) -> list[str]:
    for name in names:
        vendors.get(name)  # raises KeyError naming the known vendors
    return names or vendors.names()


# -- serve -------------------------------------------------------------------------------------------------
def build_server_app(names: list[str], virtual_clock: bool = False) -> Any:
    """One WSGI app serving each vendor's mock under /<vendor>; the root lists them."""
    import json

    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.wrappers import Response

    from mocks.kit.clock import Clock

    mounts = {f"/{name}": vendors.get(name).create_app(clock=Clock(virtual=virtual_clock)) for name in names}
    index = Response(
        json.dumps({"vendors": {name: f"/{name}" for name in names}}), 404, mimetype="application/json"
    )
    return DispatcherMiddleware(index, mounts)


def _serve(args: argparse.Namespace) -> int:
    from granian.constants import Interfaces
    from granian.server import MPServer

    console = Console(stderr=True)
    names = _selected(args.vendors)
    app = build_server_app(names, args.virtual_clock)
    port = args.port or _free_port(args.host)
    grid = Table(title="catalog-harness mocks", title_justify="left")
    grid.add_column("vendor", style="bold")
    grid.add_column("base URL")
    grid.add_column("credentials")
    for name in names:
        creds = "  ".join(f"{k}={v}" for k, v in vendors.get(name).credentials.items())
        grid.add_row(name, f"http://{args.host}:{port}/{name}", creds)
    console.print(grid)
    console.print(f"control API: http://{args.host}:{port}/<vendor>/__mock__/  ·  Ctrl-C or SIGTERM stops")
    # One worker process holds all state (DESIGN rule 7); granian's Rust core does the HTTP work.
    # The journal keeps thousands of live objects; frequent full collections over them were the p99 tail.
    gc.freeze()
    gc.set_threshold(50_000, 50, 1000)
    server = MPServer(
        target="catalog-harness",
        address=args.host,
        port=port,
        interface=Interfaces.WSGI,
        workers=1,
        blocking_threads=1,  # one Python thread: no GIL hand-offs between request threads
        log_access=False,
        log_enabled=False,
    )
    server.serve(target_loader=lambda *_, **__: app, wrap_loader=False)
    console.print("stopped")
    return 0


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# -- check -------------------------------------------------------------------------------------------------
def _check(args: argparse.Namespace) -> int:
    from .conformance import run_contract
    from .properties import CHECKS
    from .report import Result, print_results, to_json, write_junit
    from .runner import property_run

    names = _selected(args.vendors)
    console = Console(stderr=True)
    results: list[Result] = []
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        for name in names:
            harness = vendors.get(name)
            for contract, auth, excluded in (
                (name, None, None),
                ("control", lambda case: {}, vendors.CONTROL_EXCLUDED_CHECKS),
            ):
                task = progress.add_task(f"{name}: {contract} contract", total=None)
                run = run_contract(
                    harness,
                    contract,
                    auth=auth,
                    excluded_checks=excluded,
                    max_examples=args.contract_examples,
                    seed=args.seed,
                    on_result=lambda r, t=task: progress.advance(t),
                )
                progress.remove_task(task)
                suite = "contract" if contract == name else "control contract"
                results.extend(r.as_result(suite) for r in run.results)
                if not args.json:
                    console.print(f"{name}: {suite}: {sum(r.ok for r in run.results)}/{len(run.results)} ok")
            if harness.adapter is None:
                continue
            task = progress.add_task(f"{name}: property run", total=args.examples)
            began = time.perf_counter()
            outcome = property_run(
                harness,
                args.examples,
                args.seed,
                on_example=lambda n, t=task: progress.update(t, completed=n),
            )
            progress.remove_task(task)
            seconds = time.perf_counter() - began
            check_names = [*CHECKS, *harness.property_checks]
            for check_name, ok in outcome.check_status(check_names).items():
                failures = [dict(f.as_dict(), text=str(f)) for f in outcome.failures if f.check == check_name]
                results.append(
                    Result(
                        name,
                        "property",
                        check_name,
                        ok,
                        seconds / len(check_names),
                        outcome.error if not ok and outcome.error else None,
                        failures,
                        extra={"examples": outcome.examples, "scenario": outcome.scenario},
                    )
                )
            if not args.json:
                console.print(
                    f"{name}: property run: {outcome.examples} examples, "
                    f"{'all checks pass' if outcome.ok else 'FAILED'}"
                )
    if args.junit:
        write_junit(args.junit, results, "catalog-harness check")
    if args.json:
        print(
            to_json(
                results,
                command="check",
                vendors=names,
                seed=args.seed,
                seconds=round(time.perf_counter() - started, 2),
            )
        )
    else:
        out = Console(width=max(140, Console().width))  # room for every check column
        _summarise(out, results)
        failed = [r for r in results if not r.ok]
        if failed:
            print_results(out, failed, "failures")
        out.print(
            f"{len(results) - len(failed)} passed, {len(failed)} failed "
            f"in {time.perf_counter() - started:.1f}s"
        )
    return 0 if all(r.ok for r in results) else 1


# -- contract ----------------------------------------------------------------------------------------------
def _contract(args: argparse.Namespace) -> int:
    import contextlib
    import os

    from mocks.kit.server import ServerThread

    from .conformance import run_contract
    from .report import print_results, to_json, write_junit

    console = Console(stderr=True)
    harness = vendors.get(args.vendor)
    with contextlib.ExitStack() as stack:
        if args.base_url:
            missing = [name for name in harness.env_credentials if not os.environ.get(name)]
            if missing or harness.contract_auth_for is None:
                console.print(
                    f"[red]error:[/] set {', '.join(missing)} to test {args.vendor} at {args.base_url}"
                )
                return 2
            credentials = {key: os.environ[name] for name, key in harness.env_credentials.items()}
            base_url, auth = args.base_url, harness.contract_auth_for(credentials, args.base_url)
        else:
            server = stack.enter_context(ServerThread(harness.create_app(settings=harness.contract_settings)))
            base_url, auth = server.base_url + _base_path(args.vendor), harness.contract_auth
        console.print(
            f"{args.vendor}: {'all' if args.allow_writes else 'read-only'} operations at {base_url}"
        )
        run = run_contract(
            harness,
            base_url=base_url,
            auth=auth,
            max_examples=args.examples,
            seed=args.seed,
            read_only=not args.allow_writes,
            on_result=lambda r: console.print(
                f"  {'ok  ' if r.ok else 'FAIL'} {r.operation} [{r.mode}] {r.examples} examples"
            ),
        )
    results = [r.as_result() for r in run.results]
    if args.junit:
        write_junit(args.junit, results, f"catalog-harness contract {args.vendor}")
    if args.json:
        print(
            to_json(
                results,
                command="contract",
                vendor=args.vendor,
                base_url=base_url,
                excluded_checks=run.excluded_checks,
            )
        )
    else:
        print_results(
            Console(width=max(140, Console().width)), results, f"{args.vendor} contract at {base_url}"
        )
    return 0 if run.ok else 1


def _base_path(vendor: str) -> str:
    """The path part of the contract's server URL (Tocobagus serves under /api/v1)."""
    from urllib.parse import urlsplit

    import yaml

    import contracts

    servers = yaml.safe_load(contracts.path(vendor).read_text()).get("servers") or [{"url": ""}]
    return urlsplit(servers[0]["url"]).path.rstrip("/")


def _summarise(console: Console, results: list[Any]) -> None:
    """One row per vendor and suite: how many passed, and which failed."""
    grid = Table(title="catalog-harness check", title_justify="left")
    for column in ("vendor", "suite", "passed", "failed", "time"):
        grid.add_column(column, justify="right" if column in ("passed", "failed", "time") else "left")
    groups: dict[tuple[str, str], list[Any]] = {}
    for r in results:
        groups.setdefault((r.vendor, r.suite), []).append(r)
    for (vendor, suite), items in groups.items():
        failed = [r for r in items if not r.ok]
        grid.add_row(
            vendor,
            suite,
            str(len(items) - len(failed)),
            f"[red]{len(failed)}[/]" if failed else "0",
            f"{sum(r.seconds for r in items):.1f}s",
        )
    console.print(grid)
    property_rows = [r for r in results if r.suite == "property"]
    if property_rows:
        checks = Table(title="property checks", title_justify="left")
        checks.add_column("vendor", style="bold")
        names = list(dict.fromkeys(r.name for r in property_rows))
        for name in names:
            checks.add_column(name)
        for vendor in dict.fromkeys(r.vendor for r in property_rows):
            by_name = {r.name: r for r in property_rows if r.vendor == vendor}
            checks.add_row(
                vendor,
                *[
                    ("[green]pass[/]" if by_name[n].ok else "[red]FAIL[/]") if n in by_name else "-"
                    for n in names
                ],
            )
        console.print(checks)


if __name__ == "__main__":
    sys.exit(main())
