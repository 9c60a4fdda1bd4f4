"""Indexes of one account's catalogue, so that a page of `GET /products` costs O(page + log n) for the
default order (productId) and for the exact SKU filter, however large the catalogue grows.

Kept in step with every write through `Account.put`. Other filters and sorts still read every product
(they are rarer, and a page of them stays linear, as the issue allows).
"""

from __future__ import annotations

from sortedcontainers import SortedList


def sku_key(sku: str | None) -> str:
    """The SKU filter matches exactly, ignoring case (vendor-notes §2)."""
    return (sku or "").casefold()


def _indexed(product: dict) -> tuple[int, bool, str]:
    """What the indexes read of a product."""
    return product["productId"], product["active"] is not False, sku_key(product["sku"])


class CatalogueIndex:
    def __init__(self) -> None:
        self.ids: SortedList = SortedList()  # every productId
        self.shown: SortedList = SortedList()  # productIds listed without showInactive (active is not false)
        self.by_sku: dict[str, SortedList] = {}  # sku_key -> productIds

    def replace(self, old: dict | None, new: dict) -> None:
        if old is not None:
            if _indexed(old) == _indexed(new):
                return  # most updates change no indexed field: nothing to move
            self._remove(old)
        product_id = new["productId"]
        self.ids.add(product_id)
        if new["active"] is not False:
            self.shown.add(product_id)
        self.by_sku.setdefault(sku_key(new["sku"]), SortedList()).add(product_id)

    def _remove(self, product: dict) -> None:
        product_id = product["productId"]
        self.ids.discard(product_id)
        self.shown.discard(product_id)
        key = sku_key(product["sku"])
        same = self.by_sku.get(key)
        if same is not None:
            same.discard(product_id)
            if not same:
                del self.by_sku[key]

    def page(self, show_inactive: bool, descending: bool, start: int, size: int) -> tuple[list[int], int]:
        """The productIds of one page in productId order, and how many there are in all."""
        ids = self.ids if show_inactive else self.shown
        total = len(ids)
        if not descending:
            return list(ids[start : start + size]), total
        low, high = max(0, total - start - size), max(0, total - start)
        return list(reversed(ids[low:high])), total

    def with_sku(self, sku: str) -> list[int]:
        return list(self.by_sku.get(sku_key(sku), ()))
