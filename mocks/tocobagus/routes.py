"""Tocobagus (Omni) partner API under /api/v1: the auth step the kit's pipeline calls (it reads the body:
the signature covers it), and the routes (parse, call the backend, serialise)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Request, Response, request

from mocks.kit.body import BodyError, read_json
from mocks.kit.core import Caller, Mock, MockError
from mocks.kit.pipeline import account, current
from mocks.kit.ratelimit import Decision

from .errors import TooManyRequests, ValidationFailed
from .models import TocobagusBackend


def authenticate(mock: Mock, req: Request) -> Caller:
    """The auth step: the partner's HMAC signature over method, path, query and body, then the store's
    token. The limit counts per partner."""
    body = req.get_data(cache=True)  # over the size cap: 413 in the vendor envelope
    query = req.query_string.decode("latin-1")  # as sent: quirk signing_path may sign it
    path = f"{req.path}?{query}" if query else req.path
    backend: TocobagusBackend = mock.backend  # type: ignore[assignment]
    partner, store = backend.authenticate(req.method, path, req.headers, body)
    return Caller(store, partner)


def rate_limited(decision: Decision, caller: Caller) -> MockError:
    return TooManyRequests(
        {"partnerClientId": caller.rate_key}, headers={"Retry-After": str(decision.reset_seconds)}
    )


def make_blueprint(mock: Mock) -> Blueprint:
    backend: TocobagusBackend = mock.backend  # type: ignore[assignment]
    bp = Blueprint("tocobagus", __name__, url_prefix="/api/v1")

    @bp.post("/partner/stores/catalog/sync")
    def catalog_sync() -> Response:
        context = current()
        caller = context.caller  # its rate key is the partner
        return _json(backend.sync(caller.account, caller.rate_key, _body(), context.seq), 202)

    @bp.get("/partner/stores/catalog/<request_id>")
    def catalog_status(request_id: str) -> Response:
        return _json(backend.sync_status(account(), request_id))

    @bp.get("/partner/stores/products")
    def list_products() -> Response:
        return _json(backend.list_products(account(), request.args.to_dict()))

    return bp


def _body() -> Any:
    """The JSON body whatever the Content-Type (NestJS parses it); empty means {}."""
    try:
        return read_json(request, empty={})
    except BodyError:
        raise ValidationFailed({"body": "body must be valid JSON (UTF-8)"}) from None


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status, mimetype="application/json")
