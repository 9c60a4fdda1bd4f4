"""`catalog-harness contract VENDOR`: the QA gate against a fresh mock (default) or a vendor's API
(--base-url)."""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

import click

from .. import exitcodes
from .options import (
    EPILOG,
    QUIET,
    VENDOR,
    VERBOSE,
    AtLeast,
    Parsed,
    file_option,
    json_option,
    level,
    quirk_option,
    settings,
    show_results,
    verbosity,
)

HELP = """The QA gate: a vendor's contract against a fresh mock (default) or any base URL, read-only
unless --allow-writes. With --base-url the vendor's credentials come from its environment variables
(e.g. SHIPSTATION_API_KEY and SHIPSTATION_API_SECRET).

-q prints only failures and the verdict; -v adds each operation's time and every pacing wait."""


def _workers() -> Any:
    from ..shards import default_workers, parse_workers

    return click.option(
        "--workers",
        type=Parsed(parse_workers, "N"),
        default=default_workers,
        show_default="the number of cores",
        metavar="N",
        help="worker processes against fresh mocks, each with its own; with --base-url always 1, so the "
        "vendor's rate limit is paced by one process",
    )


@click.command(
    "contract",
    context_settings=settings(),
    help=HELP,
    epilog=EPILOG,
    short_help="the QA gate: a vendor's contract against a mock (default) or any base URL",
)
@click.argument("vendor", type=VENDOR)
@click.option("--base-url", help="e.g. a vendor sandbox; credentials come from the environment")
@click.option("--allow-writes", is_flag=True, help="also run operations that change data")
@click.option("--examples", type=AtLeast(1), default=20, help="examples per operation and mode")
@click.option("--seed", type=int, default=0, help="seed for generation")
@click.option(
    "--tier", type=click.Choice(["developer", "production"]), help="Starshipit plan: paces to 2/s or 20/s"
)
@click.option(
    "--max-requests", type=AtLeast(1), metavar="N", help="cap on requests for the whole run (with --base-url)"
)
@json_option()
@file_option("--junit", "write a JUnit XML report")
@quirk_option("run against a mock with this quirk variant (repeatable; catalog-harness quirks lists them)")
@_workers()
@verbosity
@click.pass_context
def command(ctx: click.Context, **params: Any) -> int:
    args = SimpleNamespace(**params, verbosity=level(ctx))
    return run(args)


def run(args: SimpleNamespace) -> int:
    from .. import terminal, vendors
    from ..quirks import parse_pins

    console = terminal.console(stderr=True)
    harness = vendors.get(args.vendor)
    try:
        args.quirks = parse_pins(args.vendor, list(args.quirk))
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        return exitcodes.USAGE
    if args.quirks and args.base_url:
        console.print("[red]error:[/] --quirk sets the mock's quirks; it cannot apply to --base-url")
        return exitcodes.USAGE
    try:
        if args.base_url:
            return _against_url(args, harness, console)
        return _against_mock(args, harness, console)
    except KeyboardInterrupt:
        console.print("interrupted")
        return exitcodes.INTERRUPTED


def _line(r: Any, extra: str = "") -> str:
    shown = "?   " if r.inconclusive else "ok  " if r.ok else "FAIL"
    return f"  {shown} {r.operation} \\[{r.mode}] {r.examples} examples{extra}"


def _timing(r: Any) -> str:
    """-v: how long an operation took, and the conformance run's note on it."""
    return f" in {r.seconds:.2f}s" + (f" ({r.note})" if r.note else "")


def _say(args: SimpleNamespace, console: Any) -> Any:
    """A progress line on stderr (rich markup), or nothing under -q."""
    if args.verbosity == QUIET:
        return lambda line, **style: None
    return lambda line, **style: console.print(line, **style)


def _against_mock(args: SimpleNamespace, harness: Any, console: Any) -> int:
    from mocks.kit.server import ServerThread

    from .. import vendors
    from ..conformance import run_contract

    say = _say(args, console)
    settings = {**harness.contract_settings, **({"quirks": args.quirks} if args.quirks else {})}
    with ServerThread(harness.create_app(settings=settings)) as server:
        base_url = server.base_url + vendors.api_path(args.vendor)
        say(f"{args.vendor}: {'all' if args.allow_writes else 'read-only'} operations at {base_url}")
        if args.workers > 1 and not args.quirks:  # operations shared out to workers, each with its own mock
            from ..workers import run_contract_parallel

            say(f"{args.workers} workers, each with its own mock like this one")
            done = run_contract_parallel(
                args.vendor,
                examples=args.examples,
                seed=args.seed,
                read_only=not args.allow_writes,
                workers=args.workers,
                on_message=lambda line: say(line, markup=False, highlight=False),
            )
            code = exitcodes.OK if all(r.ok for r in done) else exitcodes.FAILED
            return _report(args, [r.as_result() for r in done], base_url, code)
        run = run_contract(
            harness,
            base_url=base_url,
            auth=harness.contract_auth,
            max_examples=args.examples,
            seed=args.seed,
            read_only=not args.allow_writes,
            on_result=lambda r: say(_line(r, _timing(r) if args.verbosity == VERBOSE else "")),
        )
    results = [r.as_result() for r in run.results]
    code = exitcodes.OK if run.ok else exitcodes.FAILED
    return _report(args, results, base_url, code, excluded_checks=run.excluded_checks)


