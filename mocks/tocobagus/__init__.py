"""Tocobagus (Omni partner API) mock: HMAC partner auth, async creation-only catalog sync, signed webhooks."""

from __future__ import annotations

from flask import Flask

from mocks.kit.app import create_app as create_kit_app
from mocks.kit.clock import Clock
from mocks.kit.core import Mock, VendorSpec

from . import retention
from .errors import http_error
from .models import TocobagusBackend
from .quirks import QUIRKS
from .routes import authenticate, make_blueprint, rate_limited
from .settings import SETTINGS_SCHEMA, setting_problem
from .state import STATE_SCHEMA

NAME = "tocobagus"
CREDENTIALS = {
    "partner_client_id": "ptnr_test",
    "partner_secret": "test-partner-secret",
    "store_client_id": "str_test",
    "store_token": "stkn_test",
}
MAX_BODY_BYTES = 1536 * 1024  # guess: room for 1000 products of the documented size


SPEC = VendorSpec(
    name=NAME,
    version="v1",
    make_backend=TocobagusBackend,
    make_blueprint=make_blueprint,
    http_error=http_error,
    credentials=CREDENTIALS,
    rate_limit=600,  # guess: per partner per minute; not documented
    rate_period=60.0,
    quirk_decls=QUIRKS,
    extra_settings={
        "partners": {CREDENTIALS["partner_client_id"]: CREDENTIALS["partner_secret"]},
        "stores": {
            CREDENTIALS["store_client_id"]: {
                "partnerClientId": CREDENTIALS["partner_client_id"],
                "token": CREDENTIALS["store_token"],
                "revoked": False,
            }
        },
        "webhook_url": None,  # every store's, unless its entry in stores says otherwise
        "warehouses": [],  # every store's, unless its entry in stores says otherwise
        "batch_size": 100,
        "processing_delay_seconds": 1.0,
        "webhook_faults": [],
        # Finished jobs and webhook deliveries kept, by count and by age on the mock's clock.
        "retention": dict(retention.DEFAULT),
    },
    settings_schema=SETTINGS_SCHEMA,
    validate_setting=setting_problem,
    sensitive_headers=frozenset({"x-store-token"}),
    state_schema=STATE_SCHEMA,
    max_body_bytes=MAX_BODY_BYTES,
    error_ids=lambda mock: mock.backend.ids.request_id(),  # every error envelope's own requestId
    authenticate=authenticate,
    rate_limited=rate_limited,
)


def create_app(*, clock: Clock | None = None, settings: dict | None = None) -> Flask:
    return create_kit_app(SPEC, clock=clock, settings=settings)


def backend(app: Flask) -> TocobagusBackend:
    """The backend of a Tocobagus app (tests and the harness reach state and the webhook session here)."""
    return Mock.of(app).backend
