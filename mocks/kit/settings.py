"""Checking a settings change before a mock takes it: a readable problem, or None."""

from __future__ import annotations

import json
from typing import Any


def settings_problem(spec: Any, changes: Any) -> str | None:
    """What is wrong with `changes` (a PUT /__mock__/settings body) for a mock of `spec`, if anything."""
    if not isinstance(changes, dict):
        return "settings must be a JSON object"
    for key, value in changes.items():
        if key == "quirks":
            problem = _quirks_problem(spec, value)
        elif key == "rate_limit":
            bad = not isinstance(value, int) or isinstance(value, bool) or value < 1
            problem = "rate_limit must be a positive integer (requests per window)" if bad else None
        elif key in spec.extra_settings:
            problem = spec.validate_setting(key, value) if spec.validate_setting else None
            problem = f"{key}: {problem}" if problem else None
        else:
            known = ["quirks", "rate_limit", *spec.extra_settings]
            problem = f"unknown setting {key!r}; known: {known}"
        if problem:
            return problem
    return None


def _quirks_problem(spec: Any, value: Any) -> str | None:
    if not isinstance(value, dict):
        return "quirks must be an object of name: true|false"
    for name, on in value.items():
        if name not in spec.quirks:
            return f"unknown quirk {name!r}; known: {sorted(spec.quirks)}"
        allowed = spec.quirk_values(name)
        if not any(on is v or (type(on) is type(v) and on == v) for v in allowed):
            return f"quirk {name!r} must be {' or '.join(json.dumps(v) for v in allowed)}"
    return None
