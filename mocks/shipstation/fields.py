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


def _is_category(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and is_int(value.get("categoryId"))
        and isinstance(value.get("name"), str | None)
    )


def _is_tags(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(t, dict) and is_int(t.get("tagId")) and isinstance(t.get("name"), str | None)
        for t in value
    )


# What each kind of field accepts (besides null), built once: a PUT checks every field.
_ACCEPTS: dict[str, Any] = {
    "str": lambda v: isinstance(v, str),
    "number": _is_number,
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "confirmation": lambda v: v in CONFIRMATIONS,
    "category": _is_category,
    "tags": _is_tags,
}
_CHECKS = {name: _ACCEPTS[kind] for name, kind in WRITABLE.items()}
# The exact types each kind of field takes with no further check (a float must be finite; bool is not an int).
_PLAIN_TYPES: dict[str, frozenset[type]] = {
    "str": frozenset([str]),
    "number": frozenset([int]),
    "bool": frozenset([bool]),
    "list": frozenset(),
}
_PLAINLY = {name: _PLAIN_TYPES.get(kind, frozenset()) for name, kind in WRITABLE.items()}


def has_type_problem(body: dict) -> bool:
    """Whether any writable field of `body` holds what it cannot (`type_problem` for each, in one pass).
    A value of a type its field always takes (str, int, bool, as json.loads makes them) needs no check."""
    checks, plain = _CHECKS, _PLAINLY
    for name, value in body.items():
        if value is not None and type(value) not in plain.get(name, ()):
            check = checks.get(name)
            if check is not None and not check(value):
                return True
    return False


def type_problem(name: str, value: Any) -> str | None:
    """Why `value` cannot be stored in field `name`, or None."""
    if value is None or _CHECKS[name](value):
        return None
    return f"{name} must be {WRITABLE[name].replace('category', 'a productCategory object')}"


# ASCII digits and blanks only, so the mock and the contract's pattern agree on every string.
NUMERIC_TEXT = re.compile(r"[ \t]*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,2})?[ \t]*")


_NUMERIC = frozenset([name for name, kind in WRITABLE.items() if kind == "number"] + ["productId"])


def numbers_from_strings(body: dict) -> dict:
    """`"weightOz": "12"` read as 12, as JSON.NET binds a numeric string to a number field (quirk
    numeric_strings); productId likewise. Text that is not a number is left for validation to refuse."""
    converted = body  # copied at the first change: most bodies send numbers as numbers
    for name, value in body.items():
        if name not in _NUMERIC or not isinstance(value, str):
            continue
        kind = "int" if name == "productId" else "number"
        if not NUMERIC_TEXT.fullmatch(value):
            continue
        text = value.strip(" \t")
        number = float(text)
        if not math.isfinite(number):
            continue
        if kind == "int":
            if not number.is_integer():
                continue
            value = int(number)
        else:
            value = (
                int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
            )
        if converted is body:
            converted = dict(body)
        converted[name] = value
    return converted


def format_date(epoch: float) -> str:
    """V1 style: Pacific local time, milliseconds, no offset (e.g. 2014-09-04T09:18:01.293).

    Every PUT stamps one, so the text up to the second is kept for that second. The split into whole
    second and microseconds is datetime.fromtimestamp's own (round half even, then carry)."""
    fraction, whole = math.modf(epoch)
    micro = round(fraction * 1e6)
    if micro >= 1_000_000:
        micro, whole = micro - 1_000_000, whole + 1
    elif micro < 0:
        micro, whole = micro + 1_000_000, whole - 1
    second = int(whole)
    cached = _second_text[0]
    if cached[0] != second:
        cached = _second_text[0] = (
            second,
            datetime.fromtimestamp(second, PACIFIC).strftime("%Y-%m-%dT%H:%M:%S."),
        )
    return cached[1] + f"{micro // 1000:03d}"


def _reference_format_date(epoch: float) -> str:
    """format_date without the cache: what tests hold it to."""
    moment = datetime.fromtimestamp(epoch, PACIFIC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


_second_text: list[tuple[int | None, str]] = [(None, "")]  # one tuple, swapped whole (threads read it)


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
