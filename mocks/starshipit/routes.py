"""Starshipit Product Catalogue: the gateway's auth step and limit the kit's pipeline calls, and the routes
(parse, call the backend, serialise)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Request, Response, request

from mocks.kit.body import BodyError, read_json
from mocks.kit.core import Caller, Mock, MockError
from mocks.kit.pipeline import account
from mocks.kit.ratelimit import Decision

from .errors import (
    InvalidApiKey,
    InvalidSubscription,
    RateLimitExceeded,
    UnsupportedMediaType,
    ValidationError,
)
from .models import StarshipitBackend

CSV_TYPES = ("text/csv", "application/csv", "text/plain")


def authenticate(mock: Mock, req: Request) -> Caller:
    """The auth step. APIM checks the subscription key and counts the request by it before Starshipit sees
    the API key: a bad API key is refused once counted. The APIM default: the header, or else the
    `subscription-key` query parameter (§7, 2026-12-01)."""
    backend: StarshipitBackend = mock.backend  # type: ignore[assignment]
    subscription = req.headers.get("Ocp-Apim-Subscription-Key") or req.args.get("subscription-key", "")
    if not backend.valid_subscription_key(subscription):
        raise InvalidSubscription()
    api_key = req.headers.get("StarShipIT-Api-Key", "")
    if not backend.valid_api_key(api_key):
        return Caller(rate_key=subscription, refused=InvalidApiKey())
    return Caller(api_key, subscription)


def rate_limit_for(mock: Mock) -> int:
    """The tier's requests per second, unless the `rate_limit` setting says otherwise."""
    return mock.backend.requests_per_second()  # type: ignore[attr-defined]


def rate_limited(decision: Decision, caller: Caller) -> MockError:
    return RateLimitExceeded(decision.reset_seconds)


def make_blueprint(mock: Mock) -> Blueprint:
    backend: StarshipitBackend = mock.backend  # type: ignore[assignment]
    bp = Blueprint("starshipit", __name__, url_prefix="/api")

    @bp.get("/products")
    def list_products() -> Response:
        return _json(backend.list_products(account(), request.args.to_dict()))

    @bp.post("/products")
    def create_product() -> Response:
        return _json(backend.create_product(account(), _json_body()))

    @bp.put("/products/update")
    def update_product() -> Response:
        return _json(backend.update_product(account(), _json_body()))

    @bp.delete("/products/delete")
    def delete_products() -> Response:
        return _json(backend.delete_products(account(), _json_body()))

    @bp.get("/products/template")
    def template() -> Response:
        return _csv(backend.template_csv(), "product-template.csv")

    @bp.get("/products/export")
    def export() -> Response:
        return _csv(backend.export_csv(account()), "products.csv")

    @bp.post("/products/import")
    def import_products() -> Response:
        return _json(backend.import_csv(account(), _csv_upload()))

    return bp


def _json_body() -> Any:
    try:
        return read_json(request)  # over the size cap: 413 from the app's error handler
    except BodyError as exc:
        if "UTF-8" in str(exc):
            raise ValidationError("body", "The request body must be UTF-8 encoded JSON.") from None
        raise ValidationError("body", "The request body is not valid JSON.") from None


def _csv_upload() -> bytes:
    """The CSV as multipart field `file`, or as the raw body (vendor-notes §7)."""
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is not None:
            return upload.read()
        if "file" in request.form:  # a part sent without a filename is a plain form field
            return request.form["file"].encode("utf-8")
        raise ValidationError("file", "The file field is required.")
    if mimetype in CSV_TYPES:
        return request.get_data()
    raise UnsupportedMediaType(
        "Content-Type", "Send the CSV as multipart/form-data field file, or as text/csv."
    )


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status, mimetype="application/json")


def _csv(text: str, filename: str) -> Response:
    response = Response(text, 200, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
