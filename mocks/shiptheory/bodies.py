"""Request bodies as Shiptheory (CakePHP) reads them: JSON, or form-encoded with PHP's bracket nesting.

The documentation's own JavaScript samples send `form:` bodies (vendor-notes §7, 2026-12-01), which the
`request` module encodes with `qs`: `shipment_detail[weight]=2.5&products[0][sku]=a`. PHP turns those into
nested arrays, and every value is text; CakePHP's validators then take numeric text as numbers.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import parse_qsl

from mocks.kit.body import BodyError as KitBodyError
from mocks.kit.body import parse_json

FORM_TYPE = "application/x-www-form-urlencoded"
# Plain decimal text in ASCII (no sign, no exponent), so the mock and the contract's pattern agree; a
# negative number as text is refused as not numeric rather than out of range.
NUMERIC_TEXT = re.compile(r"[ \t]*\+?([0-9]{1,7}(\.[0-9]{0,3})?|\.[0-9]{1,3})[ \t]*")
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
MAX_DEPTH = 5  # PHP's max_input_nesting_level is 64; a catalogue body never needs more than this


class BodyError(ValueError):
    """The body cannot be read (malformed JSON, invalid UTF-8, a form key PHP would not nest)."""


def read_body(data: bytes, mimetype: str) -> Any:
    """The body as a JSON value: a form body becomes an object of text values, nested as PHP nests it."""
    if mimetype == FORM_TYPE:
        return parse_form(data)
    try:
        return parse_json(data)  # the kit's reader: no lone surrogates, NaN, overflowing floats, deep nesting
    except KitBodyError as exc:
        raise BodyError(str(exc)) from None


def parse_form(data: bytes) -> dict[str, Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("not UTF-8") from None
    result: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        match = _KEY.match(key)
        if not match:  # PHP keeps a key whose brackets don't pair as a plain name; nobody reads it
            result[key] = value
            continue
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        if len(path) > MAX_DEPTH:
            raise BodyError(f"form key {key!r} nests too deep")
        if not _fits(result, path):
            raise BodyError(f"form key {key!r} nests under a plain value")
        _put(result, path, value)
    return _lists(result)


def _fits(node: dict[str, Any], path: list[str]) -> bool:
    """False where `a=1&a[b]=2` would nest under a plain value; PHP's last-wins is not worth copying."""
    for part in path[:-1]:
        child = node.get(part)
        if child is None:
            return True
        if not isinstance(child, dict):
            return False
        node = child
    return True


def _put(node: dict[str, Any], path: list[str], value: str) -> None:
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if part == "":  # `tags[]=1&tags[]=2`: append, as PHP does
            part = str(sum(1 for k in node if k.isdigit()))
        if last:
            node[part] = value
            return
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child


def _lists(node: Any) -> Any:
    """Objects whose keys are 0..n-1 become lists, as a JSON client would have sent them."""
    if not isinstance(node, dict):
        return node
    converted = {k: _lists(v) for k, v in node.items()}
    if (
        converted
        and all(k.isdigit() for k in converted)
        and sorted(map(int, converted)) == list(range(len(converted)))
    ):
        return [converted[str(i)] for i in range(len(converted))]
    return converted


def as_number(value: Any) -> Any:
    """Numeric text ("2.5", "45") as a number, the way CakePHP's numeric rule reads it; else unchanged."""
    if not isinstance(value, str) or not NUMERIC_TEXT.fullmatch(value):
        return value
    number = float(value)
    if not math.isfinite(number):
        return value
    return int(number) if number.is_integer() and abs(number) < 2**53 else number
