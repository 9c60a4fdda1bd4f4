"""Tocobagus (Omni) partner routes under /api/v1: read the body, authenticate, count, call the backend."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, g, request

from mocks.kit.body import BodyError, read_json
from mocks.kit.core import Mock

from .errors import TooManyRequests, ValidationFailed
from .models import TocobagusBackend


def make_blueprint(mock: Mock) -> Blueprint:
    backend: TocobagusBackend = mock.backend  # type: ignore[assignment]
    bp = Blueprint("tocobagus", __name__, url_prefix="/api/v1")

    @bp.before_request
    def auth_and_count() -> None:
        body = request.get_data(cache=True)  # over the size cap: 413 in the vendor envelope
        query = request.query_string.decode("latin-1")  # as sent: quirk signing_path may sign it
        path = f"{request.path}?{query}" if query else request.path
        partner, store = backend.authenticate(request.method, path, request.headers, body)
        g.partner, g.account = partner, store
        decision = mock.rate_limit(partner)
        if not decision.allowed:
            raise TooManyRequests(
                {"partnerClientId": partner}, headers={"Retry-After": str(decision.reset_seconds)}
            )

    @bp.post("/partner/stores/catalog/sync")
    def catalog_sync() -> Response:
        return _json(backend.sync(g.account, g.partner, _body(), g.request.seq), 202)

    @bp.get("/partner/stores/catalog/<request_id>")
    def catalog_status(request_id: str) -> Response:
        return _json(backend.sync_status(g.account, request_id))

    @bp.get("/partner/stores/products")
    def list_products() -> Response:
        return _json(backend.list_products(g.account, request.args.to_dict()))

    return bp


def _body() -> Any:
    """The JSON body whatever the Content-Type (NestJS parses it); empty means {}."""
    try:
        return read_json(request, empty={})
    except BodyError:
        raise ValidationFailed({"body": "body must be valid JSON (UTF-8)"}) from None


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status, mimetype="application/json")
