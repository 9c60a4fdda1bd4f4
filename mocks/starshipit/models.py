"""Starshipit Product Catalogue: state and every behaviour. No Flask here.

Facts and decisions: vendor-notes §1 and §7 (Starshipit). Each Starshipit API key is one account with
its own catalogue; ids are sequential per account. Units: weight kg, length/width/height metres,
price = declared customs value.
"""

from __future__ import annotations

import copy
import csv
import hmac
import io
import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from mocks.kit.core import Mock

from .errors import DuplicateSku, ProductNotFound, ValidationError

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

# The import/export template (vendor-notes §7): column -> field. material/model/usage are not in it.
COLUMNS: dict[str, str] = {
    "SKU": "sku",
    "Title": "title",
    "Description": "description",
    "Barcode": "barcode",
    "Weight": "weight",
    "Length": "length",
    "Width": "width",
    "Height": "height",
    "HsCode": "hs_code",
    "Country": "country",
    "CustomsDescription": "customs_description",
    "Price": "price",
    "Mid": "mid",
    "BinLocation": "bin_location",
    "Brand": "brand",
    "Color": "color",
    "Size": "size",
    "DangerousGoods": "dangerous_goods",
}
TEMPLATE_HEADER = list(COLUMNS)

SORT_COLUMNS: dict[str, str] = {
    "Sku": "sku",
    "Barcode": "barcode",
    "BinLocation": "bin_location",
    "Brand": "brand",
    "Colour": "color",
    "Country": "country",
    "CustomsDescription": "customs_description",
    "DangerousGoods": "dangerous_goods",
    "Description": "description",
    "HsCode": "hs_code",
    "Mid": "mid",
    "Price": "price",
    "Size": "size",
    "Title": "title",
    "Weight": "weight",
}
SORT_DIRECTIONS = ("Ascending", "Descending")
# Requests per second per subscription key (vendor-notes §1.5); `rate_limit`, once changed from the
# developer default, overrides the tier.
TIER_LIMITS = {"developer": 2, "production": 20}
MIN_PAGE_SIZE, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 10, 2000, 50
INTEGER = re.compile(r"-?[0-9]+")
# .NET's char.IsWhiteSpace set: [Required] refuses strings made only of these. The contract's pattern
# for sku and title names the same characters.
WHITESPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(chr(c) for c in range(0x2000, 0x200B))
)
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "y", "1"}, {"false", "no", "n", "0", ""}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _integral(value: Any) -> int | None:
    """An id as JSON Schema sees an integer: 7 and 7.0 both count."""
    if _is_int(value):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _is_number(value: Any) -> bool:
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
    if not _is_number(value) or value < 0:
        return f"The {name} field must be a number greater than or equal to 0."
    if strict_units and kind == "weight" and value > MAX_WEIGHT_KG:
        return f"The weight field is in kilograms and must not exceed {MAX_WEIGHT_KG}."
    if strict_units and kind == "dimension" and value > MAX_DIMENSION_M:
        return f"The {name} field is in metres and must not exceed {MAX_DIMENSION_M}."
    return None


def _blank_product(product_id: int) -> dict:
    product: dict[str, Any] = {"id": product_id, **dict.fromkeys(FIELDS)}
    product["dangerous_goods"] = False
    return product


@dataclass
class Account:
    """One API key's catalogue. Write through put()/pop(): they keep the SKU index (SKUs are unique), so
    finding a product by SKU costs O(1), and an import of n rows O(n), whatever the catalogue's size."""

    products: dict[int, dict] = field(default_factory=dict)
    next_id: int = 1
    skus: dict[str, int] = field(default_factory=dict)  # sku -> id

    def by_sku(self, sku: str) -> dict | None:
        product_id = self.skus.get(sku)
        return None if product_id is None else self.products[product_id]

    def put(self, product: dict) -> None:
        old = self.products.get(product["id"])
        if old is not None and self.skus.get(old["sku"]) == old["id"]:
            del self.skus[old["sku"]]
        self.products[product["id"]] = product
        self.skus[product["sku"]] = product["id"]

    def pop(self, product_id: int) -> dict:
        product = self.products.pop(product_id)
        if self.skus.get(product["sku"]) == product_id:
            del self.skus[product["sku"]]
        return product


