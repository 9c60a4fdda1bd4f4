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

import base64
import copy
import hashlib
import hmac
import json
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mocks.kit.core import Mock

from . import shipments as documented
from .bodies import as_number
from .errors import BadRequest, NotFound, Unauthorized, ValidationFailed, max_length_message, rule

TRACKING_BASE = 2_887_000_000  # the mock's tracking numbers, shaped like the documented DHL one
TOKEN_LIFETIME = 60 * 60  # "Authentication tokens expire after 60 minutes" [ST-DOCS]
# Signs the mock's tokens, so a harness can mint one for a contract run without a login round trip.
TOKEN_SECRET = b"catalog-harness shiptheory mock token key"

MAX_NUMBER = 9_999_999.99
STRING_LIMITS: dict[str, int] = {
    "sku": 100,
    "name": 255,
    "barcode": 15,
    "commodity_code": 100,
    "commodity_description": 100,
    "commodity_manucountry": 100,
    "commodity_composition": 100,
    "mid_code": 25,
    "thumbnail_url": 200,
}
NUMBER_FIELDS = ("price", "weight", "length", "width", "height")
# Every catalogue field, in the order of the documented View Product example.
PRODUCT_FIELDS = (
    "sku",
    "name",
    "price",
    "weight",
    "barcode",
    "commodity_code",
    "commodity_description",
    "commodity_manucountry",
    "commodity_composition",
    "length",
    "width",
    "height",
    "mid_code",
    "thumbnail_url",
)
# A jpg/jpeg/png/webp URL. The contract carries the same pattern, so the two agree on every string;
# printable ASCII only, because \s differs between Python and the contract's regex engine.
IMAGE_URL = r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[!-~]*\.([jJ][pP][eE]?[gG]|[pP][nN][gG]|[wW][eE][bB][pP])"
IMAGE_URL_RE = re.compile(IMAGE_URL)
SORT_FIELDS = ("sku", "name", "price", "weight", "created", "modified")
DEFAULT_LIMIT, MAX_LIMIT = 25, 100

# Shipment lines: `value` is the line's price; the rest copy onto the catalogue field of the same name.
LINE_TO_CATALOGUE = {
    "name": "name",
    "value": "price",
    "weight": "weight",
    "barcode": "barcode",
    "commodity_code": "commodity_code",
    "commodity_description": "commodity_description",
    "commodity_manucountry": "commodity_manucountry",
    "commodity_composition": "commodity_composition",
    "mid_code": "mid_code",
}
LINE_ONLY_LIMITS = {"customisation": 255, "batch_number": 100}
PRODUCT_UPDATES = ("update_catalogue", "use_catalogue", "use_catalogue_with_discounts")
# What a shipment line shows, in order.
LINE_FIELDS = (
    "sku",
    "name",
    "qty",
    "value",
    "weight",
    "barcode",
    "commodity_code",
    "commodity_description",
    "commodity_manucountry",
    "commodity_composition",
    "mid_code",
    "length",
    "width",
    "height",
    "customisation",
    "batch_number",
)


