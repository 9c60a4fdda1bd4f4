"""The one JSON body reader for every vendor route and the control API.

It refuses, at the door, whatever could break a mock later: bytes that are not UTF-8, JSON that is not
JSON (NaN, Infinity, numbers that overflow to infinity, over-long integers), nesting deeper than any
vendor body, and strings that cannot be written back as UTF-8 (a lone surrogate such as "\\ud800",
which json.loads accepts). What passes can always be stored, copied, serialised and exported. Each
vendor turns `BodyError` into its own 400.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64  # far deeper than any vendor document; copy.deepcopy and json.dumps recurse


class BodyError(ValueError):
    """Why a body was refused, in words fit for a vendor's or the control API's error message."""


def _reject_constant(name: str) -> Any:
    raise BodyError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise BodyError(f"the number {text[:40]} is out of range")
    return value


# json.loads(text, parse_constant=..., parse_float=...) builds this decoder on every call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def parse_json(raw: bytes | str, *, empty: Any = ...) -> Any:
    """The JSON value of `raw`; `empty` (when given) is what an empty or blank body means."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BodyError("the body is not UTF-8") from None
    else:
        text = raw
    if empty is not ... and not text.strip():
        return empty
    try:
        if text.startswith("\ufeff"):  # as json.loads refuses it
            raise ValueError("Unexpected UTF-8 BOM")
        value = _DECODER.decode(text)
    except BodyError:
        raise
    except RecursionError:
        raise BodyError("the body is nested too deeply") from None
    except ValueError:  # JSONDecodeError, and int() past Python's digit limit
        raise BodyError("the body is not valid JSON") from None
    # Valid UTF-8 holds no surrogate, so only a \u escape can make one; and a text with at most MAX_DEPTH
    # brackets cannot nest deeper. Most bodies are both: the walk below is then skipped.
    if raw is text or "\\u" in text or text.count("{") + text.count("[") > MAX_DEPTH:
        check_value(value)
    return value


def check_value(value: Any) -> None:
    """Refuse nesting past MAX_DEPTH and strings (values or keys) that are not valid Unicode text."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise BodyError(f"the body is nested more than {MAX_DEPTH} levels deep")
            if isinstance(item, dict):
                for key, child in item.items():
                    check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def check_text(text: str) -> None:
    """A string that UTF-8 cannot encode (a lone surrogate) is refused."""
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyError("the body holds a string that is not valid Unicode (a lone surrogate)") from None


def read_json(request: Any, *, empty: Any = ...) -> Any:
    """The JSON body of a Flask request, whatever its Content-Type (over the size cap: werkzeug's 413)."""
    return parse_json(request.get_data(cache=True), empty=empty)
