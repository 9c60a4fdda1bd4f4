"""List Products (GET /products): the query's parameters (matched case-insensitively, as on the ASP.NET
V1 API), the filters, and the page. No state: the backend gives the products and the account's
product types."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import InvalidRequest
from .fields import parse_date

SORT_KEYS = {"sku": "sku", "modifydate": "modifyDate", "createdate": "createDate"}
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100


def page(items: list[dict], total: int, filters: ListQuery) -> dict:
    return {
        "products": [dict(p) for p in items],
        "total": total,
        "page": filters.page,
        "pages": math.ceil(total / filters.page_size),
    }


def sort_text(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value or ""


@dataclass
class ListQuery:
    sku: str | None = None
    name: str | None = None
    category_id: int | None = None
    type_id: int | None = None
    tag_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    show_inactive: bool = False
    sort_by: str | None = None
    descending: bool = False
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def parse(cls, query: dict[str, str]) -> ListQuery:
        """Query parameter names match case-insensitively, as on the ASP.NET V1 API."""
        q = {k.lower(): v for k, v in query.items()}
        try:
            parsed = cls(
                sku=q.get("sku") or None,
                name=q.get("name") or None,
                category_id=_int_param(q.get("productcategoryid")),
                type_id=_int_param(q.get("producttypeid")),
                tag_id=_int_param(q.get("tagid")),
                start=parse_date(q["startdate"]) if "startdate" in q else None,
                end=parse_date(q["enddate"]) if "enddate" in q else None,
                show_inactive=_bool_param(q.get("showinactive")),
                page=_int_param(q.get("page"), default=1),
                page_size=_int_param(q.get("pagesize"), default=DEFAULT_PAGE_SIZE),
            )
        except ValueError:
            raise InvalidRequest() from None
        sort_by = q.get("sortby")
        if sort_by is not None:
            if sort_by.lower() not in SORT_KEYS:
                raise InvalidRequest()
            parsed.sort_by = sort_by.lower()
        sort_dir = q.get("sortdir")
        if sort_dir is not None:
            if sort_dir.upper() not in ("ASC", "DESC"):
                raise InvalidRequest()
            parsed.descending = sort_dir.upper() == "DESC"
        if parsed.page < 1 or not 1 <= parsed.page_size <= MAX_PAGE_SIZE:
            raise InvalidRequest()
        return parsed

    def plain(self) -> bool:
        """No filter but showInactive: the listing the index answers."""
        return (self.sku, self.name, self.category_id, self.type_id, self.tag_id, self.start, self.end) == (
            (None,) * 7
        )

    def matches(self, product: dict, product_types: dict[str, int]) -> bool:
        """`product_types`: the account's productType names and the ids they were given."""
        if not self.show_inactive and product["active"] is False:
            return False
        if self.sku is not None and (product["sku"] or "").casefold() != self.sku.casefold():
            return False
        if self.name is not None and self.name.casefold() not in (product["name"] or "").casefold():
            return False
        if (
            self.category_id is not None
            and (product["productCategory"] or {}).get("categoryId") != self.category_id
        ):
            return False
        if self.type_id is not None and product_types.get(product["productType"] or "") != self.type_id:
            return False
        if self.tag_id is not None and not any(t.get("tagId") == self.tag_id for t in product["tags"] or []):
            return False
        if self.start is not None or self.end is not None:
            created = parse_date(product["createDate"])
            if self.start is not None and created < self.start:
                return False
            if self.end is not None and created > self.end:
                return False
        return True


def _int_param(text: str | None, default: int | None = None) -> int | None:
    if text is None:
        return default
    text = text.strip()
    if not text.lstrip("-").isdigit():
        raise ValueError(text)
    return int(text)


def _bool_param(text: str | None) -> bool:
    if text is None:
        return False
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise ValueError(text)
    return lowered == "true"
