"""ShipStation V1 products: state and every behaviour. No Flask here.

Facts and decisions: vendor-notes §2 and §7 (ShipStation). V1 has no create or delete, so products
enter through `seed()` (the control API); clients can list, get and fully replace them.
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from mocks.kit.core import Mock

from .auth import BasicAuth
from .errors import InvalidRequest, NotFound
from .fields import (
    WRITABLE,
    format_date,
    has_type_problem,
    is_date,
    is_int,
    numbers_from_strings,
    type_problem,
)
from .index import CatalogueIndex
from .listing import SORT_KEYS, ListQuery, page, sort_text


@dataclass
class Account:
    products: dict[int, dict] = field(default_factory=dict)
    next_id: int = 1
    product_types: dict[str, int] = field(default_factory=dict)  # productType name -> productTypeId
    index: CatalogueIndex = field(default_factory=CatalogueIndex)
    # productId -> the product's JSON as Get Product sends it, made at the first GET after each write.
    encoded: dict[int, bytes] = field(default_factory=dict)

    def put(self, product: dict) -> None:
        """Store a product whole (products are replaced, never changed in place), indexes in step."""
        product_id = product["productId"]
        self.index.replace(self.products.get(product_id), product)
        self.encoded.pop(product_id, None)
        self.products[product_id] = product


UPDATED = {"success": True, "message": "The requested product has been updated"}  # never changed


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
                return page([account.products[i] for i in ids], total, filters)
            if filters.sku is not None:  # only the products with that SKU can match
                candidates: Any = (account.products[i] for i in account.index.with_sku(filters.sku))
            else:
                candidates = account.products.values()
            found = [p for p in candidates if filters.matches(p, account.product_types)]
        if filters.sort_by:
            field_name = SORT_KEYS[filters.sort_by]
            found.sort(
                key=lambda p: (p[field_name] is None, sort_text(p[field_name]), p["productId"]),
                reverse=filters.descending,
            )
        else:
            found.sort(key=lambda p: p["productId"], reverse=filters.descending)
        return page(found[start : start + filters.page_size], len(found), filters)

    def get_product(self, key: str, product_id: int) -> dict:
        with self._lock:
            product = self._account(key).products.get(product_id)
            if product is None:
                raise NotFound()
            return dict(product)  # stored products are replaced whole, never changed in place

    def product_json(self, key: str, product_id: int) -> bytes:
        """`json.dumps(get_product(...)).encode()`, encoded once per stored version of the product."""
        with self._lock:
            account = self._account(key)
            data = account.encoded.get(product_id)
            if data is None:
                product = account.products.get(product_id)
                if product is None:
                    raise NotFound()
                data = account.encoded[product_id] = json.dumps(product).encode()
            return data

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
        if has_type_problem(body):
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
            get = body.get
            replaced = {
                "productId": product_id,
                # Scalars need no copy (most fields): no call for them.
                **{n: v if type(v := get(n)) in _PLAIN else _copy_json(v) for n in WRITABLE},
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
        return dict(UPDATED)

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
                elif not is_int(product_id) or product_id < 1:
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
                    if not is_date(product[name]):
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
            if is_int(next_id):
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


_PLAIN = frozenset((str, int, float, bool, type(None)))


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
