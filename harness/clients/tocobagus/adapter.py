"""The property runs' view of Tocobagus: which journal entries are writes, what they created or refused,
and how to build the reference client with its receiver wired to the in-process mock."""

from __future__ import annotations

import json
from typing import Any

import requests

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.transport import WSGIAdapter

from ...catalog import Product, normalise_sku
from ...strategies import vendor_records
from .client import SYNC_PATH, TocobagusClient
from .mapping import TocobagusMapping, to_vendor, validation_reason
from .receiver import WebhookReceiver

RECEIVER_URL = "http://receiver/hooks/tocobagus"


def _body(entry: dict) -> dict:
    try:
        data = json.loads(entry.get("body") or "{}")
    except (ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def _response(entry: dict) -> dict:
    try:
        data = json.loads(entry.get("response_body") or "{}")
    except (ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


class TocobagusAdapter(TocobagusMapping):
    name = "tocobagus"
    can_create = True
    announces_remaining = False
    max_retries = 3
    ignored_fields = ("updatedAt",)

    def is_write(self, entry: dict) -> bool:
        return entry.get("method") == "POST" and entry.get("path", "").endswith(SYNC_PATH)

    def _rows(self, entry: dict) -> list[dict]:
        products = _body(entry).get("products")
        return [p for p in products if isinstance(p, dict)] if isinstance(products, list) else []

    def rejections(self, entry: dict) -> list[tuple[str, str]]:
        """Row errors of a 202 (data.errors), and the rows a VAL_001 names."""
        if not self.is_write(entry):
            return []
        answer = _response(entry)
        if entry["status"] == 202:
            return [(e["sku"], e["message"]) for e in answer.get("data", {}).get("errors", [])]
        if entry["status"] == 400 and answer.get("error", {}).get("code") == "VAL_001":
            rows = answer["error"]["details"]["context"]["validationErrors"].get("products")
            if isinstance(rows, dict):
                sent = self._rows(entry)
                return [
                    (sent[int(i)].get("sku"), validation_reason(node))
                    for i, node in rows.items()
                    if i.isdigit() and int(i) < len(sent) and isinstance(sent[int(i)].get("sku"), str)
                ]
        return []

    def written_skus(self, entry: dict) -> list[str]:
        return (
            [p["sku"] for p in self._rows(entry) if isinstance(p.get("sku"), str)]
            if self.is_write(entry)
            else []
        )

    def created_skus(self, entry: dict) -> list[str]:
        if not self.is_write(entry) or entry["status"] != 202:
            return []
        return [r["sku"] for r in _response(entry).get("data", {}).get("acceptedRows", [])]

    # -- for property runs ---------------------------------------------------------------------------------
    fault_targets = [("POST", r"/partner/stores/catalog/sync$"), ("GET", r"/partner/stores/products$")]

    def existing_records(self, remote: list[Product]) -> Any:
        """What the store holds: mapped fields plus fields only Tocobagus has, which must survive."""
        from hypothesis import strategies as st

        vendor_only = st.fixed_dictionaries(
            {},
            optional={
                "stock": st.integers(0, 500),
                "specialPrice": st.integers(0, 10_000),
                "minOrder": st.integers(1, 5),
                "photos": st.just(["https://img.example/p.jpg"]),
                "codEnabled": st.booleans(),
            },
        )

        def record(p: Product) -> dict:
            mapped = {k: v for k, v in to_vendor(p).items() if v is not None}
            return {**mapped, "sku": p.sku, "externalId": f"legacy-{normalise_sku(p.sku)}"}

        return vendor_records(remote, record, vendor_only)

    def make_client(self, *, base_url: str, session: requests.Session, clock: Clock) -> TocobagusClient:
        client = TocobagusClient(base_url, session=session, clock=clock)
        attach_receiver(session, client.receiver)
        return client


ADAPTER = TocobagusAdapter()


def attach_receiver(session: requests.Session, receiver: WebhookReceiver, url: str = RECEIVER_URL) -> None:
    """In-process wiring for property runs: the mock behind `session` delivers webhooks to `receiver`."""
    app = getattr(session.get_adapter("http://mock/"), "app", None)
    if app is None:
        return
    backend = Mock.of(app).backend
    backend.webhook_session.mount(url.rsplit("/", 2)[0] + "/", WSGIAdapter(receiver.app))
    Mock.of(app).update_settings({"webhook_url": url})
