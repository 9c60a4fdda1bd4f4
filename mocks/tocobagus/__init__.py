"""Tocobagus (Omni partner API) mock: HMAC partner auth, async creation-only catalog sync, signed webhooks."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from mocks.kit.access import webhook_url_problem
from mocks.kit.app import create_app as create_kit_app
from mocks.kit.clock import Clock
from mocks.kit.core import Mock, VendorSpec

from . import retention
from .errors import http_error
from .models import TocobagusBackend
from .quirks import QUIRKS
from .routes import make_blueprint
from .state import STATE_SCHEMA

NAME = "tocobagus"
CREDENTIALS = {
    "partner_client_id": "ptnr_test",
    "partner_secret": "test-partner-secret",
    "store_client_id": "str_test",
    "store_token": "stkn_test",
}
MAX_BODY_BYTES = 1536 * 1024  # guess: room for 1000 products of the documented size
WEBHOOK_FAULT_EFFECTS = ("drop", "delay", "duplicate")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_setting(key: str, value: Any) -> str | None:
    if key == "partners":
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
        )
        return None if ok else "must be an object of partner client id: secret"
    if key == "stores":
        if not isinstance(value, dict):
            return "must be an object of store client id: {partnerClientId, token, ...}"
        for store, config in value.items():
            if not isinstance(config, dict) or not isinstance(config.get("token"), str):
                return f"{store}: needs a string token"
            extra = set(config) - {
                "partnerClientId",
                "token",
                "revoked",
                "expiresAt",
                "webhook_url",
                "warehouses",
            }
            if extra:
                return f"{store}: unknown key {sorted(extra)[0]!r}"
            for sub in ("webhook_url", "warehouses"):
                if sub in config and (problem := _validate_setting(sub, config[sub])):
                    return f"{store}.{sub}: {problem}"
        return None
    if key == "webhook_url":
        ok = value is None or (isinstance(value, str) and re.fullmatch(r"https?://\S+", value) is not None)
        if not ok:
            return "must be null or an http(s) URL"
        return None if value is None else webhook_url_problem(value)
    if key == "warehouses":
        if not isinstance(value, list) or not all(
            isinstance(w, dict)
            and isinstance(w.get("clientId"), str)
            and w["clientId"]
            and isinstance(w.get("name", ""), str)
            for w in value
        ):
            return 'must be a list of {"clientId": str, "name": str}'
        ids = [w["clientId"] for w in value]
        return None if len(set(ids)) == len(ids) else "clientIds must be unique"
    if key == "batch_size":
        return None if _is_int(value) and value >= 1 else "must be an integer >= 1"
    if key == "processing_delay_seconds":
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        return None if ok else "must be a number >= 0"
    if key == "retention":
        return retention.validate(value)
    if key == "webhook_faults":
        if not isinstance(value, list):
            return 'must be a list of {"effect": "drop"|"delay"|"duplicate", "times": N, "seconds": S}'
        for i, rule in enumerate(value):
            if not isinstance(rule, dict) or rule.get("effect") not in WEBHOOK_FAULT_EFFECTS:
                return f"rule {i}: effect must be one of {list(WEBHOOK_FAULT_EFFECTS)}"
            if set(rule) - {"effect", "times", "seconds"}:
                return f"rule {i}: only effect, times and seconds are allowed"
            if "times" in rule and not (_is_int(rule["times"]) and rule["times"] >= 1):
                return f"rule {i}: times must be an integer >= 1"
            seconds = rule.get("seconds", 0)
            if not (isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds >= 0):
                return f"rule {i}: seconds must be a number >= 0"
        return None
    return None


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
    validate_setting=_validate_setting,
    sensitive_headers=frozenset({"x-store-token"}),
    state_schema=STATE_SCHEMA,
    max_body_bytes=MAX_BODY_BYTES,
    error_ids=lambda mock: mock.backend.ids.request_id(),  # every error envelope's own requestId
)


def create_app(*, clock: Clock | None = None, settings: dict | None = None) -> Flask:
    return create_kit_app(SPEC, clock=clock, settings=settings)


def backend(app: Flask) -> TocobagusBackend:
    """The backend of a Tocobagus app (tests and the harness reach state and the webhook session here)."""
    return Mock.of(app).backend
