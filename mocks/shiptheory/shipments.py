"""Shiptheory shipments as documented (ST-DOCS "Shipment"): booking validation, and the shapes of Book,
View, List and Search. No Flask, no state: models.py keeps the shipments and calls these.

Decisions (vendor-notes §7, Corrections of 2026-12-01): the documented required fields are enforced in
the documented error style; a reference over 25 characters is accepted ("may be rejected"); the
carrier's answer is the mock's own (carrier "Mock Carrier", a generated tracking number). Where the
documents show a field but not where its value comes from, the choice is listed in DECISIONS.
"""

from __future__ import annotations

import base64
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pycountry

from .bodies import as_number
from .errors import BadRequest, ValidationFailed, max_length_message, rule

CARRIER = "Mock Carrier"
STATUSES = ("Failed", "Complete", "Ready", "Ignored", "Not Ready", "Print Error", "Waiting", "PROCESSING")
DUTY_TAX_TYPES = ("ABN", "IOSS", "IRD", "OSS", "VOEC")
REFERENCE_LIMIT = 100  # ST-DOCS: over 25 characters "may be rejected"; the mock accepts up to 100
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LIST_DEFAULT_LIMIT = 100  # the List Shipments example answers limit 100 without asking for it
SEARCH_DEFAULT_LIMIT = 25  # "Defaults to 25"
MAX_LIMIT = 100
MAX_SEARCH_DAYS = 365
DECISIONS = {
    "channel_name": "API",  # bookings arrive over the API; the documents show channel names only
    "tag_name": "Tag {id}",  # a booking gives tag ids; the names live in the account's UI
}

RECORD_KEYS = frozenset(
    {"reference", "reference2", "shipment_detail", "recipient", "sender", "tags", "created", "modified"}
    | {"status", "tracking_number", "carrier", "messages"}
)
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

# List and Search filters: query parameter -> (where in the list item, case-sensitive?)
FILTERS: dict[str, tuple[tuple[str, ...], bool]] = {
    "status": (("status",), True),
    "channel_name": (("channel_name",), False),
    "channel_reference_id": (("channel_reference_id",), False),
    "channel_reference_id_2": (("channel_reference_id_2",), False),
    "ShipmentDetails.parcels": (("shipment_detail", "parcels"), False),
    "ShipmentDetails.weight": (("shipment_detail", "weight"), False),
    "ShipmentDetails.value": (("shipment_detail", "value"), False),
    "ShipmentDetails.duty_tax_number": (("shipment_detail", "duty_tax_number"), False),
    "ShipmentDetails.duty_tax_number_type": (("shipment_detail", "duty_tax_number_type"), False),
    "ShipmentDetails.channel_reference_id_3": (("shipment_detail", "channel_reference_id_3"), False),
    "Couriers.couriername": (("courier", "couriername"), True),  # "Case sensitive carrier name"
    "Countries.code": (("delivery_address", "country", "code"), False),
    **{
        f"DeliveryAddress.{name}": (("delivery_address", name), False)
        for name in (
            "address_line_1",
            "address_line_2",
            "address_line_3",
            "city",
            "county",
            "postcode",
            "telephone",
            "email",
            "company",
            "firstname",
            "lastname",
            "tax_number",
            "what_3_words",
        )
    },
}


# -- validation -------------------------------------------------------------------------------------------
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
                if value is not None and not _date(value):
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
    from .models import LINE_ONLY_LIMITS, LINE_TO_CATALOGUE, STRING_LIMITS, check_field

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


def _date(text: str) -> datetime | None:
    if not DATE.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def country(code: str) -> Any:
    """The ISO 3166 country of a 2-letter code (any case), or None."""
    return pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 and code.isalpha() else None


# -- answers ----------------------------------------------------------------------------------------------
def booked_answer(record: dict[str, Any]) -> dict[str, Any]:
    """Book's documented answer: success, status, carrier_result (status, tracking, carrier,
    no_tracking) and message."""
    return {
        "success": True,
        "status": record["status"],
        "carrier_result": {
            "status": "success",
            "tracking": record["tracking_number"],
            "carrier": record["carrier"],
            "no_tracking": None,
        },
        "message": f"{record['carrier']} tracking reference received: {record['tracking_number']}",
    }


