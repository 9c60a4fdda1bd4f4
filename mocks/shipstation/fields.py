"""ShipStation V1 product fields: what each writable field may hold, numeric text read as JSON.NET reads
it, and V1's dates (Pacific local time). No state: the backend and the listing share these."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

try:
    from zoneinfo import ZoneInfo

    PACIFIC: Any = ZoneInfo("America/Los_Angeles")
except Exception:  # no tz database: V1 answers in Pacific time, PST is close enough
    PACIFIC = UTC
    PACIFIC_FALLBACK = timedelta(hours=-8)

CONFIRMATIONS = ("none", "delivery", "signature", "adult_signature", "direct_signature")

# Every writable field of the V1 Product model, in the order of the documentation's example, and what
# it may hold (always also null).
WRITABLE: dict[str, str] = {
    "aliases": "list",
    "sku": "str",
    "name": "str",
    "price": "number",
    "defaultCost": "number",
    "length": "number",
    "width": "number",
    "height": "number",
    "weightOz": "number",
    "internalNotes": "str",
    "fulfillmentSku": "str",
    "active": "bool",
    "productCategory": "category",
    "productType": "str",
    "warehouseLocation": "str",
    "defaultCarrierCode": "str",
    "defaultServiceCode": "str",
    "defaultPackageCode": "str",
    "defaultIntlCarrierCode": "str",
    "defaultIntlServiceCode": "str",
    "defaultIntlPackageCode": "str",
    "defaultConfirmation": "confirmation",
    "defaultIntlConfirmation": "confirmation",
    "customsDescription": "str",
    "customsValue": "number",
    "customsTariffNo": "str",
    "customsCountryCode": "str",
    "noCustoms": "bool",
    "tags": "tags",
    "upc": "str",
    "thumbnailURL": "str",
}
READ_ONLY = ("productId", "createDate", "modifyDate")
SORT_KEYS = {"sku": "sku", "modifydate": "modifyDate", "createdate": "createDate"}
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def type_problem(name: str, value: Any) -> str | None:
    """Why `value` cannot be stored in field `name`, or None."""
    if value is None:
        return None
    kind = WRITABLE[name]
    ok = {
        "str": lambda v: isinstance(v, str),
        "number": _is_number,
        "bool": lambda v: isinstance(v, bool),
        "list": lambda v: isinstance(v, list),
        "confirmation": lambda v: v in CONFIRMATIONS,
        "category": lambda v: (
            isinstance(v, dict) and is_int(v.get("categoryId")) and isinstance(v.get("name"), str | None)
        ),
        "tags": lambda v: (
            isinstance(v, list)
            and all(
                isinstance(t, dict) and is_int(t.get("tagId")) and isinstance(t.get("name"), str | None)
                for t in v
            )
        ),
    }[kind](value)
    return None if ok else f"{name} must be {kind.replace('category', 'a productCategory object')}"


# ASCII digits and blanks only, so the mock and the contract's pattern agree on every string.
NUMERIC_TEXT = re.compile(r"[ \t]*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,2})?[ \t]*")


def numbers_from_strings(body: dict) -> dict:
    """`"weightOz": "12"` read as 12, as JSON.NET binds a numeric string to a number field (quirk
    numeric_strings); productId likewise. Text that is not a number is left for validation to refuse."""
    converted = dict(body)
    for name, value in body.items():
        kind = "int" if name == "productId" else WRITABLE.get(name)
        if kind not in ("number", "int") or not isinstance(value, str):
            continue
        if not NUMERIC_TEXT.fullmatch(value):
            continue
        text = value.strip(" \t")
        number = float(text)
        if not math.isfinite(number):
            continue
        if kind == "int":
            if number.is_integer():
                converted[name] = int(number)
        else:
            converted[name] = (
                int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
            )
    return converted


def format_date(epoch: float) -> str:
    """V1 style: Pacific local time, milliseconds, no offset (e.g. 2014-09-04T09:18:01.293)."""
    moment = datetime.fromtimestamp(epoch, PACIFIC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def parse_date(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "T"))
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(PACIFIC).replace(tzinfo=None)
    except OverflowError:  # 0001-01-01Z or 9999-12-31-12:00 have no Pacific time: the end of the range
        return datetime.min if moment.year < 5000 else datetime.max


def is_date(value: Any) -> bool:
    try:
        parse_date(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True
