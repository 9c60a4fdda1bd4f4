"""Shiptheory v1: the auth step the kit's pipeline calls, and the routes (parse, call the backend,
serialise)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Request, Response, request
from werkzeug.routing import PathConverter

from mocks.kit.core import Caller, Mock, MockError
from mocks.kit.pipeline import account
from mocks.kit.ratelimit import Decision

from .bodies import BodyError, read_body
from .errors import BadRequest, NotAcceptable, TooManyRequests, Unauthorized
from .models import ShiptheoryBackend


def authenticate(mock: Mock, req: Request) -> Caller:
    """The auth step: an Accept it can answer, then a bearer token from POST /v1/token, whose account is
    what the limit counts: 1 request per second per account [ST-RATE]. The token request itself counts
    against the account it names only with quirk rate_limit_token_requests."""
    # "406 Not Acceptable: you requested a format that isn't json or xml" (ST-DOCS errors); no Accept
    # header accepts anything.
    if req.accept_mimetypes and not req.accept_mimetypes.best_match(ACCEPTABLE):
        raise NotAcceptable()
    if req.endpoint == "shiptheory.token":
        body = _body()
        email = body.get("email") if isinstance(body, dict) else None
        if not isinstance(email, str) or email not in mock.settings["accounts"]:
            return Caller()
        return Caller(email, email if mock.quirk("rate_limit_token_requests") else None)
    # Some real clients send "bearer"; the scheme matches case-insensitively (§7, all vendors).
    scheme, _, token = req.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    account = mock.backend.account_for_token(token.strip())  # type: ignore[attr-defined]
    return Caller(account, account)


def rate_limited(decision: Decision, caller: Caller) -> MockError:
    return TooManyRequests()


def make_blueprint(mock: Mock) -> Blueprint:
    backend: ShiptheoryBackend = mock.backend  # type: ignore[assignment]
    bp = Blueprint("shiptheory", __name__, url_prefix="/v1")
    # Before the routes, so their rules can use it.
    bp.record_once(lambda state: state.app.url_map.converters.setdefault("key", KeyConverter))

    @bp.post("/token")
    def token() -> Response:
        return _json(backend.issue_token(_body()))

    @bp.get("/products")
    def list_products() -> Response:
        return _json(backend.list_products(account(), request.args.to_dict()))

    @bp.post("/products")
    def create_product() -> Response:
        return _json(backend.create_product(account(), _body()))  # 200, not 201 (§7)

    @bp.get("/products/view/<key:sku>", merge_slashes=False)
    def view_product(sku: str) -> Response:
        return _json(backend.view_product(account(), sku))

    # PUT per the reference; POST as the documentation's JavaScript sample sends it (§7, 2026-12-01).
    @bp.route("/products/update/<key:sku>", methods=["PUT", "POST"], merge_slashes=False)
    def update_product(sku: str) -> Response:
        return _json(backend.update_product(account(), sku, _body()))

    @bp.post("/shipments")
    def book_shipment() -> Response:
        return _json(backend.book_shipment(account(), _body()))

    # Before /shipments/<reference>: "list" and "search" are routes of their own (ST-DOCS).
    @bp.get("/shipments/list")
    def list_shipments() -> Response:
        return _json(backend.list_shipments(account(), request.args.to_dict()))

    @bp.get("/shipments/search")
    def search_shipments() -> Response:
        return _json(backend.search_shipments(account(), request.args.to_dict()))

    @bp.get("/shipments/<key:reference>", merge_slashes=False)
    def view_shipment(reference: str) -> Response:
        return _json(backend.view_shipment(account(), _shipment_reference(reference)))

    return bp


def control_routes(mock: Mock, bp: Blueprint) -> None:
    """GET /__mock__/shipments/{reference}: each line's effective values (catalogue, line overrides,
    locks). No documented route shows them, so they are on the control API (vendor-notes §7)."""
    from mocks.kit.control import ControlError

    backend: ShiptheoryBackend = mock.backend  # type: ignore[assignment]
    bp.record_once(lambda state: state.app.url_map.converters.setdefault("key", KeyConverter))

    @bp.get("/shipments/<key:reference>", merge_slashes=False)
    def shipment_lines(reference: str) -> Response:
        account = request.args.get("account") or backend.default_account
        shown = backend.shipment_lines(account, reference)
        if shown is None:
            raise ControlError(f"no shipment {reference!r} in account {account!r}", 404)
        return _json(shown)


class KeyConverter(PathConverter):
    """A SKU or reference as the path's last parameter: anything non-empty, so one that starts with, ends
    with or doubles a slash (sent as %2F, which the WSGI server decodes) or holds a newline still reaches
    its product. The stock path converter refuses a leading slash and newlines; the routes also turn off
    merge_slashes, which otherwise answers 308 to a URL with an empty segment."""

    regex = "(?s:.+)"
    part_isolating = False


ACCEPTABLE = ["application/json", "application/xml", "text/xml"]


def _shipment_reference(routed: str) -> str:
    """The reference as sent. Decoded, /v1/shipments/list%2FX (reference "list/X") reads as
    /v1/shipments/list/X, so where the server passes the raw URI, split that instead."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        return routed
    path = urlsplit(raw).path
    _, found, tail = path.partition("/v1/shipments/")
    if not found or not tail:
        return routed
    return unquote(tail)


def _body() -> Any:
    """The body as JSON, or form-encoded as the documentation's JavaScript samples send it (§7); malformed
    JSON or invalid UTF-8 is a 400."""
    data = request.get_data()  # over the size cap -> 413 in Shiptheory's envelope
    try:
        return read_body(data, request.mimetype)
    except BodyError:
        raise BadRequest() from None


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status, mimetype="application/json")
