"""Starshipit Product Catalogue mock: APIM gateway + API key, 2 requests/second per subscription key, CSV."""

from __future__ import annotations

from flask import Flask

from mocks.kit.app import create_app as create_kit_app
from mocks.kit.clock import Clock
from mocks.kit.core import VendorSpec

from .errors import http_error
from .models import TIER_LIMITS, StarshipitBackend
from .quirks import QUIRKS
from .routes import authenticate, make_blueprint, rate_limit_for, rate_limited
from .settings import SETTINGS_SCHEMA

NAME = "starshipit"
CREDENTIALS = {"api_key": "test-api-key", "subscription_key": "test-subscription-key"}
HEADERS = {"api_key": "StarShipIT-Api-Key", "subscription_key": "Ocp-Apim-Subscription-Key"}


SPEC = VendorSpec(
    name=NAME,
    version="2026-06",
    make_backend=StarshipitBackend,
    make_blueprint=make_blueprint,
    http_error=http_error,
    credentials=CREDENTIALS,
    rate_limit=TIER_LIMITS["developer"],
    rate_period=1.0,
    quirk_decls=QUIRKS,
    extra_settings={
        "tier": "developer",
        "api_keys": [CREDENTIALS["api_key"]],
        "subscription_keys": [CREDENTIALS["subscription_key"]],
    },
    settings_schema=SETTINGS_SCHEMA,
    sensitive_headers=frozenset(h.lower() for h in HEADERS.values()),
    sensitive_params=frozenset({"subscription-key"}),
    secret_ids=True,  # the account is the API key, the rate-limit key the subscription key
    authenticate=authenticate,
    rate_limited=rate_limited,
    rate_limit_for=rate_limit_for,
)


def create_app(*, clock: Clock | None = None, settings: dict | None = None) -> Flask:
    return create_kit_app(SPEC, clock=clock, settings=settings)
