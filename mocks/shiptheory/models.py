"""Shiptheory v1 products and shipments: state and every behaviour. No Flask here.

Facts: vendor-notes §3 and the product-catalogue article (vendor-docs/shiptheory-product-catalogue.txt).
Decisions where the record is silent: vendor-notes §7 (Shiptheory), and the quirks in __init__.py.

The catalogue rules, as this mock applies them:
- A product is keyed by SKU within an account; shipment lines are associated with the product itself
  (an internal id), so a renamed product stays associated with its shipments.
- Booking a shipment upserts each line's product according to the `product_updates` setting:
  `update_catalogue` creates missing SKUs and overwrites catalogue fields the line gives that differ;
  `use_catalogue` and `use_catalogue_with_discounts` never change an existing product (a missing SKU
  is still created unless quirk `create_missing_when_updates_disabled` is off).
- A line's effective values are its base (the live catalogue product, or with `lock_product_data` on
  at booking time the copy taken when it was booked), overridden by the line's own weight where given
  and its own price (`value`) where given and the setting stores it, plus line-only `customisation`
  and `batch_number`.
"""

from __future__ import annotations

import copy
import hmac
import json
import math
import threading
from typing import Any

from mocks.kit.core import Mock

from . import shipment_search, shipment_views
from .booking import validate_booking
from .catalogue import (
    LINE_TO_CATALOGUE,
    PRODUCT_FIELDS,
    default_value,
    format_time,
    product_answer,
    validate_product,
)
from .errors import BadRequest, NotFound, Unauthorized, ValidationFailed, rule
from .shipment_views import CARRIER
from .state import Account, Line, Shipment, effective_line
from .tokens import mint_token, read_token

TRACKING_BASE = 2_887_000_000  # the mock's tracking numbers, shaped like the documented DHL one
SORT_FIELDS = ("sku", "name", "price", "weight", "created", "modified")
DEFAULT_LIMIT, MAX_LIMIT = 25, 100


