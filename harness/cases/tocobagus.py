"""Tocobagus (Omni partner API) error cases (mocks/tocobagus/errors.py, models.py; vendor-notes §4, §7)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from mocks.kit.transport import WSGIAdapter
from mocks.tocobagus import CREDENTIALS, signing
from mocks.tocobagus.models import TIMESTAMP_WINDOW, WEBHOOK_BACKOFF

from .control import Control
from .core import Case, Channel, Context, Exchange, Profile, RemoteChannel

API = "/api/v1"
SYNC = f"{API}/partner/stores/catalog/sync"
PRODUCTS = f"{API}/partner/stores/products"
ANY_API = (None, rf"^{API}/")
ROW = {"externalId": "ext-mug-01", "sku": "MUG-01", "name": "Enamel mug", "price": 125000, "stock": 10}
RECEIVER = "http://receiver/hooks/catalog"
UNREACHABLE = "http://127.0.0.1:9/catalog-harness/unreachable-receiver"  # discard port: refused


def signed(
    ch: Channel,
    method: str,
    path: str,
    body: bytes,
    *,
    secret: str = CREDENTIALS["partner_secret"],
    partner: str = CREDENTIALS["partner_client_id"],
    store: str = CREDENTIALS["store_client_id"],
    token: str = CREDENTIALS["store_token"],
    timestamp_ms: int | None = None,
    signing_path: str | None = None,
    signed_body: bytes | None = None,
    omit: Iterable[str] = (),
) -> dict[str, str]:
    """The auth headers, right by default; each keyword makes one thing wrong, as a client bug would."""
    headers = {
        "x-partner-client-id": partner,
        "x-store-client-id": store,
        "x-store-token": token,
        "x-timestamp": str(ch.stamp_ms() if timestamp_ms is None else timestamp_ms),
    }
    for name in omit:
        headers.pop(name, None)
    base = signing.base_string(
        method,
        signing_path or signing.signing_path(path),
        headers,
        body if signed_body is None else signed_body,
    )
    digest = hmac.new(secret.encode(), base.encode(), hashlib.sha256).hexdigest()
    if "x-signature" not in omit:
        headers["x-signature"] = signing.signature_header(digest)
    return headers


def _auth(ch: Channel, method: str, path: str, body: bytes) -> dict[str, str]:
    return signed(ch, method, path, body)


# Bodies are signed as sent; the canonical encoding is what the reference client sends too.
PROFILE = Profile(
    "tocobagus",
    _auth,
    encode=signing.canonical_json,
    note="x-timestamp is on the virtual clock (2026-01-01T00:00:00Z): the curl line authenticates against "
    "`catalog-harness serve --virtual-clock` before its clock is moved, and only once (a signature seen "
    "before is AUTH_004); elsewhere, sign afresh",
)


def _wrong(ctx: Context, **wrong: Any) -> Callable[[str, str, bytes], dict[str, str]]:
    return lambda method, path, body: signed(ctx, method, path, body, **wrong)


class Receiver:
    """An in-process webhook receiver answering the given statuses in turn (the last one repeats)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.exchanges: list[Exchange] = []

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        body = environ["wsgi.input"].read()
        status = self.statuses[min(len(self.exchanges), len(self.statuses) - 1)]
        headers = {"Content-Type": environ.get("CONTENT_TYPE", "")}
        headers |= {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        for noise in ("host", "user-agent", "accept", "accept-encoding", "connection"):
            headers.pop(noise, None)  # requests' defaults, not the platform's headers
        reason = HTTPStatus(status).phrase
        self.exchanges.append(
            Exchange("POST", environ["PATH_INFO"], RECEIVER, headers, body, status, reason, {}, b"", True)
        )
        start_response(f"{status} {reason}", [("Content-Length", "0")])
        return [b""]

    def attach(self, ctx: Context) -> None:
        ctx.mock.backend.webhook_session.mount("http://receiver/", WSGIAdapter(self))
        ctx.settings(webhook_url=RECEIVER)


# -- scenarios --------------------------------------------------------------------------------------------
def missing_headers(ctx: Context) -> None:
    ctx.trigger("GET", PRODUCTS, auth=_wrong(ctx, omit=("x-timestamp", "x-signature")))


def unknown_partner(ctx: Context) -> None:
    ctx.trigger("GET", PRODUCTS, auth=_wrong(ctx, partner="ptnr_unknown"))


def timestamp_skew(ctx: Context) -> None:
    stale = int((ctx.now() - TIMESTAMP_WINDOW - 60) * 1000)  # six minutes slow
    ctx.trigger("GET", PRODUCTS, auth=_wrong(ctx, timestamp_ms=stale))


def replayed(ctx: Context) -> None:
    headers = signed(ctx, "GET", PRODUCTS, b"")
    ctx.send("GET", PRODUCTS, auth=False, headers=headers)
    ctx.trigger("GET", PRODUCTS, auth=False, headers=headers)


def unknown_store(ctx: Context) -> None:
    ctx.trigger("GET", PRODUCTS, auth=_wrong(ctx, store="str_unknown"))


def bad_store_token(ctx: Context) -> None:
    ctx.trigger("GET", PRODUCTS, auth=_wrong(ctx, token="stkn_revoked"))


def wrong_secret(ctx: Context) -> None:
    ctx.trigger("GET", PRODUCTS, auth=_wrong(ctx, secret="not-the-partner-secret"))


def wrong_signing_path(ctx: Context) -> None:
    ctx.trigger("GET", PRODUCTS, auth=_wrong(ctx, signing_path=PRODUCTS))  # with /api/v1: wrong


def body_differs(ctx: Context) -> None:
    body = {"products": [ROW]}
    pretty = json.dumps(body, indent=2).encode()  # sent pretty, signed compact
    ctx.trigger("POST", SYNC, data=pretty, auth=_wrong(ctx, signed_body=signing.canonical_json(body)))


def validation(ctx: Context) -> None:
    row = {k: v for k, v in ROW.items() if k != "price"} | {"colour": "red"}
    ctx.trigger("POST", SYNC, json={"products": [row]})


def batch_too_large(ctx: Context) -> None:
    rows = [{**ROW, "externalId": f"ext-{i}", "sku": f"SKU-{i:04d}"} for i in range(1001)]
    ctx.trigger("POST", SYNC, json={"products": rows})


def body_too_large(ctx: Context) -> None:
    ctx.trigger("POST", SYNC, json={"products": [{**ROW, "description": "x" * (1536 * 1024)}]})


def malformed_json(ctx: Context) -> None:
    ctx.trigger("POST", SYNC, data=b'{"products": [{"sku": "MUG-01",')


def rate_limit(ctx: Context) -> None:
    for _ in range(600):
        ctx.send("GET", PRODUCTS)
    ctx.trigger("GET", PRODUCTS)


def sku_exists(ctx: Context) -> None:
    ctx.seed([{"sku": "MUG-01", "name": "Enamel mug (made in the store)"}])
    ctx.trigger(
        "POST", SYNC, json={"products": [ROW, {**ROW, "externalId": "ext-bowl-01", "sku": "BOWL-01"}]}
    )


def stock_and_warehouses(ctx: Context) -> None:
    ctx.settings(warehouses=[{"clientId": "wh-jkt", "name": "Jakarta"}])
    ctx.trigger(
        "POST", SYNC, json={"products": [{**ROW, "warehouses": [{"clientId": "wh-jkt", "stock": 4}]}]}
    )


def status_not_found(ctx: Context) -> None:
    ctx.trigger("GET", f"{API}/partner/stores/catalog/00000000-0000-4000-8000-000000000000")


def processing_delay(ctx: Context) -> None:
    ctx.settings(processing_delay_seconds=30)
    accepted = ctx.send("POST", SYNC, json={"products": [ROW]})
    ctx.advance(10)
    ctx.trigger("GET", f"{API}/partner/stores/catalog/{accepted.json()['requestId']}")


def webhook_retried(ctx: Context) -> None:
    receiver = Receiver([503, 503, 204])
    receiver.attach(ctx)
    ctx.trigger("POST", SYNC, json={"products": [ROW]})
    for seconds in (1, *WEBHOOK_BACKOFF[:2]):  # the processing delay, then two backoffs
        ctx.advance(seconds)
    ctx.follow_ups.extend(receiver.exchanges)


def webhook_duplicate(ctx: Context) -> None:
    receiver = Receiver([204])
    receiver.attach(ctx)
    ctx.settings(webhook_faults=[{"effect": "duplicate", "times": 1}])
    ctx.trigger("POST", SYNC, json={"products": [ROW]})
    ctx.advance(1)
    ctx.follow_ups.extend(receiver.exchanges)


# -- arming by state, and what a client meets then --------------------------------------------------------
def _receiver_note(settings: dict) -> list[str]:
    if settings["webhook_url"] or any(s.get("webhook_url") for s in settings["stores"].values()):
        return []
    return ['  note: no webhook_url is set; PUT /__mock__/settings {"webhook_url": "<your receiver>"}']


def _arm_duplicate(control: Control, case: Case) -> list[str]:
    settings = control.call("GET", "/settings")
    control.call("PUT", "/settings", {"webhook_faults": [{"effect": "duplicate", "times": 1}]})
    return [
        f"armed {case.id} on {control.base}: webhook_faults [duplicate x 1]",
        "  the next completed catalog sync's webhook is delivered twice (two delivery ids, one requestId)",
        *_receiver_note(settings),
    ]


def _arm_unreachable(control: Control, case: Case) -> list[str]:
    previous = control.call("GET", "/settings")["webhook_url"]
    control.call("PUT", "/settings", {"webhook_url": UNREACHABLE})
    return [
        f"armed {case.id} on {control.base}: webhook_url = {UNREACHABLE} (refuses connections)",
        "  the next completed sync's webhook fails and is retried after 1, 2, 4, 8, 16 s (6 attempts, each",
        "  signed afresh), all in GET /__mock__/journal; your receiver gets none, so your client must poll",
        f"  the request status. Undo: PUT /__mock__/settings {json.dumps({'webhook_url': previous})}",
    ]


def _arm_delay(control: Control, case: Case) -> list[str]:
    previous = control.call("GET", "/settings")["processing_delay_seconds"]
    control.call("PUT", "/settings", {"processing_delay_seconds": 30})
    return [
        f"armed {case.id} on {control.base}: processing_delay_seconds 30 (was {previous:g})",
        "  catalog syncs stay PENDING for 30 s after they are accepted",
        f"  undo: PUT /__mock__/settings {json.dumps({'processing_delay_seconds': previous})}",
    ]


def _sync_then_journal(ch: Channel) -> tuple[int, str]:
    """Sync, let the mock's (virtual) clock run the batch and the webhook, and read what it did."""
    accepted = ch.send("POST", SYNC, json={"products": [ROW]})
    assert isinstance(ch, RemoteChannel), "probes run against a running mock"
    ch.control("POST", "/clock", {"advance": 1})
    entries = ch.control("GET", "/journal")["entries"]
    return accepted.status, json.dumps([e for e in entries if e.get("kind") == "webhook.attempt"])


def _sync_then_status(ch: Channel) -> tuple[int, str]:
    accepted = ch.send("POST", SYNC, json={"products": [ROW]})
    status = ch.send("GET", f"{API}/partner/stores/catalog/{accepted.json()['requestId']}")
    return status.status, status.text


def _case(
    slug: str,
    title: str,
    description: str,
    scenario: Callable[[Context], None],
    status: int,
    expect: str,
    **more: Any,
) -> Case:
    return Case(f"tocobagus.{slug}", "tocobagus", title, description, scenario, status, expect, **more)


CASES = [
    _case(
        "auth.missing-headers",
        "No x-timestamp / x-signature: 401 AUTH_001",
        "Missing auth headers are named in details.context.missingHeaders.",
        missing_headers,
        401,
        '"code": "AUTH_001"',
        evidence=None,
        arm_match=ANY_API,
    ),
    _case(
        "auth.unknown-partner",
        "Unknown x-partner-client-id: 401 AUTH_002",
        "A partner client id the platform does not know: 401 AUTH_002 Invalid partner credentials.",
        unknown_partner,
        401,
        '"code": "AUTH_002", "message": "Invalid partner credentials"',
        arm_match=ANY_API,
    ),
    _case(
        "auth.timestamp-skew",
        "x-timestamp more than 300 s off: 401 AUTH_003",
        "The timestamp (epoch milliseconds) must be within ±300 s of the platform's clock; the answer "
        "gives serverTime and skewSeconds, so a client can correct its clock.",
        timestamp_skew,
        401,
        '"code": "AUTH_003", "message": "Invalid or expired timestamp"',
        arm_match=ANY_API,
    ),
    _case(
        "auth.replayed",
        "Same signed request sent twice: 401 AUTH_004",
        "A signature seen before within the window is a replay: a client that retries by resending the "
        "same headers (instead of signing again with a fresh x-timestamp) is refused.",
        replayed,
        401,
        '"code": "AUTH_004", "message": "Request already processed"',
        arm_match=ANY_API,
    ),
    _case(
        "auth.unknown-store",
        "Unknown x-store-client-id: 404 AUTH_005",
        "A store the partner is not bound to: 404 (not 401) AUTH_005 Store not found.",
        unknown_store,
        404,
        '"code": "AUTH_005", "message": "Store not found"',
        arm_match=ANY_API,
    ),
    _case(
        "auth.bad-store-token",
        "Wrong or revoked x-store-token: 403 AUTH_006",
        "An invalid, revoked or expired store token: 403 AUTH_006.",
        bad_store_token,
        403,
        '"code": "AUTH_006", "message": "Invalid store token"',
        arm_match=ANY_API,
    ),
    _case(
        "auth.wrong-secret",
        "Signed with the wrong partner secret: 401 AUTH_010",
        "The documented AUTH_010: the HMAC-SHA256 does not match.",
        wrong_secret,
        401,
        '"code": "AUTH_010", "message": "Invalid signature"',
        arm_match=ANY_API,
    ),
    _case(
        "auth.wrong-signing-path",
        "Signed over the path with /api/v1: 401 AUTH_010",
        "The base string's path leaves out /api/v1 (and the query string); signing the full path gives "
        "a signature the platform does not recompute.",
        wrong_signing_path,
        401,
        '"code": "AUTH_010", "message": "Invalid signature"',
        arm_match=ANY_API,
    ),
    _case(
        "auth.body-differs",
        "Body re-encoded after signing: 401 AUTH_010",
        "The signature covers the SHA-256 of the raw body; signing compact JSON and sending it "
        "pretty-printed (or re-serialised by an HTTP library) fails.",
        body_differs,
        401,
        '"code": "AUTH_010"',
        arm_match=("POST", rf"^{SYNC}$"),
    ),
    _case(
        "validation.val-001",
        "Catalog sync with a bad row: 400 VAL_001",
        "Request-level validation in class-validator wording, per row and field: a missing price and an "
        'unknown property ("property colour should not exist") refuse the whole request.',
        validation,
        400,
        '"colour": "property colour should not exist"',
        arm_match=("POST", rf"^{SYNC}$"),
    ),
    _case(
        "validation.batch-too-large",
        "Catalog sync with 1001 products: 400 VAL_001",
        "At most 1000 products per request: products must contain no more than 1000 elements.",
        batch_too_large,
        400,
        '"products": "products must contain no more than 1000 elements"',
        arm_match=("POST", rf"^{SYNC}$"),
    ),
    _case(
        "body-too-large",
        "Body over 1.5 MiB: 413 REQ_002",
        "Request bodies are capped (1.5 MiB); a larger one is 413 in the vendor envelope, before auth.",
        body_too_large,
        413,
        '"code": "REQ_002", "message": "Payload too large"',
        arm_match=("POST", rf"^{SYNC}$"),
    ),
    _case(
        "malformed-json",
        "Catalog sync with a body that is not JSON: 400 VAL_001",
        "A cut-off body: VAL_001 with validationErrors.body.",
        malformed_json,
        400,
        '"body": "body must be valid JSON (UTF-8)"',
        arm_match=("POST", rf"^{SYNC}$"),
    ),
    _case(
        "rate-limit",
        "601st request in a minute: 429 RATE_001 + Retry-After",
        "600 requests a minute per partner (a guess, settable as rate_limit); over it, 429 RATE_001 "
        "with Retry-After in seconds.",
        rate_limit,
        429,
        '"code": "RATE_001", "message": "Too many requests"',
        headers={"Retry-After": "60"},
        arm_match=ANY_API,
    ),
    _case(
        "sync.sku-exists",
        "Sync a SKU the store has: 202 with a row error",
        "The sync is creation-only. The request is accepted (202) but the row whose SKU exists is in "
        "data.errors as SKU_ALREADY_EXISTS and counts in summary.failed; a client reading only the "
        "status believes it was created.",
        sku_exists,
        202,
        '"code": "SKU_ALREADY_EXISTS", "message": "Product with sku MUG-01 already exists"',
        arm_match=("POST", rf"^{SYNC}$"),
    ),
    _case(
        "sync.stock-and-warehouses",
        "Row with both stock and warehouses: 202 with a row error",
        "stock and warehouses are exclusive: the row is failed in data.errors (STOCK_AND_WAREHOUSES).",
        stock_and_warehouses,
        202,
        '"code": "STOCK_AND_WAREHOUSES", "message": "Use either stock or warehouses, not both"',
        arm_match=("POST", rf"^{SYNC}$"),
    ),
    _case(
        "sync.status-not-found",
        "Status of an unknown requestId: 404 RES_001",
        "GET /partner/stores/catalog/{requestId} for a request the store never made: 404 RES_001.",
        status_not_found,
        404,
        '"code": "RES_001", "message": "Resource not found"',
        arm_match=("GET", rf"^{API}/partner/stores/catalog/[^/]+$"),
    ),
    _case(
        "sync.processing-delay",
        "Sync still PENDING while the platform works: 200 PENDING",
        "Accepted rows are processed in the background after a delay (processing_delay_seconds); until "
        "then the request's status is PENDING and the products are not in the list.",
        processing_delay,
        200,
        '"status": "PENDING"',
        arm_with=_arm_delay,
        probe=_sync_then_status,
    ),
    _case(
        "webhook.retried",
        "Receiver answers 503: webhook retried with backoff, signed",
        "When a sync completes the platform POSTs a signed catalog.sync.completed webhook. A non-2xx "
        "answer (or none) is retried after 1, 2, 4, 8, 16 s, up to 6 attempts; each attempt is signed "
        "afresh and says its number in x-webhook-attempt. Here the receiver fails twice, then takes it.",
        webhook_retried,
        202,
        '"message": "Catalog sync request accepted"',
        evidence="x-webhook-attempt: 3",
        arm_with=_arm_unreachable,
        probe=_sync_then_journal,
        arm_expect='"outcome": "retrying"',
    ),
    _case(
        "webhook.duplicate",
        "Webhook delivered twice: the receiver must dedupe",
        "With webhook_faults [duplicate] the completion webhook arrives twice, under two delivery ids "
        "with one requestId; a receiver that acts on each delivery does the work twice.",
        webhook_duplicate,
        202,
        '"message": "Catalog sync request accepted"',
        evidence='"event":"catalog.sync.completed"',
        evidence_times=2,
        arm_with=_arm_duplicate,
        probe=_sync_then_journal,
        arm_expect='"duplicate": true',
    ),
]
