"""Catalog sync intake: validate a request, check each row against the store and the request, queue the
accepted rows as a job, and shape the 202 body. Creation-only (§7): a row that would create a SKU or an
externalId the store holds, or one an earlier row of a pending request reserved, fails in data.errors."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

from mocks.kit.core import Mock

from .auth import store_config
from .errors import ValidationFailed
from .ids import Ids, iso_time
from .jobs import Jobs
from .store import EXTERNAL_ID_EXISTS, SKU_EXISTS, ProductStore
from .tables import Tables
from .validation import validate_sync_body

# Row-level codes in data.errors (the mock's choices, §7).
DUPLICATE_IN_REQUEST = "DUPLICATE_IN_REQUEST"
STOCK_AND_WAREHOUSES = "STOCK_AND_WAREHOUSES"
WAREHOUSE_NOT_FOUND = "WAREHOUSE_NOT_FOUND"
NO_WAREHOUSES = "STORE_HAS_NO_WAREHOUSES"


@dataclass
class Accepted:
    """What a sync request left behind: the rows queued and the rows failed at once."""

    request_id: str
    started: float
    total: int
    rows: list[dict]
    errors: list[dict]


class Intake:
    def __init__(
        self, mock: Mock, tables: Tables, lock: threading.RLock, ids: Ids, store: ProductStore, jobs: Jobs
    ) -> None:
        self.mock, self.tables, self._lock, self.ids = mock, tables, lock, ids
        self.store, self.jobs = store, jobs

    def accept(self, store: str, partner: str, body: Any, request_seq: int | None) -> Accepted:
        """Validate, check rows, queue the accepted ones as a job (journaled)."""
        started = self.mock.clock.now()
        problems = validate_sync_body(body)
        if problems:
            raise ValidationFailed(problems)
        config = store_config(self.mock.settings, store) or {}
        warehouses = [w["clientId"] for w in config.get("warehouses", [])]
        products: list[dict] = body["products"]
        with self._lock:
            skus, exts = self.store.taken(store)
            taken = (
                _Either(skus, self._pending("sku", store)),
                _Either(exts, self._pending("externalId", store)),
            )
            request_id = self.ids.next("request")
            accepted, errors = _check_rows(products, warehouses, taken)
            job = self.jobs.new_job(request_id, store, partner, request_seq, len(products), accepted, errors)
            self.tables.jobs[request_id] = job
            self.mock.journal.side_effect(
                "catalog.sync.accepted",
                started,
                request_seq,
                store=store,
                requestId=request_id,
                accepted=len(accepted),
                acceptedSkus=[r["sku"] for r in accepted],
                failed=len(errors),
                batches=[b["batchId"] for b in job["batches"]],
            )
        return Accepted(request_id, started, len(products), accepted, errors)

    def _pending(self, key: str, store: str) -> set[str]:
        """Values reserved by accepted rows not yet processed, so a resend cannot create twice."""
        if not self.mock.quirk("reserve_pending_rows"):
            return set()
        return {
            row[key]
            for job in self.tables.jobs.values()
            if job["store"] == store and job["status"] != "COMPLETED"
            for row in job["rows"]
            if row["status"] == "PENDING"
        }


def response(accepted: Accepted, now: float) -> dict:
    """The 202 body of an accepted sync request."""
    return {
        "success": True,
        "message": "Catalog sync request accepted",
        "requestId": accepted.request_id,
        "meta": {
            "timestamp": iso_time(accepted.started),
            "durationMs": max(0, round((now - accepted.started) * 1000)),
            "dispatch": bool(accepted.rows),
        },
        "data": {
            "summary": {
                "total": accepted.total,
                "failed": len(accepted.errors),
                "pending": len(accepted.rows),
            },
            "acceptedRows": [{k: r[k] for k in ("rowIndex", "externalId", "sku")} for r in accepted.rows],
            "errors": accepted.errors,
        },
    }


def _check_rows(
    products: list[dict], warehouses: list[str], taken: tuple[_Either, _Either]
) -> tuple[list[dict], list[dict]]:
    """The rows to queue (PENDING, with their payload) and the rows failed at once, in request order."""
    accepted: list[dict] = []
    errors: list[dict] = []
    seen_skus: set[str] = set()
    seen_ext: set[str] = set()
    for index, raw in enumerate(products):
        product = _normalise(raw)
        problem = _row_problem(product, warehouses, taken, seen_skus, seen_ext)
        seen_skus.add(product["sku"])
        seen_ext.add(product["externalId"])
        row = {"rowIndex": index, "externalId": product["externalId"], "sku": product["sku"]}
        if problem:
            errors.append({**row, "code": problem[0], "message": problem[1]})
        else:
            accepted.append({**row, "status": "PENDING", "payload": product})
    return accepted, errors


def _row_problem(
    product: dict,
    warehouses: list[str],
    taken: tuple[_Either, _Either],
    seen_skus: set[str],
    seen_ext: set[str],
) -> tuple[str, str] | None:
    sku, ext = product["sku"], product["externalId"]
    if sku in seen_skus:
        return DUPLICATE_IN_REQUEST, f"Duplicate sku {sku} in request"
    if ext in seen_ext:
        return DUPLICATE_IN_REQUEST, f"Duplicate externalId {ext} in request"
    if sku in taken[0]:
        return SKU_EXISTS, f"Product with sku {sku} already exists"
    if ext in taken[1]:
        return EXTERNAL_ID_EXISTS, f"Product with externalId {ext} already exists"
    given = product.get("warehouses")
    if given is not None and product.get("stock") is not None:
        return STOCK_AND_WAREHOUSES, "Use either stock or warehouses, not both"
    if given is not None:
        if not warehouses:
            return NO_WAREHOUSES, "Store has no warehouses; use stock"
        for entry in given:
            if entry["clientId"] not in warehouses:
                return WAREHOUSE_NOT_FOUND, f"Warehouse {entry['clientId']} not found"
        ids = [entry["clientId"] for entry in given]
        if len(set(ids)) != len(ids):
            return WAREHOUSE_NOT_FOUND, "Warehouse clientIds must be unique"
    return None


def _normalise(raw: dict) -> dict:
    """A validated row as stored: integral floats (3.0) become ints, as JSON numbers in JS are."""

    def fix(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    return fix(copy.deepcopy(raw))


class _Either:
    """Membership in either of two sets, without copying the larger (the store's) into a union."""

    def __init__(self, first: set, second: set) -> None:
        self.first, self.second = first, second

    def __contains__(self, value: object) -> bool:
        return value in self.first or value in self.second
