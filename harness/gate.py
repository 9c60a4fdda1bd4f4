"""The QA gate against a real API (`contract VENDOR --base-url URL`): a verdict that cannot pass by accident.

1. One authenticated read first. A 401/403 stops the gate: credentials rejected (exit 4), never green.
2. Every request is paced to the vendor's documented limit (harness.pacing) and counted against
   `--max-requests`.
3. An operation whose own answers were mostly 401/403/429 or gateway errors (502/503/504), or that the
   budget cut short, is inconclusive, and so is the run (exit 3) unless something failed conclusively.
4. Each failure's curl line authenticates from the same environment variables the gate read.

Pacing applies only here, with a base URL: the fresh mocks of `check` and plain `contract` have their
rate limit raised instead (VendorHarness.contract_settings), so they run at full speed.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import requests
from schemathesis.core import NOT_SET

from . import exitcodes, vendors
from .conformance import ContractRun, OperationResult, run_contract
from .pacing import BudgetExhausted, Pacer, RecordingSession, paced, policy_for
from .vendors import VendorHarness

# Answers that say nothing about the API's conformance: the gateway or the account refused to let us in.
NO_VERDICT = frozenset({401, 403, 429, 502, 503, 504})
# Negative cases include broken Authorization headers, which a vendor rightly refuses with 401/403.
NO_VERDICT_NEGATIVE = NO_VERDICT - {401, 403}

BUDGET_MESSAGE = "request budget (--max-requests"


class CredentialsRejected(Exception):
    def __init__(self, vendor: str, base_url: str, status: int, body: str) -> None:
        super().__init__(f"credentials rejected by {vendor} at {base_url} ({status}: {body[:200].strip()})")
        self.status = status


@dataclass
class GateRun:
    run: ContractRun
    pacer: Pacer
    preflight: str

    @property
    def exit_code(self) -> int:
        if any(r.failure is not None and r.inconclusive is None for r in self.run.results):
            return exitcodes.FAILED  # a conclusive finding outranks what could not be judged
        if any(r.inconclusive for r in self.run.results):
            return exitcodes.INCONCLUSIVE
        return exitcodes.OK


def preflight(
    harness: VendorHarness, base_url: str, auth: Callable[[Any], dict[str, str]], session: requests.Session
) -> str:
    """One authenticated read; raises CredentialsRejected on 401/403. Returns what it saw."""
    target = harness.preflight or "/"
    path, _, query = target.partition("?")
    case = SimpleNamespace(
        method="GET", path=path, formatted_path=path, body=NOT_SET, headers=None, query=query
    )
    try:
        headers = auth(case)
    except requests.HTTPError as exc:  # Shiptheory's token request was refused
        response = exc.response
        if response is not None and response.status_code in (401, 403):
            raise CredentialsRejected(harness.name, base_url, response.status_code, response.text) from exc
        raise
    response = session.get(base_url.rstrip("/") + target, headers=headers, timeout=30)
    if response.status_code in (401, 403):
        raise CredentialsRejected(harness.name, base_url, response.status_code, response.text)
    return f"GET {target} → {response.status_code}"


def run_gate(
    harness: VendorHarness,
    base_url: str,
    credentials: dict[str, str],
    *,
    tier: str | None = None,
    max_requests: int | None = None,
    on_wait: Callable[[float, str], None] | None = None,
    on_result: Callable[[OperationResult], None] | None = None,
    **contract: Any,
) -> GateRun:
    """Raises CredentialsRejected before the suite, or BudgetExhausted/RequestException at the preflight."""
    assert harness.contract_auth_for is not None
    pacer = Pacer(policy_for(harness.name, tier), max_requests, on_wait=on_wait)
    session = RecordingSession()
    auth = harness.contract_auth_for(credentials, base_url)
    with paced(pacer):
        return _gate(harness, base_url, auth, session, pacer, on_result, contract)


def _gate(
    harness: VendorHarness,
    base_url: str,
    auth: Callable[[Any], dict[str, str]],
    session: RecordingSession,
    pacer: Pacer,
    on_result: Callable[[OperationResult], None] | None,
    contract: dict[str, Any],
) -> GateRun:
    seen = preflight(harness, base_url, auth, session)

    def judged(result: OperationResult) -> None:
        judge(result, pacer)
        result.failure = result.failure and runnable_curl(result.failure, harness.name, base_url)
        if on_result:
            on_result(result)

    run = run_contract(harness, base_url=base_url, auth=auth, session=session, on_result=judged, **contract)
    return GateRun(run, pacer, seen)


def judge(result: OperationResult, pacer: Pacer) -> None:
    """Mark an operation inconclusive when its answers could not show conformance."""
    cut_short = result.failure is not None and BUDGET_MESSAGE in result.failure
    if pacer.exhausted and (cut_short or not result.answers):
        result.inconclusive = (
            f"not finished: the request budget (--max-requests {pacer.max_requests}) ran out"
        )
        result.failure = None
        return
    if not result.answers:
        return
    counts = Counter("no answer" if s is None else s for s in result.answers)
    refusals = NO_VERDICT if result.mode == "positive" else NO_VERDICT_NEGATIVE
    blocked = sum(n for s, n in counts.items() if s == "no answer" or s in refusals)
    if blocked * 2 > len(result.answers):
        shown = ", ".join(f"{n} x {s}" for s, n in counts.most_common())
        total = len(result.answers)
        result.inconclusive = (
            f"{blocked} of {total} answers were refusals, rate limits or gateway errors: {shown}"
        )


# -- reproducible curl lines -------------------------------------------------------------------------------
# The vendor's credential headers (VendorHarness.auth_headers) are dropped from schemathesis' line and put
# back from the environment variables the gate reads (contract --base-url documents them).
CURL_LINE = re.compile(r"^(?P<indent>[ \t]*)curl (?P<rest>.*?)$", re.M)


def runnable_curl(text: str, vendor: str, base_url: str) -> str:
    """Rewrite schemathesis' `curl … -H 'Authorization: [Filtered]' …` into a line that runs as it is."""

    def rewrite(match: re.Match[str]) -> str:
        try:
            words = shlex.split(match.group("rest"))
        except ValueError:
            return match.group(0)
        return match.group("indent") + curl_command(words, vendor, base_url)

    return CURL_LINE.sub(rewrite, text)


