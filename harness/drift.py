"""`catalog-harness drift VENDOR CASSETTE`: where the mock answers differently from the recorded vendor.

Each recorded request (harness.cassette reads them) is replayed, in order and at its recorded pace (on a
virtual clock), against a fresh in-process mock. The mock is first seeded with what the cassette shows the
vendor held: the products its reads returned (VendorHarness.product_reads), at their first-seen values
(products our own writes made are left to the replay). Requests are re-authenticated with the mock's
credentials and clock: Tocobagus requests re-signed, Shiptheory tokens re-issued, API keys
(VendorHarness.key_headers) put back; a request the vendor refused for its credentials is sent with wrong
ones, so the mock shows its own refusal.

Compared: status; media type; JSON bodies key by key, with types and values (ids, dates, request ids,
tracking numbers, tokens and signatures normalised), so error codes, message wording and product values
count; the rate-limit headers' presence, and X-Rate-Limit-Limit's value. Each difference is then
re-checked with every quirk flipped (whole replays, since quirks change state), and the quirk setting
that removes it is named; one that none removes is a fidelity gap.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from mocks.kit.clock import Clock
from mocks.kit.core import Mock

from . import vendors
from .cassette import Exchange, dig, held_products, parsed_json, read
from .record import REDACTED

RATE_HEADERS = ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", "retry-after")
NOT_REPLAYED_HEADERS = frozenset(
    {"host", "content-length", "connection", "transfer-encoding", "accept-encoding"}
)
VOLATILE_KEY = re.compile(
    r"(?i)^(id|ids|.*(?<![a-z])id|.*[a-z]Id|.*_id|.*date|.*time|.*timestamp|created.*|modified.*|updated.*|"
    r"requestid|.*tracking.*|.*signature|.*token|etag|expires.*|iat|exp|jti)$"
)
VOLATILE_VALUE = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
    re.I,
)
MAX_PER_EXCHANGE = 25
TOCOBAGUS_AUTH = ("x-partner-client-id", "x-store-client-id", "x-store-token", "x-timestamp", "x-signature")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    content_type: str
    text: str


@dataclass
class Difference:
    exchange: int
    request: str
    aspect: str  # status | content type | structure | value | header
    where: str
    vendor: str
    mock: str
    fix: dict[str, Any] | None = None  # the quirk setting that removes it, None: a fidelity gap

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.exchange, self.aspect, self.where)

    def text(self) -> str:
        cure = (
            "set " + ", ".join(f"quirk {k}={json.dumps(v)}" for k, v in self.fix.items()) + " to match"
            if self.fix
            else "no quirk removes it: a fidelity gap"
        )
        return (
            f"#{self.exchange} {self.request}: {self.aspect} {self.where}: vendor {self.vendor}, "
            f"mock {self.mock}; {cure}"
        )


@dataclass
class DriftReport:
    vendor: str
    cassette: str
    exchanges: int
    replayed: int
    seeded: int
    differences: list[Difference] = field(default_factory=list)
    suggested_settings: dict[str, Any] = field(default_factory=dict)
    remaining: list[Difference] = field(default_factory=list)  # after applying the suggested settings
    skipped: list[str] = field(default_factory=list)

    @property
    def drift(self) -> bool:
        return bool(self.differences)

    def as_dict(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "cassette": self.cassette,
            "exchanges": self.exchanges,
            "replayed": self.replayed,
            "seeded_products": self.seeded,
            "drift": self.drift,
            "differences": [dict(asdict(d), text=d.text()) for d in self.differences],
            "gaps": sum(d.fix is None for d in self.differences),
            "suggested_settings": self.suggested_settings,
            "remaining_with_suggested_settings": [asdict(d) for d in self.remaining],
            "skipped": self.skipped,
        }


# -- replaying ---------------------------------------------------------------------------------------------
def replay(
    vendor: str, exchanges: list[Exchange], products: list[dict], quirks: dict[str, Any] | None = None
) -> tuple[dict[int, Answer], list[str]]:
    """Answers of a fresh mock (with these quirks) to each replayable exchange, and what was skipped."""
    harness = vendors.get(vendor)
    first = min((ex.time for ex in exchanges if ex.time), default=0.0)
    # Whole minutes keep the vendors' windows (1 s, 60 s) aligned the way the recording's were relative
    # to its first request, and make the replay deterministic.
    start = float(math.ceil(first / 60.0) * 60) if first else 1_767_225_600.0
    clock = Clock(virtual=True, start=start)
    app = harness.create_app(clock=clock, settings={"quirks": quirks} if quirks else None)
    mock = Mock.of(app)
    skipped: list[str] = []
    for product in products:  # one by one: a product the mock refuses to hold is named, not fatal
        try:
            mock.backend.seed(mock.backend.default_account, [copy.deepcopy(product)])
        except Exception as exc:  # the backend's own validation error, whatever its class
            skipped.append(f"seed {product.get('sku')!r}: {exc}")
    client = app.test_client()
    answers: dict[int, Answer] = {}
    stamp = 0
    for ex in exchanges:
        if ex.status == 0:
            skipped.append(f"#{ex.index} {ex.label}: not replayed, the vendor never answered ({ex.error})")
            continue
        target = start + max(0.0, ex.time - first) if first else clock.now()
        if target > clock.now():
            clock.advance(target - clock.now())
        stamp += 1
        headers, body = _reauthenticated(vendor, ex, mock, stamp)
        response = client.open(
            ex.path, method=ex.method, query_string=ex.query, headers=headers, data=body, buffered=True
        )
        answers[ex.index] = Answer(
            response.status_code,
            {k.lower(): v for k, v in response.headers.items()},
            response.headers.get("Content-Type", ""),
            response.get_data(as_text=True),
        )
    return answers, skipped


def _reauthenticated(vendor: str, ex: Exchange, mock: Any, stamp: int) -> tuple[dict[str, str], bytes]:
    """The recorded request with the mock's credentials in place of the redacted ones."""
    harness = vendors.get(vendor)
    creds = harness.credentials
    headers = {k: v for k, v in ex.headers.items() if k not in NOT_REPLAYED_HEADERS and v != REDACTED}
    refused = ex.status in (401, 403)
    body = ex.body
    if vendor == "shipstation" and "authorization" in ex.headers:
        key, secret = ("wrong", "wrong") if refused else (creds["api_key"], creds["api_secret"])
        headers["authorization"] = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
    elif vendor == "starshipit":
        gateway = refused and isinstance(ex.json(), dict) and "statusCode" in ex.json()
        if "ocp-apim-subscription-key" in ex.headers:
            headers["ocp-apim-subscription-key"] = "wrong" if gateway else creds["subscription_key"]
        if "starshipit-api-key" in ex.headers:
            headers["starshipit-api-key"] = "wrong" if refused and not gateway else creds["api_key"]
    elif vendor == "shiptheory":
        if ex.path == "/v1/token" and isinstance(login := parsed_json(body.decode("utf-8", "replace")), dict):
            password = "wrong" if refused else creds["password"]
            body = json.dumps({**login, "email": creds["email"], "password": password}).encode()
        if "authorization" in ex.headers:
            token = "invalid" if refused else mock.backend.issue_token(creds)["data"]["token"]
            headers["authorization"] = f"Bearer {token}"
    elif vendor == "tocobagus" and set(TOCOBAGUS_AUTH) & set(ex.headers):
        headers = {k: v for k, v in headers.items() if not k.startswith("x-")}
        headers.update(_signed(ex, mock, creds, stamp, body))
    else:  # keys sent as they are (a scaffolded vendor): the mock's, or wrong ones where the vendor refused
        for header, key in harness.key_headers.items():
            if header.lower() in ex.headers:
                headers[header.lower()] = "wrong" if refused else creds[key]
    return headers, body


