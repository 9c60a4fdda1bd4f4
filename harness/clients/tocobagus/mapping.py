"""Canonical product ↔ Tocobagus row: field names and units (grams, centimetres, integer IDR).

Kept apart from the client so the adapter, the client and the checks share one statement of the mapping.
"""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ...catalog import Product, normalise_sku
from ...sync import MappedAdapter

EXTERNAL_ID_NAMESPACE = uuid.UUID("0b8c4d1e-6a57-4c1b-9d3f-3a2e1f0c5b7d")
# Category fields are UUIDs at Tocobagus; the canonical product has none, so a client is configured
# with the store's category, sub-category and type (these are the test store's).
DEFAULT_CATEGORY = {
    "categoryId": "2fde2994-28a8-4d09-a128-6d744b9e1323",
    "subCategoryId": "0e882586-c506-4792-a831-02767a68dae2",
    "typeId": "d86db295-41c3-423d-a2c2-a59724f38316",
}


def external_id(sku: str) -> str:
    """Stable per product: the same source SKU always maps to the same externalId."""
    return str(uuid.uuid5(EXTERNAL_ID_NAMESPACE, normalise_sku(sku)))


def _whole(value: Decimal | None, factor: int = 1) -> int | None:
    return None if value is None else int((value * factor).quantize(Decimal(1), ROUND_HALF_UP))


def to_vendor(product: Product, category: dict[str, str] | None = None) -> dict[str, Any]:
    """The fields the source owns, in Tocobagus names and units (IDR integers, grams, centimetres)."""
    dims = [_whole(product.length_cm), _whole(product.width_cm), _whole(product.height_cm)]
    return {
        "name": product.name,
        "description": product.description,
        "price": _whole(product.price) or 0,  # required by the API; an unpriced product is sent at 0
        "weight": _whole(product.weight_kg, 1000),
        # All three or none: the nested DTO requires each of them.
        "dimensions": dict(zip(("length", "width", "height"), dims, strict=True))
        if None not in dims
        else None,
        "hashtags": list(product.tags) or None,
        "isArchived": not product.active,
        "condition": "NEW",
        **(category or DEFAULT_CATEGORY),
    }


def to_row(product: Product, category: dict[str, str] | None = None) -> dict[str, Any]:
    fields = {k: v for k, v in to_vendor(product, category).items() if v is not None}
    return {"externalId": external_id(product.sku), "sku": product.sku, **fields}


def differences(product: Product, record: dict, category: dict[str, str] | None = None) -> list[str]:
    return [
        name
        for name, value in to_vendor(product, category).items()
        if (value if value != [] else None) != (record.get(name) if record.get(name) != [] else None)
    ]


class TocobagusMapping(MappedAdapter):
    """What a sync plan needs of Tocobagus: the owned fields, and which products count as changed."""

    to_vendor = staticmethod(to_vendor)

    def changed_fields(self, product: Product, record: dict) -> list[str]:
        """Creation-only: a product the sync did not create cannot be changed through it, so only
        products a catalog sync created are held to the source's values. Others are reported stale."""
        if "syncRequestId" not in record:
            return []
        return differences(product, record)


MAPPING = TocobagusMapping()


def validation_reason(node: Any) -> str:
    """One VAL_001 row as text: "field: message; dimensions.length: message"."""
    parts: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else key, inner)
        else:
            parts.append(f"{prefix}: {value}" if prefix else str(value))

    walk("", node)
    return "; ".join(parts)
