"""Starshipit Product Catalogue mock: APIM gateway + API key, 2 requests/second per subscription key, CSV."""

from __future__ import annotations

from typing import Any

from flask import Flask

from mocks.kit.app import create_app as create_kit_app
from mocks.kit.clock import Clock
from mocks.kit.core import VendorSpec

from .errors import http_error
from .models import TIER_LIMITS, StarshipitBackend
from .quirks import QUIRKS
from .routes import make_blueprint

NAME = "starshipit"
CREDENTIALS = {"api_key": "test-api-key", "subscription_key": "test-subscription-key"}
HEADERS = {"api_key": "StarShipIT-Api-Key", "subscription_key": "Ocp-Apim-Subscription-Key"}


def _validate_setting(key: str, value: Any) -> str | None:
    if key == "tier" and value not in TIER_LIMITS:
        return f"must be one of {sorted(TIER_LIMITS)}"
    if key in ("api_keys", "subscription_keys") and not (
        isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
    ):
        return "must be a non-empty list of keys"
    return None


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
    validate_setting=_validate_setting,
    sensitive_headers=frozenset(h.lower() for h in HEADERS.values()),
    sensitive_params=frozenset({"subscription-key"}),
    secret_ids=True,  # the account is the API key, the rate-limit key the subscription key
)


def create_app(*, clock: Clock | None = None, settings: dict | None = None) -> Flask:
    return create_kit_app(SPEC, clock=clock, settings=settings)
