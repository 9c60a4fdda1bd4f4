"""`catalog-harness verify VENDOR [options] -- COMMAND [ARGS...]`: your own sync command against a mock."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from .. import exitcodes
from . import inputs
from .inputs import UsageError
from .options import (
    EPILOG,
    QUIET,
    VENDOR,
    VERBOSE,
    AtLeast,
    file_option,
    json_option,
    level,
    quirk_option,
    scale_options,
    settings,
    show_results,
    verbosity,
)

HELP = """Starts the vendor mock on a free port, seeds it, runs COMMAND twice with HARNESS_* and vendor
credentials in its environment, then checks the mock's state and journal.

-q prints only failures and the verdict (not the command's output); -v adds every request the command
made, run by run."""


class SplitCommand(click.Command):
    """Everything after the first `--` is the command to verify, whatever options it carries."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        split = args.index("--") if "--" in args else len(args)
        ctx.meta["user_command"] = args[split + 1 :]
        return super().parse_args(ctx, args[:split])

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return ["VENDOR [OPTIONS] -- COMMAND [ARGS]..."]


@click.command(
    "verify",
    cls=SplitCommand,
    context_settings=settings(),
    help=HELP,
    epilog=EPILOG,
    short_help="run your own sync command (any language) against a mock and check what it did",
)
@click.argument("vendor", type=VENDOR)
@click.option("--catalog", metavar="FILE", help="source catalogue, JSON or CSV (default: generated)")
@click.option(
    "--state", metavar="FILE", help='vendor state: {"products": [...]} or a /__mock__/state snapshot'
)
@click.option("--faults", metavar="PLAN", help="fault plan: a JSON list of fault rules")
@click.option("--examples", type=AtLeast(1), help="generate N catalogues and fault plans; shrink a failure")
@click.option("--seed", type=int, default=0, help="seed for generation")
@click.option("--timeout", type=AtLeast(0.001, float), default=120.0, help="seconds per command run")
@click.option(
    "--shrink-seconds", type=AtLeast(0, float), default=60.0, help="time to spend shrinking a failure"
)
@click.option(
    "--artifacts", default="catalog-harness-failure", metavar="DIR", help="where a shrunk failure is saved"
)
@json_option()
@file_option("--junit", "write a JUnit XML report")
@file_option("--html", "write a self-contained HTML report with the journal")
@quirk_option("set a quirk of the mock (repeatable; catalog-harness quirks lists them)")
@click.option(
    "--quirk-matrix",
    is_flag=True,
    help="run the same example(s) under the default and every other quirk value",
)
@scale_options
@verbosity
@click.pass_context
def command(ctx: click.Context, **params: Any) -> int:
    args = SimpleNamespace(**params, verbosity=level(ctx), user_command=ctx.meta["user_command"])
    return run(args)


def _inputs(args: SimpleNamespace, harness: Any) -> SimpleNamespace:
    """Every input checked and read before the command first runs; a UsageError names the bad one."""
    from ..catalog import CatalogError, read_catalog
    from ..quirks import parse_pins

    if not args.user_command:
        raise UsageError("give the command to verify after --, e.g. -- node sync.mjs")
    if harness.adapter is None:
        raise UsageError(f"{args.vendor} has no checks to verify with")
    inputs.output_file("--junit", args.junit)
    inputs.output_file("--html", args.html)
    if args.examples:  # a failure is saved there
        inputs.output_dir("--artifacts", args.artifacts)
    faults = inputs.fault_plan(args.faults) if args.faults else []
    existing, state = inputs.vendor_state(harness, args.state) if args.state else ([], None)
    try:
        source = read_catalog(args.catalog) if args.catalog else None
    except (OSError, ValueError, CatalogError) as exc:
        raise UsageError(f"argument --catalog: {exc}") from None
    try:
        pins = parse_pins(args.vendor, list(args.quirk))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return SimpleNamespace(faults=faults, existing=existing, state=state, source=source, pins=pins)


def run(args: SimpleNamespace) -> int:
    import signal

    from .. import terminal, vendors
    from ..interrupts import Interrupted, Interrupts

    console = terminal.console(stderr=True)
    harness = vendors.get(args.vendor)
    given = _inputs(args, harness)
    command = args.user_command
    problem = inputs.runnable(command)
    if problem:  # nothing to judge: say so once, run no checks
        return _inconclusive(args, console, problem)
    # The command's output passes through, each line marked as the command's own (not under -q).
    stream = None if args.verbosity == QUIET else sys.stderr if args.json else sys.stdout
    echo = _Prefixed(stream, Path(command[0]).name)
    started = time.perf_counter()
    interrupts = Interrupts().__enter__()  # from here on, no signal leaves the command running
    try:
        if args.quirk_matrix:
            from .verify_matrix import run_matrix

            return run_matrix(
                args, harness, given, None if args.examples else example_of(args, harness, given), echo
            )
        if args.examples:
            outcome = _generated(args, harness, given, echo, console, interrupts)
            if isinstance(outcome, int):
                return outcome
            result, replay = outcome
        else:
            result, replay = _given(args, harness, given, echo, console), {}
    except KeyboardInterrupt as exc:  # the command's process group is already killed (run_command)
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        console.print(f"interrupted by {signal.Signals(signum).name}: the command was stopped; no verdict")
        return 128 + signum
    finally:
        interrupts.__exit__()
    not_started = next((r.not_started for r in result.runs if r.not_started), None)
    if not_started:
        return _inconclusive(args, console, not_started)
    _report(args, result, replay, time.perf_counter() - started)
    return exitcodes.OK if result.ok else exitcodes.FAILED


def _generated(
    args: SimpleNamespace, harness: Any, given: SimpleNamespace, echo: Any, console: Any, interrupts: Any
) -> int | tuple[Any, dict]:
    """verify --examples: generated examples until one fails, then shrinking; on workers when asked."""
    from ..verify import replay_files

    command = args.user_command
    if args.verbosity > QUIET:
        console.print(f"{args.vendor}: {args.examples} generated examples (seed {args.seed}) of {command[0]}")
    phases = _Phases(console, args.examples, args.verbosity)
    if (args.workers > 1 or args.shard is not None) and not given.pins:  # blocks on workers
        outcome = _on_workers(args, given, console, echo)
    else:
        outcome = _in_process(args, harness, given, echo, phases, interrupts)
    result, example = outcome.result, outcome.example
    if outcome.examples == 0 and args.shard is not None:
        console.print(f"shard {args.shard}: no block of {args.examples} examples falls to it")
        return exitcodes.OK
    phases.done(result)
    if result is None or example is None:
        return _inconclusive(args, console, "no example ran")
    if result.ok:
        return result, {}
    files, line = replay_files(Path(args.artifacts), harness, example, command)
    return result, {"files": [str(f) for f in files], "command": line}


def _on_workers(args: SimpleNamespace, given: SimpleNamespace, console: Any, echo: _Prefixed) -> Any:
    from ..workers import run_verify

    quiet = args.verbosity == QUIET
    if args.shard is not None and not quiet:
        console.print(f"shard {args.shard}, {args.workers} workers")
    return run_verify(
        args.vendor,
        args.user_command,
        examples=args.examples,
        seed=args.seed,
        timeout=args.timeout,
        faults=given.faults if args.faults else None,
        shrink_seconds=args.shrink_seconds,
        workers=args.workers,
        shard=args.shard,
        example_db=args.example_db,
        on_message=lambda line: quiet or console.print("  " + line, markup=False, highlight=False),
        on_output=None if echo.stream is None else echo.from_worker,
    )


def _in_process(
    args: SimpleNamespace, harness: Any, given: SimpleNamespace, echo: Any, phases: Any, interrupts: Any
) -> Any:
    from ..shards import open_database
    from ..verify import verify_examples

    return verify_examples(
        harness,
        args.user_command,
        args.examples,
        args.seed,
        timeout=args.timeout,
        echo=echo,
        faults=given.faults if args.faults else None,
        shrink_seconds=args.shrink_seconds,
        settings={"quirks": given.pins} if given.pins else None,
        on_example=lambda n, r: (phases.report(n, r), interrupts.checkpoint()),
        database=open_database(args.example_db),
    )


def example_of(args: SimpleNamespace, harness: Any, given: SimpleNamespace) -> Any:
    """The one example of a run without --examples: what was given, the rest generated from --seed."""
    from ..verify import Example, generated_catalogue, generated_example

    source, existing = given.source, given.existing
    if not args.state:  # a generated vendor state that overlaps the catalogue, given or generated
        generated = generated_example(harness, args.seed, source)
        source, existing = generated.source, generated.existing
    elif source is None:  # the vendor state is given: generate only the catalogue
        source = generated_catalogue(args.seed)
    return Example(source, existing, given.state, given.faults)


def _given(args: SimpleNamespace, harness: Any, given: SimpleNamespace, echo: Any, console: Any) -> Any:
    from ..verify import verify_once

    example = example_of(args, harness, given)
    held = _products(len(example.existing)) if example.state is None else "a snapshot"
    if args.verbosity > QUIET:
        console.print(
            f"{args.vendor}: {_products(len(example.source))} in the catalogue, {held} at the vendor"
        )
    settings = {"quirks": given.pins} if given.pins else None
    return verify_once(
        harness, example, args.user_command, timeout=args.timeout, echo=echo, settings=settings
    )


def _report(args: SimpleNamespace, result: Any, replay: dict, seconds: float) -> None:
    """JUnit, HTML and JSON as asked; else the results table (failures only under -q) and how to replay."""
    import shlex

    from .. import terminal
    from ..html_report import Timeline, write_html
    from ..report import to_json, write_junit

    command, console = args.user_command, terminal.console(stderr=True)
    results = _verify_results(result, seconds)
    title = f"catalog-harness verify {args.vendor}"
    if args.junit:
        write_junit(args.junit, results, title)
    if args.html:
        timelines = [
            Timeline(args.vendor, "first run", result.record.journal),
            Timeline(args.vendor, "second run", result.record.second_journal),
        ]
        meta = {"command": shlex.join(command), "exit codes": [r.exit_code for r in result.runs], **replay}
        write_html(args.html, title, results, timelines, meta)
    if args.json:
        codes = [r.exit_code for r in result.runs]
        print(to_json(results, command="verify", vendor=args.vendor, argv=command, base_url=result.base_url,
                      exit_codes=codes, replay=replay or None, seconds=round(seconds, 2)))  # fmt: skip
        return
    out = terminal.console(min_width=140)
    if args.verbosity == VERBOSE:
        _requests_made(out, result)
    show_results(out, results, f"verify {args.vendor}: {command[0]}", args.verbosity)
    console.print(f"in {seconds:.1f}s")
    if replay:
        console.print("minimal failing example saved: " + ", ".join(replay["files"]))
        console.print("replay it with:")
        console.print(replay["command"], markup=False, highlight=False, soft_wrap=True)


def _requests_made(out: Any, result: Any) -> None:
    """-v: every request the command made, one plain line each, run by run."""
    from .. import terminal

    for label, journal in (
        ("first run", result.record.journal),
        ("second run", result.record.second_journal),
    ):
        terminal.rule(out, f"requests, {label}")
        for e in journal:
            if e.get("type") == "request":
                query = f"?{e['query']}" if e.get("query") else ""
                fault = f" fault={e['fault']}" if e.get("fault") else ""
                out.print(
                    f"{e['method']} {e['path']}{query} {e['status']}{fault}", markup=False, highlight=False
                )


class _Prefixed:
    """A stream that starts every line written to it with `  NAME | ` (None: a stream that drops it all)."""

    def __init__(self, stream: Any, name: str) -> None:
        self.stream, self.name, self.prefix = stream, name, f"  {name} | "

    def write(self, text: str) -> None:
        if self.stream is not None:
            self.stream.write("".join(self.prefix + line for line in text.splitlines(keepends=True)))

    def flush(self) -> None:
        if self.stream is not None:
            self.stream.flush()

    def from_worker(self, worker: str, line: str) -> None:
        """A line a worker relayed (workers.py): marked with the worker too, and always ended, since the
        next line may come from another worker."""
        if self.stream is not None:
            line = line if line.endswith("\n") else line + "\n"
            self.stream.write(f"  [{worker}] {self.name} | {line}")
            self.stream.flush()


class _Phases:
    """Labels each run of `verify --examples`: generated examples until one fails, then shrinking."""

    def __init__(self, console: Any, examples: int, verbosity: int) -> None:
        self.console, self.examples, self.verbosity = console, examples, verbosity
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
        if self.verbosity > QUIET:
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


def _inconclusive(args: SimpleNamespace, console: Any, reason: str) -> int:
    """No verdict: one line (and with --json, the same as JSON), no checks run, exit 3."""
    from ..report import to_json

    console.print(f"inconclusive: {reason}", markup=False, highlight=False)
    if args.json:
        print(to_json([], command="verify", vendor=args.vendor, argv=args.user_command, inconclusive=reason))
    return exitcodes.INCONCLUSIVE


def _verify_results(result: Any, seconds: float) -> list[Any]:
    """One Result per check; each failure names the product, field and the request it points at."""
    from ..failure_text import described
    from ..report import Result

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
