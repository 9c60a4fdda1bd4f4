"""ShipStation V1 products: state and every behaviour. No Flask here.

Facts and decisions: vendor-notes §2 and §7 (ShipStation). V1 has no create or delete, so products
enter through `seed()` (the control API); clients can list, get and fully replace them.
"""

from __future__ import annotations

import copy
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mocks.kit.core import Mock

from .auth import BasicAuth
from .errors import InvalidRequest, NotFound
from .index import CatalogueIndex

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


def _is_int(value: Any) -> bool:
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
            isinstance(v, dict) and _is_int(v.get("categoryId")) and isinstance(v.get("name"), str | None)
        ),
        "tags": lambda v: (
            isinstance(v, list)
            and all(
                isinstance(t, dict) and _is_int(t.get("tagId")) and isinstance(t.get("name"), str | None)
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


def _is_date(value: Any) -> bool:
    try:
        parse_date(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


@dataclass
class Account:
    products: dict[int, dict] = field(default_factory=dict)
    next_id: int = 1
    product_types: dict[str, int] = field(default_factory=dict)  # productType name -> productTypeId
    index: CatalogueIndex = field(default_factory=CatalogueIndex)

    def put(self, product: dict) -> None:
        """Store a product whole (products are replaced, never changed in place), indexes in step."""
        self.index.replace(self.products.get(product["productId"]), product)
        self.products[product["productId"]] = product


class ShipStationBackend:
    default_account = "test-key"

    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        self._lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.auth = BasicAuth(mock)

    # -- auth ------------------------------------------------------------------------------------------
    def authenticate(self, header: str) -> str:
        """The API key of a valid Basic Authorization header, or Unauthorized (auth.py)."""
        return self.auth.authenticate(header)

    def _account(self, key: str) -> Account:
        account = self.accounts.get(key)
        if account is None:
            account = self.accounts[key] = Account()
        return account

    # -- API -------------------------------------------------------------------------------------------
    def list_products(self, key: str, query: dict[str, str]) -> dict:
        filters = ListQuery.parse(query)
        start = (filters.page - 1) * filters.page_size
        with self._lock:
            account = self._account(key)
            if filters.plain() and not filters.sort_by:  # the default listing: straight from the index
                ids, total = account.index.page(
                    filters.show_inactive, filters.descending, start, filters.page_size
                )
                return _page([account.products[i] for i in ids], total, filters)
            if filters.sku is not None:  # only the products with that SKU can match
                candidates: Any = (account.products[i] for i in account.index.with_sku(filters.sku))
            else:
                candidates = account.products.values()
            found = [p for p in candidates if filters.matches(p, account)]
        if filters.sort_by:
            field_name = SORT_KEYS[filters.sort_by]
            found.sort(
                key=lambda p: (p[field_name] is None, _sort_text(p[field_name]), p["productId"]),
                reverse=filters.descending,
            )
        else:
            found.sort(key=lambda p: p["productId"], reverse=filters.descending)
        return _page(found[start : start + filters.page_size], len(found), filters)

    def get_product(self, key: str, product_id: int) -> dict:
        with self._lock:
            product = self._account(key).products.get(product_id)
            if product is None:
                raise NotFound()
            return dict(product)  # stored products are replaced whole, never changed in place

    def update_product(self, key: str, product_id: int, body: Any) -> dict:
        """Full replace: what the body omits becomes null, as the V1 documentation warns."""
        if not isinstance(body, dict):
            raise InvalidRequest()
        if self.mock.quirk("numeric_strings"):
            body = numbers_from_strings(body)
        with self._lock:
            if product_id not in self._account(key).products:
                raise NotFound()
        if "productId" in body and body["productId"] is not None and body["productId"] != product_id:
            raise InvalidRequest()
        for name, value in body.items():
            if name in WRITABLE and type_problem(name, value):
                raise InvalidRequest()
        missing = [name for name in WRITABLE if name not in body]
        if missing and self.mock.quirk("reject_partial_updates"):
            raise InvalidRequest(
                "The entire resource must be provided. Missing fields: " + ", ".join(missing)
            )
        with self._lock:
            account = self._account(key)
            current = account.products.get(product_id)
            if current is None:
                raise NotFound()
            replaced = {
                "productId": product_id,
                **{name: _copy_json(body.get(name)) for name in WRITABLE},
                "createDate": current["createDate"],
                "modifyDate": format_date(self.mock.clock.now()),
            }
            account.put(replaced)
            self._register_type(account, replaced)
        self.mock.side_effect(
            "product.updated",
            account=key,
            productId=product_id,
            sku=replaced["sku"],
            nulled=[n for n in missing if current.get(n) is not None],
        )
        return {"success": True, "message": "The requested product has been updated"}

    # -- control -----------------------------------------------------------------------------------------
    def products(self, key: str) -> list[dict]:
        with self._lock:
            account = self._account(key)
            return [copy.deepcopy(account.products[i]) for i in sorted(account.products)]

    def seed(self, key: str, products: list[Any]) -> list[dict]:
        """Add or replace products as ShipStation would hold them; ids and dates filled where missing."""
        stored = []
        with self._lock:
            account = self._account(key)
            now = format_date(self.mock.clock.now())
            for index, raw in enumerate(products):
                if not isinstance(raw, dict):
                    raise InvalidRequest(f"products[{index}] must be an object")
                for name, value in raw.items():
                    if name in WRITABLE and (problem := type_problem(name, value)):
                        raise InvalidRequest(f"products[{index}]: {problem}")
                product_id = raw.get("productId")
                if product_id is None:
                    product_id = account.next_id
                elif not _is_int(product_id) or product_id < 1:
                    raise InvalidRequest(f"products[{index}]: productId must be a positive integer")
                account.next_id = max(account.next_id, product_id + 1)
                product = {
                    "productId": product_id,
                    **{name: copy.deepcopy(raw.get(name)) for name in WRITABLE},
                }
                if product["active"] is None and "active" not in raw:
                    product["active"] = True
                product["createDate"] = raw.get("createDate") or now
                product["modifyDate"] = raw.get("modifyDate") or product["createDate"]
                for name in ("createDate", "modifyDate"):
                    if not _is_date(product[name]):
                        raise InvalidRequest(f"products[{index}]: {name} must be a date like {now}")
                account.put(product)
                self._register_type(account, product)
                stored.append(copy.deepcopy(product))
        return stored

    def reset(self) -> None:
        with self._lock:
            self.accounts.clear()

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "accounts": {
                    key: {"products": [a.products[i] for i in sorted(a.products)], "next_id": a.next_id}
                    for key, a in self.accounts.items()
                }
            }

    def restore(self, state: dict) -> None:
        """Replace every account from a snapshot; a bad snapshot leaves the current state as it was."""
        accounts = state.get("accounts", {})
        if not isinstance(accounts, dict) or not all(isinstance(a, dict) for a in accounts.values()):
            raise InvalidRequest("backend.accounts must be an object of account: {products, next_id}")
        staged = ShipStationBackend(self.mock)
        for key, data in accounts.items():
            products = data.get("products", [])
            if not isinstance(products, list):
                raise InvalidRequest(f"backend.accounts[{key!r}].products must be a list")
            staged.seed(key, products)
            next_id = data.get("next_id", 1)
            if _is_int(next_id):
                staged.accounts[key].next_id = max(staged.accounts[key].next_id, next_id)
        with self._lock:
            self.accounts = staged.accounts

    def run_jobs(self) -> dict:
        return {"ran": 0}  # V1 products have no async work

    @staticmethod
    def _register_type(account: Account, product: dict) -> None:
        name = product.get("productType")
        if name and name not in account.product_types:
            account.product_types[name] = len(account.product_types) + 1


_PLAIN = (str, int, float, bool, type(None))


def _copy_json(value: Any) -> Any:
    """copy.deepcopy for parsed JSON (immutable scalars, dicts and lists) at a fraction of its cost."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {k: _copy_json(v) for k, v in value.items()}
    if kind is list:
        return [_copy_json(v) for v in value]
    return copy.deepcopy(value)


def _page(items: list[dict], total: int, filters: ListQuery) -> dict:
    return {
        "products": [dict(p) for p in items],
        "total": total,
        "page": filters.page,
        "pages": math.ceil(total / filters.page_size),
    }


def _sort_text(value: Any) -> Any:
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

    def matches(self, product: dict, account: Account) -> bool:
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
        if (
            self.type_id is not None
            and account.product_types.get(product["productType"] or "") != self.type_id
        ):
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