class StarshipitBackend:
    default_account = "test-api-key"

    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        self._lock = threading.RLock()
        self.accounts: dict[str, Account] = {}

    # -- auth ------------------------------------------------------------------------------------------
    def valid_subscription_key(self, key: str) -> bool:
        return _known(key, self.mock.settings["subscription_keys"])

    def valid_api_key(self, key: str) -> bool:
        return _known(key, self.mock.settings["api_keys"])

    def requests_per_second(self) -> int:
        configured = self.mock.settings["rate_limit"]
        if configured != TIER_LIMITS["developer"]:
            return configured
        return TIER_LIMITS[self.mock.settings["tier"]]

    def _account(self, key: str) -> Account:
        account = self.accounts.get(key)
        if account is None:
            account = self.accounts[key] = Account()
        return account

    # -- validation --------------------------------------------------------------------------------------
    def clean(self, raw: Any, where: str = "product") -> dict:
        """The fields of an incoming product, checked; every problem is reported at once."""
        if not isinstance(raw, dict):
            raise ValidationError(where, f"The {where} object is required.")
        values = {name: raw[name] for name in FIELDS if name in raw}
        # The sort column says Colour, add/update say color: take either, `color` wins (§7).
        if values.get("color") is None and raw.get("colour") is not None:
            values["color"] = raw["colour"]
        if "dangerous_goods" in values and values["dangerous_goods"] is None:
            values["dangerous_goods"] = False
        for name, value in values.items():  # "" is stored as null: CSV cannot tell them apart
            if value == "" and FIELDS[name] == "str":
                values[name] = None
        strict = self.mock.quirk("strict_units")
        problems = [
            (name, problem) for name in FIELDS if (problem := field_problem(name, values.get(name), strict))
        ]
        if problems:
            raise ValidationError(errors=[{"message": text, "details": name} for name, text in problems])
        return values

    # -- API -------------------------------------------------------------------------------------------
    def list_products(self, key: str, query: dict[str, str]) -> dict:
        q = ListQuery.parse(query)
        with self._lock:
            found = [copy.deepcopy(p) for p in self._account(key).products.values() if q.matches(p)]
        column = SORT_COLUMNS[q.sort_column]
        # SQL Server order: nulls first ascending; text compares case-insensitively; id breaks ties.
        found.sort(key=lambda p: p["id"])
        found.sort(key=lambda p: _sort_key(p[column]), reverse=q.descending)
        start = (q.page_number - 1) * q.page_size + q.skip_records
        return {
            "success": True,
            "total_records": len(found),
            "data": {"products": found[start : start + q.page_size]},
        }

    def create_product(self, key: str, body: Any) -> dict:
        if not isinstance(body, dict):
            raise ValidationError("body", "The request body must be a JSON object.")
        values = self.clean(body.get("product"))
        with self._lock:
            account = self._account(key)
            if account.by_sku(values["sku"]) is not None:
                raise DuplicateSku("sku")
            product = {**_blank_product(account.next_id), **copy.deepcopy(values)}
            account.put(product)
            account.next_id += 1
        self.mock.side_effect("product.created", account=key, id=product["id"], sku=product["sku"])
        return {"success": True, "product": copy.deepcopy(product)}

    def update_product(self, key: str, body: Any) -> dict:
        if not isinstance(body, dict):
            raise ValidationError("body", "The request body must be a JSON object.")
        product_id = _integral(body.get("id"))
        if product_id is None:
            raise ValidationError("id", "The id field is required and must be an integer.")
        raw = body.get("product")
        values = self.clean(raw)
        with self._lock:
            account = self._account(key)
            current = account.products.get(product_id)
            if current is None:
                raise ProductNotFound("id")
            if _integral(raw.get("id")) != product_id:
                raise ValidationError("product.id", "The product id must match the id of the request.")
            other = account.by_sku(values["sku"])
            if other is not None and other["id"] != product_id:
                raise DuplicateSku("sku")
            if self.mock.quirk("update_replaces_whole_product"):
                updated = {**_blank_product(product_id), **copy.deepcopy(values)}
            else:
                updated = {**current, **copy.deepcopy(values)}
            cleared = [
                n
                for n in FIELDS
                if n not in values and current[n] not in (None, False) and updated[n] != current[n]
            ]
            account.put(updated)
        self.mock.side_effect(
            "product.updated", account=key, id=product_id, sku=updated["sku"], cleared=cleared
        )
        return {"success": True, "product": copy.deepcopy(updated)}

    def delete_products(self, key: str, body: Any) -> dict:
        if not isinstance(body, dict):
            raise ValidationError("body", "The request body must be a JSON object.")
        ids = body.get("product_ids", [])
        everything = body.get("all_products", False)
        if not isinstance(ids, list) or not all(_is_int(i) for i in ids):
            raise ValidationError("product_ids", "The product_ids field must be a list of integers.")
        if not isinstance(everything, bool):
            raise ValidationError("all_products", "The all_products field must be true or false.")
        errors = []
        with self._lock:
            account = self._account(key)
            if everything:
                doomed = sorted(account.products)
            else:
                doomed = []
                for product_id in dict.fromkeys(ids):  # a repeated id is deleted once
                    if product_id in account.products:
                        doomed.append(product_id)
                    else:
                        errors.append({"message": "Product not found", "details": f"product id {product_id}"})
            removed = [account.pop(i) for i in doomed]
        if removed:
            self.mock.side_effect(
                "product.deleted",
                account=key,
                ids=[p["id"] for p in removed],
                skus=[p["sku"] for p in removed],
                all_products=everything,
            )
        return {"success": True, "deleted": len(removed), "errors": errors}

    # -- CSV ---------------------------------------------------------------------------------------------
    @staticmethod
    def template_csv() -> str:
        return _write_csv([])

    def export_csv(self, key: str) -> str:
        with self._lock:
            products = sorted(self._account(key).products.values(), key=lambda p: (p["sku"], p["id"]))
            rows = [[_cell(p[name]) for name in COLUMNS.values()] for p in products]
        return _write_csv(rows)

    def import_csv(self, key: str, data: bytes) -> dict:
        """Upsert by SKU. A bad header refuses the file; a bad row is reported and the others go in."""
        rows = _read_csv(data)
        errors: list[dict] = []
        parsed: list[tuple[int, dict]] = []
        first_row: dict[str, int] = {}
        for number, cells in rows:
            values, problem = self._row_values(cells)
            sku = cells[0].strip() if cells else ""
            if problem is None and values["sku"] in first_row:
                problem = f"Duplicate SKU in file (first on row {first_row[values['sku']]})."
            if problem is not None:
                errors.append({"row": number, "sku": sku or None, "message": problem})
                continue
            first_row[values["sku"]] = number
            parsed.append((number, values))
        created = updated = unchanged = 0
        touched: list[str] = []
        with self._lock:
            account = self._account(key)
            for _number, values in parsed:
                current = account.by_sku(values["sku"])
                if current is None:
                    product = {**_blank_product(account.next_id), **values}
                    account.put(product)
                    account.next_id += 1
                    created += 1
                elif any(current[n] != v for n, v in values.items()):
                    current.update(values)  # columns the template lacks (material, model, usage) stay
                    updated += 1
                else:
                    unchanged += 1
                    continue
                touched.append(values["sku"])
        self.mock.side_effect(
            "products.imported",
            account=key,
            created=created,
            updated=updated,
            unchanged=unchanged,
            errors=len(errors),
            skus=touched,
        )
        return {
            "success": True,
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            "errors": errors,
        }

    def _row_values(self, cells: list[str]) -> tuple[dict, str | None]:
        if len(cells) > len(COLUMNS) and any(c.strip() for c in cells[len(COLUMNS) :]):
            return {}, f"The row has {len(cells)} columns; the template has {len(COLUMNS)}."
        cells = (cells + [""] * len(COLUMNS))[: len(COLUMNS)]  # spreadsheets drop trailing empty cells
        raw: dict[str, Any] = {}
        for (column, name), text in zip(COLUMNS.items(), cells, strict=True):
            kind = FIELDS[name]
            if kind in ("weight", "dimension", "money"):
                text = text.strip()
                if not text:
                    raw[name] = None
                    continue
                try:
                    raw[name] = int(text) if INTEGER.fullmatch(text) else float(text)
                except ValueError:
                    return {}, f"{column} must be a number."
            elif kind == "bool":
                word = text.strip().lower()
                if word not in TRUE_WORDS | FALSE_WORDS:
                    return {}, f"{column} must be true or false."
                raw[name] = word in TRUE_WORDS
            elif kind == "required":
                raw[name] = text
            else:
                raw[name] = text if text != "" else None
        try:
            return self.clean(raw), None
        except ValidationError as exc:
            return {}, " ".join(e["message"] for e in exc.body["errors"])

    # -- control -----------------------------------------------------------------------------------------
    def products(self, key: str) -> list[dict]:
        with self._lock:
            account = self._account(key)
            return [copy.deepcopy(account.products[i]) for i in sorted(account.products)]

    def seed(self, key: str, products: list[Any]) -> list[dict]:
        """Add or replace products as Starshipit holds them; ids assigned where missing."""
        stored = []
        with self._lock:
            account = self._account(key)
            for index, raw in enumerate(products):
                values = self.clean(raw, f"products[{index}]")
                product_id = raw.get("id")
                if product_id is None:
                    product_id = account.next_id
                elif not _is_int(product_id) or product_id < 1:
                    raise ValidationError("id", f"products[{index}]: id must be a positive integer")
                other = account.by_sku(values["sku"])
                if other is not None and other["id"] != product_id:
                    raise DuplicateSku("sku", f"products[{index}]: SKU {values['sku']!r} is already taken")
                account.next_id = max(account.next_id, product_id + 1)
                account.put({**_blank_product(product_id), **copy.deepcopy(values)})
                stored.append(copy.deepcopy(account.products[product_id]))
        return stored

    def reset(self) -> None:
        with self._lock:
            self.accounts.clear()

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "accounts": {
                    key: {
                        "products": [copy.deepcopy(a.products[i]) for i in sorted(a.products)],
                        "next_id": a.next_id,
                    }
                    for key, a in self.accounts.items()
                }
            }

    def restore(self, state: dict) -> None:
        accounts = state.get("accounts", {})
        if not isinstance(accounts, dict) or not all(isinstance(v, dict) for v in accounts.values()):
            raise ValidationError("accounts", "backend.accounts must be an object of objects")
        with self._lock:
            self.accounts.clear()
            for key, data in accounts.items():
                self.seed(key, data.get("products", []))
                next_id = data.get("next_id", 1)
                if _is_int(next_id):
                    self.accounts[key].next_id = max(self.accounts[key].next_id, next_id)

    def run_jobs(self) -> dict:
        return {"ran": 0}  # the catalogue has no async work


