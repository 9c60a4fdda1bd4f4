"""Tocobagus (Omni) partner API backend: a thin facade over the modules that do the work. No Flask here.

Facts and decisions: vendor-notes §4 and §7 (Tocobagus). The catalog sync is creation-only and
asynchronous: a request is validated, its rows checked against the store, and the accepted rows are
processed in batches on the mock's clock. On completion a signed `catalog.sync.completed` webhook goes
to the store's URL, retried with backoff. Everything time-based reads `mock.clock`.

    auth.py     HMAC signature, timestamp window, replay, store tokens
    intake.py   sync request validation, row checks, queuing
    jobs.py     jobs, batches, job status
    store.py    the products store, its SKU/externalId index, seeding, listing
    webhooks.py signed deliveries with retries, off the request path
    tables.py   the state they share; retention.py and replay.py bound it
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mocks.kit.core import Mock, MockError

from . import intake, webhooks
from .auth import TIMESTAMP_WINDOW, Auth
from .ids import Ids
from .jobs import Jobs, check_request_id, summary
from .replay import ReplayCache
from .store import ProductStore, allocate, list_query, public
from .tables import Tables

if TYPE_CHECKING:
    import requests

WEBHOOK_BACKOFF = webhooks.BACKOFF
WEBHOOK_EVENT = webhooks.EVENT

# Re-exported: the harness' cases and the tests import these from here.
__all__ = [
    "TIMESTAMP_WINDOW",
    "WEBHOOK_BACKOFF",
    "WEBHOOK_EVENT",
    "TocobagusBackend",
    "allocate",
    "public",
    "summary",
]


class TocobagusBackend:
    default_account = "str_test"

    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        self._lock = threading.RLock()  # one lock for all the shared state (webhooks wait on it too)
        self.ids = Ids()
        self.tables = Tables()
        self.auth = Auth(mock, self.tables, self._lock)
        self.store = ProductStore(mock, self.tables, self._lock, self.ids)
        self.sync_jobs = Jobs(mock, self.tables, self._lock, self.ids, self.store, self._completed)
        self.intake = intake.Intake(mock, self.tables, self._lock, self.ids, self.store, self.sync_jobs)
        self.webhooks = webhooks.Webhooks(
            mock,
            self.tables,
            self._lock,
            self.ids,
            lambda: self.webhook_session,
            self.run_due_batches,
            self.has_open_jobs,
        )
        mock.clock.on_advance(lambda _now: self._advanced())

    # The shared state, by the names the tests and the benches use.
    @property
    def stores(self) -> dict[str, dict[str, dict]]:
        return self.tables.stores

    @property
    def jobs(self) -> dict[str, dict]:
        return self.tables.jobs

    @property
    def deliveries(self) -> dict[str, dict]:
        return self.tables.deliveries

    @property
    def replay(self) -> ReplayCache:
        return self.tables.replay

    @cached_property
    def webhook_session(self) -> requests.Session:
        """Webhooks go out through this session; the harness mounts an in-process adapter on it. Made at
        first use: `serve` starts without importing requests."""
        import requests

        return requests.Session()

    # -- partner API ----------
    def authenticate(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, store_scoped: bool = True
    ) -> tuple[str, str | None]:
        """(partner client id, store client id), or the AUTH_xxx error (§7 order of checks)."""
        return self.auth.authenticate(method, path, headers, body, store_scoped)

    def sync(self, store: str, partner: str, body: Any, request_seq: int | None = None) -> dict:
        """Validate, check rows, queue the accepted ones; the 202 body."""
        accepted = self.intake.accept(store, partner, body, request_seq)
        self.tick()  # with processing_delay_seconds 0 the work is due at once
        self.webhooks.wake(work=bool(accepted.rows))
        return intake.response(accepted, self.mock.clock.now())

    def sync_status(self, store: str, request_id: str) -> dict:
        check_request_id(request_id)
        self.tick()
        return self.sync_jobs.status(store, request_id)

    def list_products(self, store: str, query: dict[str, str]) -> dict:
        params = list_query(query)
        self.tick()
        return self.store.list_products(store, params)

    # -- background work ----------
    def tick(self) -> dict:
        """On a request: run the batches that are due, and let the old finished work go. Webhooks are
        never sent here (see webhooks.py): a receiver that hangs must not hold up a request."""
        ran = self.run_due_batches()
        self.webhooks.wake()  # a real clock may have been switched on with work pending
        return {"ran": ran, "webhooks": 0}

    def run_due_batches(self) -> int:
        with self._lock:
            ran = self.sync_jobs.run_batches(force=False)
            now = self.mock.clock.now()
            self.tables.retention.prune(self.jobs, self.deliveries, self.mock.settings["retention"], now)
        return ran

    def _advanced(self) -> None:
        """A virtual clock moved: what fell due runs now, in the advancing thread, in order."""
        self.run_due_batches()
        self.webhooks.send_due()

    def run_jobs(self) -> dict:
        """POST /__mock__/jobs/run: every batch now, then every webhook attempt that is due."""
        with self._lock:
            ran = self.sync_jobs.run_batches(force=True)
        sent = self.webhooks.send_due()
        self.webhooks.wake(work=True)  # retries on a real clock
        return {"ran": ran, "webhooks": sent}

    def has_open_jobs(self) -> bool:
        return self.sync_jobs.has_open()

    def finished(self, kind: str, key: str, at: float) -> None:
        """A job completed or a delivery ended for good: it may now age out (retention.py)."""
        self.tables.retention.finished(kind, key, at)

    def _completed(self, job: dict, url: str | None, now: float) -> None:
        self.finished("job", job["requestId"], now)
        if url:
            self.webhooks.queue(job, url, now)

    # -- control (Backend protocol) ----------
    def products(self, account: str) -> list[dict]:
        return self.store.products(account)

    def seed(self, account: str, products: list[Any]) -> list[dict]:
        """Add products as the store would hold them (e.g. created before the sync under test)."""
        return self.store.seed(account, products)

    def reset(self) -> None:
        with self._lock:
            self.tables.clear()
            self.ids.reset()

    def snapshot(self) -> dict:
        with self._lock:
            return copy.deepcopy(
                {
                    "stores": {s: list(p.values()) for s, p in self.stores.items()},
                    "jobs": list(self.jobs.values()),
                    "deliveries": list(self.deliveries.values()),
                    "ids": self.ids.counters,
                    "seq": self.tables.seq,
                }
            )

    def restore(self, state: dict) -> None:
        stores, jobs = state.get("stores", {}), state.get("jobs", [])
        if not isinstance(stores, dict) or not isinstance(jobs, list):
            raise MockError("backend.stores must be an object and backend.jobs a list")
        with self._lock:
            self.tables.clear()
            tables = self.tables
            tables.stores = {s: {p["id"]: copy.deepcopy(p) for p in items} for s, items in stores.items()}
            tables.jobs = {j["requestId"]: copy.deepcopy(j) for j in jobs}
            tables.deliveries = {d["deliveryId"]: d for d in copy.deepcopy(state.get("deliveries", []))}
            self.ids.counters = dict(state.get("ids", {}))
            tables.seq = state.get("seq", 0)
        self.webhooks.wake(work=True)