def _signed(ex: Exchange, mock: Any, creds: dict[str, str], stamp: int, body: bytes) -> dict[str, str]:
    from mocks.tocobagus import signing

    code = (dig(ex.json(), "error.code") or "") if ex.status >= 400 else ""
    secret, partner, store = creds["partner_secret"], creds["partner_client_id"], creds["store_client_id"]
    token = creds["store_token"]
    now_ms = int(mock.clock.now() * 1000) + stamp  # distinct per request: replays are refused
    if code == "AUTH_002":
        partner = "ptnr_unknown"
    elif code == "AUTH_003":
        now_ms -= 600_000
    elif code == "AUTH_005":
        store = "str_unknown"
    elif code == "AUTH_006":
        token = "stkn_wrong"
    headers = signing.signed_headers(
        secret,
        ex.method,
        ex.path,
        body,
        partner_client_id=partner,
        store_client_id=store if "x-store-client-id" in ex.headers else None,
        store_token=token if "x-store-token" in ex.headers else None,
        timestamp_ms=now_ms,
    )
    if code == "AUTH_010":
        headers["x-signature"] = "sha256=" + "0" * 64
    # A request sent without some of them (a client bug, a probe of the auth) goes without them again.
    return {name: value for name, value in headers.items() if name in ex.headers}


