"""`catalog-harness cases [VENDOR]` and `catalog-harness reproduce CASE [--arm URL]`.

Wired into harness/cli.py with `add_commands(commands)` on its subparsers object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from . import ArmError, all_cases, arm, disarm, get, reproduce

USAGE_ERROR = 2


def add_commands(subparsers: Any) -> None:
    cases = subparsers.add_parser("cases", help="list the named vendor error cases")
    cases.add_argument("vendor", nargs="?", metavar="VENDOR", help="only this vendor's cases")
    cases.add_argument("--json", action="store_true", help="print id, vendor, title, description as JSON")
    cases.set_defaults(run=run_cases)

    repro = subparsers.add_parser(
        "reproduce", help="run a named case on a fresh mock and print the request (curl) and response"
    )
    repro.add_argument("case", metavar="CASE", help="a case id, e.g. shipstation.rate-limit")
    where = repro.add_mutually_exclusive_group()
    where.add_argument(
        "--arm",
        metavar="URL",
        help="instead, arm the case on a running mock at its vendor base URL "
        "(e.g. http://127.0.0.1:8080/shipstation) for your own client to meet; what an earlier arm "
        "left there is taken away first",
    )
    where.add_argument(
        "--disarm", metavar="URL", help="take away what arming the case left on the running mock at URL"
    )
    repro.add_argument("--json", action="store_true", help="print request, response and curl as JSON")
    repro.add_argument("--body-out", metavar="FILE", help="write the exact request body to FILE")
    repro.set_defaults(run=run_reproduce)


def _error(message: str) -> int:
    Console(stderr=True).print(f"[red]error:[/] {message}", highlight=False)
    return USAGE_ERROR


def run_cases(args: argparse.Namespace) -> int:
    try:
        found = all_cases(args.vendor)
    except KeyError as exc:
        return _error(exc.args[0])
    if args.json:
        print(json.dumps([case.row() for case in found], indent=2))
        return 0
    table = Table(title=f"{len(found)} error cases", title_justify="left")
    table.add_column("id", style="bold", no_wrap=True)
    table.add_column("vendor")
    table.add_column("title")
    for case in found:
        table.add_row(case.id, case.vendor, case.title)
    Console(width=max(120, Console().width)).print(table)
    return 0


def run_reproduce(args: argparse.Namespace) -> int:
    try:
        case = get(args.case)
    except KeyError as exc:
        return _error(exc.args[0])
    if args.arm or args.disarm:
        try:
            said = arm(case, args.arm) if args.arm else disarm(case, args.disarm)
        except ArmError as exc:
            Console(stderr=True).print(f"[red]error:[/] {exc}", highlight=False)
            return 1
        if args.json:
            done = {"armed": args.arm} if args.arm else {"disarmed": args.disarm}
            print(json.dumps({"case": case.id, **done, "description": said}, indent=2))
        else:
            print(said)
        return 0
    result = reproduce(case)
    if args.body_out:
        Path(args.body_out).write_bytes(result.request.request_body)
    if args.json:
        print(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(result.text() + "\n")
    return 0