def _against_url(args: SimpleNamespace, harness: Any, console: Any) -> int:
    import requests

    from ..gate import CredentialsRejected, run_gate
    from ..pacing import BudgetExhausted, policy_for

    missing = [name for name in harness.env_credentials if not os.environ.get(name)]
    if missing or harness.contract_auth_for is None:
        console.print(f"[red]error:[/] set {', '.join(missing)} to test {args.vendor} at {args.base_url}")
        return exitcodes.USAGE
    credentials = {key: os.environ[name] for name, key in harness.env_credentials.items()}
    policy = policy_for(args.vendor, args.tier)
    budget = f", at most {args.max_requests} requests" if args.max_requests else ""
    say = _say(args, console)
    say(
        f"{args.vendor}: {'all' if args.allow_writes else 'read-only'} operations at {args.base_url}, "
        f"paced to {policy.describe()}{budget}"
    )
    on_wait, on_result = _progress(args, say)
    try:
        gate = run_gate(
            harness,
            args.base_url,
            credentials,
            tier=args.tier,
            max_requests=args.max_requests,
            on_wait=on_wait,
            on_result=on_result,
            max_examples=args.examples,
            seed=args.seed,
            read_only=not args.allow_writes,
        )
    except CredentialsRejected as exc:
        console.print(f"[red]{exc}[/]", highlight=False)
        console.print("not run: the gate never passes without accepted credentials")
        return _not_run(args, exitcodes.CREDENTIALS_REJECTED, "credentials rejected", str(exc))
    except (requests.RequestException, BudgetExhausted) as exc:
        reason = f"the first authenticated read at {args.base_url} got no answer: {exc}"
        console.print(f"[yellow]inconclusive:[/] {reason}", highlight=False)
        return _not_run(args, exitcodes.INCONCLUSIVE, "inconclusive", reason)
    pacer = gate.pacer
    say(
        f"{pacer.requests} requests, waited {pacer.waited:.1f}s in {pacer.waits} waits"
        f" (preflight {gate.preflight})"
    )
    return _report(
        args,
        [r.as_result() for r in gate.run.results],
        args.base_url,
        gate.exit_code,
        excluded_checks=gate.run.excluded_checks,
        requests=pacer.requests,
        waited_seconds=round(pacer.waited, 2),
        preflight=gate.preflight,
    )


def _progress(args: SimpleNamespace, say: Any) -> tuple[Any, Any]:
    """The gate's callbacks: a line per operation with its answers and waits, and the long waits as they
    happen (-v: every wait)."""
    waited = {"seconds": 0.0, "count": 0}

    def on_wait(seconds: float, reason: str) -> None:
        waited["seconds"] += seconds
        waited["count"] += 1
        # steady pacing shows in the totals
        if seconds >= 2 or not reason.startswith("pacing") or args.verbosity == VERBOSE:
            say(f"  waiting {seconds:.1f}s ({reason})", markup=False, highlight=False)

    def on_result(r: Any) -> None:
        extra = f", {len(r.answers)} answers"
        if waited["count"]:
            extra += f", waited {waited['seconds']:.1f}s in {waited['count']} waits"
        waited.update(seconds=0.0, count=0)
        say(_line(r, extra))
        if r.inconclusive:
            say(f"       inconclusive: {r.inconclusive}", markup=False, highlight=False)

    return on_wait, on_result


def _not_run(args: SimpleNamespace, code: int, verdict: str, reason: str) -> int:
    """The gate stopped before its suite: with --json, a report without results that says why."""
    from ..report import to_json

    if args.json:
        print(to_json([], command="contract", vendor=args.vendor, base_url=args.base_url,
                      ok=False, verdict=verdict, reason=reason))  # fmt: skip
    return code


def _report(args: SimpleNamespace, results: list[Any], base_url: str, code: int, **meta: Any) -> int:
    from .. import terminal
    from ..report import to_json, verdict, write_junit

    if args.junit:
        write_junit(args.junit, results, f"catalog-harness contract {args.vendor}")
    if args.json:
        print(
            to_json(
                results,
                command="contract",
                vendor=args.vendor,
                base_url=base_url,
                ok=code == exitcodes.OK,
                verdict={exitcodes.OK: "pass", exitcodes.FAILED: "fail"}.get(code, "inconclusive"),
                exit_code=code,
                counts={v: sum(verdict(r) == v for r in results) for v in ("pass", "fail", "inconclusive")},
                **meta,
            )
        )
    else:
        show_results(
            terminal.console(min_width=140), results, f"{args.vendor} contract at {base_url}", args.verbosity
        )
    if code == exitcodes.INCONCLUSIVE:
        terminal.console(stderr=True).print("[yellow]inconclusive[/]: not a pass (exit 3)")
    return code
