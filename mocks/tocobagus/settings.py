"""Tocobagus' settings beyond the kit's (quirks, rate_limit), as JSON Schema, plus the two rules a schema
can't state: a webhook host must be allowed, and warehouse client ids are unique."""

from __future__ import annotations

from typing import Any

from mocks.kit.access import webhook_url_problem

WEBHOOK_FAULT_EFFECTS = ("drop", "delay", "duplicate")
_URL = {"type": ["string", "null"], "pattern": r"^https?://\S+$", "x-error": "must be null or an http(s) URL"}
_WAREHOUSES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["clientId"],
        "properties": {"clientId": {"type": "string", "minLength": 1}, "name": {"type": "string"}},
    },
    "x-error": 'must be a list of {"clientId": str, "name": str}',
}
_RETENTION = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "max_count": {"type": ["integer", "null"], "minimum": 1, "default": 1000},
        "max_age_seconds": {"type": ["number", "null"], "minimum": 0, "default": 86400},
    },
    "description": "Tocobagus: finished jobs and webhook deliveries kept, at most max_count of each and none "
    "finished more than max_age_seconds ago on the mock's clock (omitted: the default; null: no bound); "
    "pending work is always kept",
    "x-error": 'must be {"max_count": integer >= 1 or null, "max_age_seconds": number >= 0 or null}',
}
_STORE = {
    "type": "object",
    "required": ["token"],
    "additionalProperties": False,
    "properties": {
        "partnerClientId": {"type": "string"},
        "token": {"type": "string"},
        "revoked": {"type": "boolean"},
        "expiresAt": {},
        "webhook_url": _URL,
        "warehouses": _WAREHOUSES,
    },
}

# Setting name -> JSON Schema; `x-error` (when given) is the message shown after "name: " instead of the
# schema library's own words, which name the place and the rule.
SETTINGS_SCHEMA: dict[str, dict] = {
    "partners": {
        "type": "object",
        "additionalProperties": {"type": "string", "minLength": 1},
        "description": "Tocobagus partner client id: secret",
        "x-error": "must be an object of partner client id: secret",
    },
    "stores": {
        "type": "object",
        "additionalProperties": _STORE,
        "description": "Tocobagus stores by client id (token, revoked, webhook_url, warehouses)",
    },
    "webhook_url": _URL,
    "warehouses": _WAREHOUSES,
    "batch_size": {"type": "integer", "minimum": 1, "x-error": "must be an integer >= 1"},
    "processing_delay_seconds": {"type": "number", "minimum": 0, "x-error": "must be a number >= 0"},
    "retention": _RETENTION,
    "webhook_faults": {
        "description": "Tocobagus webhook faults: drop, delay or duplicate",
        "type": "array",
        "items": {
            "type": "object",
            "required": ["effect"],
            "additionalProperties": False,
            "properties": {
                "effect": {"enum": list(WEBHOOK_FAULT_EFFECTS)},
                "times": {"type": "integer", "minimum": 1},
                "seconds": {"type": "number", "minimum": 0},
            },
        },
    },
}


def setting_problem(key: str, value: Any) -> str | None:
    """What the schema can't say about a value it took: a webhook host not allowed, a repeated clientId."""
    if key == "webhook_url":
        return None if value is None else webhook_url_problem(value)
    if key == "warehouses":
        ids = [w["clientId"] for w in value]
        return None if len(set(ids)) == len(ids) else "clientIds must be unique"
    if key == "stores":
        for store, config in value.items():
            for sub in ("webhook_url", "warehouses"):
                if sub in config and (problem := setting_problem(sub, config[sub])):
                    return f"{store}.{sub}: {problem}"
    return None
