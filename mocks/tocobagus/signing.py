"""Tocobagus (Omni) HMAC partner signing: the one implementation, shared by the mock and the clients.

Base string (vendor-notes §7): METHOD, the path without /api/v1 and without the query string, one
`name:value` line for each signed header that is present (in SIGNED_HEADERS order, names lower-case),
then the lower-case hex SHA-256 of the raw body, joined by "\\n". The signature is the lower-case hex
HMAC-SHA256 of that string with the partner secret, sent as `sha256=<hex>` (bare hex is accepted).

The guide's sentence about the path is cut off, so which path is signed is quirk `signing_path`
(vendor-notes §7, Corrections of 2026-12-01): `without_query` (default), `with_query`, `with_prefix`
(keeps /api/v1) or `with_prefix_and_query`. Every function here takes that reading as `variant`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

API_PREFIX = "/api/v1"
SIGNED_HEADERS = ("x-partner-client-id", "x-store-client-id", "x-store-token", "x-timestamp")
SIGNATURE_PREFIX = "sha256="
DEFAULT_VARIANT = "without_query"
VARIANTS = ("without_query", "with_query", "with_prefix", "with_prefix_and_query")


def canonical_json(value: Any) -> bytes:
    """The one encoding of JSON bodies that get signed (client, contract serializer, tests, webhooks)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=str).encode(
        "utf-8"
    )


def wire_bytes(value: Any) -> bytes:
    """Raw bytes pass through untouched, so a signer and a sender that both use this agree (G9)."""
    return value if isinstance(value, bytes) else canonical_json(value)


def signing_path(path: str, variant: str = DEFAULT_VARIANT) -> str:
    """The path as signed under `variant`; by default without the query string and the /api/v1 prefix.

    `path` may carry a query (`/api/v1/x?a=1`); an empty query (`x?`) counts as none."""
    if variant not in VARIANTS:
        raise ValueError(f"signing path variant must be one of {VARIANTS}, not {variant!r}")
    path, _, query = path.partition("?")
    path = path or "/"
    if "prefix" not in variant and (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
        path = path[len(API_PREFIX) :] or "/"
    if "query" in variant and variant != DEFAULT_VARIANT and query:
        path = f"{path}?{query}"
    return path


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def base_string(method: str, path: str, headers: Mapping[str, str], body: bytes) -> str:
    """`path` must already be the signing path; headers match case-insensitively."""
    lowered = {k.lower(): v for k, v in headers.items()}
    lines = [method.upper(), path]
    lines += [f"{name}:{lowered[name]}" for name in SIGNED_HEADERS if name in lowered]
    lines.append(body_hash(body))
    return "\n".join(lines)


def sign(
    secret: str,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    variant: str = DEFAULT_VARIANT,
) -> str:
    """Lower-case hex HMAC-SHA256 of the base string; `path` may still carry /api/v1 or a query."""
    message = base_string(method, signing_path(path, variant), headers, body).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(signature_hex: str) -> str:
    return SIGNATURE_PREFIX + signature_hex


def parse_signature(value: str) -> str:
    """The hex digest from `sha256=<hex>` or bare `<hex>` (the endpoint pages send bare hex)."""
    value = value.strip()
    if value[: len(SIGNATURE_PREFIX)].lower() == SIGNATURE_PREFIX:
        value = value[len(SIGNATURE_PREFIX) :]
    return value.lower()


def verify(
    secret: str,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    provided: str,
    variant: str = DEFAULT_VARIANT,
) -> bool:
    """Constant-time comparison of the provided signature with the expected one."""
    expected = sign(secret, method, path, headers, body, variant)
    return hmac.compare_digest(expected.encode("ascii"), parse_signature(provided).encode("utf-8", "replace"))


def signed_headers(
    secret: str,
    method: str,
    path: str,
    body: bytes,
    *,
    partner_client_id: str,
    timestamp_ms: int,
    store_client_id: str | None = None,
    store_token: str | None = None,
    variant: str = DEFAULT_VARIANT,
) -> dict[str, str]:
    """Every auth header for one request, signature included."""
    headers = {"x-partner-client-id": partner_client_id}
    if store_client_id is not None:
        headers["x-store-client-id"] = store_client_id
    if store_token is not None:
        headers["x-store-token"] = store_token
    headers["x-timestamp"] = str(timestamp_ms)
    headers["x-signature"] = signature_header(sign(secret, method, path, headers, body, variant))
    return headers
