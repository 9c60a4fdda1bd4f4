"""Shiptheory's settings beyond the kit's (quirks, rate_limit): account options and the logins accepted."""

from __future__ import annotations

from .catalogue import PRODUCT_UPDATES

# Setting name -> JSON Schema; `x-error` is the message shown after "name: " when a value is refused.
SETTINGS_SCHEMA: dict[str, dict] = {
    "product_updates": {
        "enum": list(PRODUCT_UPDATES),
        "x-error": f"must be one of {', '.join(PRODUCT_UPDATES)}",
    },
    "lock_product_data": {"type": "boolean", "x-error": "must be true or false"},
    "accounts": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": {"type": "string"},
        "description": "Shiptheory email: password",
        "x-error": "must be a non-empty object of email: password",
    },
}
