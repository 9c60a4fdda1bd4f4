"""Book Shipment's body as documented (ST-DOCS "Shipment"): every part checked, every missing or bad field
named in the documented error style. No state: the backend (models.py) books what this accepts.

Decisions (vendor-notes §7, Corrections of 2026-12-01): the documented required fields are enforced; a
reference over 25 characters is accepted ("may be rejected").
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

import pycountry

from .bodies import as_number
from .catalogue import LINE_ONLY_LIMITS, LINE_TO_CATALOGUE, STRING_LIMITS, check_field
from .errors import BadRequest, ValidationFailed, max_length_message, rule

DUTY_TAX_TYPES = ("ABN", "IOSS", "IRD", "OSS", "VOEC")
REFERENCE_LIMIT = 100  # ST-DOCS: over 25 characters "may be rejected"; the mock accepts up to 100
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DETAIL_REQUIRED = ("weight", "parcels", "value")
DETAIL_OPTIONAL = {
    "shipping_price": "number",
    "reference3": 255,
    "enhancement_id": "number",
    "format_id": "number",
    "instructions": 255,
    "gift_message": 255,
    "channel_shipservice_name": 255,
    "currency_code": 3,
    "sales_source": 255,
    "ship_date": "date",
    "rules_metadata": 50,
    "duty_tax_number": 255,
    "duty_tax_number_type": "duty",
}
RECIPIENT_REQUIRED = ("firstname", "lastname", "address_line_1", "city", "country", "postcode")
ADDRESS_OPTIONAL = (
    "company",
    "address_line_2",
    "address_line_3",
    "county",
    "telephone",
    "mobile",
    "email",
    "tax_number",
    "what3words",
)
# The sender is optional as a whole ("defaults to your default shipping location"); when given, the
# documents mark only address_line_1 as required and the rest as conditional.
SENDER_REQUIRED = ("address_line_1",)
LINE_REQUIRED = ("name", "sku", "value", "weight")


def _text(value: Any, where: str, errors: dict, *, required: bool, limit: int = 255) -> str | None:
    if value is None or value == "":
        if required:
            errors[where] = rule("_required" if value is None else "_empty")
        return None
    if not isinstance(value, str):
        errors[where] = rule("scalar")
        return None
    if len(value) > limit:
        errors[where] = rule("maxLength", max_length_message(limit))
        return None
    return value


def _number(value: Any, where: str, errors: dict, *, required: bool, integer: bool = False) -> Any:
    value = as_number(value)
    if value is None or value == "":
        if required:
            errors[where] = rule("_required" if value is None else "_empty")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors[where] = rule("numeric")
        return None
    if integer and not float(value).is_integer():
        errors[where] = rule("integer")
        return None
    if not 0 <= value <= 9_999_999.99:
        errors[where] = rule("range")
        return None
    return int(value) if integer else value


def _object(body: dict, name: str, errors: dict, *, required: bool) -> dict | None:
    value = body.get(name)
    if value is None:
        if required:
            errors[name] = rule("_required")
        return None
    if not isinstance(value, dict):
        errors[name] = rule("object")
        return None
    return value


def _address(raw: dict, name: str, required: tuple[str, ...], errors: dict) -> dict[str, Any]:
    address: dict[str, Any] = {}
    for field in (*required, *ADDRESS_OPTIONAL, "country", "postcode"):
        if field in address:
            continue
        where = f"{name}.{field}"
        limit = 2 if field == "country" else 255
        value = _text(raw.get(field), where, errors, required=field in required, limit=limit)
        if field == "country" and value is not None and country(value) is None:
            errors[where] = rule("country", "The provided value must be a 2 character ISO country code")
            continue
        address[field] = value
    return address


def validate_booking(body: Any) -> dict[str, Any]:
    """The booking's parts, checked; raises ValidationFailed naming every missing or bad field."""
    if not isinstance(body, dict):
        raise BadRequest()
    errors: dict[str, dict[str, str]] = {}
    booking: dict[str, Any] = {
        "reference": _text(body.get("reference"), "reference", errors, required=True, limit=REFERENCE_LIMIT),
        "reference2": _text(body.get("reference2"), "reference2", errors, required=True),
    }
    detail = _object(body, "shipment_detail", errors, required=True)
    if detail is not None:
        clean: dict[str, Any] = {}
        for name in DETAIL_REQUIRED:
            clean[name] = _number(
                detail.get(name), f"shipment_detail.{name}", errors, required=True, integer=name == "parcels"
            )
        if clean.get("parcels") == 0:
            errors["shipment_detail.parcels"] = rule("positive")
        for name, kind in DETAIL_OPTIONAL.items():
            where = f"shipment_detail.{name}"
            if kind == "number":
                clean[name] = _number(detail.get(name), where, errors, required=False)
            elif kind == "date":
                value = _text(detail.get(name), where, errors, required=False, limit=10)
                if value is not None and not parse_date(value):
                    errors[where] = rule("date", "The provided value must be a date (YYYY-MM-DD)")
                clean[name] = value
            elif kind == "duty":
                value = _text(detail.get(name), where, errors, required=False)
                if value is not None and value not in DUTY_TAX_TYPES:
                    errors[where] = rule(
                        "inList", f"The provided value must be one of {', '.join(DUTY_TAX_TYPES)}"
                    )
                clean[name] = value
            else:
                clean[name] = _text(detail.get(name), where, errors, required=False, limit=int(kind))
        booking["shipment_detail"] = clean
    recipient = _object(body, "recipient", errors, required=True)
    if recipient is not None:
        booking["recipient"] = _address(recipient, "recipient", RECIPIENT_REQUIRED, errors)
    sender = _object(body, "sender", errors, required=False)
    booking["sender"] = _address(sender, "sender", SENDER_REQUIRED, errors) if sender is not None else None
    booking["products"] = _lines(body.get("products"), errors)
    booking["tags"] = _tags(body.get("tags"), errors)
    if errors:
        raise ValidationFailed(errors)
    return booking


