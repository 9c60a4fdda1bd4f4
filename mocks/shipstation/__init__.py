"""ShipStation V1 products mock: Basic auth, 40 requests/minute per key pair, full-replace PUT."""

from __future__ import annotations

from flask import Flask

from mocks.kit.app import create_app as create_kit_app
from mocks.kit.clock import Clock
from mocks.kit.core import VendorSpec

from .errors import http_error
from .models import ShipStationBackend
from .quirks import QUIRKS
from .routes import authenticate, make_blueprint, product_routes, rate_headers, rate_limited, reroute
from .settings import SETTINGS_SCHEMA

NAME = "shipstation"
CREDENTIALS = {"api_key": "test-key", "api_secret": "test-secret"}


SPEC = VendorSpec(
    name=NAME,
    version="v1",
    make_backend=ShipStationBackend,
    make_blueprint=make_blueprint,
    http_error=http_error,
    credentials=CREDENTIALS,
    rate_limit=40,
    rate_period=60.0,
    quirk_decls=QUIRKS,
    extra_settings={"accounts": {CREDENTIALS["api_key"]: CREDENTIALS["api_secret"]}},
    settings_schema=SETTINGS_SCHEMA,
    # V1 runs on IIS/ASP.NET, which reads empty path segments away (vendor-notes §7: ASP.NET path
    # leniency, a trailing slash is the same resource): //products//1 is product 1.
    merge_slashes=True,
    secret_ids=True,  # the account is the API key of the key pair
    authenticate=authenticate,
    auth_before_routing=True,  # an unknown path's 404 and a 405 carry X-Rate-Limit-* too (§7)
    rate_limited=rate_limited,
    rate_headers=rate_headers,
    reroute=reroute,
    lean_routes=product_routes,
)


def create_app(*, clock: Clock | None = None, settings: dict | None = None) -> Flask:
    return create_kit_app(SPEC, clock=clock, settings=settings)
