"""Tocobagus (Omni) partner API: state and every behaviour. No Flask here.

Facts and decisions: vendor-notes §4 and §7 (Tocobagus). The catalog sync is creation-only and
asynchronous: a request is validated, its rows checked against the store, and the accepted rows are
processed in batches on the mock's clock. On completion a signed `catalog.sync.completed` webhook goes
to the store's URL, retried with backoff. Everything time-based reads `mock.clock`.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Mapping
from typing import Any

import requests

from mocks.kit.app import Mock, MockError

from . import signing, webhooks
from .errors import (
    InvalidSignature,
    InvalidStoreToken,
    InvalidTimestamp,
    MissingAuthHeaders,
    NotFound,
    ReplayedRequest,
    StoreNotFound,
    UnknownPartner,
    ValidationFailed,
)
from .ids import Ids, iso_time
from .replay import ReplayCache
from .retention import Retention
from .validation import UUID_RE, is_int, validate_list_query, validate_sync_body

TIMESTAMP_WINDOW = 300.0  # seconds either side of the mock's clock (§7)
WEBHOOK_BACKOFF = webhooks.BACKOFF
WEBHOOK_EVENT = webhooks.EVENT

# Row-level codes in data.errors and in processing results (the mock's choices, §7).
SKU_EXISTS = "SKU_ALREADY_EXISTS"
EXTERNAL_ID_EXISTS = "EXTERNAL_ID_ALREADY_EXISTS"
DUPLICATE_IN_REQUEST = "DUPLICATE_IN_REQUEST"
STOCK_AND_WAREHOUSES = "STOCK_AND_WAREHOUSES"
WAREHOUSE_NOT_FOUND = "WAREHOUSE_NOT_FOUND"
NO_WAREHOUSES = "STORE_HAS_NO_WAREHOUSES"


class TocobagusBackend:
    default_account = "str_test"

    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        self._lock = threading.RLock()
        self.ids = Ids()
        # Webhooks go out through this session; the harness mounts an in-process adapter on it.
        self.webhook_session = requests.Session()
        self.webhooks = webhooks.Webhooks(self)
        self._reset_state()
        mock.clock.on_advance(lambda _now: self._advanced())

    def _reset_state(self) -> None:
        self.stores: dict[str, dict[str, dict]] = {}  # store client id -> product id -> product
        self.jobs: dict[str, dict] = {}  # requestId -> job
        self.deliveries: dict[str, dict] = {}  # deliveryId -> webhook delivery
        self.replay = ReplayCache()
        self._taken: dict[str, tuple[set, set]] = {}  # store -> its SKUs and externalIds (see taken())
        self.retention = Retention()  # rebuilds its order from jobs and deliveries (after a restore)
        self.fault_fired: dict[int, int] = {}
        self._fault_rules: Any = None
        self.seq = 0  # creation order, the tie-break of every sort

    # -- settings ----------
    def store_config(self, store: str) -> dict | None:
        config = self.mock.settings["stores"].get(store)
        if config is None:
            return None
        return {
            "webhook_url": self.mock.settings["webhook_url"],
            "warehouses": self.mock.settings["warehouses"],
            **config,
        }

    # -- auth ----------
    def authenticate(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, store_scoped: bool = True
    ) -> tuple[str, str | None]:
        """(partner client id, store client id), or the AUTH_xxx error (§7 order of checks)."""
        partner = headers.get("x-partner-client-id")
        store = headers.get("x-store-client-id")
        token = headers.get("x-store-token")
        timestamp = headers.get("x-timestamp")
        signature = headers.get("x-signature")
        missing = [
            name
            for name, value in (
                ("x-partner-client-id", partner),
                ("x-timestamp", timestamp),
                ("x-signature", signature),
            )
            if not value
        ]
        if store_scoped and not store:
            missing.append("x-store-client-id")
        if store and not token:
            missing.append("x-store-token")  # required whenever x-store-client-id is sent
        if missing:
            raise MissingAuthHeaders({"missingHeaders": missing})
        assert partner and timestamp and signature
        secret = self.mock.settings["partners"].get(partner)
        if secret is None:
            raise UnknownPartner({"partnerClientId": partner})
        now = self.mock.clock.now()
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 16):
            raise InvalidTimestamp({"partnerClientId": partner, "reason": "malformed"})
        skew = int(timestamp) / 1000 - now
        if abs(skew) > TIMESTAMP_WINDOW:
            raise InvalidTimestamp(
                {
                    "partnerClientId": partner,
                    "reason": "outside window",
                    "serverTime": iso_time(now),
                    "skewSeconds": round(skew, 3),
                }
            )
        signed = {name: headers[name] for name in signing.SIGNED_HEADERS if headers.get(name) is not None}
        variant = self.mock.quirk("signing_path")
        if not signing.verify(secret, method, path, signed, body, signature, variant):
            raise InvalidSignature({"partnerClientId": partner})
        self._check_replay(signing.parse_signature(signature), int(timestamp) / 1000, now, partner)
        if store is None:
            return partner, None
        config = self.store_config(store)
        if config is None or config.get("partnerClientId", partner) != partner:
            raise StoreNotFound({"storeClientId": store})
        expires = config.get("expiresAt")
        if (
            config.get("revoked")
            or (expires is not None and now >= expires)
            or not _same(config.get("token", ""), token or "")
        ):
            raise InvalidStoreToken({"storeClientId": store})
        return partner, store

    def _check_replay(self, signature: str, stamped: float, now: float, partner: str) -> None:
        with self._lock:
            if not self.replay.admit(signature, stamped + TIMESTAMP_WINDOW, now):
                raise ReplayedRequest({"partnerClientId": partner})

    # -- catalog sync ----------
    def sync(self, store: str, partner: str, body: Any, request_seq: int | None = None) -> dict:
        """Validate, check rows, queue the accepted ones; the 202 body."""
        started = self.mock.clock.now()
        problems = validate_sync_body(body)
        if problems:
            raise ValidationFailed(problems)
        config = self.store_config(store) or {}
        warehouses = [w["clientId"] for w in config.get("warehouses", [])]
        products: list[dict] = body["products"]
        with self._lock:
            skus, exts = self.taken(store)
            taken_skus = _Either(skus, self._pending("sku", store))
            taken_ext = _Either(exts, self._pending("externalId", store))
            request_id = self.ids.next("request")
            accepted: list[dict] = []
            errors: list[dict] = []
            seen_skus: set[str] = set()
            seen_ext: set[str] = set()
            for index, raw in enumerate(products):
                product = _normalise(raw)
                problem = self._row_problem(product, warehouses, taken_skus, taken_ext, seen_skus, seen_ext)
                seen_skus.add(product["sku"])
                seen_ext.add(product["externalId"])
                row = {"rowIndex": index, "externalId": product["externalId"], "sku": product["sku"]}
                if problem:
                    errors.append({**row, "code": problem[0], "message": problem[1]})
                else:
                    accepted.append({**row, "status": "PENDING", "payload": product})
            job = self._new_job(request_id, store, partner, request_seq, len(products), accepted, errors)
            self.jobs[request_id] = job
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
        self.tick()  # with processing_delay_seconds 0 the work is due at once
        self.webhooks.wake(work=bool(accepted))
        return {
            "success": True,
            "message": "Catalog sync request accepted",
            "requestId": request_id,
            "meta": {
                "timestamp": iso_time(started),
                "durationMs": max(0, round((self.mock.clock.now() - started) * 1000)),
                "dispatch": bool(accepted),
            },
            "data": {
                "summary": {"total": len(products), "failed": len(errors), "pending": len(accepted)},
                "acceptedRows": [{k: r[k] for k in ("rowIndex", "externalId", "sku")} for r in accepted],
                "errors": errors,
            },
        }

    def _row_problem(
        self,
        product: dict,
        warehouses: list[str],
        taken_skus: _Either,
        taken_ext: _Either,
        seen_skus: set[str],
        seen_ext: set[str],
    ) -> tuple[str, str] | None:
        sku, ext = product["sku"], product["externalId"]
        if sku in seen_skus:
            return DUPLICATE_IN_REQUEST, f"Duplicate sku {sku} in request"
        if ext in seen_ext:
            return DUPLICATE_IN_REQUEST, f"Duplicate externalId {ext} in request"
        if sku in taken_skus:
            return SKU_EXISTS, f"Product with sku {sku} already exists"
        if ext in taken_ext:
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

    def taken(self, store: str) -> tuple[set, set]:
        """The SKUs and externalIds the store holds. Built once, then kept in step by batches (a seed
        drops it), so a sync costs O(rows), not O(rows + store). Under the lock."""
        index = self._taken.get(store)
        if index is None:
            products = self._store(store).values()
            index = {_text(p.get("sku")) for p in products}, {_text(p.get("externalId")) for p in products}
            self._taken[store] = index
        return index

    def _pending(self, key: str, store: str) -> set[str]:
        """Values reserved by accepted rows not yet processed, so a resend cannot create twice."""
        if not self.mock.quirk("reserve_pending_rows"):
            return set()
        return {
            row[key]
            for job in self.jobs.values()
            if job["store"] == store and job["status"] != "COMPLETED"
            for row in job["rows"]
            if row["status"] == "PENDING"
        }

    def _new_job(
        self,
        request_id: str,
        store: str,
        partner: str,
        request_seq: int | None,
        total: int,
        accepted: list[dict],
        errors: list[dict],
    ) -> dict:
        now = self.mock.clock.now()
        size = self.mock.settings["batch_size"]
        delay = self.mock.settings["processing_delay_seconds"]
        batches = [
            {
                "batchId": self.ids.next("batch"),
                "status": "PENDING",
                "rowIndexes": [r["rowIndex"] for r in accepted[i : i + size]],
                "dueAt": now + delay * (n + 1),
                "processedAt": None,
            }
            for n, i in enumerate(range(0, len(accepted), size))
        ]
        rows = accepted + [
            {
                "rowIndex": e["rowIndex"],
                "externalId": e["externalId"],
                "sku": e["sku"],
                "status": "FAILED",
                "error": {"code": e["code"], "message": e["message"]},
            }
            for e in errors
        ]
        rows.sort(key=lambda r: r["rowIndex"])
        return {
            "requestId": request_id,
            "store": store,
            "partner": partner,
            "requestSeq": request_seq,
            "createdAt": now,
            "completedAt": None,
            "status": "PENDING" if batches else "PROCESSING",
            "total": total,
            "rows": rows,
            "batches": batches,
        }

    # -- background work ----------
    def tick(self) -> dict:
        """On a request: run the batches that are due, and let the old finished work go. Webhooks are
        never sent here (see webhooks.py): a receiver that hangs must not hold up a request."""
        ran = self.run_due_batches()
        self.webhooks.wake()  # a real clock may have been switched on with work pending
        return {"ran": ran, "webhooks": 0}

    def run_due_batches(self) -> int:
        with self._lock:
            ran = self._run_batches(force=False)
            now = self.mock.clock.now()
            self.retention.prune(self.jobs, self.deliveries, self.mock.settings["retention"], now)
        return ran

    def _advanced(self) -> None:
        """A virtual clock moved: what fell due runs now, in the advancing thread, in order."""
        self.run_due_batches()
        self.webhooks.send_due()

    def run_jobs(self) -> dict:
        """POST /__mock__/jobs/run: every batch now, then every webhook attempt that is due."""
        with self._lock:
            ran = self._run_batches(force=True)
        sent = self.webhooks.send_due()
        self.webhooks.wake(work=True)  # retries on a real clock
        return {"ran": ran, "webhooks": sent}

    def has_open_jobs(self) -> bool:
        with self._lock:
            return any(j["status"] != "COMPLETED" for j in self.jobs.values())

    def finished(self, kind: str, key: str, at: float) -> None:
        """A job completed or a delivery ended for good: it may now age out (retention.py)."""
        self.retention.finished(kind, key, at)

    def _run_batches(self, force: bool) -> int:
        now = self.mock.clock.now()
        ran = 0
        with self._lock:
            for job in list(self.jobs.values()):
                if job["status"] == "COMPLETED":
                    continue
                for batch in job["batches"]:
                    if batch["status"] == "PENDING" and (force or batch["dueAt"] <= now):
                        self._process_batch(job, batch, now)
                        ran += 1
                if all(b["status"] == "COMPLETED" for b in job["batches"]):
                    self._complete(job, now)
        return ran

    def _process_batch(self, job: dict, batch: dict, now: float) -> None:
        store = self._store(job["store"])
        config = self.store_config(job["store"]) or {}
        warehouses = config.get("warehouses", [])
        rows = {r["rowIndex"]: r for r in job["rows"]}
        succeeded = failed = 0
        # One pass over the store for the whole batch (not one per row): the first product, in store
        # order, holding each sku and each externalId.
        by_sku: dict[Any, tuple[int, dict]] = {}
        by_ext: dict[Any, tuple[int, dict]] = {}
        for position, p in enumerate(store.values()):
            by_sku.setdefault(_text(p.get("sku")), (position, p))
            by_ext.setdefault(_text(p.get("externalId")), (position, p))
        for index in batch["rowIndexes"]:
            row = rows[index]
            product = row.pop("payload")
            # Creation-only, checked again: another request may have created it since acceptance.
            hits = [h for h in (by_sku.get(product["sku"]), by_ext.get(product["externalId"])) if h]
            clash = min(hits, key=lambda h: h[0])[1] if hits else None
            if clash is not None:
                code = SKU_EXISTS if clash["sku"] == product["sku"] else EXTERNAL_ID_EXISTS
                what = "sku" if code == SKU_EXISTS else "externalId"
                row.update(
                    status="FAILED",
                    error={"code": code, "message": f"Product with {what} {product[what]} already exists"},
                )
                failed += 1
                continue
            stored = self._create(job["store"], product, warehouses, now, job["requestId"])
            store[stored["id"]] = stored
            if (taken := self._taken.get(job["store"])) is not None:
                taken[0].add(stored["sku"])
                taken[1].add(stored["externalId"])
            by_sku.setdefault(stored["sku"], (len(store), stored))
            by_ext.setdefault(stored["externalId"], (len(store), stored))
            row.update(status="SUCCEEDED", productId=stored["id"])
            succeeded += 1
        batch.update(status="COMPLETED", processedAt=now)
        job["status"] = "PROCESSING"
        self.mock.journal.side_effect(
            "catalog.batch.processed",
            now,
            job["requestSeq"],
            store=job["store"],
            requestId=job["requestId"],
            batchId=batch["batchId"],
            succeeded=succeeded,
            failed=failed,
        )

    def _create(self, store: str, product: dict, warehouses: list[dict], now: float, request_id: str) -> dict:
        self.seq += 1
        allocation = allocate(product, warehouses)
        stored = {"id": self.ids.next("product"), **{k: v for k, v in product.items() if k != "warehouses"}}
        stored["stock"] = sum(a["stock"] for a in allocation) if allocation else product.get("stock") or 0
        stored["warehouses"] = allocation
        stored.update(
            syncRequestId=request_id, createdAt=iso_time(now), updatedAt=iso_time(now), _seq=self.seq
        )
        return stored

    def _complete(self, job: dict, now: float) -> None:
        job.update(status="COMPLETED", completedAt=now)
        config = self.store_config(job["store"]) or {}
        url = config.get("webhook_url")
        self.mock.journal.side_effect(
            "catalog.sync.completed",
            now,
            job["requestSeq"],
            store=job["store"],
            requestId=job["requestId"],
            summary=summary(job),
            rows=[{"rowIndex": r["rowIndex"], "sku": r["sku"], "status": r["status"]} for r in job["rows"]],
            webhook_url=url,
        )
        self.finished("job", job["requestId"], now)
        if url:
            self.webhooks.queue(job, url, now)

    # -- reads ----------
    def sync_status(self, store: str, request_id: str) -> dict:
        if not UUID_RE.fullmatch(request_id):
            raise ValidationFailed({"requestId": "requestId must be a UUID"})
        self.tick()
        with self._lock:
            job = self.jobs.get(request_id)
            if job is None or job["store"] != store:
                raise NotFound({"requestId": request_id})
            rows = []
            for row in job["rows"]:
                item = {k: row[k] for k in ("rowIndex", "externalId", "sku", "status")}
                for key in ("productId", "error"):
                    if key in row:
                        item[key] = copy.deepcopy(row[key])
                rows.append(item)
            return {
                "success": True,
                "requestId": request_id,
                "meta": {"timestamp": iso_time(self.mock.clock.now())},
                "data": {
                    "requestId": request_id,
                    "status": job["status"],
                    "createdAt": iso_time(job["createdAt"]),
                    "completedAt": iso_time(job["completedAt"]) if job["completedAt"] else None,
                    "summary": summary(job),
                    "batches": [
                        {"batchId": b["batchId"], "status": b["status"], "size": len(b["rowIndexes"])}
                        for b in job["batches"]
                    ],
                    "rows": rows,
                },
            }

    def list_products(self, store: str, query: dict[str, str]) -> dict:
        params, errors = validate_list_query(query)
        if errors:
            raise ValidationFailed(errors)
        self.tick()
        with self._lock:
            found = list(self._store(store).values())
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

    # -- control (Backend protocol) ----------
    def _store(self, store: str) -> dict[str, dict]:
        return self.stores.setdefault(store, {})

    def products(self, account: str) -> list[dict]:
        with self._lock:
            return [public(p) for p in sorted(self._store(account).values(), key=lambda p: p["_seq"])]

    def seed(self, account: str, products: list[Any]) -> list[dict]:
        """Add products as the store would hold them (e.g. created before the sync under test)."""
        now = self.mock.clock.now()
        stored = []
        with self._lock:
            store = self._store(account)
            self._taken.pop(account, None)  # a seed may replace a product: built again when next needed
            for index, raw in enumerate(products):
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
                stock = product.get("stock")
                if not is_int(stock):
                    product["stock"] = sum(w.get("stock", 0) for w in product["warehouses"])
                product.setdefault("createdAt", iso_time(now))
                product.setdefault("updatedAt", product["createdAt"])
                self.seq += 1
                product["_seq"] = self.seq
                store[product["id"]] = product
                stored.append(public(product))

        return stored

    def reset(self) -> None:
        with self._lock:
            self._reset_state()
            self.ids.reset()

    def snapshot(self) -> dict:
        with self._lock:
            return copy.deepcopy(
                {
                    "stores": {s: list(p.values()) for s, p in self.stores.items()},
                    "jobs": list(self.jobs.values()),
                    "deliveries": list(self.deliveries.values()),
                    "ids": self.ids.counters,
                    "seq": self.seq,
                }
            )

    def restore(self, state: dict) -> None:
        stores, jobs = state.get("stores", {}), state.get("jobs", [])
        if not isinstance(stores, dict) or not isinstance(jobs, list):
            raise MockError("backend.stores must be an object and backend.jobs a list")
        with self._lock:
            self._reset_state()
            self.stores = {s: {p["id"]: copy.deepcopy(p) for p in items} for s, items in stores.items()}
            self.jobs = {j["requestId"]: copy.deepcopy(j) for j in jobs}
            self.deliveries = {d["deliveryId"]: d for d in copy.deepcopy(state.get("deliveries", []))}
            self.ids.counters = dict(state.get("ids", {}))
            self.seq = state.get("seq", 0)
        self.webhooks.wake(work=True)


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


def summary(job: dict) -> dict:
    counts = {"PENDING": 0, "SUCCEEDED": 0, "FAILED": 0}
    for row in job["rows"]:
        counts[row["status"]] += 1
    return {
        "total": job["total"],
        "pending": counts["PENDING"],
        "succeeded": counts["SUCCEEDED"],
        "failed": counts["FAILED"],
    }


def public(product: dict) -> dict:
    return {k: copy.deepcopy(v) for k, v in product.items() if not k.startswith("_")}


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


def _text(value: Any) -> str | None:
    """A seeded value as an index key: only strings can equal a synced row's (validated) sku/externalId."""
    return value if isinstance(value, str) else None


class _Either:
    """Membership in either of two sets, without copying the larger (the store's) into a union."""

    def __init__(self, first: set, second: set) -> None:
        self.first, self.second = first, second

    def __contains__(self, value: object) -> bool:
        return value in self.first or value in self.second


def _sort_value(value: Any) -> tuple[int, Any]:
    """Comparable across types, so odd seeded data sorts instead of raising."""
    if value is None:
        return (0, 0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    if isinstance(value, str):
        return (2, value.casefold())
    return (3, str(value))


def _same(expected: str, given: str) -> bool:
    import hmac

    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
