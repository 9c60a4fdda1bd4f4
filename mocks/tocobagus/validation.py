"""Request-level validation in class-validator wording (NestJS ValidationPipe, forbidNonWhitelisted).

Messages for one property are joined by ", " in class-validator's order (the last decorator's first);
a missing value fails every rule of a required property, as in class-validator. Errors nest like the
documented body: {"products": {"0": {"externalId": "...", "dimensions": {"length": "..."}}}}.
Lengths count code points, as the contract's JSON Schema does. No Flask here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

MAX_PRODUCTS = 1000
CONDITIONS = ("NEW", "USED")
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Printable ASCII only: the same set in Python, ECMA and Rust regex engines (the contract uses it too).
URL_RE = re.compile(r"https?://[!-~]+")
MISSING = object()

Rule = Callable[[str, Any], str | None]


def is_int(value: Any) -> bool:
    """JSON Schema's integer: 3 and 3.0, never true/false (G11)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer()
    )


# -- rules: each returns its class-validator message, or None ------------------------------------------
def is_string(name: str, v: Any) -> str | None:
    return None if isinstance(v, str) else f"{name} must be a string"


def not_empty(name: str, v: Any) -> str | None:
    return None if v is not MISSING and v is not None and v != "" else f"{name} should not be empty"


def max_length(n: int) -> Rule:
    def rule(name: str, v: Any) -> str | None:
        ok = isinstance(v, str) and len(v) <= n
        return None if ok else f"{name} must be shorter than or equal to {n} characters"

    return rule


def integer(name: str, v: Any) -> str | None:
    return None if is_int(v) else f"{name} must be an integer number"


def minimum(n: int) -> Rule:
    def rule(name: str, v: Any) -> str | None:
        ok = isinstance(v, int | float) and not isinstance(v, bool) and v >= n
        return None if ok else f"{name} must not be less than {n}"

    return rule


def maximum(n: int) -> Rule:
    def rule(name: str, v: Any) -> str | None:
        ok = isinstance(v, int | float) and not isinstance(v, bool) and v <= n
        return None if ok else f"{name} must not be greater than {n}"

    return rule


def boolean(name: str, v: Any) -> str | None:
    return None if isinstance(v, bool) else f"{name} must be a boolean value"


def uuid(name: str, v: Any) -> str | None:
    return None if isinstance(v, str) and UUID_RE.fullmatch(v) else f"{name} must be a UUID"


def one_of(values: tuple[str, ...]) -> Rule:
    def rule(name: str, v: Any) -> str | None:
        return None if v in values else f"{name} must be one of the following values: {', '.join(values)}"

    return rule


def array(name: str, v: Any) -> str | None:
    return None if isinstance(v, list) else f"{name} must be an array"


def each(inner: Callable[[Any], bool], what: str) -> Rule:
    def rule(name: str, v: Any) -> str | None:
        ok = not isinstance(v, list) or all(inner(x) for x in v)
        return None if ok else f"each value in {name} must be {what}"

    return rule


def _url(v: Any) -> bool:
    return isinstance(v, str) and URL_RE.fullmatch(v) is not None


def required_string(n: int) -> list[Rule]:
    return [max_length(n), not_empty, is_string]


def optional_int(low: int) -> list[Rule]:
    return [minimum(low), integer]


# Product fields of the catalog sync, in DTO order: (required, rules). Lengths and bounds are guesses
# except externalId's 255 (documented); they are stated in contracts/tocobagus.yaml.
PRODUCT_FIELDS: dict[str, tuple[bool, list[Rule]]] = {
    "externalId": (True, required_string(255)),
    "name": (True, required_string(255)),
    "description": (False, [max_length(5000), is_string]),
    "sku": (True, required_string(100)),
    "price": (True, [minimum(0), integer]),
    "specialPrice": (False, [minimum(0), integer]),
    "stock": (False, optional_int(0)),
    "weight": (False, optional_int(0)),
    "dimensions": (False, []),  # nested, below
    "minOrder": (False, optional_int(1)),
    "subCategoryId": (False, [uuid]),
    "categoryId": (False, [uuid]),
    "typeId": (False, [uuid]),
    "hashtags": (False, [each(lambda x: isinstance(x, str), "a string"), array]),
    "condition": (False, [one_of(CONDITIONS)]),
    "photos": (False, [each(_url, "a URL address"), array]),
    "isPreorder": (False, [boolean]),
    "preorderPeriod": (False, optional_int(0)),
    "isArchived": (False, [boolean]),
    "insuranceRequired": (False, [boolean]),
    "codEnabled": (False, [boolean]),
    "warehouses": (False, []),  # nested, below
}
NULLABLE = {"specialPrice", "description"}
DIMENSION_FIELDS = ("length", "width", "height")
WAREHOUSE_FIELDS: dict[str, list[Rule]] = {"clientId": required_string(100), "stock": [minimum(0), integer]}


