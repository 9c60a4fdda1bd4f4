"""How each Tocobagus error case is produced: requests signed right or wrong, an in-process webhook
receiver, the scenarios that meet each error, and arming a running mock by state. The cases themselves
(ids, titles, expected answers) are in tocobagus.py."""

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
from .core import Case, Channel, Context, Exchange, RemoteChannel

API = "/api/v1"
SYNC = f"{API}/partner/stores/catalog/sync"
PRODUCTS = f"{API}/partner/stores/products"
ANY_API = (None, rf"^{API}/")
ROW = {"externalId": "ext-mug-01", "sku": "MUG-01", "name": "Enamel mug", "price": 125000, "stock": 10}
RECEIVER = "http://receiver/hooks/catalog"
UNREACHABLE = "http://127.0.0.1:9/catalog-harness/unreachable-receiver"  # discard port: refused
DUPLICATE_ONCE = [{"effect": "duplicate", "times": 1}]


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
    # The setting, not 600 requests: each is signed afresh, so 600 would be 600 curl lines to paste.
    ctx.settings(rate_limit=2)
    for _ in range(2):
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


def arm_duplicate(control: Control, case: Case) -> list[str]:
    settings = control.call("GET", "/settings")
    control.call("PUT", "/settings", {"webhook_faults": DUPLICATE_ONCE})
    return [
        f"armed {case.id} on {control.base}: webhook_faults [duplicate x 1]",
        "  the next completed catalog sync's webhook is delivered twice (two delivery ids, one requestId)",
        *_receiver_note(settings),
    ]


def arm_unreachable(control: Control, case: Case) -> list[str]:
    previous = control.call("GET", "/settings")["webhook_url"]
    control.call("PUT", "/settings", {"webhook_url": UNREACHABLE})
    return [
        f"armed {case.id} on {control.base}: webhook_url = {UNREACHABLE} (refuses connections)",
        "  the next completed sync's webhook fails and is retried after 1, 2, 4, 8, 16 s (6 attempts, each",
        "  signed afresh), all in GET /__mock__/journal; your receiver gets none, so your client must poll",
        f"  the request status (webhook_url was {json.dumps(previous)})",
    ]


def arm_delay(control: Control, case: Case) -> list[str]:
    previous = control.call("GET", "/settings")["processing_delay_seconds"]
    control.call("PUT", "/settings", {"processing_delay_seconds": 30})
    return [
        f"armed {case.id} on {control.base}: processing_delay_seconds 30 (was {previous:g})",
        "  catalog syncs stay PENDING for 30 s after they are accepted",
    ]


def sync_then_journal(ch: Channel) -> tuple[int, str]:
    """Sync, let the mock's (virtual) clock run the batch and the webhook, and read what it did."""
    accepted = ch.send("POST", SYNC, json={"products": [ROW]})
    assert isinstance(ch, RemoteChannel), "probes run against a running mock"
    ch.control("POST", "/clock", {"advance": 1})
    entries = ch.control("GET", "/journal")["entries"]
    return accepted.status, json.dumps([e for e in entries if e.get("kind") == "webhook.attempt"])


def sync_then_status(ch: Channel) -> tuple[int, str]:
    accepted = ch.send("POST", SYNC, json={"products": [ROW]})
    status = ch.send("GET", f"{API}/partner/stores/catalog/{accepted.json()['requestId']}")
    return status.status, status.text
