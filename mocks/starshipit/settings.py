"""Starshipit's settings beyond the kit's (quirks, rate_limit): the tier and the keys the mock accepts."""

from __future__ import annotations

from .models import TIER_LIMITS

_KEYS = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "string", "minLength": 1},
    "x-error": "must be a non-empty list of keys",
}

# Setting name -> JSON Schema; `x-error` is the message shown after "name: " when a value is refused.
SETTINGS_SCHEMA: dict[str, dict] = {
    "tier": {"enum": sorted(TIER_LIMITS), "x-error": f"must be one of {sorted(TIER_LIMITS)}"},
    "api_keys": {**_KEYS, "description": "Starshipit StarShipIT-Api-Key values accepted"},
    "subscription_keys": {**_KEYS, "description": "Starshipit Ocp-Apim-Subscription-Key values accepted"},
}