def format_time(epoch: float) -> str:
    """As the documentation's examples: 2020-11-23T14:05:02+0000."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def image_url_ok(url: str) -> bool:
    return IMAGE_URL_RE.fullmatch(url) is not None


def check_field(name: str, value: Any, limits: dict[str, int]) -> dict[str, str] | None:
    """The first rule `value` breaks for field `name` ({rule: message}), or None. Null means "not given"."""
    if name in NUMBER_FIELDS or name == "value":
        if not _is_number(value):
            return rule("numeric")
        if not 0 <= value <= MAX_NUMBER:
            return rule("range")
        return None
    if not isinstance(value, str):
        return rule("scalar")
    if len(value) > limits[name]:
        return rule("maxLength", max_length_message(limits[name]))
    if name == "thumbnail_url" and value and not image_url_ok(value):
        return rule("url")
    return None


def validate_product(body: Any, *, require_sku: bool) -> dict[str, Any]:
    """The catalogue fields of `body`, checked; raises ValidationFailed listing every bad field."""
    if not isinstance(body, dict):
        raise BadRequest()
    errors: dict[str, dict[str, str]] = {}
    clean: dict[str, Any] = {}
    for name in PRODUCT_FIELDS:
        value = body.get(name)
        if name in NUMBER_FIELDS:
            value = as_number(value)  # "2.5" from a form body, or a JSON string, reads as 2.5
        if value is None:
            if name == "sku" and require_sku:
                errors[name] = rule("_required")
            continue
        problem = check_field(name, value, STRING_LIMITS)
        if problem is None and name == "sku" and not value:
            problem = rule("_empty")
        if problem:
            errors[name] = problem
        else:
            clean[name] = value
    if errors:
        raise ValidationFailed(errors)
    return clean


# -- tokens --------------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_TOKEN_HEADER = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())


def mint_token(email: str, issued_at: float, serial: int = 0) -> str:
    """An HS256 JWT as the real API issues ("jwt-like"); valid until issued_at + 60 minutes."""
    payload = {"sub": email, "iat": issued_at, "exp": issued_at + TOKEN_LIFETIME, "jti": serial}
    signing_input = f"{_TOKEN_HEADER}.{_b64(json.dumps(payload, separators=(',', ':')).encode())}"
    signature = hmac.new(TOKEN_SECRET, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def read_token(token: str) -> dict[str, Any] | None:
    """The token's claims if this mock signed it, else None (expiry is checked by the caller)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        expected = hmac.new(TOKEN_SECRET, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(parts[2])):
            return None
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeError):
        return None
    if (
        not isinstance(claims, dict)
        or not isinstance(claims.get("sub"), str)
        or not _is_number(claims.get("exp"))
    ):
        return None
    return claims


# -- state ---------------------------------------------------------------------------------------------
@dataclass
class Line:
    product_id: int
    qty: int
    price: float | None  # the line's own price override, where given and stored
    weight: float | None  # the line's own weight override, where given
    customisation: str | None
    batch_number: str | None
    booked: dict[str, Any]  # the catalogue product as it stood after this line's upsert


@dataclass
class Shipment:
    reference: str
    created: str
    locked: bool
    product_updates: str
    lines: list[Line]
    # The documented parts (reference2, shipment_detail, recipient, sender, tags, status, tracking_number,
    # carrier, messages, modified): what View, List and Search show.
    record: dict[str, Any] = field(default_factory=dict)


