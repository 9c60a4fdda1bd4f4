"""List Products (GET /api/products): the query's parameters checked, the search, the SQL Server order
and the page. No state: the backend gives the products."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ValidationError
from .fields import INTEGER

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
MIN_PAGE_SIZE, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 10, 2000, 50


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value.casefold())
    return (1, value)


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


def page(found: list[dict], q: ListQuery) -> dict:
    """The answer: the products that match `q` (`ListQuery.matches`), in its order, one page of them."""
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
