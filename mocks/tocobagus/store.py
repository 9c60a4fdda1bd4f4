"""The products store: products per store client id, the SKU/externalId index, creation, seeding, reads
and paging. Creation-only: a SKU or an externalId the store holds is never written twice (§7)."""

from __future__ import annotations

import copy
import math
import threading
from typing import Any

from mocks.kit.core import Mock, MockError

from .errors import ValidationFailed
from .ids import Ids, iso_time
from .tables import Tables
from .validation import is_int, validate_list_query

# Row-level codes when a row would create what the store holds (the mock's choices, §7).
SKU_EXISTS = "SKU_ALREADY_EXISTS"
EXTERNAL_ID_EXISTS = "EXTERNAL_ID_ALREADY_EXISTS"


class ProductStore:
    def __init__(self, mock: Mock, tables: Tables, lock: threading.RLock, ids: Ids) -> None:
        self.mock, self.tables, self._lock, self.ids = mock, tables, lock, ids

    def of(self, store: str) -> dict[str, dict]:
        """The store's products by id, created empty on first use."""
        return self.tables.stores.setdefault(store, {})

    def taken(self, store: str) -> tuple[set, set]:
        """The SKUs and externalIds the store holds. Built once, then kept in step by `add` (a seed
        drops it), so a sync costs O(rows), not O(rows + store). Under the lock."""
        index = self.tables.taken.get(store)
        if index is None:
            products = self.of(store).values()
            index = {_text(p.get("sku")) for p in products}, {_text(p.get("externalId")) for p in products}
            self.tables.taken[store] = index
        return index

    def holders(self, store: str) -> tuple[dict[Any, tuple[int, dict]], dict[Any, tuple[int, dict]]]:
        """One pass over the store: the first product, in store order, holding each sku and each
        externalId, with its position (for a batch, instead of one pass per row)."""
        by_sku: dict[Any, tuple[int, dict]] = {}
        by_ext: dict[Any, tuple[int, dict]] = {}
        for position, p in enumerate(self.of(store).values()):
            by_sku.setdefault(_text(p.get("sku")), (position, p))
            by_ext.setdefault(_text(p.get("externalId")), (position, p))
        return by_sku, by_ext

    def create(self, store: str, product: dict, warehouses: list[dict], now: float, request_id: str) -> dict:
        """Store a synced row as a new product and keep the index in step."""
        self.tables.seq += 1
        allocation = allocate(product, warehouses)
        stored = {"id": self.ids.next("product"), **{k: v for k, v in product.items() if k != "warehouses"}}
        stored["stock"] = sum(a["stock"] for a in allocation) if allocation else product.get("stock") or 0
        stored["warehouses"] = allocation
        stored.update(
            syncRequestId=request_id, createdAt=iso_time(now), updatedAt=iso_time(now), _seq=self.tables.seq
        )
        self.of(store)[stored["id"]] = stored
        if (taken := self.tables.taken.get(store)) is not None:
            taken[0].add(stored["sku"])
            taken[1].add(stored["externalId"])
        return stored

    # -- control (Backend protocol) ----------
    def products(self, account: str) -> list[dict]:
        with self._lock:
            return [public(p) for p in sorted(self.of(account).values(), key=lambda p: p["_seq"])]

    def seed(self, account: str, products: list[Any]) -> list[dict]:
        """Add products as the store would hold them (e.g. created before the sync under test)."""
        now = self.mock.clock.now()
        stored = []
        with self._lock:
            store = self.of(account)
            self.tables.taken.pop(account, None)  # a seed may replace a product: built again when needed
            for index, raw in enumerate(products):
                product = self._seeded(index, raw, now)
                store[product["id"]] = product
                stored.append(public(product))
        return stored

    def _seeded(self, index: int, raw: Any, now: float) -> dict:
        if (
            not isinstance(raw, dict)
            or not isinstance(raw.get("sku"), str)
            or not isinstance(raw.get("name"), str)
        ):
            raise MockError(f"products[{index}] must be an object with string sku and name")
        product = copy.deepcopy(raw)
        product.setdefault("id", self.ids.next("product"))
        product.setdefault("externalId", f"seed-{product['id']}")
        product.setdefault("price", 0)
        product.setdefault("warehouses", [])
        if not is_int(product.get("stock")):
            product["stock"] = sum(w.get("stock", 0) for w in product["warehouses"])
        product.setdefault("createdAt", iso_time(now))
        product.setdefault("updatedAt", product["createdAt"])
        self.tables.seq += 1
        product["_seq"] = self.tables.seq
        return product

    # -- reads ----------
    def list_products(self, store: str, params: dict) -> dict:
        """GET /partner/stores/products with a validated query (see `list_query`)."""
        with self._lock:
            found = list(self.of(store).values())
        if params["q"]:
            needle = params["q"].casefold()
            found = [p for p in found if needle in p["name"].casefold() or needle in p["sku"].casefold()]
        if params["isArchived"] is not None:
            found = [p for p in found if bool(p.get("isArchived")) == params["isArchived"]]
        key = params["sortBy"]
        found.sort(key=lambda p: (_sort_value(p.get(key)), p["_seq"]), reverse=params["order"] == "desc")
        total = len(found)
        page, limit = params["page"], params["limit"]
        items = found[(page - 1) * limit : page * limit]
        return {
            "success": True,
            "meta": {"timestamp": iso_time(self.mock.clock.now())},
            "data": {
                "items": [public(p) for p in items],
                "pagination": {
                    "page": page,
                    "limit": limit,
                    "total": total,
                    "totalPages": math.ceil(total / limit),
                },
            },
        }


def list_query(query: dict[str, str]) -> dict:
    """The listing's parameters, or VAL_001 before any work is done."""
    params, errors = validate_list_query(query)
    if errors:
        raise ValidationFailed(errors)
    return params


def allocate(product: dict, warehouses: list[dict]) -> list[dict]:
    """Stock per warehouse, by the sync page's rules (§4.4, §7).

    0 warehouses: only stock, no allocation. 1: stock goes to it. More: stock is split evenly, the
    remainder one unit each to the first warehouses in the store's order; `warehouses` rows apply only
    to the clientIds they name.
    """
    if not warehouses:
        return []
    names = {w["clientId"]: w.get("name", w["clientId"]) for w in warehouses}
    given = product.get("warehouses")
    if given is not None:
        return [
            {"clientId": w["clientId"], "name": names[w["clientId"]], "stock": int(w["stock"])} for w in given
        ]
    stock = int(product.get("stock") or 0)
    share, remainder = divmod(stock, len(warehouses))
    return [
        {
            "clientId": w["clientId"],
            "name": names[w["clientId"]],
            "stock": share + (1 if i < remainder else 0),
        }
        for i, w in enumerate(warehouses)
    ]


def public(product: dict) -> dict:
    return {k: copy.deepcopy(v) for k, v in product.items() if not k.startswith("_")}


def _text(value: Any) -> str | None:
    """A seeded value as an index key: only strings can equal a synced row's (validated) sku/externalId."""
    return value if isinstance(value, str) else None


def _sort_value(value: Any) -> tuple[int, Any]:
    """Comparable across types, so odd seeded data sorts instead of raising."""
    if value is None:
        return (0, 0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    if isinstance(value, str):
        return (2, value.casefold())
    return (3, str(value))