def booking_messages(record: dict[str, Any], account: str, created: str) -> list[dict[str, str]]:
    return [
        {"message": f"Shipment added over API by {account}", "created": created, "type": "info"},
        {
            "message": f"{record['carrier']} tracking reference received: {record['tracking_number']}",
            "created": created,
            "type": "success",
        },
    ]


def view(record: dict[str, Any]) -> dict[str, Any]:
    """View Shipment's documented shape, in the example's key order; the label is a base64 PDF."""
    detail = record["shipment_detail"]
    return {
        "shipment": {
            "channel_reference_id": record["reference"],
            "channel_reference_id_2": record["reference2"],
            "created": record["created"],
            "modified": record["modified"],
            "status": record["status"],
            "tracking_number": record["tracking_number"],
            "carrier": record["carrier"],
            "channel_reference_id_3": detail.get("reference3"),
            "duty_tax_number": detail.get("duty_tax_number"),
            "duty_tax_number_type": detail.get("duty_tax_number_type"),
        },
        "tags": [{"id": tag, "name": DECISIONS["tag_name"].format(id=tag)} for tag in record["tags"]],
        "messages": record["messages"],
        "label": label_pdf(record["reference"], record["tracking_number"]),
    }


def list_item(record: dict[str, Any], lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One shipment as List (and, with `lines`, Search with include_products=1) shows it."""
    detail, recipient = record["shipment_detail"], record["recipient"]
    found = country(recipient["country"])
    item: dict[str, Any] = {
        "created": record["created"],
        "modified": record["modified"],
        "channel_reference_id": record["reference"],
        "channel_reference_id_2": record["reference2"],
        "channel_name": DECISIONS["channel_name"],
        "status": record["status"],
        "courier": {"couriername": record["carrier"]},
        "courierservice": None,
        "shipment_detail": {
            "tracking_number": record["tracking_number"],
            "weight": detail["weight"],
            "grams": round(detail["weight"] * 1000),
            "gift_message": detail.get("gift_message"),
            "instructions": detail.get("instructions"),
            "shipping_price": detail.get("shipping_price"),
            "value": detail["value"],
            "parcels": detail["parcels"],
            "width": None,
            "height": None,
            "depth": None,
            "channel_reference_id_3": detail.get("reference3"),
            "ship_date": f"{detail['ship_date']}T00:00:00+0000" if detail.get("ship_date") else None,
            "duty_tax_number": detail.get("duty_tax_number"),
            "duty_tax_number_type": detail.get("duty_tax_number_type"),
        },
        "delivery_address": {
            "company": recipient.get("company"),
            "address_line_1": recipient["address_line_1"],
            "address_line_2": recipient.get("address_line_2"),
            "address_line_3": recipient.get("address_line_3"),
            "city": recipient["city"],
            "county": recipient.get("county"),
            "postcode": recipient["postcode"],
            "telephone": recipient.get("telephone"),
            "mobile": recipient.get("mobile"),
            "email": recipient.get("email"),
            "firstname": recipient["firstname"],
            "lastname": recipient["lastname"],
            "tax_number": recipient.get("tax_number"),
            "what_3_words": recipient.get("what3words"),
            "country": {"country": found.name if found else None, "code": found.alpha_3 if found else None},
        },
    }
    if lines is not None:
        item["products"] = [_search_line(line) for line in lines]
    item["latest_public_reference"] = None
    return item


def _search_line(line: dict[str, Any]) -> dict[str, Any]:
    """A line as Search shows it: amounts as text ("1.00"), as the documented example has them."""
    return {
        "qty": line["qty"],
        "sku": line["sku"],
        "name": line["name"],
        "value": f"{line['value']:.2f}",
        "catalog_price": f"{line['catalog_price']:.2f}",
        "barcode": line["barcode"] or None,
        "weight": f"{line['weight']:.2f}",
        "grams": str(round(line["weight"] * 1000)),
        "length": _plain(line["length"]),
        "width": _plain(line["width"]),
        "height": _plain(line["height"]),
        "commodity_description": line["commodity_description"] or None,
        "commodity_code": line["commodity_code"] or None,
        "commodity_manucountry": line["commodity_manucountry"] or None,
        "commodity_composition": line["commodity_composition"] or None,
    }


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


# -- list and search ------------------------------------------------------------------------------------
def _positive(text: str | None, default: int, name: str) -> int:
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ValidationFailed({name: rule("integer")})
    return int(text)


def _matches(item: dict[str, Any], query: dict[str, str]) -> bool:
    for name, wanted in query.items():
        spec = FILTERS.get(name)
        if spec is None:
            continue
        path, case_sensitive = spec
        value: Any = item
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return False
        if isinstance(value, int | float):
            number = as_number(wanted)
            if not isinstance(number, int | float) or number != value:
                return False
        elif case_sensitive:
            if value != wanted:
                return False
        elif value.casefold() != wanted.casefold():
            return False
    return True


def _on_day(stamp: str, day: str) -> bool:
    return stamp[:10] == day


def list_shipments(items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    """List Shipments: filters, `created`/`modified` days, sort, paging with 404 past the end."""
    for name in ("created", "modified"):
        if name in query and not _date(query[name]):
            raise ValidationFailed({name: rule("date", "The provided value must be a date (YYYY-MM-DD)")})
    if "status" in query and query["status"] not in STATUSES:
        raise ValidationFailed(
            {"status": rule("inList", f"The provided value must be one of {', '.join(STATUSES)}")}
        )
    page = _positive(query.get("page"), 1, "page")
    limit = min(_positive(query.get("limit"), LIST_DEFAULT_LIMIT, "limit"), MAX_LIMIT)
    sort = query.get("sort")
    if sort is not None and sort not in ("created", "modified"):
        raise BadRequest()
    direction = query.get("direction", "asc").lower()
    if direction not in ("asc", "desc"):
        raise BadRequest()
    found = [
        item
        for item in items
        if _matches(item, query)
        and all(_on_day(item[name], query[name]) for name in ("created", "modified") if name in query)
    ]
    if sort:
        found.sort(key=lambda item: item[sort], reverse=direction == "desc")
    elif direction == "desc":
        found.reverse()
    total = len(found)
    pages = max(1, math.ceil(total / limit))
    if page > pages:
        from .errors import NotFound

        raise NotFound()
    shown = found[(page - 1) * limit : page * limit]
    return {
        "shipments": shown,
        "pagination": {
            "page": page,
            "pages": pages,
            "results": total,
            "results_per_page": len(shown),
            "limit": limit,
        },
    }


def search_window(query: dict[str, str]) -> tuple[str, str, int]:
    """(created_from, created_to, limit) of a Search; both dates required, at most 365 days apart."""
    errors: dict[str, dict[str, str]] = {}
    days = {}
    for name in ("created_from", "created_to"):
        text = query.get(name)
        if text is None or text == "":
            errors[name] = rule("_required" if text is None else "_empty")
        elif (day := _date(text)) is None:
            errors[name] = rule("date", "The provided value must be a date (YYYY-MM-DD)")
        else:
            days[name] = day
    if len(days) == 2 and not timedelta(0) <= days["created_to"] - days["created_from"] <= timedelta(
        days=MAX_SEARCH_DAYS
    ):
        errors["created_to"] = rule("range", f"The date range must be between 0 and {MAX_SEARCH_DAYS} days")
    limit_text = query.get("limit")
    limit = SEARCH_DEFAULT_LIMIT
    if limit_text is not None:
        if not (limit_text.isascii() and limit_text.isdigit()) or not 1 <= int(limit_text) <= MAX_LIMIT:
            errors["limit"] = rule("range", f"The provided value must be between 1 and {MAX_LIMIT}")
        else:
            limit = int(limit_text)
    if "status" in query and query["status"] not in STATUSES:
        errors["status"] = rule("inList", f"The provided value must be one of {', '.join(STATUSES)}")
    if errors:
        raise ValidationFailed(errors)
    return query["created_from"], query["created_to"], limit


def search_shipments(items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    created_from, created_to, limit = search_window(query)
    found = [
        item for item in items if created_from <= item["created"][:10] <= created_to and _matches(item, query)
    ]
    return {"shipments": found[:limit]}


# -- label --------------------------------------------------------------------------------------------
def label_pdf(reference: str, tracking: str) -> str:
    """A one-page PDF naming the shipment, base64-encoded as the documented `label` is. Small, valid."""
    text = f"{CARRIER} {tracking} {reference}".encode("latin-1", "replace")
    text = text.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 12 Tf 20 100 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return base64.b64encode(bytes(out)).decode("ascii")
