"""Tocobagus (Omni partner API) error cases (mocks/tocobagus/errors.py, models.py; vendor-notes §4, §7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mocks.tocobagus import signing

from . import tocobagus_scenarios as s
from .control import Owns
from .core import Case, Channel, Context, Profile


def _auth(ch: Channel, method: str, path: str, body: bytes) -> dict[str, str]:
    return s.signed(ch, method, path, body)


# Bodies are signed as sent; the canonical encoding is what the reference client sends too.
PROFILE = Profile(
    "tocobagus",
    _auth,
    encode=signing.canonical_json,
    note="x-timestamp is on the virtual clock the setup freezes (2026-01-01T00:00:00Z), and a signature "
    "seen before is AUTH_004: run the setup again before the request again; elsewhere, sign afresh",
)


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
        s.missing_headers,
        401,
        '"code": "AUTH_001"',
        evidence=None,
        arm_match=s.ANY_API,
    ),
    _case(
        "auth.unknown-partner",
        "Unknown x-partner-client-id: 401 AUTH_002",
        "A partner client id the platform does not know: 401 AUTH_002 Invalid partner credentials.",
        s.unknown_partner,
        401,
        '"code": "AUTH_002", "message": "Invalid partner credentials"',
        arm_match=s.ANY_API,
    ),
    _case(
        "auth.timestamp-skew",
        "x-timestamp more than 300 s off: 401 AUTH_003",
        "The timestamp (epoch milliseconds) must be within ±300 s of the platform's clock; the answer "
        "gives serverTime and skewSeconds, so a client can correct its clock.",
        s.timestamp_skew,
        401,
        '"code": "AUTH_003", "message": "Invalid or expired timestamp"',
        arm_match=s.ANY_API,
    ),
    _case(
        "auth.replayed",
        "Same signed request sent twice: 401 AUTH_004",
        "A signature seen before within the window is a replay: a client that retries by resending the "
        "same headers (instead of signing again with a fresh x-timestamp) is refused.",
        s.replayed,
        401,
        '"code": "AUTH_004", "message": "Request already processed"',
        arm_match=s.ANY_API,
    ),
    _case(
        "auth.unknown-store",
        "Unknown x-store-client-id: 404 AUTH_005",
        "A store the partner is not bound to: 404 (not 401) AUTH_005 Store not found.",
        s.unknown_store,
        404,
        '"code": "AUTH_005", "message": "Store not found"',
        arm_match=s.ANY_API,
    ),
    _case(
        "auth.bad-store-token",
        "Wrong or revoked x-store-token: 403 AUTH_006",
        "An invalid, revoked or expired store token: 403 AUTH_006.",
        s.bad_store_token,
        403,
        '"code": "AUTH_006", "message": "Invalid store token"',
        arm_match=s.ANY_API,
    ),
    _case(
        "auth.wrong-secret",
        "Signed with the wrong partner secret: 401 AUTH_010",
        "The documented AUTH_010: the HMAC-SHA256 does not match.",
        s.wrong_secret,
        401,
        '"code": "AUTH_010", "message": "Invalid signature"',
        arm_match=s.ANY_API,
    ),
    _case(
        "auth.wrong-signing-path",
        "Signed over the path with /api/v1: 401 AUTH_010",
        "The base string's path leaves out /api/v1 (and the query string); signing the full path gives "
        "a signature the platform does not recompute.",
        s.wrong_signing_path,
        401,
        '"code": "AUTH_010", "message": "Invalid signature"',
        arm_match=s.ANY_API,
    ),
    _case(
        "auth.body-differs",
        "Body re-encoded after signing: 401 AUTH_010",
        "The signature covers the SHA-256 of the raw body; signing compact JSON and sending it "
        "pretty-printed (or re-serialised by an HTTP library) fails.",
        s.body_differs,
        401,
        '"code": "AUTH_010"',
        arm_match=("POST", rf"^{s.SYNC}$"),
    ),
    _case(
        "validation.val-001",
        "Catalog sync with a bad row: 400 VAL_001",
        "Request-level validation in class-validator wording, per row and field: a missing price and an "
        'unknown property ("property colour should not exist") refuse the whole request.',
        s.validation,
        400,
        '"colour": "property colour should not exist"',
        arm_match=("POST", rf"^{s.SYNC}$"),
    ),
    _case(
        "validation.batch-too-large",
        "Catalog sync with 1001 products: 400 VAL_001",
        "At most 1000 products per request: products must contain no more than 1000 elements.",
        s.batch_too_large,
        400,
        '"products": "products must contain no more than 1000 elements"',
        arm_match=("POST", rf"^{s.SYNC}$"),
    ),
    _case(
        "body-too-large",
        "Body over 1.5 MiB: 413 REQ_002",
        "Request bodies are capped (1.5 MiB); a larger one is 413 in the vendor envelope, before auth.",
        s.body_too_large,
        413,
        '"code": "REQ_002", "message": "Payload too large"',
        arm_match=("POST", rf"^{s.SYNC}$"),
    ),
    _case(
        "malformed-json",
        "Catalog sync with a body that is not JSON: 400 VAL_001",
        "A cut-off body: VAL_001 with validationErrors.body.",
        s.malformed_json,
        400,
        '"body": "body must be valid JSON (UTF-8)"',
        arm_match=("POST", rf"^{s.SYNC}$"),
    ),
    _case(
        "rate-limit",
        "Over the rate limit in a minute: 429 RATE_001 + Retry-After",
        "600 requests a minute per partner (a guess, settable as rate_limit; the case sets 2, so its "
        "setup is short); over it, 429 RATE_001 with Retry-After in seconds.",
        s.rate_limit,
        429,
        '"code": "RATE_001", "message": "Too many requests"',
        headers={"Retry-After": "60"},
        arm_match=s.ANY_API,
    ),
    _case(
        "sync.sku-exists",
        "Sync a SKU the store has: 202 with a row error",
        "The sync is creation-only. The request is accepted (202) but the row whose SKU exists is in "
        "data.errors as SKU_ALREADY_EXISTS and counts in summary.failed; a client reading only the "
        "status believes it was created.",
        s.sku_exists,
        202,
        '"code": "SKU_ALREADY_EXISTS", "message": "Product with sku MUG-01 already exists"',
        arm_match=("POST", rf"^{s.SYNC}$"),
    ),
    _case(
        "sync.stock-and-warehouses",
        "Row with both stock and warehouses: 202 with a row error",
        "stock and warehouses are exclusive: the row is failed in data.errors (STOCK_AND_WAREHOUSES).",
        s.stock_and_warehouses,
        202,
        '"code": "STOCK_AND_WAREHOUSES", "message": "Use either stock or warehouses, not both"',
        arm_match=("POST", rf"^{s.SYNC}$"),
    ),
    _case(
        "sync.status-not-found",
        "Status of an unknown requestId: 404 RES_001",
        "GET /partner/stores/catalog/{requestId} for a request the store never made: 404 RES_001.",
        s.status_not_found,
        404,
        '"code": "RES_001", "message": "Resource not found"',
        arm_match=("GET", rf"^{s.API}/partner/stores/catalog/[^/]+$"),
    ),
    _case(
        "sync.processing-delay",
        "Sync still PENDING while the platform works: 200 PENDING",
        "Accepted rows are processed in the background after a delay (processing_delay_seconds); until "
        "then the request's status is PENDING and the products are not in the list.",
        s.processing_delay,
        200,
        '"status": "PENDING"',
        arm_with=s.arm_delay,
        arm_owns=Owns({"processing_delay_seconds": 30}),
        probe=s.sync_then_status,
    ),
    _case(
        "webhook.retried",
        "Receiver answers 503: webhook retried with backoff, signed",
        "When a sync completes the platform POSTs a signed catalog.sync.completed webhook. A non-2xx "
        "answer (or none) is retried after 1, 2, 4, 8, 16 s, up to 6 attempts; each attempt is signed "
        "afresh and says its number in x-webhook-attempt. Here the receiver fails twice, then takes it.",
        s.webhook_retried,
        202,
        '"message": "Catalog sync request accepted"',
        evidence="x-webhook-attempt: 3",
        arm_with=s.arm_unreachable,
        arm_owns=Owns({"webhook_url": s.UNREACHABLE}),
        probe=s.sync_then_journal,
        arm_expect='"outcome": "retrying"',
    ),
    _case(
        "webhook.duplicate",
        "Webhook delivered twice: the receiver must dedupe",
        "With webhook_faults [duplicate] the completion webhook arrives twice, under two delivery ids "
        "with one requestId; a receiver that acts on each delivery does the work twice.",
        s.webhook_duplicate,
        202,
        '"message": "Catalog sync request accepted"',
        evidence='"event":"catalog.sync.completed"',
        evidence_times=2,
        arm_with=s.arm_duplicate,
        arm_owns=Owns({"webhook_faults": s.DUPLICATE_ONCE}),
        probe=s.sync_then_journal,
        arm_expect='"duplicate": true',
    ),
]
