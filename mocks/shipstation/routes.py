"""ShipStation V1 product routes: authenticate, count, parse, call the backend, serialise."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Any

from flask import Blueprint, Response, g, request

from mocks.kit.app import Mock

from .errors import InvalidRequest, TooManyRequests, Unauthorized
from .models import ShipStationBackend


def _rate_headers(decision: Any) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(decision.limit),
        "X-Rate-Limit-Remaining": str(decision.remaining),
        "X-Rate-Limit-Reset": str(decision.reset_seconds),
    }


def make_blueprint(mock: Mock) -> Blueprint:
    backend: ShipStationBackend = mock.backend  # type: ignore[assignment]
    bp = Blueprint("shipstation", __name__)
    # Authorization header -> (API key, secret as sent): decoding is done once per header value. The secret is
    # still compared, in constant time, with the account's current one on every request.
    decoded: dict[str, tuple[str, bytes]] = {}

    def authenticate() -> str:
        header = request.headers.get("Authorization", "")
        credentials = decoded.get(header)
        if credentials is None:
            credentials = _decode_basic(header)
            if credentials is None:
                raise Unauthorized(mock.quirk("json_401"))
            if len(decoded) >= 256:  # bounded: clients with many keys only lose the shortcut
                decoded.clear()
            decoded[header] = credentials
        key, secret = credentials
        expected = backend.secret_for(key)
        if expected is None or not hmac.compare_digest(expected.encode(), secret):
            raise Unauthorized(mock.quirk("json_401"))
        return key

    @bp.before_request
    def auth_and_count() -> None:
        key = authenticate()
        g.account = key
        decision = mock.rate_limit(key)
        g.rate_headers = _rate_headers(decision)
        if not decision.allowed:
            raise TooManyRequests()

    @bp.after_request
    def rate_headers(response: Response) -> Response:
        headers = g.get("rate_headers")
        if headers:
            response.headers.update(headers)
        return response

    @bp.get("/products")
    def list_products() -> Response:
        return _json(backend.list_products(g.account, request.args.to_dict()))

    @bp.get("/products/<int:product_id>")
    def get_product(product_id: int) -> Response:
        return _json(backend.get_product(g.account, product_id))

    @bp.put("/products/<int:product_id>")
    def update_product(product_id: int) -> Response:
        body = request.get_json(force=True, silent=True)
        if body is None:
            raise InvalidRequest()
        return _json(backend.update_product(g.account, product_id, body))

    return bp


def _decode_basic(header: str) -> tuple[str, bytes] | None:
    """(API key, secret) from a Basic Authorization header, or None when it is not one."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        key, _, secret = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return key, secret.encode()


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status, mimetype="application/json")
