"""What a Shiptheory account holds: products by internal id, shipments with their booked lines; a line's
effective values; and the account as a snapshot document and back."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .catalogue import PRODUCT_FIELDS, default_value
from .shipment_views import RECORD_KEYS

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

    def to_state(self) -> dict[str, Any]:
        return {
            "next_id": self.next_id,
            "booked": self.booked,
            "products": [{"id": i, **self.products[i]} for i in sorted(self.products)],
            "shipments": [_shipment_state(s) for s in self.shipments.values()],
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Account:
        """An account from its snapshot; raises KeyError, TypeError or ValueError on one this mock did not
        write (a line naming no product, a record missing a documented part)."""
        account = cls()
        for raw in data.get("products", []):
            product = {
                name: raw.get(name, default_value(name)) for name in (*PRODUCT_FIELDS, "created", "modified")
            }
            account.products[int(raw["id"])] = product
            account.by_sku[product["sku"]] = int(raw["id"])
        account.next_id = max([int(data.get("next_id", 1)), *(i + 1 for i in account.products)])
        for raw in data.get("shipments", []):
            lines = [Line(**line) for line in raw["lines"]]
            if any(line.product_id not in account.products for line in lines):
                raise ValueError(f"shipment {raw['reference']!r} names a product that is not there")
            record = raw["record"]
            missing = RECORD_KEYS - set(record)
            if missing:
                raise ValueError(f"shipment {raw['reference']!r}: record lacks {sorted(missing)}")
            account.shipments[raw["reference"]] = Shipment(
                raw["reference"], raw["created"], bool(raw["locked"]), raw["product_updates"], lines, record
            )
        account.booked = max(int(data.get("booked", 0)), len(account.shipments))
        return account


def effective_line(line: Line, live: dict[str, Any], locked: bool) -> dict[str, Any]:
    """What a shipment line books with: base values, the line's own price/weight, line-only fields."""
    base = line.booked if locked else live
    own = {
        "qty": line.qty,
        "value": base["price"] if line.price is None else line.price,
        "weight": base["weight"] if line.weight is None else line.weight,
        "customisation": line.customisation or "",
        "batch_number": line.batch_number or "",
    }
    return {name: own[name] if name in own else base[name] for name in LINE_FIELDS}


def _shipment_state(shipment: Shipment) -> dict[str, Any]:
    return {
        "reference": shipment.reference,
        "created": shipment.created,
        "locked": shipment.locked,
        "product_updates": shipment.product_updates,
        "lines": [copy.deepcopy(line.__dict__) for line in shipment.lines],
        "record": copy.deepcopy(shipment.record),
    }