def _known(key: str, allowed: list[str]) -> bool:
    hit = False
    for candidate in allowed:  # constant time per candidate, and no early exit
        hit |= hmac.compare_digest(candidate.encode(), key.encode())
    return hit


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value.casefold())
    return (1, value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back as the same float
    return str(value)


def _write_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, as spreadsheets write it
    writer.writerow(TEMPLATE_HEADER)
    writer.writerows(rows)
    return out.getvalue()


def _read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    """(row number, cells) for each non-blank data row; the header is row 1 and is checked here."""
    try:
        text = data.decode("utf-8-sig")  # strips a UTF-8 BOM
    except UnicodeDecodeError:
        raise ValidationError("file", "The file must be UTF-8 encoded CSV.") from None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValidationError("file", f"The file is not valid CSV: {exc}.") from None
    numbered = [(n, r) for n, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    if not numbered:
        raise ValidationError("file", "The file is empty; use the CSV template.")
    header_number, header = numbered[0]
    cleaned = list(header)
    while cleaned and cleaned[-1] == "":  # spreadsheets pad rows with empty cells
        cleaned.pop()
    if header_number != 1 or cleaned != TEMPLATE_HEADER:
        raise ValidationError(
            "file", "The file's header row is not the template's: " + ",".join(TEMPLATE_HEADER)
        )
    return numbered[1:]


@dataclass
class ListQuery:
    search_term: str = ""
    page_number: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    skip_records: int = 0
    sort_column: str = "Sku"
    descending: bool = False

    @classmethod
    def parse(cls, query: dict[str, str]) -> ListQuery:
        parsed = cls(search_term=query.get("search_term", "").strip())
        for name, low, high in (
            ("page_number", 1, None),
            ("page_size", MIN_PAGE_SIZE, MAX_PAGE_SIZE),
            ("skip_records", 0, None),
        ):
            if name not in query:
                continue
            text = query[name].strip()
            if not INTEGER.fullmatch(text) or int(text) < low or (high is not None and int(text) > high):
                bounds = f"between {low} and {high}" if high else f"{low} or more"
                raise ValidationError(name, f"The {name} parameter must be an integer {bounds}.")
            setattr(parsed, name, int(text))
        if "sort_column" in query:
            if query["sort_column"] not in SORT_COLUMNS:
                raise ValidationError(
                    "sort_column", "The sort_column parameter must be one of " + ", ".join(SORT_COLUMNS) + "."
                )
            parsed.sort_column = query["sort_column"]
        if "sort_direction" in query:
            if query["sort_direction"] not in SORT_DIRECTIONS:
                raise ValidationError(
                    "sort_direction", "The sort_direction parameter must be Ascending or Descending."
                )
            parsed.descending = query["sort_direction"] == "Descending"
        return parsed

    def matches(self, product: dict) -> bool:
        if not self.search_term:
            return True
        term = self.search_term.casefold()
        return any(term in (product[n] or "").casefold() for n in ("sku", "title", "barcode", "description"))