def _lines(products: Any, errors: dict) -> list[dict[str, Any]]:
    if products is None:
        return []
    if not isinstance(products, list):
        errors["products"] = rule("array")
        return []
    limits = {**STRING_LIMITS, **LINE_ONLY_LIMITS}
    lines = []
    for index, raw in enumerate(products):
        where = f"products.{index}"
        if not isinstance(raw, dict):
            errors[where] = rule("object")
            continue
        line: dict[str, Any] = {}
        for name in ("sku", *LINE_TO_CATALOGUE, *LINE_ONLY_LIMITS):
            value = raw.get(name)
            if name in ("value", "weight"):
                value = as_number(value)
            if value is None or value == "":
                if name in LINE_REQUIRED:
                    errors[f"{where}.{name}"] = rule("_required" if value is None else "_empty")
                continue
            problem = check_field(name, value, limits)
            if problem:
                errors[f"{where}.{name}"] = problem
            else:
                line[name] = value
        qty = as_number(raw.get("qty"))
        if qty is None:
            qty = 1
        if isinstance(qty, float) and qty.is_integer():
            qty = int(qty)  # JSON has one number type: 2.0 is the integer 2
        if not isinstance(qty, int) or isinstance(qty, bool):
            errors[f"{where}.qty"] = rule("integer")
        elif not 1 <= qty <= 9_999_999:
            errors[f"{where}.qty"] = rule("positive")
        line["qty"] = qty
        lines.append(line)
    return lines


def _tags(tags: Any, errors: dict) -> list[int]:
    if tags is None:
        return []
    if not isinstance(tags, list):
        errors["tags"] = rule("array")
        return []
    found = []
    for index, tag in enumerate(tags):
        tag = as_number(tag)
        if isinstance(tag, float) and tag.is_integer():
            tag = int(tag)  # JSON has one number type: 2.0 is the integer 2
        if isinstance(tag, bool) or not isinstance(tag, int) or tag < 1:
            errors[f"tags.{index}"] = rule("integer")
        else:
            found.append(tag)
    return found


def parse_date(text: str) -> datetime | None:
    if not DATE.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def country(code: str) -> Any:
    """The ISO 3166 country of a 2-letter code (any case), or None."""
    return pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 and code.isalpha() else None
