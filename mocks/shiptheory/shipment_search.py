"""List Shipments and Search Shipments (ST-DOCS "Shipment"): filters, days, sort and paging over the
list items shipment_views.py renders. No state: models.py gives the items.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from .bodies import as_number
from .booking import parse_date
from .errors import BadRequest, NotFound, ValidationFailed, rule

STATUSES = ("Failed", "Complete", "Ready", "Ignored", "Not Ready", "Print Error", "Waiting", "PROCESSING")
LIST_DEFAULT_LIMIT = 100  # the List Shipments example answers limit 100 without asking for it
SEARCH_DEFAULT_LIMIT = 25  # "Defaults to 25"
MAX_LIMIT = 100
MAX_SEARCH_DAYS = 365

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
        if name in query and not parse_date(query[name]):
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
        elif (day := parse_date(text)) is None:
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
