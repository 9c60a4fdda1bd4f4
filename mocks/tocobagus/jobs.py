"""Sync jobs and their batches: a job per accepted request, its rows processed batch by batch on the
mock's clock, its status read back. On completion the job is journaled and handed on for its webhook."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable

from mocks.kit.core import Mock

from .auth import store_config
from .errors import NotFound, ValidationFailed
from .ids import Ids, iso_time
from .store import EXTERNAL_ID_EXISTS, SKU_EXISTS, ProductStore
from .tables import Tables
from .validation import UUID_RE

# Called with a job that just completed, its webhook URL (or None) and the time.
OnComplete = Callable[[dict, "str | None", float], None]


class Jobs:
    def __init__(
        self,
        mock: Mock,
        tables: Tables,
        lock: threading.RLock,
        ids: Ids,
        store: ProductStore,
        on_complete: OnComplete,
    ) -> None:
        self.mock, self.tables, self._lock, self.ids = mock, tables, lock, ids
        self.store = store
        self.on_complete = on_complete

    def new_job(
        self,
        request_id: str,
        store: str,
        partner: str,
        request_seq: int | None,
        total: int,
        accepted: list[dict],
        errors: list[dict],
    ) -> dict:
        """The job of an accepted request: its accepted rows in batches, its failed rows already done."""
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

    def has_open(self) -> bool:
        with self._lock:
            return any(j["status"] != "COMPLETED" for j in self.tables.jobs.values())

    def run_batches(self, force: bool) -> int:
        """Process the batches that are due (every pending one if forced); complete the jobs they finish."""
        now = self.mock.clock.now()
        ran = 0
        with self._lock:
            for job in list(self.tables.jobs.values()):
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
        config = store_config(self.mock.settings, job["store"]) or {}
        warehouses = config.get("warehouses", [])
        rows = {r["rowIndex"]: r for r in job["rows"]}
        succeeded = failed = 0
        by_sku, by_ext = self.store.holders(job["store"])
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
            stored = self.store.create(job["store"], product, warehouses, now, job["requestId"])
            position = len(self.store.of(job["store"]))
            by_sku.setdefault(stored["sku"], (position, stored))
            by_ext.setdefault(stored["externalId"], (position, stored))
            row.update(status="SUCCEEDED", productId=stored["id"])
            succeeded += 1
        batch.update(status="COMPLETED", processedAt=now)
        job["status"] = "PROCESSING"
        journal_job(
            self.mock,
            "catalog.batch.processed",
            now,
            job,
            store=job["store"],
            batchId=batch["batchId"],
            succeeded=succeeded,
            failed=failed,
        )

    def _complete(self, job: dict, now: float) -> None:
        job.update(status="COMPLETED", completedAt=now)
        config = store_config(self.mock.settings, job["store"]) or {}
        url = config.get("webhook_url")
        journal_job(
            self.mock,
            "catalog.sync.completed",
            now,
            job,
            store=job["store"],
            summary=summary(job),
            rows=[{"rowIndex": r["rowIndex"], "sku": r["sku"], "status": r["status"]} for r in job["rows"]],
            webhook_url=url,
        )
        self.on_complete(job, url, now)

    # -- reads ----------
    def status(self, store: str, request_id: str) -> dict:
        """GET /partner/stores/catalog/{requestId} (checked with `check_request_id` first)."""
        with self._lock:
            job = self.tables.jobs.get(request_id)
            if job is None or job["store"] != store:
                raise NotFound({"requestId": request_id})
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
                    "rows": [_status_row(row) for row in job["rows"]],
                },
            }


def journal_job(mock: Mock, kind: str, at: float, item: dict, **detail: object) -> None:
    """Journal background work on a job (or on its webhook delivery) as a side effect of the request that
    started the job: at `at`, tied to its request seq, naming its requestId."""
    mock.journal.side_effect(kind, at, item["requestSeq"], requestId=item["requestId"], **detail)


def check_request_id(request_id: str) -> None:
    if not UUID_RE.fullmatch(request_id):
        raise ValidationFailed({"requestId": "requestId must be a UUID"})


def _status_row(row: dict) -> dict:
    item = {k: row[k] for k in ("rowIndex", "externalId", "sku", "status")}
    for key in ("productId", "error"):
        if key in row:
            item[key] = copy.deepcopy(row[key])
    return item


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