@dataclass
class Account:
    products: dict[int, dict] = field(default_factory=dict)  # internal id -> product (vendor shape)
    by_sku: dict[str, int] = field(default_factory=dict)
    shipments: dict[str, Shipment] = field(default_factory=dict)
    next_id: int = 1
    booked: int = 0  # shipments booked: numbers the mock's tracking references


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
        return {"success": True, "product": _answer(product)}

    def view_product(self, key: str, sku: str) -> dict:
        with self._lock:
            account = self._account(key)
            product_id = account.by_sku.get(sku)
            if product_id is None:
                raise NotFound()
            return {"product": _answer(account.products[product_id])}

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
            result = {"success": True, "product": _answer(product)}
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
        items = [_answer(p) for _, p in found[(page - 1) * limit : page * limit]]
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
        booking = documented.validate_booking(body)
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
                "carrier": documented.CARRIER,
            }
            record["messages"] = documented.booking_messages(record, key, created)
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
        return documented.booked_answer(record)

    def view_shipment(self, key: str, reference: str) -> dict:
        """View Shipment as documented: {shipment, tags, messages, label}."""
        with self._lock:
            shipment = self._account(key).shipments.get(reference)
            if shipment is None:
                raise NotFound()
            return documented.view(shipment.record)

    def list_shipments(self, key: str, query: dict[str, str]) -> dict:
        with self._lock:
            items = [documented.list_item(s.record) for s in self._account(key).shipments.values()]
        return documented.list_shipments(items, query)

    def search_shipments(self, key: str, query: dict[str, str]) -> dict:
        documented.search_window(query)  # refuse a bad window before reading anything
        with_products = query.get("include_products") == "1"
        with self._lock:
            account = self._account(key)
            items = [
                documented.list_item(s.record, self._effective_lines(account, s) if with_products else None)
                for s in account.shipments.values()
            ]
        return documented.search_shipments(items, query)

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
        product = {name: clean.get(name, _default(name)) for name in PRODUCT_FIELDS}
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
                    product.update({name: clean.get(name, _default(name)) for name in PRODUCT_FIELDS})
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
                "accounts": {
                    key: {
                        "next_id": a.next_id,
                        "booked": a.booked,
                        "products": [{"id": i, **a.products[i]} for i in sorted(a.products)],
                        "shipments": [_shipment_state(s) for s in a.shipments.values()],
                    }
                    for key, a in self.accounts.items()
                },
            }

    def restore(self, state: dict) -> None:
        """Replace everything with a snapshot; built aside first, so a bad document changes nothing."""
        accounts = state.get("accounts", {})
        if not isinstance(accounts, dict):
            raise BadRequest("backend.accounts must be an object")
        try:
            built: dict[str, Account] = {}
            for key, data in accounts.items():
                account = built[key] = Account()
                for raw in data.get("products", []):
                    product = {
                        name: raw.get(name, _default(name))
                        for name in (*PRODUCT_FIELDS, "created", "modified")
                    }
                    account.products[int(raw["id"])] = product
                    account.by_sku[product["sku"]] = int(raw["id"])
                account.next_id = max([int(data.get("next_id", 1)), *(i + 1 for i in account.products)])
                for raw in data.get("shipments", []):
                    lines = [Line(**line) for line in raw["lines"]]
                    if any(line.product_id not in account.products for line in lines):
                        raise ValueError(f"shipment {raw['reference']!r} names a product that is not there")
                    record = raw["record"]
                    missing = documented.RECORD_KEYS - set(record)
                    if missing:
                        raise ValueError(f"shipment {raw['reference']!r}: record lacks {sorted(missing)}")
                    account.shipments[raw["reference"]] = Shipment(
                        raw["reference"],
                        raw["created"],
                        bool(raw["locked"]),
                        raw["product_updates"],
                        lines,
                        record,
                    )
                account.booked = max(int(data.get("booked", 0)), len(account.shipments))
            tokens_issued = int(state.get("tokens_issued", 0))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadRequest(f"backend state is not one this mock wrote: {exc!r}") from None
        with self._lock:
            self.accounts = built
            self.tokens_issued = tokens_issued

    def run_jobs(self) -> dict:
        return {"ran": 0}  # nothing here is asynchronous


def effective_line(line: Line, live: dict[str, Any], locked: bool) -> dict[str, Any]:
    """What a shipment line books with: base values, the line's own price/weight, line-only fields."""
    base = line.booked if locked else live
    values = {
        name: base[name]
        for name in (
            "sku",
            "name",
            "barcode",
            "commodity_code",
            "commodity_description",
            "commodity_manucountry",
            "commodity_composition",
            "mid_code",
            "length",
            "width",
            "height",
        )
    }
    values.update(
        qty=line.qty,
        value=base["price"] if line.price is None else line.price,
        weight=base["weight"] if line.weight is None else line.weight,
        customisation=line.customisation or "",
        batch_number=line.batch_number or "",
    )
    return {name: values[name] for name in LINE_FIELDS}


def _shipment_state(shipment: Shipment) -> dict:
    return {
        "reference": shipment.reference,
        "created": shipment.created,
        "locked": shipment.locked,
        "product_updates": shipment.product_updates,
        "lines": [copy.deepcopy(line.__dict__) for line in shipment.lines],
        "record": copy.deepcopy(shipment.record),
    }


def _default(name: str) -> Any:
    return 0 if name in NUMBER_FIELDS else ""


def _answer(product: dict) -> dict:
    """A product as the API answers it: with `volume` after the dimensions, as the documented update
    example has it (vendor-notes §7, 2026-12-01). The control API leaves it out: it is derived, not held."""
    answer: dict[str, Any] = {}
    for name, value in product.items():
        answer[name] = value
        if name == "height":
            answer["volume"] = volume(product)
    return answer


def volume(product: dict) -> float:
    """length * width * height. The documents show 0.5 for 1 * 1 * 1 and say nothing more: a guess."""
    return round(float(product["length"]) * float(product["width"]) * float(product["height"]), 4)


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
