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

from mocks.kit.core import Mock

from . import checks, exitcodes, exposure, terminal, vendors
from .arguments import Parser, UsageError, at_least
from .interrupts import Interrupted, Interrupts

DEFAULT_PORT = 8080


def main(argv: Sequence[str] | None = None) -> int:
    parser = Parser(
        prog="catalog-harness",
        description=__doc__,
        epilog=exitcodes.HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve vendor mocks on one port, each under /<vendor>")
    serve.add_argument(
        "vendors", nargs="*", metavar="VENDOR", help=f"default: all ({', '.join(vendors.names())})"
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any free)"
    )
    serve.add_argument(
        "--virtual-clock", action="store_true", help="start with a frozen clock (POST /__mock__/clock)"
    )
    serve.add_argument(
        "--json", action="store_true", help="print the base URLs and credentials as one JSON line on stdout"
    )
    exposure.add_options(serve)
    serve.set_defaults(run=_serve)

    check = commands.add_parser(
        "check",
        help="contract conformance and property runs, in process",
        epilog=exitcodes.HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("vendors", nargs="*", metavar="VENDOR", help="default: all")
    check.add_argument(
        "--examples", type=at_least(1), default=25, help="hypothesis examples per property run (25)"
    )
    check.add_argument(
        "--contract-examples", type=at_least(1), default=20, help="examples per operation and mode (20)"
    )
    check.add_argument("--seed", type=int, default=0, help="seed for generation (0)")
    check.add_argument("--json", action="store_true", help="print the full result as JSON on stdout")
    check.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    check.add_argument("--html", metavar="FILE", help="write a self-contained HTML report with journals")
    check.add_argument(
        "--quirk-matrix",
        action="store_true",
        help="property runs under the default and every other quirk value (catalog-harness quirks)",
    )
    _scale_arguments(check)
    check.set_defaults(run=_check)

    contract = commands.add_parser(
        "contract", help="the QA gate: a vendor's contract against a mock (default) or any base URL"
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    # `serve` answers sooner without importing what only the other commands' arguments need (schemathesis,
    # drift, the case catalogue): about half a second.
    serving = argv[:1] == ["serve"]
    if not serving:
        from .contract_cli import add_arguments as contract_arguments

        contract_arguments(contract)
    contract.set_defaults(run=_contract)

    verify = commands.add_parser(
        "verify",
        usage="catalog-harness verify VENDOR [options] -- COMMAND [ARGS...]",
        help="run your own sync command (any language) against a mock and check what it did",
        description="Starts the vendor mock on a free port, seeds it, runs COMMAND twice with HARNESS_* and "
        "vendor credentials in its environment, then checks the mock's state and journal.",
        epilog=exitcodes.HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("vendor", metavar="VENDOR")
    verify.add_argument(
        "--catalog", metavar="FILE", help="source catalogue, JSON or CSV (default: generated)"
    )
    verify.add_argument(
        "--state", metavar="FILE", help='vendor state: {"products": [...]} or a /__mock__/state snapshot'
    )
    verify.add_argument("--faults", metavar="PLAN", help="fault plan: a JSON list of fault rules")
    verify.add_argument(
        "--examples", type=at_least(1), help="generate N catalogues and fault plans; shrink a failure"
    )
    verify.add_argument("--seed", type=int, default=0, help="seed for generation (0)")
    verify.add_argument(
        "--timeout", type=at_least(0.001, float), default=120.0, help="seconds per command run (120)"
    )
    verify.add_argument(
        "--shrink-seconds",
        type=at_least(0, float),
        default=60.0,
        help="time to spend shrinking a failure (60)",
    )
    verify.add_argument(
        "--artifacts",
        default="catalog-harness-failure",
        metavar="DIR",
        help="where a shrunk failure is saved",
    )
    verify.add_argument("--json", action="store_true", help="print the full result as JSON on stdout")
    verify.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    verify.add_argument("--html", metavar="FILE", help="write a self-contained HTML report with the journal")
    _quirk_options(verify, matrix="run the same example(s) under the default and every other quirk value")
    _scale_arguments(verify)
    verify.set_defaults(run=_verify)

    record = commands.add_parser(
        "record", help="a recording reverse proxy: forward to a vendor, write every exchange to a HAR file"
    )
    record.add_argument("vendor", metavar="VENDOR")
    record.add_argument("--upstream", required=True, metavar="URL", help="the vendor API (or sandbox) root")
    record.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    record.add_argument("--port", type=int, default=0, help="port (default 0: any free one, printed)")
    record.add_argument("--out", metavar="FILE", help="the HAR cassette (default VENDOR.har)")
    record.set_defaults(run=_record)

    drift = commands.add_parser(
        "drift",
        help="replay a recorded cassette against a fresh mock; name the quirks that remove differences",
    )
    drift.set_defaults(run=_drift)

    if not serving:
        from .cases.command import add_commands
        from .drift_cli import add_arguments as drift_arguments

        drift_arguments(drift)
        add_commands(commands)  # cases, reproduce
        from .quirks import add_command as add_quirks

        add_quirks(commands)  # quirks
        from .merge_reports import add_command as add_merge_reports

        add_merge_reports(commands)

    # Everything after the first "--" is the command `verify` runs, whatever options it carries.
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    args.user_command = argv[split + 1 :]
    try:
        return args.run(args)
    except KeyError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc.args[0]}")
        return 2
    except KeyboardInterrupt:  # a command without its own clean-up (check and verify have theirs)
        Console(stderr=True).print("interrupted")
        return exitcodes.INTERRUPTED
    except UsageError as exc:
        sys.stderr.write(f"catalog-harness {args.command}: error: {exc}\n")
        return exitcodes.USAGE


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("catalog-harness")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, got {text!r}")
    return int(text)


def _quirk_options(parser: argparse.ArgumentParser, matrix: str | None = None) -> None:
    parser.add_argument(
        "--quirk",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a quirk of the mock (repeatable; catalog-harness quirks lists them)",
    )
    if matrix:
        parser.add_argument("--quirk-matrix", action="store_true", help=matrix)


def _pins(vendor: str, pins: list[str]) -> dict[str, Any]:
    """--quirk NAME=VALUE arguments; a UsageError names the bad one."""
    from .quirks import parse_pins

    try:
        return parse_pins(vendor, pins)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _scale_arguments(parser: argparse.ArgumentParser) -> None:
    """--workers, --shard and --example-db (harness.workers, harness.shards)."""
    from .shards import default_workers, parse_shard, parse_workers

    parser.add_argument(
        "--workers",
        type=parse_workers,
        default=default_workers(),
        metavar="N",
        help="worker processes (default: the number of cores; 1: all in this process)",
    )
    parser.add_argument(
        "--shard", type=parse_shard, metavar="I/N", help="run only the I-th of N disjoint shares (CI matrix)"
    )
    parser.add_argument(
        "--example-db",
        metavar="PATH|redis://…",
        help="hypothesis example database shared by workers and shards; saved failures replay first",
    )


def _selected(names: list[str]) -> list[str]:
    for name in names:
        vendors.get(name)  # raises KeyError naming the known vendors
    return names or vendors.names()


# -- serve -------------------------------------------------------------------------------------------------
def build_server_app(names: list[str], virtual_clock: bool = False) -> Any:
    """One WSGI app serving each vendor's mock under /<vendor>; the root lists them.

    Built from the mock packages alone: `serve` answers sooner without the harness's clients, hypothesis
    and schemathesis."""
    import importlib

    from mocks.kit.clock import Clock
    from mocks.kit.dispatch import Mounts

    from .live import mount

    mocks = {name: importlib.import_module(f"mocks.{name}") for name in names}
    app = Mounts({f"/{name}": mocks[name].create_app(clock=Clock(virtual=virtual_clock)) for name in names})
    return mount(app)  # the live view on each mock: /<vendor>/__mock__/ui (harness/live)


def _serve(args: argparse.Namespace) -> int:
    import json

    from mocks.kit.server import PortInUse, serve_forever

    console = Console(stderr=True)
    for name in args.vendors:
        if name not in vendors.REGISTRY:
            raise KeyError(f"unknown vendor {name!r}; known: {', '.join(vendors.REGISTRY)}")
    names = args.vendors or vendors.names()
    exposure.prepare(args, console)  # before the apps are built: they read the token and hosts
    app = build_server_app(names, args.virtual_clock)
    credentials = {name: Mock.of(app.mounts[f"/{name}"]).spec.credentials for name in names}

    def announce(port: int) -> None:
        grid = Table(title="catalog-harness mocks", title_justify="left")
        grid.add_column("vendor", style="bold")
        grid.add_column("base URL")
        grid.add_column("credentials")
        for name in names:
            creds = "  ".join(f"{k}={v}" for k, v in credentials[name].items())
            grid.add_row(name, f"http://{args.host}:{port}/{name}", creds)
        console.print(grid)
        control = f"http://{args.host}:{port}/<vendor>/__mock__/"
        console.print(f"control API: {control}  ·  Ctrl-C or SIGTERM stops")
        if args.json:  # one line, once the port listens: a script reads it, then sends its first request
            mocks = {
                name: {
                    "base_url": f"http://{args.host}:{port}/{name}",
                    "api_url": f"http://{args.host}:{port}/{name}{vendors.api_path(name)}",
                    "control_url": f"http://{args.host}:{port}/{name}/__mock__",
                    "credentials": credentials[name],
                }
                for name in names
            }
            print(json.dumps({"port": port, "vendors": mocks}), flush=True)

    # One process holds all state (DESIGN rule 7); the kit's server core owns the sockets.
    # The journal packs each exchange into one bytes blob the collector never tracks; what it still sees per
    # request is mostly werkzeug's router garbage (a self-referencing closure): small young-generation passes
    # (measured ≤ 2 ms) instead of rare 50,000-object ones (5-50 ms, the p99 tail).
    gc.freeze()
    gc.set_threshold(5_000, 20, 100)
    try:
        serve_forever(app, args.host, args.port, announce)
    except PortInUse as exc:
        console.print(
            f"[red]error:[/] --port: {exc.strerror}; stop the other server or pick another port",
            soft_wrap=True,
        )
        return 2
    except OSError as exc:
        where = f"{args.host}:{args.port}"
        console.print(
            f"[red]error:[/] --host/--port: cannot listen on {where}: {exc.strerror}", soft_wrap=True
        )
        return 2
    console.print("stopped")
    return 0


# -- check -------------------------------------------------------------------------------------------------
def _check(args: argparse.Namespace) -> int:
    from .arguments import output_file
    from .conformance import MODES, run_contract
    from .failure_text import described
    from .html_report import Timeline, write_html
    from .report import Result, print_results, to_json, write_junit
    from .runner import property_run
    from .shards import open_database

    names = _selected(args.vendors)
    output_file("--junit", args.junit)
    output_file("--html", args.html)
    console = terminal.console(stderr=True)
    results: list[Result] = []
    timelines: list[Timeline] = []
    started = time.perf_counter()
    interrupted: int | None = None  # the exit code of a run stopped by a signal
    interrupts = Interrupts().__enter__()
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress:
            # the quirk matrix runs in this process (harness.quirks), the rest on workers when asked
            parallel = (args.workers > 1 or args.shard is not None) and not args.quirk_matrix
            if parallel:  # the same units on worker processes (harness.workers); else one by one, below
                from .workers import run_check

                run_check(
                    names,
                    examples=args.examples,
                    contract_examples=args.contract_examples,
                    seed=args.seed,
                    workers=args.workers,
                    shard=args.shard,
                    example_db=args.example_db,
                    on_message=lambda line: console.print(line, markup=False, highlight=False),
                    results=results,
                    timelines=timelines,
                )
            for name in [] if parallel else names:
                harness = vendors.get(name)
                for contract, auth, excluded in (
                    (name, None, None),
                    ("control", lambda case: {}, vendors.CONTROL_EXCLUDED_CHECKS),
                ):
                    suite = "contract" if contract == name else "control contract"
                    total = _operation_count(contract) * len(MODES) if console.is_terminal else None
                    task = progress.add_task(f"{name}: {suite}", total=total)

                    def record(r: Any, t: Any = task, s: str = suite) -> None:
                        results.append(r.as_result(s))  # as it comes: an interrupted run keeps it
                        progress.advance(t)
                        interrupts.checkpoint()

                    run = run_contract(
                        harness,
                        contract,
                        auth=auth,
                        excluded_checks=excluded,
                        max_examples=args.contract_examples,
                        seed=args.seed,
                        on_result=record,
                    )
                    progress.remove_task(task)
                    console.print(f"{name}: {suite}: {sum(r.ok for r in run.results)}/{len(run.results)} ok")
                if harness.adapter is None:
                    continue
                if args.quirk_matrix:  # the property run under each quirk variant
                    from . import matrix

                    task = progress.add_task(f"{name}: quirk matrix", total=None)
                    grid = matrix.property_matrix(harness, args.examples, args.seed)
                    progress.remove_task(task)
                    results.extend(matrix.results(grid, "property"))
                    timelines.append(Timeline(name, "default settings", grid.columns[0].raw.journal))
                    if not args.json:
                        console.print(matrix.table(grid))
                        for line in matrix.verdict_lines(grid):
                            console.print(line, markup=False, highlight=False)
                    continue
                task = progress.add_task(f"{name}: property run", total=args.examples)
                began = time.perf_counter()
                outcome = property_run(
                    harness,
                    args.examples,
                    args.seed,
                    on_example=lambda n, t=task: (progress.update(t, completed=n), interrupts.checkpoint()),
                    database=open_database(args.example_db),
                )
                progress.remove_task(task)
                seconds = time.perf_counter() - began
                label = "minimal failing example" if not outcome.ok else "last example"
                timelines.append(Timeline(name, label, outcome.journal))
                check_names = checks.names(name)
                for check_name, ok in outcome.check_status(check_names).items():
                    failures = [
                        described(f, outcome.journal) for f in outcome.failures if f.check == check_name
                    ]
                    results.append(
                        Result(
                            name,
                            "property",
                            check_name,
                            ok,
                            seconds / len(check_names),
                            outcome.error if not ok and outcome.error else None,
                            failures,
                            extra={
                                "examples": outcome.examples,
                                "scenario": outcome.scenario,
                                "timeline": label,
                            },
                        )
                    )
                console.print(
                    f"{name}: property run: {outcome.examples} examples, "
                    f"{'all checks pass' if outcome.ok else 'FAILED'}"
                )
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: keep what ran, say the run is partial
        interrupted = exc.exit_code if isinstance(exc, Interrupted) else exitcodes.INTERRUPTED
        console.print("interrupted: writing the results so far")
    finally:
        interrupts.__exit__()
    seconds = round(time.perf_counter() - started, 2)
    if args.junit:
        write_junit(args.junit, results, "catalog-harness check", interrupted=bool(interrupted))
    if args.html:
        write_html(
            args.html,
            "catalog-harness check",
            results,
            timelines,
            {"vendors": ", ".join(names), "seed": args.seed},
            interrupted=bool(interrupted),
        )
    if args.json:
        print(
            to_json(
                results,
                command="check",
                vendors=names,
                seed=args.seed,
                seconds=seconds,
                interrupted=bool(interrupted),
            )
        )
    else:
        out = terminal.console(min_width=140)  # room for every check column on a terminal
        _summarise(out, results)
        failed = [r for r in results if not r.ok]
        if failed:
            print_results(out, failed, "failures")
        out.print(
            f"{len(results) - len(failed)} passed, {len(failed)} failed in {seconds:.1f}s"
            + (" (interrupted)" if interrupted else "")
        )
    if interrupted:
        return interrupted
    return exitcodes.OK if all(r.ok for r in results) else exitcodes.FAILED


def _operation_count(contract: str) -> int:
    """Operations in a contract, for a progress bar's total (schemathesis runs each once per mode)."""
    from pathlib import Path

    import yaml

    import contracts

    document = yaml.safe_load(Path(contracts.path(contract)).read_text(encoding="utf-8"))
    verbs = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return sum(1 for item in (document.get("paths") or {}).values() for verb in item if verb in verbs)


# -- contract ----------------------------------------------------------------------------------------------
def _contract(args: argparse.Namespace) -> int:
    from .contract_cli import run

    return run(args)


# -- record ------------------------------------------------------------------------------------------------
def _record(args: argparse.Namespace) -> int:
    from .record import run

    return run(args)


# -- drift -------------------------------------------------------------------------------------------------
def _drift(args: argparse.Namespace) -> int:
    from .drift_cli import run

    return run(args)


# -- verify ------------------------------------------------------------------------------------------------
def _verify(args: argparse.Namespace) -> int:
    import shlex
    import signal
    from pathlib import Path

    from . import arguments
    from .catalog import CatalogError, read_catalog
    from .html_report import Timeline, write_html
    from .report import print_results, to_json, write_junit
    from .shards import open_database
    from .verify import (
        Example,
        generated_catalogue,
        generated_example,
        replay_files,
        verify_examples,
        verify_once,
    )

    console = terminal.console(stderr=True)
    harness = vendors.get(args.vendor)
    command = args.user_command
    if not command:
        raise UsageError("give the command to verify after --, e.g. -- node sync.mjs")
    if harness.adapter is None:
        raise UsageError(f"{args.vendor} has no checks to verify with")
    arguments.output_file("--junit", args.junit)
    arguments.output_file("--html", args.html)
    if args.examples:  # a failure is saved there
        arguments.output_dir("--artifacts", args.artifacts)
    faults = arguments.fault_plan(args.faults) if args.faults else []
    existing, state = arguments.vendor_state(harness, args.state) if args.state else ([], None)
    try:
        source = read_catalog(args.catalog) if args.catalog else None
    except (OSError, ValueError, CatalogError) as exc:
        raise UsageError(f"argument --catalog: {exc}") from None
    problem = arguments.runnable(command)
    if problem:  # nothing to judge: say so once, run no checks
        return _inconclusive(args, console, problem)
    pins = _pins(args.vendor, args.quirk)
    settings = {"quirks": pins} if pins else None
    # The command's output passes through, each line marked as the command's own.
    echo = _Prefixed(sys.stderr if args.json else sys.stdout, f"  {Path(command[0]).name} | ")
    if args.quirk_matrix:
        return _verify_matrix(args, harness, command, pins, source, existing, state, faults, echo)
    started = time.perf_counter()
    replay: dict[str, Any] = {}
    interrupts = Interrupts().__enter__()
    try:
        if args.examples:
            console.print(
                f"{args.vendor}: {args.examples} generated examples (seed {args.seed}) of {command[0]}"
            )
            phases = _Phases(console, args.examples)
            if (args.workers > 1 or args.shard is not None) and not settings:  # blocks on workers
                from .workers import run_verify

                if args.shard is not None:
                    console.print(f"shard {args.shard}, {args.workers} workers")
                outcome = run_verify(
                    args.vendor,
                    command,
                    examples=args.examples,
                    seed=args.seed,
                    timeout=args.timeout,
                    faults=faults if args.faults else None,
                    shrink_seconds=args.shrink_seconds,
                    workers=args.workers,
                    shard=args.shard,
                    example_db=args.example_db,
                    on_message=lambda line: console.print("  " + line, markup=False, highlight=False),
                )
            else:
                outcome = verify_examples(
                    harness,
                    command,
                    args.examples,
                    args.seed,
                    timeout=args.timeout,
                    echo=echo,
                    faults=faults if args.faults else None,
                    shrink_seconds=args.shrink_seconds,
                    settings=settings,
                    on_example=lambda n, r: (phases.report(n, r), interrupts.checkpoint()),
                    database=open_database(args.example_db),
                )
            result, example = outcome.result, outcome.example
            if outcome.examples == 0 and args.shard is not None:
                console.print(f"shard {args.shard}: no block of {args.examples} examples falls to it")
                return 0
            phases.done(result)
            if result is None or example is None:
                return _inconclusive(args, console, "no example ran")
            if not result.ok:
                files, line = replay_files(Path(args.artifacts), harness, example, command)
                replay = {"files": [str(f) for f in files], "command": line}
        else:
            if not args.state:  # a generated vendor state that overlaps the catalogue, given or generated
                generated = generated_example(harness, args.seed, source)
                source, existing = generated.source, generated.existing
            elif source is None:  # the vendor state is given: generate only the catalogue
                source = generated_catalogue(args.seed)
            example = Example(source, existing, state, faults)
            held = _products(len(existing)) if state is None else "a snapshot"
            console.print(f"{args.vendor}: {_products(len(source))} in the catalogue, {held} at the vendor")
            result = verify_once(
                harness, example, command, timeout=args.timeout, echo=echo, settings=settings
            )
    except KeyboardInterrupt as exc:  # the command's process group is already killed (run_command)
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        console.print(f"interrupted by {signal.Signals(signum).name}: the command was stopped; no verdict")
        return 128 + signum
    finally:
        interrupts.__exit__()
    not_started = next((r.not_started for r in result.runs if r.not_started), None)
    if not_started:
        return _inconclusive(args, console, not_started)
    seconds = time.perf_counter() - started
    results = _verify_results(result, seconds)
    if args.junit:
        write_junit(args.junit, results, f"catalog-harness verify {args.vendor}")
    if args.html:
        write_html(
            args.html,
            f"catalog-harness verify {args.vendor}",
            results,
            [
                Timeline(args.vendor, "first run", result.record.journal),
                Timeline(args.vendor, "second run", result.record.second_journal),
            ],
            {"command": shlex.join(command), "exit codes": [r.exit_code for r in result.runs], **replay},
        )
    if args.json:
        print(
            to_json(
                results,
                command="verify",
                vendor=args.vendor,
                argv=command,
                base_url=result.base_url,
                exit_codes=[r.exit_code for r in result.runs],
                replay=replay or None,
                seconds=round(seconds, 2),
            )
        )
    else:
        print_results(terminal.console(min_width=140), results, f"verify {args.vendor}: {command[0]}")
        console.print(f"in {seconds:.1f}s")
        if replay:
            console.print("minimal failing example saved: " + ", ".join(replay["files"]))
            console.print("replay it with:")
            console.print(replay["command"], markup=False, highlight=False, soft_wrap=True)
    return exitcodes.OK if result.ok else exitcodes.FAILED


class _Prefixed:
    """A stream that starts every line written to it with a prefix."""

    def __init__(self, stream: Any, prefix: str) -> None:
        self.stream, self.prefix = stream, prefix

    def write(self, text: str) -> None:
        self.stream.write("".join(self.prefix + line for line in text.splitlines(keepends=True)))

    def flush(self) -> None:
        self.stream.flush()


class _Phases:
    """Labels each run of `verify --examples`: generated examples until one fails, then shrinking."""

    def __init__(self, console: Console, examples: int) -> None:
        self.console, self.examples = console, examples
        self.generated = self.shrinking = 0
        self.failed = False

    def report(self, n: int, result: Any) -> None:
        if self.failed:
            self.shrinking += 1
            label = f"shrinking, try {self.shrinking}"
        else:
            self.generated += 1
            label = f"example {self.generated}/{self.examples}"
        what = f"{_products(len(result.record.source))}, {_requests(len(result.record.requests()))}"
        self.console.print(f"{label}: {'ok' if result.ok else 'FAILED'} ({what})")
        self.failed = self.failed or not result.ok

    def done(self, result: Any) -> None:
        if result is not None and not result.ok:
            self.console.print(
                f"minimal failing example: {_products(len(result.record.source))}, "
                f"{_requests(len(result.record.requests()))} (after {self.shrinking} shrinking tries)"
            )


def _products(n: int) -> str:
    return f"{n} product{'s' if n != 1 else ''}"


def _requests(n: int) -> str:
    return f"{n} request{'s' if n != 1 else ''}"


def _inconclusive(args: argparse.Namespace, console: Console, reason: str) -> int:
    """No verdict: one line (and with --json, the same as JSON), no checks run, exit 3."""
    from .report import to_json

    console.print(f"inconclusive: {reason}", markup=False, highlight=False)
    if args.json:
        print(to_json([], command="verify", vendor=args.vendor, argv=args.user_command, inconclusive=reason))
    return exitcodes.INCONCLUSIVE


def _verify_matrix(
    args: argparse.Namespace,
    harness: Any,
    command: list[str],
    pins: dict[str, Any],
    source: Any,
    existing: list[dict],
    state: dict | None,
    faults: list[dict],
    echo: Any,
) -> int:
    """verify --quirk-matrix: the same example(s) per variant; a matrix of variants by checks."""
    import shlex

    from . import matrix
    from .html_report import Timeline, write_html
    from .report import to_json, write_junit
    from .verify import Example, generated_catalogue, generated_example

    console = terminal.console(stderr=True)
    started = time.perf_counter()
    example = None
    if not args.examples:
        if state is None and not args.state:
            generated = generated_example(harness, args.seed, source)
            source, existing = generated.source, generated.existing
        elif source is None:  # the vendor state is given: generate only the catalogue
            source = generated_catalogue(args.seed)
        example = Example(source, existing, state, faults)
    outcome = matrix.verify_matrix(
        harness,
        command,
        pins,
        example=example,
        examples=args.examples,
        seed=args.seed,
        timeout=args.timeout,
        echo=echo,
        faults=faults if args.faults else None,
        shrink_seconds=args.shrink_seconds,
        on_variant=lambda v: console.print(f"{args.vendor}: variant {v.name}"),
    )
    results = matrix.results(outcome, "verify")
    if args.junit:
        write_junit(args.junit, results, f"catalog-harness verify {args.vendor} --quirk-matrix")
    if args.html:
        timelines = [
            Timeline(args.vendor, f"first run [{c.variant.name}]", c.raw.record.journal)
            for c in outcome.columns
            if c.raw is not None
        ]
        write_html(
            args.html,
            f"catalog-harness verify {args.vendor} --quirk-matrix",
            results,
            timelines,
            {"command": shlex.join(command), "quirk matrix": "; ".join(matrix.verdict_lines(outcome))},
        )
    if args.json:
        print(
            to_json(
                results,
                command="verify",
                vendor=args.vendor,
                argv=command,
                quirk_matrix=outcome.as_json(),
                seconds=round(time.perf_counter() - started, 2),
            )
        )
    else:
        out = terminal.console(min_width=140)
        out.print(matrix.table(outcome))
        for line in matrix.verdict_lines(outcome):
            out.print(line, markup=False, highlight=False)
        for column in outcome.columns:
            for check, failures in column.failures.items():
                for failure in failures[:5]:
                    out.print(
                        f"- [{column.variant.name}] {check}: {failure['text']}", markup=False, highlight=False
                    )
    return 0 if outcome.ok else 1


def _verify_results(result: Any, seconds: float) -> list[Any]:
    """One Result per check; each failure names the product, field and the request it points at."""
    from .failure_text import described
    from .report import Result

    journal = result.record.journal + result.record.second_journal
    names = list(result.failures)
    return [
        Result(
            result.vendor,
            "verify",
            name,
            not result.failures[name],
            seconds / len(names),
            failures=[described(f, journal) for f in result.failures[name]],
        )
        for name in names
    ]


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
        check_grid = Table(title="property checks", title_justify="left")
        check_grid.add_column("vendor", style="bold")
        names = list(dict.fromkeys(r.name for r in property_rows))
        for name in names:
            check_grid.add_column(name)
        for vendor in dict.fromkeys(r.vendor for r in property_rows):
            by_name = {r.name: r for r in property_rows if r.vendor == vendor}
            check_grid.add_row(
                vendor,
                *[
                    ("[green]pass[/]" if by_name[n].ok else "[red]FAIL[/]") if n in by_name else "-"
                    for n in names
                ],
            )
        console.print(check_grid)


if __name__ == "__main__":
    sys.exit(main())
