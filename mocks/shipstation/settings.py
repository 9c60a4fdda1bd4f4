"""ShipStation's settings beyond the kit's (quirks, rate_limit): the key pairs the mock accepts."""

from __future__ import annotations

# Setting name -> JSON Schema; `x-error` is the message shown after "name: " when a value is refused.
SETTINGS_SCHEMA: dict[str, dict] = {
    "accounts": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": {"type": "string"},
        "description": "ShipStation API key: secret",
        "x-error": "must be a non-empty object of API key: API secret",
    },
}
