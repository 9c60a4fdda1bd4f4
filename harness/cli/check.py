"""`catalog-harness check [VENDOR...]`: contract conformance and property runs, in process or on workers."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import click

from .. import exitcodes
from .inputs import output_file
from .options import (
    EPILOG,
    QUIET,
    VENDOR,
    VERBOSE,
    AtLeast,
    file_option,
    json_option,
    level,
    scale_options,
    settings,
    verbosity,
)

HELP = """Contract conformance and property runs against fresh mocks, in process (default: all vendors).

-q prints only failures and the verdict; -v adds a table of every result (each contract operation and
mode, each property check)."""


@click.command(
    "check",
    context_settings=settings(),
    help=HELP,
    epilog=EPILOG,
    short_help="contract conformance and property runs, in process",
)
@click.argument("vendors", nargs=-1, type=VENDOR, metavar="[VENDOR]...")
@click.option("--examples", type=AtLeast(1), default=25, help="hypothesis examples per property run")
@click.option("--contract-examples", type=AtLeast(1), default=20, help="examples per operation and mode")
@click.option("--seed", type=int, default=0, help="seed for generation")
@json_option()
@file_option("--junit", "write a JUnit XML report")
@file_option("--html", "write a self-contained HTML report with journals")
@click.option(
    "--quirk-matrix",
    is_flag=True,
    help="property runs under the default and every other quirk value (catalog-harness quirks)",
)
@scale_options
@verbosity
@click.pass_context
def command(ctx: click.Context, **params: Any) -> int:
    args = SimpleNamespace(**params, verbosity=level(ctx))
    output_file("--junit", args.junit)
    output_file("--html", args.html)
    return run(args)


def run(args: SimpleNamespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .. import terminal, vendors
    from ..interrupts import Interrupted, Interrupts

    names = list(args.vendors) or vendors.names()
    console = terminal.console(stderr=True)
    say = _say(console, args.verbosity)
    run = SimpleNamespace(results=[], timelines=[], started=time.perf_counter(), interrupted=None)
    interrupts = Interrupts().__enter__()
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal or args.verbosity == QUIET,
        ) as progress:
            # the quirk matrix runs in this process (harness.quirks), the rest on workers when asked
            if (args.workers > 1 or args.shard is not None) and not args.quirk_matrix:
                _on_workers(args, names, say, run)
            else:
                for name in names:
                    _in_process(args, vendors.get(name), progress, say, interrupts, run)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: keep what ran, say the run is partial
        run.interrupted = exc.exit_code if isinstance(exc, Interrupted) else exitcodes.INTERRUPTED
        console.print("interrupted: writing the results so far")
    finally:
        interrupts.__exit__()
    _report(args, names, run)
    if run.interrupted:
        return int(run.interrupted)
    return exitcodes.OK if all(r.ok for r in run.results) else exitcodes.FAILED


def _say(console: Any, verbosity: int) -> Any:
    """A progress line on stderr, or nothing under -q."""
    if verbosity == QUIET:
        return lambda *lines: None
    return lambda *lines: [console.print(line, markup=False, highlight=False) for line in lines]


def _on_workers(args: SimpleNamespace, names: list[str], say: Any, run: SimpleNamespace) -> None:
    """The same units on worker processes (harness.workers)."""
    from ..workers import run_check

    run_check(
        names,
        examples=args.examples,
        contract_examples=args.contract_examples,
        seed=args.seed,
        workers=args.workers,
        shard=args.shard,
        example_db=args.example_db,
        on_message=say,
        results=run.results,
        timelines=run.timelines,
    )


def _in_process(
    args: SimpleNamespace, harness: Any, progress: Any, say: Any, interrupts: Any, run: SimpleNamespace
) -> None:
    """One vendor, one unit after another: its contract, the control contract, then its property run."""
    from .. import vendors

    name = harness.name
    for contract, auth, excluded in (
        (name, None, None),
        ("control", lambda case: {}, vendors.CONTROL_EXCLUDED_CHECKS),
    ):
        _contract_suite(args, harness, contract, auth, excluded, progress, say, interrupts, run)
    if harness.adapter is None:
        return
    if args.quirk_matrix:
        _quirk_matrix(args, harness, progress, say, run)
    else:
        _property_run(args, harness, progress, say, interrupts, run)


def _contract_suite(
    args: SimpleNamespace,
    harness: Any,
    contract: str,
    auth: Any,
    excluded: Any,
    progress: Any,
    say: Any,
    interrupts: Any,
    run: SimpleNamespace,
) -> None:
    from ..conformance import MODES, run_contract

    name = harness.name
    suite = "contract" if contract == name else "control contract"
    total = _operation_count(contract) * len(MODES) if not progress.disable else None
    task = progress.add_task(f"{name}: {suite}", total=total)

    def record(r: Any) -> None:
        run.results.append(r.as_result(suite))  # as it comes: an interrupted run keeps it
        progress.advance(task)
        interrupts.checkpoint()

    done = run_contract(
        harness,
        contract,
        auth=auth,
        excluded_checks=excluded,
        max_examples=args.contract_examples,
        seed=args.seed,
        on_result=record,
    )
    progress.remove_task(task)
    say(f"{name}: {suite}: {sum(r.ok for r in done.results)}/{len(done.results)} ok")


def _quirk_matrix(args: SimpleNamespace, harness: Any, progress: Any, say: Any, run: SimpleNamespace) -> None:
    """The property run under each quirk variant."""
    from .. import matrix
    from ..html_report import Timeline

    task = progress.add_task(f"{harness.name}: quirk matrix", total=None)
    grid = matrix.property_matrix(harness, args.examples, args.seed)
    progress.remove_task(task)
    run.results.extend(matrix.results(grid, "property"))
    run.timelines.append(Timeline(harness.name, "default settings", grid.columns[0].raw.journal))
    if not args.json and args.verbosity > QUIET:
        from .. import terminal

        terminal.console(stderr=True).print(matrix.table(grid))
        say(*matrix.verdict_lines(grid))


def _property_run(
    args: SimpleNamespace, harness: Any, progress: Any, say: Any, interrupts: Any, run: SimpleNamespace
) -> None:
    from .. import checks
    from ..failure_text import described
    from ..html_report import Timeline
    from ..report import Result
    from ..runner import property_run
    from ..shards import open_database

    name = harness.name
    task = progress.add_task(f"{name}: property run", total=args.examples)
    began = time.perf_counter()
    outcome = property_run(
        harness,
        args.examples,
        args.seed,
        on_example=lambda n: (progress.update(task, completed=n), interrupts.checkpoint()),
        database=open_database(args.example_db),
    )
    progress.remove_task(task)
    seconds = time.perf_counter() - began
    label = "minimal failing example" if not outcome.ok else "last example"
    run.timelines.append(Timeline(name, label, outcome.journal))
    check_names = checks.names(name)
    for check_name, ok in outcome.check_status(check_names).items():
        failures = [described(f, outcome.journal) for f in outcome.failures if f.check == check_name]
        run.results.append(
            Result(
                name,
                "property",
                check_name,
                ok,
                seconds / len(check_names),
                outcome.error if not ok and outcome.error else None,
                failures,
                extra={"examples": outcome.examples, "scenario": outcome.scenario, "timeline": label},
            )
        )
    say(f"{name}: property run: {outcome.examples} examples, {'all checks pass' if outcome.ok else 'FAILED'}")


def _report(args: SimpleNamespace, names: list[str], run: SimpleNamespace) -> None:
    """The reports asked for, then the result: JSON on stdout, or tables and the verdict line."""
    from .. import terminal
    from ..html_report import write_html
    from ..report import print_results, to_json, write_junit

    seconds = round(time.perf_counter() - run.started, 2)
    results, interrupted = run.results, bool(run.interrupted)
    if args.junit:
        write_junit(args.junit, results, "catalog-harness check", interrupted=interrupted)
    if args.html:
        meta = {"vendors": ", ".join(names), "seed": args.seed}
        write_html(args.html, "catalog-harness check", results, run.timelines, meta, interrupted=interrupted)
    if args.json:
        print(
            to_json(
                results,
                command="check",
                vendors=names,
                seed=args.seed,
                seconds=seconds,
                interrupted=interrupted,
            )
        )
        return
    out = terminal.console(min_width=140)  # room for every check column on a terminal
    if args.verbosity > QUIET:
        _summarise(out, results)
    if args.verbosity == VERBOSE:
        print_results(out, results, "every result")
    failed = [r for r in results if not r.ok]
    if failed and args.verbosity < VERBOSE:  # -v has shown them already
        print_results(out, failed, "failures")
    out.print(
        f"{len(results) - len(failed)} passed, {len(failed)} failed in {seconds:.1f}s"
        + (" (interrupted)" if interrupted else "")
    )


def _operation_count(contract: str) -> int:
    """Operations in a contract, for a progress bar's total (schemathesis runs each once per mode)."""
    from ..conformance import operation_count

    return operation_count(contract)


def _summarise(console: Any, results: list[Any]) -> None:
    """One row per vendor and suite: how many passed, and which failed; then property checks by vendor."""
    from rich.table import Table

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
    if not property_rows:
        return
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
