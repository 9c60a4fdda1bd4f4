"""Starshipit product fields: each field's kind, the rule a value must meet, and an incoming product
checked as the API checks it. No state: the backend, the CSV import and seeding share these."""

from __future__ import annotations

import math
import re
from typing import Any

from .errors import ValidationError

# Every product field and its kind, in the order the API returns them (after `id`).
FIELDS: dict[str, str] = {
    "sku": "required",
    "title": "required",
    "description": "str",
    "customs_description": "str",
    "barcode": "str",
    "bin_location": "str",
    "brand": "str",
    "color": "str",
    "size": "str",
    "material": "str",
    "model": "str",
    "usage": "str",
    "country": "str",
    "hs_code": "str",
    "mid": "str",
    "weight": "weight",
    "length": "dimension",
    "width": "dimension",
    "height": "dimension",
    "price": "money",
    "dangerous_goods": "bool",
}
# With quirk strict_units: anything heavier or longer is almost surely grams or centimetres sent by mistake.
MAX_WEIGHT_KG = 1000
MAX_DIMENSION_M = 10
# .NET's char.IsWhiteSpace set: [Required] refuses strings made only of these. The contract's pattern
# for sku and title names the same characters.
WHITESPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(chr(c) for c in range(0x2000, 0x200B))
)
INTEGER = re.compile(r"-?[0-9]+")  # a whole number as text: CSV cells and query parameters


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def integral(value: Any) -> int | None:
    """An id as JSON Schema sees an integer: 7 and 7.0 both count."""
    if is_int(value):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


def field_problem(name: str, value: Any, strict_units: bool) -> str | None:
    """Why `value` cannot be stored in `name`, or None. Null clears an optional field."""
    kind = FIELDS[name]
    if kind == "required":
        if not isinstance(value, str) or all(c in WHITESPACE for c in value):
            return f"The {name} field is required."
        return None
    if value is None:
        return None
    if kind == "str":
        return None if isinstance(value, str) else f"The {name} field must be a string."
    if kind == "bool":
        return None if isinstance(value, bool) else f"The {name} field must be true or false."
    if not is_number(value) or value < 0:
        return f"The {name} field must be a number greater than or equal to 0."
    if strict_units and kind == "weight" and value > MAX_WEIGHT_KG:
        return f"The weight field is in kilograms and must not exceed {MAX_WEIGHT_KG}."
    if strict_units and kind == "dimension" and value > MAX_DIMENSION_M:
        return f"The {name} field is in metres and must not exceed {MAX_DIMENSION_M}."
    return None


def blank_product(product_id: int) -> dict:
    product: dict[str, Any] = {"id": product_id, **dict.fromkeys(FIELDS)}
    product["dangerous_goods"] = False
    return product


def clean(raw: Any, where: str = "product", *, strict_units: bool) -> dict:
    """The fields of an incoming product, checked; every problem is reported at once."""
    if not isinstance(raw, dict):
        raise ValidationError(where, f"The {where} object is required.")
    values = {name: raw[name] for name in FIELDS if name in raw}
    # The sort column says Colour, add/update say color: take either, `color` wins (§7). A colour that
    # loses is still checked: the contract types it as a string too.
    colour = raw.get("colour")
    if values.get("color") is None and colour is not None:
        values["color"] = colour
    if "dangerous_goods" in values and values["dangerous_goods"] is None:
        values["dangerous_goods"] = False
    for name, value in values.items():  # "" is stored as null: CSV cannot tell them apart
        if value == "" and FIELDS[name] == "str":
            values[name] = None
    problems = [
        (name, problem) for name in FIELDS if (problem := field_problem(name, values.get(name), strict_units))
    ]
    if colour is not None and not isinstance(colour, str) and values.get("color") is not colour:
        problems.append(("colour", "The colour field must be a string."))
    if problems:
        raise ValidationError(errors=[{"message": text, "details": name} for name, text in problems])
    return values
