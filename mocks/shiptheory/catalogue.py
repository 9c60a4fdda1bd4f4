"""Shiptheory catalogue products: their fields, the rules a field's value must meet, and the shape the API
answers a product in. No state: the backend (models.py) and booking validation (booking.py) share these.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from .bodies import as_number
from .errors import BadRequest, ValidationFailed, max_length_message, rule

MAX_NUMBER = 9_999_999.99
STRING_LIMITS: dict[str, int] = {
    "sku": 100,
    "name": 255,
    "barcode": 15,
    "commodity_code": 100,
    "commodity_description": 100,
    "commodity_manucountry": 100,
    "commodity_composition": 100,
    "mid_code": 25,
    "thumbnail_url": 200,
}
NUMBER_FIELDS = ("price", "weight", "length", "width", "height")
# Every catalogue field, in the order of the documented View Product example.
PRODUCT_FIELDS = (
    "sku",
    "name",
    "price",
    "weight",
    "barcode",
    "commodity_code",
    "commodity_description",
    "commodity_manucountry",
    "commodity_composition",
    "length",
    "width",
    "height",
    "mid_code",
    "thumbnail_url",
)
# A jpg/jpeg/png/webp URL. The contract carries the same pattern, so the two agree on every string;
# printable ASCII only, because \s differs between Python and the contract's regex engine.
IMAGE_URL = r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[!-~]*\.([jJ][pP][eE]?[gG]|[pP][nN][gG]|[wW][eE][bB][pP])"
IMAGE_URL_RE = re.compile(IMAGE_URL)

# Shipment lines: `value` is the line's price; the rest copy onto the catalogue field of the same name.
LINE_TO_CATALOGUE = {
    "name": "name",
    "value": "price",
    "weight": "weight",
    "barcode": "barcode",
    "commodity_code": "commodity_code",
    "commodity_description": "commodity_description",
    "commodity_manucountry": "commodity_manucountry",
    "commodity_composition": "commodity_composition",
    "mid_code": "mid_code",
}
LINE_ONLY_LIMITS = {"customisation": 255, "batch_number": 100}
PRODUCT_UPDATES = ("update_catalogue", "use_catalogue", "use_catalogue_with_discounts")


def format_time(epoch: float) -> str:
    """As the documentation's examples: 2020-11-23T14:05:02+0000."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def image_url_ok(url: str) -> bool:
    return IMAGE_URL_RE.fullmatch(url) is not None


def check_field(name: str, value: Any, limits: dict[str, int]) -> dict[str, str] | None:
    """The first rule `value` breaks for field `name` ({rule: message}), or None. Null means "not given"."""
    if name in NUMBER_FIELDS or name == "value":
        if not is_number(value):
            return rule("numeric")
        if not 0 <= value <= MAX_NUMBER:
            return rule("range")
        return None
    if not isinstance(value, str):
        return rule("scalar")
    if len(value) > limits[name]:
        return rule("maxLength", max_length_message(limits[name]))
    if name == "thumbnail_url" and value and not image_url_ok(value):
        return rule("url")
    return None


def validate_product(body: Any, *, require_sku: bool) -> dict[str, Any]:
    """The catalogue fields of `body`, checked; raises ValidationFailed listing every bad field."""
    if not isinstance(body, dict):
        raise BadRequest()
    errors: dict[str, dict[str, str]] = {}
    clean: dict[str, Any] = {}
    for name in PRODUCT_FIELDS:
        value = body.get(name)
        if name in NUMBER_FIELDS:
            value = as_number(value)  # "2.5" from a form body, or a JSON string, reads as 2.5
        if value is None:
            if name == "sku" and require_sku:
                errors[name] = rule("_required")
            continue
        problem = check_field(name, value, STRING_LIMITS)
        if problem is None and name == "sku" and not value:
            problem = rule("_empty")
        if problem:
            errors[name] = problem
        else:
            clean[name] = value
    if errors:
        raise ValidationFailed(errors)
    return clean


def default_value(name: str) -> Any:
    return 0 if name in NUMBER_FIELDS else ""


def product_answer(product: dict) -> dict:
    """A product as the API answers it: with `volume` after the dimensions, as the documented update
    example has it (vendor-notes §7, 2026-12-01). The control API leaves it out: it is derived, not held."""
    answer: dict[str, Any] = {}
    for name, value in product.items():
        answer[name] = value
        if name == "height":
            answer["volume"] = volume(product)
    return answer


def volume(product: dict) -> float:
    """length * width * height. The documents show 0.5 for 1 * 1 * 1 and say nothing more: a guess."""
    return round(float(product["length"]) * float(product["width"]) * float(product["height"]), 4)
