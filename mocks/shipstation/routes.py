"""ShipStation V1 product routes: authenticate, count, parse, call the backend, serialise."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from mocks.kit.body import BodyError, read_json
from mocks.kit.core import CONTROL_PREFIX, Mock

from .errors import InvalidRequest, TooManyRequests
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

    # App-wide hooks, not blueprint ones: an unknown path (404) and a wrong method (405) never reach the
    # blueprint, yet V1 puts X-Rate-Limit-* on "all responses" (vendor-notes §7, 2026-12-01).
    @bp.before_app_request
    def auth_and_count() -> None:
        if request.path.startswith(CONTROL_PREFIX):
            return
        _reroute(mock)
        g.rate_headers = _fresh_window_headers(mock)  # what a refused login still gets
        key = backend.authenticate(request.headers.get("Authorization", ""))
        g.account = key
        decision = mock.rate_limit(key)
        g.rate_headers = _rate_headers(decision)
        if not decision.allowed:
            raise TooManyRequests()

    @bp.after_app_request
    def rate_headers(response: Response) -> Response:
        headers = g.get("rate_headers")
        if headers and not request.path.startswith(CONTROL_PREFIX):
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
        try:
            body = read_json(request)
        except BodyError:
            raise InvalidRequest() from None
        return _json(backend.update_product(g.account, product_id, body))

    return bp


def _fresh_window_headers(mock: Mock) -> dict[str, str]:
    """The headers of an unspent window: for answers that count against no key pair (a refused login)."""
    period = mock.limiter.period
    now = mock.clock.now()
    reset = max(1, math.ceil(period - now % period - 1e-9))
    limit = mock.limiter.limit
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(limit),
        "X-Rate-Limit-Reset": str(reset),
    }


def _reroute(mock: Mock) -> None:
    """Route what an ASP.NET service would serve but Flask's map misses: a trailing slash on a resource
    path (npm node-shipstation asks for /products/{id}/), and, with quirk case_insensitive_paths, any
    letter case (/Products)."""
    if not isinstance(request.routing_exception, NotFound):
        return
    path = request.path
    candidate = path.rstrip("/") or "/"
    if mock.quirk("case_insensitive_paths"):
        candidate = candidate.lower()
    if candidate == path:
        return
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        rule, args = adapter.match(candidate, method=request.method, return_rule=True)
    except MethodNotAllowed as exc:
        request.routing_exception = exc
        return
    except HTTPException:
        return
    request.url_rule, request.view_args = rule, args
    request.routing_exception = None


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status, mimetype="application/json")