# -- comparing ---------------------------------------------------------------------------------------------
def compare(ex: Exchange, answer: Answer) -> list[Difference]:
    found: list[Difference] = []

    def differ(aspect: str, where: str, vendor: Any, mock: Any) -> None:
        found.append(Difference(ex.index, ex.label, aspect, where, _show(vendor), _show(mock)))

    if ex.status != answer.status:  # the rest follows from it: one row, not one per field
        differ("status", "", ex.status, answer.status)
        return found
    media = _media(ex.content_type), _media(answer.content_type)
    if media[0] != media[1]:
        differ("content type", "", media[0] or "(none)", media[1] or "(none)")
    vendor_json, mock_json = ex.json(), parsed_json(answer.text)
    if vendor_json is not None and mock_json is not None:
        _walk(vendor_json, mock_json, "$", differ)
    elif vendor_json is not None or mock_json is not None:
        differ("structure", "$", _kind(ex.text, vendor_json), _kind(answer.text, mock_json))
    elif " ".join(ex.text.split()) != " ".join(answer.text.split()):
        differ("value", "$", ex.text.strip()[:200], answer.text.strip()[:200])
    for name in RATE_HEADERS:
        theirs, ours = name in ex.response_headers, name in answer.headers
        if theirs != ours:
            differ("header", name, "present" if theirs else "absent", "present" if ours else "absent")
    limit = "x-rate-limit-limit"
    theirs_limit, our_limit = ex.response_headers.get(limit), answer.headers.get(limit)
    if theirs_limit is not None and our_limit is not None and theirs_limit != our_limit:
        differ("header", limit, theirs_limit, our_limit)
    return found[:MAX_PER_EXCHANGE]


def _walk(vendor: Any, mock: Any, where: str, differ: Any, key: str = "") -> None:
    if isinstance(vendor, dict) and isinstance(mock, dict):
        for name in vendor.keys() | mock.keys():
            path = f"{where}.{name}"
            if name not in mock:
                differ("structure", path, "present", "absent")
            elif name not in vendor:
                differ("structure", path, "absent", "present")
            else:
                _walk(vendor[name], mock[name], path, differ, name)
        return
    if isinstance(vendor, list) and isinstance(mock, list):
        if len(vendor) != len(mock):
            differ("value", f"{where}.length", len(vendor), len(mock))
        for i, (a, b) in enumerate(zip(vendor, mock, strict=False)):
            _walk(a, b, f"{where}[{i}]", differ, key)
        return
    if _type(vendor) != _type(mock):
        differ("structure", where, _type(vendor), _type(mock))
        return
    if _volatile(key, vendor) or _volatile(key, mock):
        return
    if vendor != mock:
        differ("value", where, vendor, mock)


def _volatile(key: str, value: Any) -> bool:
    if key and VOLATILE_KEY.match(key):
        return True
    return isinstance(value, str) and (value == REDACTED or VOLATILE_VALUE.match(value) is not None)


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def _media(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _kind(text: str, parsed: Any) -> str:
    return "JSON" if parsed is not None else f"text {text.strip()[:80]!r}"


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:200] + "…"


def differences(exchanges: list[Exchange], answers: dict[int, Answer]) -> list[Difference]:
    return [d for ex in exchanges if ex.index in answers for d in compare(ex, answers[ex.index])]


# -- the whole job -----------------------------------------------------------------------------------------
def drift(vendor: str, cassette: str) -> DriftReport:
    exchanges = read(cassette, vendor)
    products = held_products(vendor, exchanges)
    answers, skipped = replay(vendor, exchanges, products)
    found = differences(exchanges, answers)
    report = DriftReport(
        vendor, cassette, len(exchanges), len(answers), len(products), found, skipped=skipped
    )
    if not found:
        return report
    from .quirks import declared

    for quirk in declared(vendor):  # each other value: a quirk may have more than two (signing_path)
        for value in quirk.variants:
            flipped = {quirk.name: value}
            variant, _ = replay(vendor, exchanges, products, flipped)
            still = {d.key for d in differences(exchanges, variant)}
            if still - {d.key for d in found}:
                continue  # it breaks something else (an exclusive quirk's other reading refuses the replay)
            for d in found:
                if d.fix is None and d.key not in still:
                    d.fix = flipped
    suggested = {k: v for d in found if d.fix for k, v in d.fix.items()}
    if suggested:
        report.suggested_settings = {"quirks": suggested}
        combined, _ = replay(vendor, exchanges, products, suggested)
        report.remaining = differences(exchanges, combined)
    return report


def results(report: DriftReport) -> list[Any]:
    """One Result per replayed exchange that differs (JUnit, HTML), plus one passing row for the rest."""
    from .report import Result

    by_exchange: dict[int, list[Difference]] = {}
    for d in report.differences:
        by_exchange.setdefault(d.exchange, []).append(d)
    rows = [
        Result(
            report.vendor,
            "drift",
            f"#{index} {diffs[0].request}",
            False,
            failures=[dict(asdict(d), text=d.text()) for d in diffs],
        )
        for index, diffs in by_exchange.items()
    ]
    matching = report.replayed - len(by_exchange)
    rows.append(Result(report.vendor, "drift", f"{matching} exchanges answered alike", True))
    return rows