def _apply(name: str, value: Any, rules: list[Rule]) -> str | None:
    messages = [m for rule in rules if (m := rule(name, value)) is not None]
    return ", ".join(messages) or None


def _object(value: Any, fields: dict[str, list[Rule]], out: dict[str, Any]) -> None:
    for key in value:
        if key not in fields:
            out[key] = f"property {key} should not exist"
    for key, rules in fields.items():
        if (message := _apply(key, value.get(key, MISSING), rules)) is not None:
            out[key] = message


def validate_product(item: Any) -> dict[str, Any] | str | None:
    """The errors of one products[i], or None."""
    if not isinstance(item, dict):
        return "each value in nested property products must be either object or array"
    errors: dict[str, Any] = {}
    for key in item:
        if key not in PRODUCT_FIELDS:
            errors[key] = f"property {key} should not exist"
    for key, (required, rules) in PRODUCT_FIELDS.items():
        value = item.get(key, MISSING)
        if not required and (value is MISSING or (value is None and key in NULLABLE)):
            continue
        if key == "dimensions":
            if not isinstance(value, dict):
                errors[key] = "nested property dimensions must be either object or array"
                continue
            nested: dict[str, Any] = {}
            _object(value, {d: [minimum(0), integer] for d in DIMENSION_FIELDS}, nested)
            if nested:
                errors[key] = nested
        elif key == "warehouses":
            if not isinstance(value, list):
                errors[key] = "warehouses must be an array"
                continue
            nested = {}
            for i, entry in enumerate(value):
                if not isinstance(entry, dict):
                    nested[str(i)] = "each value in nested property warehouses must be either object or array"
                    continue
                inner: dict[str, Any] = {}
                _object(entry, WAREHOUSE_FIELDS, inner)
                if inner:
                    nested[str(i)] = inner
            if nested:
                errors[key] = nested
        elif (message := _apply(key, value, rules)) is not None:
            errors[key] = message
    return errors or None


def validate_sync_body(body: Any) -> dict[str, Any] | None:
    """The validationErrors of a catalog sync body, or None when it is valid."""
    if not isinstance(body, dict):
        return {"body": "body must be an object"}
    errors: dict[str, Any] = {}
    for key in body:
        if key != "products":
            errors[key] = f"property {key} should not exist"
    products = body.get("products", MISSING)
    array_rules: list[Rule] = [
        lambda n, v: (
            None
            if isinstance(v, list) and len(v) <= MAX_PRODUCTS
            else f"{n} must contain no more than {MAX_PRODUCTS} elements"
        ),
        lambda n, v: None if isinstance(v, list) and len(v) >= 1 else f"{n} must contain at least 1 elements",
        array,
    ]
    if (message := _apply("products", products, array_rules)) is not None:
        errors["products"] = message
        return errors
    rows = {str(i): problem for i, item in enumerate(products) if (problem := validate_product(item))}
    if rows:
        errors["products"] = rows
    return errors or None


def validate_list_query(query: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Parsed list parameters and their validation errors (class-validator on a query DTO)."""
    parsed: dict[str, Any] = {
        "q": None,
        "isArchived": None,
        "page": 1,
        "limit": 20,
        "sortBy": "createdAt",
        "order": "desc",
    }
    errors: dict[str, str] = {}
    for key in query:
        if key not in parsed:
            errors[key] = f"property {key} should not exist"
    if "q" in query:
        if len(query["q"]) > 255:
            errors["q"] = "q must be shorter than or equal to 255 characters"
        parsed["q"] = query["q"]
    if "isArchived" in query:
        if query["isArchived"] not in ("true", "false"):
            errors["isArchived"] = "isArchived must be a boolean value"
        parsed["isArchived"] = query["isArchived"] == "true"
    for key, low, high in (("page", 1, None), ("limit", 1, 100)):
        if key not in query:
            continue
        text = query[key]
        number = int(text) if re.fullmatch(r"-?[0-9]{1,9}", text) else None
        rules = [maximum(high)] if high is not None else []
        rules += [minimum(low), integer]
        if (message := _apply(key, number if number is not None else text, rules)) is not None:
            errors[key] = message
        parsed[key] = number
    for key, allowed in (("sortBy", SORT_FIELDS), ("order", ("asc", "desc"))):
        if key in query:
            if query[key] not in allowed:
                errors[key] = one_of(allowed)(key, query[key]) or ""
            parsed[key] = query[key]
    return parsed, errors


SORT_FIELDS = ("createdAt", "updatedAt", "name", "sku", "price", "stock")
