"""`catalog-harness contract`: the QA gate against a fresh mock (default) or a vendor's API (--base-url)."""

from __future__ import annotations

import argparse
import os
from typing import Any

import requests
from rich.console import Console

from . import exitcodes, vendors
from .conformance import OperationResult, run_contract
from .report import Result, print_results, to_json, verdict, write_junit


def add_arguments(contract: argparse.ArgumentParser) -> None:
    contract.add_argument("vendor", metavar="VENDOR")
    contract.add_argument("--base-url", help="e.g. a vendor sandbox; credentials come from the environment")
    contract.add_argument("--allow-writes", action="store_true", help="also run operations that change data")
    contract.add_argument("--examples", type=int, default=20, help="examples per operation and mode (20)")
    contract.add_argument("--seed", type=int, default=0, help="seed for generation (0)")
    contract.add_argument(
        "--tier", choices=("developer", "production"), help="Starshipit plan: paces to 2/s or 20/s"
    )
    contract.add_argument(
        "--max-requests", type=int, metavar="N", help="cap on requests for the whole run (with --base-url)"
    )
    contract.add_argument("--json", action="store_true", help="print the full result as JSON on stdout")
    contract.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    contract.add_argument(
        "--quirk",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="run against a mock with this quirk variant (repeatable; catalog-harness quirks lists them)",
    )
    from .shards import default_workers, parse_workers

    contract.add_argument(
        "--workers",
        type=parse_workers,
        default=default_workers(),
        metavar="N",
        help="worker processes against fresh mocks, each with its own (default: the number of cores); "
        "with --base-url always 1, so the vendor's rate limit is paced by one process",
    )


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    harness = vendors.get(args.vendor)
    if args.max_requests is not None and args.max_requests < 1:
        console.print("[red]error:[/] --max-requests must be at least 1")
        return exitcodes.USAGE
    from .quirks import parse_pins

    try:
        args.quirks = parse_pins(args.vendor, args.quirk)
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


def _line(r: OperationResult, extra: str = "") -> str:
    shown = "?   " if r.inconclusive else "ok  " if r.ok else "FAIL"
    return f"  {shown} {r.operation} \\[{r.mode}] {r.examples} examples{extra}"


def _against_mock(args: argparse.Namespace, harness: Any, console: Console) -> int:
    from mocks.kit.server import ServerThread

    settings = {**harness.contract_settings, **({"quirks": args.quirks} if args.quirks else {})}
    with ServerThread(harness.create_app(settings=settings)) as server:
        base_url = server.base_url + vendors.api_path(args.vendor)
        console.print(
            f"{args.vendor}: {'all' if args.allow_writes else 'read-only'} operations at {base_url}"
        )
        if args.workers > 1 and not args.quirks:  # operations shared out to workers, each with its own mock
            from .workers import run_contract_parallel

            console.print(f"{args.workers} workers, each with its own mock like this one")
            done = run_contract_parallel(
                args.vendor,
                examples=args.examples,
                seed=args.seed,
                read_only=not args.allow_writes,
                workers=args.workers,
                on_message=lambda line: console.print(line, markup=False, highlight=False),
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
            on_result=lambda r: console.print(_line(r)),
        )
    results = [r.as_result() for r in run.results]
    code = exitcodes.OK if run.ok else exitcodes.FAILED
    return _report(args, results, base_url, code, excluded_checks=run.excluded_checks)


def _against_url(args: argparse.Namespace, harness: Any, console: Console) -> int:
    from .gate import CredentialsRejected, run_gate
    from .pacing import BudgetExhausted, policy_for

    missing = [name for name in harness.env_credentials if not os.environ.get(name)]
    if missing or harness.contract_auth_for is None:
        console.print(f"[red]error:[/] set {', '.join(missing)} to test {args.vendor} at {args.base_url}")
        return exitcodes.USAGE
    credentials = {key: os.environ[name] for name, key in harness.env_credentials.items()}
    policy = policy_for(args.vendor, args.tier)
    budget = f", at most {args.max_requests} requests" if args.max_requests else ""
    console.print(
        f"{args.vendor}: {'all' if args.allow_writes else 'read-only'} operations at {args.base_url}, "
        f"paced to {policy.describe()}{budget}"
    )
    waited = {"seconds": 0.0, "count": 0}

    def on_wait(seconds: float, reason: str) -> None:
        waited["seconds"] += seconds
        waited["count"] += 1
        if seconds >= 2 or not reason.startswith("pacing"):  # steady pacing shows in the totals
            console.print(f"  waiting {seconds:.1f}s ({reason})", markup=False, highlight=False)

    def on_result(r: OperationResult) -> None:
        extra = f", {len(r.answers)} answers"
        if waited["count"]:
            extra += f", waited {waited['seconds']:.1f}s in {waited['count']} waits"
        waited.update(seconds=0.0, count=0)
        console.print(_line(r, extra))
        if r.inconclusive:
            console.print(f"       inconclusive: {r.inconclusive}", markup=False, highlight=False)

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
        if args.json:
            print(to_json([], command="contract", vendor=args.vendor, base_url=args.base_url,
                          ok=False, verdict="credentials rejected", reason=str(exc)))  # fmt: skip
        return exitcodes.CREDENTIALS_REJECTED
    except (requests.RequestException, BudgetExhausted) as exc:
        reason = f"the first authenticated read at {args.base_url} got no answer: {exc}"
        console.print(f"[yellow]inconclusive:[/] {reason}", highlight=False)
        if args.json:
            print(to_json([], command="contract", vendor=args.vendor, base_url=args.base_url,
                          ok=False, verdict="inconclusive", reason=reason))  # fmt: skip
        return exitcodes.INCONCLUSIVE
    results = [r.as_result() for r in gate.run.results]
    console.print(
        f"{gate.pacer.requests} requests, waited {gate.pacer.waited:.1f}s in {gate.pacer.waits} waits"
        f" (preflight {gate.preflight})"
    )
    return _report(
        args,
        results,
        args.base_url,
        gate.exit_code,
        excluded_checks=gate.run.excluded_checks,
        requests=gate.pacer.requests,
        waited_seconds=round(gate.pacer.waited, 2),
        preflight=gate.preflight,
    )


def _report(args: argparse.Namespace, results: list[Result], base_url: str, code: int, **meta: Any) -> int:
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
        print_results(
            Console(width=max(140, Console().width)), results, f"{args.vendor} contract at {base_url}"
        )
    if code == exitcodes.INCONCLUSIVE:
        Console(stderr=True).print("[yellow]inconclusive[/]: not a pass (exit 3)")
    return code
