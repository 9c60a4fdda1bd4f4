"""Shiptheory v1 mock: bearer tokens from POST /v1/token, products, shipments that upsert the catalogue."""

from __future__ import annotations

from typing import Any

from flask import Flask

from mocks.kit.app import create_app as create_kit_app
from mocks.kit.clock import Clock
from mocks.kit.core import VendorSpec

from .errors import http_error
from .models import ShiptheoryBackend, mint_token
from .quirks import QUIRKS
from .routes import authenticate, control_routes, make_blueprint, rate_limited
from .settings import SETTINGS_SCHEMA

NAME = "shiptheory"
CREDENTIALS = {"email": "test@example.com", "password": "test-password"}
SETTINGS: dict[str, Any] = {
    "product_updates": "update_catalogue",
    "lock_product_data": False,
    "accounts": {CREDENTIALS["email"]: CREDENTIALS["password"]},
}

__all__ = ["CREDENTIALS", "NAME", "SPEC", "create_app", "mint_token"]


SPEC = VendorSpec(
    name=NAME,
    version="v1",
    make_backend=ShiptheoryBackend,
    make_blueprint=make_blueprint,
    http_error=http_error,
    credentials=CREDENTIALS,
    rate_limit=1,
    rate_period=1.0,
    quirk_decls=QUIRKS,
    extra_settings=SETTINGS,
    settings_schema=SETTINGS_SCHEMA,
    sensitive_headers=frozenset({"authorization"}),
    control_routes=control_routes,
    authenticate=authenticate,
    rate_limited=rate_limited,
)


def create_app(*, clock: Clock | None = None, settings: dict | None = None) -> Flask:
    return create_kit_app(SPEC, clock=clock, settings=settings)
