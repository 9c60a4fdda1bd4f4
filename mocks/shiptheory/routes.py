"""Shiptheory v1 routes: authenticate, count, parse, call the backend, serialise."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, g, request

from mocks.kit.app import Mock

from .errors import BadRequest, TooManyRequests, Unauthorized
from .models import ShiptheoryBackend


def make_blueprint(mock: Mock) -> Blueprint:
    backend: ShiptheoryBackend = mock.backend  # type: ignore[assignment]
    bp = Blueprint("shiptheory", __name__, url_prefix="/v1")

    def count(account: str) -> None:
        """1 request per second per account [ST-RATE]; over it, 429."""
        g.account = account
        if not mock.rate_limit(account).allowed:
            raise TooManyRequests()

    @bp.before_request
    def authenticate() -> None:
        if request.endpoint == "shiptheory.token":
            return
        # Some real clients send "bearer"; the scheme matches case-insensitively (§7, all vendors).
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized()
        count(backend.account_for_token(token.strip()))

    @bp.post("/token")
    def token() -> Response:
        body = _body()
        email = body.get("email") if isinstance(body, dict) else None
        if isinstance(email, str) and email in mock.settings["accounts"]:
            g.account = email
            if mock.quirk("rate_limit_token_requests"):
                count(email)
        return _json(backend.issue_token(body))

    @bp.get("/products")
    def list_products() -> Response:
        return _json(backend.list_products(g.account, request.args.to_dict()))

    @bp.post("/products")
    def create_product() -> Response:
        return _json(backend.create_product(g.account, _body()))  # 200, not 201 (§7)

    @bp.get("/products/view/<path:sku>")
    def view_product(sku: str) -> Response:
        return _json(backend.view_product(g.account, sku))

    @bp.put("/products/update/<path:sku>")
    def update_product(sku: str) -> Response:
        return _json(backend.update_product(g.account, sku, _body()))

    @bp.post("/shipments")
    def book_shipment() -> Response:
        return _json(backend.book_shipment(g.account, _body()))

    @bp.get("/shipments/view/<path:reference>")
    def view_shipment(reference: str) -> Response:
        return _json(backend.view_shipment(g.account, reference))

    # shiptheory-python 1.0.0's viewShipment() asks for /v1/shipments/{reference}; serve it the same.
    @bp.get("/shipments/<path:reference>")
    def view_shipment_alias(reference: str) -> Response:
        return _json(backend.view_shipment(g.account, reference))

    return bp


def _body() -> Any:
    """The JSON body, whatever the Content-Type says; malformed JSON or invalid UTF-8 is a 400."""
    data = request.get_data()  # over the size cap -> 413 in Shiptheory's envelope
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadRequest() from None


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status, mimetype="application/json")