class ShiptheoryBackend:
    default_account = "test@example.com"

    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        self._lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.tokens_issued = 0

    # -- auth ------------------------------------------------------------------------------------------
    def issue_token(self, body: Any) -> dict:
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("email"), str)
            or not isinstance(body.get("password"), str)
        ):
            raise Unauthorized()
        email, password = body["email"], body["password"]
        expected = self.mock.settings["accounts"].get(email)
        # Compare against something even for an unknown email, so timing says nothing about accounts.
        if not hmac.compare_digest((expected or "\0").encode(), password.encode()) or expected is None:
            raise Unauthorized()
        with self._lock:
            self.tokens_issued += 1
            serial = self.tokens_issued
        return {"success": True, "data": {"token": mint_token(email, self.mock.clock.now(), serial)}}

    def account_for_token(self, token: str) -> str:
        claims = read_token(token)
        if claims is None or claims["sub"] not in self.mock.settings["accounts"]:
            raise Unauthorized()
        if self.mock.clock.now() >= claims["exp"]:
            raise Unauthorized()
        return claims["sub"]

    def _account(self, key: str) -> Account:
        account = self.accounts.get(key)
        if account is None:
            account = self.accounts[key] = Account()
        return account

    # -- products --------------------------------------------------------------------------------------
    def create_product(self, key: str, body: Any) -> dict:
        clean = validate_product(body, require_sku=True)
        with self._lock:
            account = self._account(key)
            if clean["sku"] in account.by_sku:
                raise ValidationFailed({"sku": rule("sku_unique")})
            product = self._insert(account, clean)
        self.mock.side_effect("product.created", account=key, sku=product["sku"], source="api")
        return {"success": True, "product": product_answer(product)}

    def view_product(self, key: str, sku: str) -> dict:
        with self._lock:
            account = self._account(key)
            product_id = account.by_sku.get(sku)
            if product_id is None:
                raise NotFound()
            return {"product": product_answer(account.products[product_id])}

    def update_product(self, key: str, sku: str, body: Any) -> dict:
        """Merge the given fields; a body SKU that differs from the path renames, if the new SKU is free."""
        with self._lock:
            account = self._account(key)
            product_id = account.by_sku.get(sku)
            if product_id is None:
                raise NotFound()
            clean = validate_product(body, require_sku=False)
            new_sku = clean.get("sku", sku)
            if new_sku != sku and new_sku in account.by_sku:
                raise ValidationFailed({"sku": rule("sku_unique")})
            product = account.products[product_id]
            changed = self._apply(account, product_id, clean)
            result = {"success": True, "product": product_answer(product)}
        if changed:
            self.mock.side_effect(
                "product.updated",
                account=key,
                sku=product["sku"],
                source="api",
                fields=changed,
                **({"renamed_from": sku} if new_sku != sku else {}),
            )
        return result

    def list_products(self, key: str, query: dict[str, str]) -> dict:
        page = _positive_int(query.get("page"), 1)
        limit = min(_positive_int(query.get("limit"), DEFAULT_LIMIT), MAX_LIMIT)  # §7: clamp, don't refuse
        sort = query.get("sort")
        if sort is not None and sort not in SORT_FIELDS:
            raise BadRequest()
        direction = query.get("direction", "asc")
        if direction.lower() not in ("asc", "desc"):
            raise BadRequest()
        with self._lock:
            account = self._account(key)
            found = [(pid, account.products[pid]) for pid in sorted(account.products)]
        if sort:
            found.sort(
                key=lambda item: (_sort_value(item[1][sort]), item[0]), reverse=direction.lower() == "desc"
            )
        elif direction.lower() == "desc":
            found.reverse()
        total = len(found)
        pages = max(1, math.ceil(total / limit))  # CakePHP's paginator: an empty result is still page 1
        if page > pages:
            raise NotFound()
        items = [product_answer(p) for _, p in found[(page - 1) * limit : page * limit]]
        return {
            "products": items,
            "pagination": {
                "page": page,
                "pages": pages,
                "results": total,
                "results_per_page": len(items),
                "limit": limit,
            },
        }

    # -- shipments -------------------------------------------------------------------------------------
    def book_shipment(self, key: str, body: Any) -> dict:
        """Book: validate the documented fields, upsert the catalogue per `product_updates`, answer the
        documented {success, status, carrier_result, message} (vendor-notes §7, 2026-12-01)."""
        booking = validate_booking(body)
        reference, lines = booking["reference"], booking["products"]
        settings = self.mock.settings
        mode = settings["product_updates"]
        with self._lock:
            account = self._account(key)
            if reference in account.shipments:
                raise ValidationFailed({"reference": rule("reference_unique")})
            if mode != "update_catalogue" and not self.mock.quirk("create_missing_when_updates_disabled"):
                missing = {
                    f"products.{i}.sku": rule("exists", "This product is not in the product catalogue")
                    for i, line in enumerate(lines)
                    if line["sku"] not in account.by_sku
                }
                if missing:
                    raise ValidationFailed(missing)
            booked_lines = [self._book_line(key, account, line, mode) for line in lines]
            created = format_time(self.mock.clock.now())
            account.booked += 1
            record = {
                "reference": reference,
                "reference2": booking["reference2"],
                "shipment_detail": booking["shipment_detail"],
                "recipient": booking["recipient"],
                "sender": booking["sender"],
                "tags": booking["tags"],
                "created": created,
                "modified": created,
                "status": "Complete",
                "tracking_number": str(TRACKING_BASE + account.booked),
                "carrier": CARRIER,
            }
            record["messages"] = shipment_views.booking_messages(record, key, created)
            shipment = Shipment(
                reference, created, bool(settings["lock_product_data"]), mode, booked_lines, record
            )
            account.shipments[reference] = shipment
        self.mock.side_effect(
            "shipment.booked",
            account=key,
            reference=reference,
            product_updates=mode,
            locked=shipment.locked,
            skus=[line["sku"] for line in lines],
        )
        return shipment_views.booked_answer(record)

    def view_shipment(self, key: str, reference: str) -> dict:
        """View Shipment as documented: {shipment, tags, messages, label}."""
        with self._lock:
            shipment = self._account(key).shipments.get(reference)
            if shipment is None:
                raise NotFound()
            return shipment_views.view(shipment.record)

    def list_shipments(self, key: str, query: dict[str, str]) -> dict:
        with self._lock:
            items = [shipment_views.list_item(s.record) for s in self._account(key).shipments.values()]
        return shipment_search.list_shipments(items, query)

    def search_shipments(self, key: str, query: dict[str, str]) -> dict:
        shipment_search.search_window(query)  # refuse a bad window before reading anything
        with_products = query.get("include_products") == "1"
        with self._lock:
            account = self._account(key)
            items = [
                shipment_views.list_item(
                    s.record, self._effective_lines(account, s) if with_products else None
                )
                for s in account.shipments.values()
            ]
        return shipment_search.search_shipments(items, query)

    def shipment_lines(self, key: str, reference: str) -> dict | None:
        """Each line's effective values (catalogue, line overrides, locks): for the control API only, since
        no documented route shows them (DESIGN rule 10). None for an unknown reference."""
        with self._lock:
            account = self.accounts.get(key)  # a read creates no account (a control read changes no state)
            shipment = account.shipments.get(reference) if account is not None else None
            return None if account is None or shipment is None else self._shipment_view(account, shipment)

    def _effective_lines(self, account: Account, shipment: Shipment) -> list[dict[str, Any]]:
        lines = []
        for line in shipment.lines:
            live = account.products[line.product_id]
            shown = effective_line(line, live, shipment.locked)
            shown["catalog_price"] = (line.booked if shipment.locked else live)["price"]
            lines.append(shown)
        return lines

    def _book_line(self, key: str, account: Account, line: dict[str, Any], mode: str) -> Line:
        given = {LINE_TO_CATALOGUE[name]: line[name] for name in LINE_TO_CATALOGUE if name in line}
        product_id = account.by_sku.get(line["sku"])
        if product_id is None:
            product = self._insert(account, {"sku": line["sku"], **given})
            product_id = account.by_sku[product["sku"]]
            self.mock.side_effect("product.created", account=key, sku=line["sku"], source="shipment")
        elif mode == "update_catalogue":
            changed = self._apply(account, product_id, given)  # "if any information is different"
            if changed:
                self.mock.side_effect(
                    "product.updated", account=key, sku=line["sku"], source="shipment", fields=changed
                )
        price = line.get("value")
        if mode == "use_catalogue" and self.mock.quirk("use_catalogue_ignores_line_price"):
            price = None  # plain "Use Catalogue Product Info": only the discounts variant keeps a line price
        return Line(
            product_id,
            line["qty"],
            price,
            line.get("weight"),
            line.get("customisation"),
            line.get("batch_number"),
            copy.deepcopy(account.products[product_id]),
        )

    def _shipment_view(self, account: Account, shipment: Shipment) -> dict:
        return {
            "shipment": {
                "reference": shipment.reference,
                "created": shipment.created,
                "locked": shipment.locked,
                "product_updates": shipment.product_updates,
                "products": [
                    effective_line(line, account.products[line.product_id], shipment.locked)
                    for line in shipment.lines
                ],
            }
        }

    # -- shared ----------------------------------------------------------------------------------------
    def _insert(self, account: Account, clean: dict[str, Any], stamps: dict[str, str] | None = None) -> dict:
        now = format_time(self.mock.clock.now())
        product = {name: clean.get(name, default_value(name)) for name in PRODUCT_FIELDS}
        product["created"] = (stamps or {}).get("created") or now
        product["modified"] = (stamps or {}).get("modified") or product["created"]
        product_id = account.next_id
        account.next_id += 1
        account.products[product_id] = product
        account.by_sku[product["sku"]] = product_id
        return product

    def _apply(self, account: Account, product_id: int, clean: dict[str, Any]) -> list[str]:
        """Write the fields that differ; returns their names. `modified` moves only on a real change."""
        product = account.products[product_id]
        changed = [name for name, value in clean.items() if product[name] != value]
        if not changed:
            return []
        if "sku" in changed:
            del account.by_sku[product["sku"]]
            account.by_sku[clean["sku"]] = product_id
        product.update({name: clean[name] for name in changed})
        product["modified"] = format_time(self.mock.clock.now())
        return changed

    # -- control ---------------------------------------------------------------------------------------
    def products(self, key: str) -> list[dict]:
        with self._lock:
            account = self._account(key)
            return [_public(account.products[i]) for i in sorted(account.products)]

    def seed(self, key: str, products: list[Any]) -> list[dict]:
        """Add or replace products as Shiptheory would hold them; timestamps filled where missing."""
        stored = []
        with self._lock:
            account = self._account(key)
            for index, raw in enumerate(products):
                try:
                    clean = validate_product(raw, require_sku=True)
                except ValidationFailed as exc:
                    raise BadRequest(f"products[{index}]: {json.dumps(exc.errors)}") from None
                except BadRequest:
                    raise BadRequest(f"products[{index}] must be an object") from None
                stamps = {k: raw[k] for k in ("created", "modified") if isinstance(raw.get(k), str)}
                existing = account.by_sku.get(clean["sku"])
                if existing is not None:
                    product = account.products[existing]
                    product.update({name: clean.get(name, default_value(name)) for name in PRODUCT_FIELDS})
                    product.update(stamps)
                else:
                    product = self._insert(account, clean, stamps)
                stored.append(_public(product))
        return stored

    def reset(self) -> None:
        with self._lock:
            self.accounts.clear()
            self.tokens_issued = 0

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "tokens_issued": self.tokens_issued,
                "accounts": {key: account.to_state() for key, account in self.accounts.items()},
            }

    def restore(self, state: dict) -> None:
        """Replace everything with a snapshot; built aside first, so a bad document changes nothing."""
        accounts = state.get("accounts", {})
        if not isinstance(accounts, dict):
            raise BadRequest("backend.accounts must be an object")
        try:
            built = {key: Account.from_state(data) for key, data in accounts.items()}
            tokens_issued = int(state.get("tokens_issued", 0))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadRequest(f"backend state is not one this mock wrote: {exc!r}") from None
        with self._lock:
            self.accounts = built
            self.tokens_issued = tokens_issued

    def run_jobs(self) -> dict:
        return {"ran": 0}  # nothing here is asynchronous


def _public(product: dict) -> dict:
    return copy.deepcopy(product)


def _sort_value(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _positive_int(text: str | None, default: int) -> int:
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise BadRequest()
    return int(text)
