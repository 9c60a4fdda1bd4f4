"""Checking a settings change before a mock takes it, against JSON Schemas: a readable problem, or None.

The kit states its own settings (quirks, rate_limit) here; each vendor states its own next to its code
(`VendorSpec.settings_schema`, one schema per setting). A schema may carry `x-error`, the words shown
when it refuses a value; otherwise the message names the place and the rule the value broke.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs

RATE_LIMIT = {"type": "integer", "minimum": 1}
MAX_MESSAGE = 300


class SettingsSchema:
    """The compiled schemas of one vendor's settings (built once per spec)."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.known = ["quirks", "rate_limit", *spec.extra_settings]
        quirks = {name: {"enum": list(spec.quirk_values(name))} for name in spec.quirks}
        self.quirks = jsonschema_rs.validator_for({"type": "object", "properties": quirks})
        self.rate_limit = jsonschema_rs.validator_for(RATE_LIMIT)
        self.schemas = {key: spec.settings_schema.get(key) for key in spec.extra_settings}
        self.validators = {
            k: jsonschema_rs.validator_for(s) for k, s in self.schemas.items() if s is not None
        }

    def problem(self, changes: Any) -> str | None:
        """What is wrong with `changes` (a PUT /__mock__/settings body), if anything."""
        if not isinstance(changes, dict):
            return "settings must be a JSON object"
        for key, value in changes.items():
            if key == "quirks":
                problem = self._quirks_problem(value)
            elif key == "rate_limit":
                bad = not self.rate_limit.is_valid(value) or _fraction(RATE_LIMIT, value) is not None
                problem = "rate_limit must be a positive integer (requests per window)" if bad else None
            elif key in self.schemas:
                problem = self._vendor_problem(key, value)
                problem = f"{key}: {problem}" if problem else None
            else:
                problem = f"unknown setting {key!r}; known: {self.known}"
            if problem:
                return problem
        return None

    def _quirks_problem(self, value: Any) -> str | None:
        if not isinstance(value, dict):
            return "quirks must be an object of name: true|false"
        unknown = [name for name in value if name not in self.spec.quirks]
        if unknown:
            return f"unknown quirk {unknown[0]!r}; known: {sorted(self.spec.quirks)}"
        error = next(iter(self.quirks.iter_errors(value)), None)
        # JSON Schema's enum holds 1 == 1.0: a quirk's value must keep its declared type too.
        values = self.spec.quirk_values
        wrong = [name for name, on in value.items() if not any(type(on) is type(v) for v in values(name))]
        name = error.instance_path[0] if error is not None else wrong[0] if wrong else None
        if name is None:
            return None
        return f"quirk {name!r} must be {' or '.join(json.dumps(v) for v in values(name))}"

    def _vendor_problem(self, key: str, value: Any) -> str | None:
        schema, validator = self.schemas[key], self.validators.get(key)
        if validator is not None:
            error = next(iter(validator.iter_errors(value)), None)
            if error is not None:
                # The library's words quote the value: cut, so a huge document makes no huge message.
                return schema.get("x-error") or f"{_place(error.instance_path)}{error.message}"[:MAX_MESSAGE]
            place = _fraction(schema, value)
            if place is not None:
                return schema.get("x-error") or f"{_place(place)}{_value_at(value, place)} is not an integer"
        check = self.spec.validate_setting
        return check(key, value) if check is not None else None


def _place(path: Any) -> str:
    place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return f"{place}: " if place else ""


def _fraction(schema: Any, value: Any, path: tuple = ()) -> tuple | None:
    """Where a number with a fraction part's notation (5.0) stands for an integer the schema asks for.
    JSON Schema calls 5.0 an integer; a mock's counts stay Python ints (they reach headers and bodies)."""
    if not isinstance(schema, dict):
        return None
    types = schema.get("type")
    types = [types] if isinstance(types, str) else types or []
    if isinstance(value, float) and "integer" in types and "number" not in types:
        return path
    if isinstance(value, dict):
        props, extra = schema.get("properties", {}), schema.get("additionalProperties")
        found = (_fraction(props.get(k, extra), v, (*path, k)) for k, v in value.items())
    elif isinstance(value, list):
        found = (_fraction(schema.get("items"), v, (*path, i)) for i, v in enumerate(value))
    else:
        return None
    return next((place for place in found if place is not None), None)


def _value_at(value: Any, path: tuple) -> Any:
    for part in path:
        value = value[part]
    return value


_COMPILED: dict[int, tuple[Any, SettingsSchema]] = {}


def settings_problem(spec: Any, changes: Any) -> str | None:
    """What is wrong with `changes` for a mock of `spec`, if anything (schemas compiled once per spec)."""
    cached = _COMPILED.get(id(spec))
    if cached is None or cached[0] is not spec:
        cached = _COMPILED[id(spec)] = (spec, SettingsSchema(spec))
    return cached[1].problem(changes)
