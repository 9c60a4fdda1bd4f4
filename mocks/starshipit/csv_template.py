"""Starshipit's product CSV: the import/export template (vendor-notes §7), rows read and written as
spreadsheets do. No state: the backend's import and export use these."""

from __future__ import annotations

import csv
import io
from typing import Any

from .errors import ValidationError
from .fields import FIELDS, INTEGER, clean

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
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "y", "1"}, {"false", "no", "n", "0", ""}


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back as the same float
    return str(value)


def write_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, as spreadsheets write it
    writer.writerow(TEMPLATE_HEADER)
    writer.writerows(rows)
    return out.getvalue()


def read_csv(data: bytes) -> list[tuple[int, list[str]]]:
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


def row_values(cells: list[str], *, strict_units: bool) -> tuple[dict, str | None]:
    """One data row as product fields, checked; or the one-line reason the row is refused."""
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
        return clean(raw, strict_units=strict_units), None
    except ValidationError as exc:
        return {}, " ".join(e["message"] for e in exc.body["errors"])
