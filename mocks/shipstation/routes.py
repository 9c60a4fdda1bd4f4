"""ShipStation V1: the auth step, rate-limit headers and lenient routing the kit's pipeline calls, and the
product routes (parse, call the backend, serialise)."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Blueprint, Request, current_app
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from mocks.kit.body import BodyError, read_json
from mocks.kit.core import CONTROL_PREFIX, Caller, Mock, MockError
from mocks.kit.pipeline import account
from mocks.kit.ratelimit import Decision
from mocks.kit.routes import Answer, Routes

from .errors import InvalidRequest, TooManyRequests
from .models import UPDATED, ShipStationBackend


def authenticate(mock: Mock, req: Request) -> Caller:
    """The auth step: Basic auth by API key and secret; the key pair is what the limit counts."""
    # The environ, as req.headers reads it, without building werkzeug's header view.
    key = mock.backend.authenticate(req.environ.get("HTTP_AUTHORIZATION", ""))  # type: ignore[attr-defined]
    return Caller(account=key, rate_key=key)


def rate_limited(decision: Decision, caller: Caller) -> MockError:
    return TooManyRequests()


def rate_headers(mock: Mock, decision: Decision | None) -> dict[str, str]:
    """X-Rate-Limit-* on all responses (vendor-notes §7, 2026-12-01); with no decision (a refused login),
    those of an unspent window."""
    if decision is None:
        period = mock.limiter.period
        reset = max(1, math.ceil(period - mock.clock.now() % period - 1e-9))
        limit = mock.settings["rate_limit"]
        return {
            "X-Rate-Limit-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(limit),
            "X-Rate-Limit-Reset": str(reset),
        }
    return {
        "X-Rate-Limit-Limit": str(decision.limit),
        "X-Rate-Limit-Remaining": str(decision.remaining),
        "X-Rate-Limit-Reset": str(decision.reset_seconds),
    }


def product_routes(mock: Mock) -> Routes:
    """The three V1 product routes, served by Flask and on the kit's lean path alike."""
    backend: ShipStationBackend = mock.backend  # type: ignore[assignment]
    routes = Routes()

    @routes.route("GET", "/products")
    def list_products(req: Request) -> Answer:
        return _json(backend.list_products(account(), req.args.to_dict()))

    @routes.route("GET", "/products/<int:product_id>")
    def get_product(req: Request, product_id: int) -> Answer:
        return Answer(backend.product_json(account(), product_id))

    @routes.route("PUT", "/products/<int:product_id>")
    def update_product(req: Request, product_id: int) -> Answer:
        try:
            body = read_json(req)
        except BodyError:
            raise InvalidRequest() from None
        backend.update_product(account(), product_id, body)
        return Answer(_UPDATED_JSON)  # update_product answers UPDATED or raises

    return routes


def make_blueprint(mock: Mock) -> Blueprint:
    return product_routes(mock).blueprint("shipstation")


def reroute(mock: Mock, request: Request) -> None:
    """Route what an ASP.NET service would serve but Flask's map misses: a trailing slash on a resource
    path (npm node-shipstation asks for /products/{id}/), and, with quirk case_insensitive_paths, any
    letter case (/Products)."""
    if not isinstance(request.routing_exception, NotFound):
        return
    path = request.path
    candidate = path.rstrip("/") or "/"
    if mock.quirk("case_insensitive_paths"):
        candidate = candidate.lower()
    if candidate == path or candidate.startswith(CONTROL_PREFIX):
        return  # never the control API: /__MOCK__/faults is a vendor path, so V1's 404
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


_UPDATED_JSON = json.dumps(UPDATED).encode()


def _json(payload: Any) -> Answer:
    return Answer(json.dumps(payload).encode())
