"""Starshipit Product Catalogue: state and every behaviour. No Flask here.

Facts and decisions: vendor-notes §1 and §7 (Starshipit). Each Starshipit API key is one account with
its own catalogue; ids are sequential per account. Units: weight kg, length/width/height metres,
price = declared customs value.
"""

from __future__ import annotations

import copy
import hmac
import threading
from dataclasses import dataclass, field
from typing import Any

from mocks.kit.core import Mock

from . import csv_template, listing
from .errors import DuplicateSku, ProductNotFound, ValidationError
from .fields import FIELDS, blank_product, clean, integral, is_int

# Requests per second per subscription key (vendor-notes §1.5); `rate_limit`, once changed from the
# developer default, overrides the tier.
TIER_LIMITS = {"developer": 2, "production": 20}


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
        """The fields of an incoming product, checked (with quirk strict_units as set)."""
        return clean(raw, where, strict_units=self.mock.quirk("strict_units"))

    # -- API -------------------------------------------------------------------------------------------
    def list_products(self, key: str, query: dict[str, str]) -> dict:
        q = listing.ListQuery.parse(query)
        with self._lock:
            products = [copy.deepcopy(p) for p in self._account(key).products.values() if q.matches(p)]
        return listing.page(products, q)

    def create_product(self, key: str, body: Any) -> dict:
        if not isinstance(body, dict):
            raise ValidationError("body", "The request body must be a JSON object.")
        values = self.clean(body.get("product"))
        with self._lock:
            account = self._account(key)
            if account.by_sku(values["sku"]) is not None:
                raise DuplicateSku("sku")
            product = {**blank_product(account.next_id), **copy.deepcopy(values)}
            account.put(product)
            account.next_id += 1
        self.mock.side_effect("product.created", account=key, id=product["id"], sku=product["sku"])
        return {"success": True, "product": copy.deepcopy(product)}

    def update_product(self, key: str, body: Any) -> dict:
        if not isinstance(body, dict):
            raise ValidationError("body", "The request body must be a JSON object.")
        product_id = integral(body.get("id"))
        if product_id is None:
            raise ValidationError("id", "The id field is required and must be an integer.")
        raw = body.get("product")
        values = self.clean(raw)
        with self._lock:
            account = self._account(key)
            current = account.products.get(product_id)
            if current is None:
                raise ProductNotFound("id")
            if integral(raw.get("id")) != product_id:
                raise ValidationError("product.id", "The product id must match the id of the request.")
            other = account.by_sku(values["sku"])
            if other is not None and other["id"] != product_id:
                raise DuplicateSku("sku")
            if self.mock.quirk("update_replaces_whole_product"):
                updated = {**blank_product(product_id), **copy.deepcopy(values)}
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
        if not isinstance(ids, list) or not all(is_int(i) for i in ids):
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
        return csv_template.write_csv([])

    def export_csv(self, key: str) -> str:
        with self._lock:
            products = sorted(self._account(key).products.values(), key=lambda p: (p["sku"], p["id"]))
            rows = [[csv_template.cell(p[name]) for name in csv_template.COLUMNS.values()] for p in products]
        return csv_template.write_csv(rows)

    def import_csv(self, key: str, data: bytes) -> dict:
        """Upsert by SKU. A bad header refuses the file; a bad row is reported and the others go in."""
        rows = csv_template.read_csv(data)
        strict = self.mock.quirk("strict_units")
        errors: list[dict] = []
        parsed: list[tuple[int, dict]] = []
        first_row: dict[str, int] = {}
        for number, cells in rows:
            values, problem = csv_template.row_values(cells, strict_units=strict)
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
                    product = {**blank_product(account.next_id), **values}
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
                elif not is_int(product_id) or product_id < 1:
                    raise ValidationError("id", f"products[{index}]: id must be a positive integer")
                other = account.by_sku(values["sku"])
                if other is not None and other["id"] != product_id:
                    raise DuplicateSku("sku", f"products[{index}]: SKU {values['sku']!r} is already taken")
                account.next_id = max(account.next_id, product_id + 1)
                account.put({**blank_product(product_id), **copy.deepcopy(values)})
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
                if is_int(next_id):
                    self.accounts[key].next_id = max(self.accounts[key].next_id, next_id)

    def run_jobs(self) -> dict:
        return {"ran": 0}  # the catalogue has no async work


def _known(key: str, allowed: list[str]) -> bool:
    hit = False
    for candidate in allowed:  # constant time per candidate, and no early exit
        hit |= hmac.compare_digest(candidate.encode(), key.encode())
    return hit
