"""`catalog-harness reproduce CASE [--arm URL]`: a named case on a fresh mock, or armed on a running one."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .options import QUIET, VERBOSE, CaseId, json_option, level, settings, verbosity


@click.command(
    "reproduce",
    context_settings=settings(),
    help="Run a named case (`catalog-harness cases` lists them) on a fresh mock and print the request "
    "(as curl) and the response.\n\n"
    "-q prints only the curl line and the response's status; -v adds the request as the mock received "
    "it (every header) and the response body uncut.",
    short_help="run a named case on a fresh mock and print the request (curl) and response",
)
@click.argument("case", type=CaseId(), metavar="CASE")
@click.option(
    "--arm",
    metavar="URL",
    help="instead, arm the case on a running mock at its vendor base URL "
    "(e.g. http://127.0.0.1:8080/shipstation) for your own client to meet; what an earlier arm "
    "left there is taken away first",
)
@click.option(
    "--disarm", metavar="URL", help="take away what arming the case left on the running mock at URL"
)
@json_option("print request, response and curl as JSON")
@click.option("--body-out", metavar="FILE", help="write the exact request body to FILE")
@verbosity
@click.pass_context
def command(
    ctx: click.Context, case: str, arm: str | None, disarm: str | None, body_out: str | None, **params: bool
) -> int:
    from .. import cases

    verbosity = level(ctx)
    if arm and disarm:
        raise click.UsageError("--arm and --disarm exclude each other", ctx)
    found = cases.get(case)  # KeyError: unknown, with the closest ids
    if arm or disarm:
        return _arm(found, arm, disarm, params["json"])
    result = cases.reproduce(found)
    if body_out:
        Path(body_out).write_bytes(result.request.request_body)
    if params["json"]:
        print(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    elif verbosity == QUIET:
        exchange = result.request
        print(f"{result.curl}\n\nHTTP/1.1 {exchange.status} {exchange.reason}".rstrip())
    else:
        sys.stdout.write(result.text() + "\n")
        if verbosity == VERBOSE:
            exchange = result.request
            sys.stdout.write(f"\nrequest as the mock received it:\n{exchange.raw_request(limit=None)}\n")
            sys.stdout.write(f"\nresponse in full:\n{exchange.raw_response(limit=None)}\n")
    return 0


def _arm(case: Any, arm: str | None, disarm: str | None, as_json: bool) -> int:
    """--arm URL or --disarm URL: the case put on (or taken off) a running mock."""
    from .. import cases

    try:
        said = cases.arm(case, arm) if arm else cases.disarm(case, disarm or "")
    except cases.ArmError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    if as_json:
        done = {"armed": arm} if arm else {"disarmed": disarm}
        print(json.dumps({"case": case.id, **done, "description": said}, indent=2))
    else:
        print(said)
    return 0
