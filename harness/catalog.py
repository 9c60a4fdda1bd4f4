"""The canonical product, and source catalogues as JSON or CSV files.

Units are in the field names. Money and measures are Decimals, never floats, so a value read from a
file is exactly the value written back. A bad row raises CatalogError naming the file, row and field.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    description: str | None = None
    price: Decimal | None = None  # selling price, in the shop's currency
    cost: Decimal | None = None  # what one unit costs the seller
    weight_kg: Decimal | None = None
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    hs_code: str | None = None  # HS / tariff code
    country_of_origin: str | None = None  # ISO 3166-1 alpha-2
    customs_description: str | None = None
    customs_value: Decimal | None = None  # declared value per unit
    warehouse_location: str | None = None  # bin or fulfilment location
    barcode: str | None = None  # UPC / EAN / GTIN
    active: bool = True
    tags: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return normalise_sku(self.sku)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        return {k: float(v) if isinstance(v, Decimal) else v for k, v in data.items()}


FIELD_NAMES = tuple(f.name for f in fields(Product))
DECIMAL_FIELDS = ("price", "cost", "weight_kg", "length_cm", "width_cm", "height_cm", "customs_value")
TEXT_FIELDS = (
    "description",
    "hs_code",
    "country_of_origin",
    "customs_description",
    "warehouse_location",
    "barcode",
)
TRUE_WORDS, FALSE_WORDS = {"true", "1", "yes", "y"}, {"false", "0", "no", "n"}


class CatalogError(ValueError):
    def __init__(self, file: str, row: int, field: str | None, message: str) -> None:
        where = f"{file}: row {row}" + (f", field {field!r}" if field else "")
        super().__init__(f"{where}: {message}")
        self.file, self.row, self.field, self.message = file, row, field, message


def normalise_sku(sku: str) -> str:
    """How SKUs match: Unicode-compatible forms folded, outer whitespace dropped, case ignored."""
    return unicodedata.normalize("NFKC", sku).strip().casefold()


def product_from_mapping(
    raw: Any, *, file: str = "<catalog>", row: int = 1, text_cells: bool = False
) -> Product:
    """Build a Product from a JSON object or a CSV row; `text_cells` means every value is a string."""
    if not isinstance(raw, dict):
        raise CatalogError(file, row, None, "must be an object of product fields")
    unknown = [k for k in raw if k not in FIELD_NAMES]
    if unknown:
        raise CatalogError(file, row, unknown[0], f"unknown field; known fields: {', '.join(FIELD_NAMES)}")
    values: dict[str, Any] = {}
    for name in FIELD_NAMES:
        value = raw.get(name)
        if text_cells and value == "":
            value = None
        values[name] = _parse_field(name, value, file, row, text_cells)
    return Product(**values)


def _parse_field(name: str, value: Any, file: str, row: int, text_cells: bool) -> Any:
    def fail(message: str) -> CatalogError:
        return CatalogError(file, row, name, message)

    if name in ("sku", "name"):
        if not isinstance(value, str) or not value.strip():
            raise fail("required, a non-empty text")
        if name == "sku" and any(unicodedata.category(c) == "Cc" for c in value.strip()):
            raise fail("must not contain control characters")
        return value
    if value is None:
        return () if name == "tags" else True if name == "active" else None
    if name in DECIMAL_FIELDS:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise fail(f"must be a number, got {value!r}")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise fail(f"must be a number, got {value!r}") from None
        if not number.is_finite() or number < 0:
            raise fail(f"must be a finite number >= 0, got {value!r}")
        return number
    if name == "active":
        if isinstance(value, bool):
            return value
        if text_cells and str(value).strip().lower() in TRUE_WORDS | FALSE_WORDS:
            return str(value).strip().lower() in TRUE_WORDS
        raise fail(f"must be true or false, got {value!r}")
    if name == "tags":
        items = value.split("|") if text_cells and isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(t, str) for t in items):
            raise fail("must be a list of texts (in CSV: separated by '|')")
        return tuple(t.strip() for t in items if t.strip())
    if not isinstance(value, str):
        raise fail(f"must be a text, got {value!r}")
    if name == "country_of_origin" and not (len(value) == 2 and value.isascii() and value.isalpha()):
        raise fail(f"must be a 2-letter ISO country code, got {value!r}")
    return value.upper() if name == "country_of_origin" else value


def _check_unique(products: list[Product], file: str, rows: list[int]) -> None:
    seen: dict[str, int] = {}
    for product, row in zip(products, rows, strict=True):
        if product.key in seen:
            raise CatalogError(file, row, "sku", f"duplicate of row {seen[product.key]} ({product.sku!r})")
        seen[product.key] = row


def loads_json(text: str, file: str = "<catalog.json>") -> list[Product]:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise CatalogError(file, exc.lineno, None, f"not valid JSON: {exc.msg}") from None
    items = data.get("products") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise CatalogError(file, 1, None, 'must be a list of products or {"products": [...]}')
    products = [product_from_mapping(item, file=file, row=i) for i, item in enumerate(items, start=1)]
    _check_unique(products, file, list(range(1, len(products) + 1)))
    return products


def loads_csv(text: str, file: str = "<catalog.csv>") -> list[Product]:
    """CSV rows are numbered as a spreadsheet shows them: the header is row 1."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = reader.fieldnames or []
    unknown = [h for h in header if h not in FIELD_NAMES]
    if unknown:
        raise CatalogError(file, 1, unknown[0], f"unknown column; known columns: {', '.join(FIELD_NAMES)}")
    for required in ("sku", "name"):
        if required not in header:
            raise CatalogError(file, 1, required, "required column is missing")
    products, rows = [], []
    for record in reader:
        row = reader.line_num
        if None in record:
            raise CatalogError(file, row, None, "more cells than the header has columns")
        if not any((v or "").strip() for v in record.values()):
            continue  # a blank line
        products.append(product_from_mapping(record, file=file, row=row, text_cells=True))
        rows.append(row)
    _check_unique(products, file, rows)
    return products


def dumps_json(products: Iterable[Product]) -> str:
    return json.dumps({"products": [p.to_json() for p in products]}, indent=2, ensure_ascii=False) + "\n"


def dumps_csv(products: Iterable[Product]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELD_NAMES)
    for p in products:
        writer.writerow(
            [
                ""
                if v is None
                else "|".join(v)
                if isinstance(v, tuple)
                else str(v).lower()
                if isinstance(v, bool)
                else str(v)
                for v in (getattr(p, name) for name in FIELD_NAMES)
            ]
        )
    return out.getvalue()


def read_catalog(path: str | Path) -> list[Product]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(path.name, 1, None, f"not UTF-8 text ({exc.reason})") from None
    return loads_csv(text, str(path)) if path.suffix.lower() == ".csv" else loads_json(text, str(path))


def write_catalog(path: str | Path, products: Iterable[Product]) -> None:
    path = Path(path)
    text = dumps_csv(products) if path.suffix.lower() == ".csv" else dumps_json(products)
    path.write_text(text, encoding="utf-8")