def curl_command(words: list[str], vendor: str, base_url: str) -> str:
    harness = vendors.get(vendor)
    method, url, body, headers = "GET", "", None, []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-X":
            method, i = words[i + 1], i + 2
        elif word == "-H":
            name, _, value = words[i + 1].partition(":")
            # The vendor's auth comes back from the environment below; another filtered value can't be known.
            if name.strip().lower() not in harness.auth_headers and value.strip() != "[Filtered]":
                headers.append((name.strip(), value.strip()))
            i += 2
        elif word in ("-d", "--data", "--data-raw", "--data-binary"):
            body, i = words[i + 1], i + 2
        elif word.startswith("-"):
            i += 1
        else:
            url, i = word, i + 1
    plain = [f"-H {shlex.quote(f'{k}: {v}')}" for k, v in headers]
    target = shlex.quote(url)
    if vendor == "tocobagus":
        return _signed_curl(method, url, plain, body)
    data = [f"-d {shlex.quote(body)}"] if body is not None else []
    prefix: list[str] = []
    if vendor == "shipstation":
        auth = ['-u "$SHIPSTATION_API_KEY:$SHIPSTATION_API_SECRET"']
    elif vendor == "shiptheory":  # a token from the vendor's own login, then the request with it
        login = shlex.quote(base_url.rstrip("/") + "/v1/token")
        prefix = [
            f"TOKEN=$(curl -s -X POST -H 'Content-Type: application/json' {login}",
            '-d "{\\"email\\": \\"$SHIPTHEORY_EMAIL\\", \\"password\\": \\"$SHIPTHEORY_PASSWORD\\"}"',
            '| python3 -c \'import json,sys; print(json.load(sys.stdin)["data"]["token"])\') &&',
        ]
        auth = ['-H "Authorization: Bearer $TOKEN"']
    else:  # keys sent as they are (Starshipit, a scaffolded vendor), each from its environment variable
        env = {key: name for name, key in harness.env_credentials.items()}
        auth = [f'-H "{header}: ${env[key]}"' for header, key in harness.key_headers.items()]
    return " ".join([*prefix, "curl", "-X", method, *auth, *plain, *data, target])


def _signed_curl(method: str, url: str, plain: list[str], body: str | None) -> str:
    """Tocobagus: sign METHOD, the path without /api/v1 or query, the four headers and the body's hash."""
    from urllib.parse import urlsplit

    from mocks.tocobagus.signing import signing_path

    path = signing_path(urlsplit(url).path)
    fmt = "%s\\n%s\\nx-partner-client-id:%s\\nx-store-client-id:%s\\nx-store-token:%s\\nx-timestamp:%s\\n%s"
    parts = [
        f"BODY={shlex.quote(body or '')};",
        "TS=$(($(date +%s) * 1000));",
        f"SIG=$(printf '{fmt}' {method} {shlex.quote(path)}",
        '"$TOCOBAGUS_PARTNER_CLIENT_ID" "$TOCOBAGUS_STORE_CLIENT_ID" "$TOCOBAGUS_STORE_TOKEN" "$TS"',
        '"$(printf %s "$BODY" | sha256sum | cut -d" " -f1)"',
        '| openssl dgst -sha256 -hmac "$TOCOBAGUS_PARTNER_SECRET" | sed "s/^.* //") &&',
        "curl -X",
        method,
        '-H "x-partner-client-id: $TOCOBAGUS_PARTNER_CLIENT_ID"',
        '-H "x-store-client-id: $TOCOBAGUS_STORE_CLIENT_ID"',
        '-H "x-store-token: $TOCOBAGUS_STORE_TOKEN"',
        '-H "x-timestamp: $TS"',
        '-H "x-signature: sha256=$SIG"',
        *plain,
        *(['--data-binary "$BODY"'] if body is not None else []),
        shlex.quote(url),
    ]
    return " ".join(parts)


__all__ = [
    "BudgetExhausted",
    "CredentialsRejected",
    "GateRun",
    "judge",
    "preflight",
    "run_gate",
    "runnable_curl",
]
