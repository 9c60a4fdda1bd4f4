"""Signed `catalog.sync.completed` webhooks: queued when a sync completes, sent off the request path.

On a real clock a background thread sends each attempt when it falls due, so a receiver that hangs never
holds up a request. The back-off to the next attempt counts from the end of the previous one: an attempt
that runs into the timeout is not followed by another at once. On a virtual clock nothing runs by itself:
an advance of the clock and `POST /__mock__/jobs/run` send what is due, in the caller's thread, in order,
so tests and property runs stay deterministic. Every attempt is journaled, a failed one too, and a
delivery never stays in SENDING: whatever an attempt raises makes it a failed attempt.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mocks.kit.access import webhook_delivery_problem
from mocks.kit.core import Mock

from . import signing
from .ids import Ids, iso_time
from .jobs import journal_job, summary

if TYPE_CHECKING:
    import requests
from .tables import Tables

BACKOFF = (1, 2, 4, 8, 16)  # seconds before attempts 2..6 (§7), counted from the end of the previous one
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT = 5.0
EVENT = "catalog.sync.completed"
POLL_SECONDS = 0.05  # how often the real-clock worker looks at batches that are still open
IDLE_SECONDS = 1.0  # longest wait between looks, so a changed clock mode is noticed
FINISHED = ("DELIVERED", "FAILED", "DROPPED")


class Webhooks:
    """Deliveries (kept in `tables.deliveries`, by deliveryId) and the thread that works them off.

    `run_batches` runs the sync batches that are due and `has_open_jobs` says whether any job is still
    open: the real-clock worker does both kinds of background work."""

    def __init__(
        self,
        mock: Mock,
        tables: Tables,
        lock: threading.RLock,
        ids: Ids,
        session: Callable[[], requests.Session],  # made at the first delivery (serve starts sooner)
        run_batches: Callable[[], int],
        has_open_jobs: Callable[[], bool],
    ) -> None:
        self.mock, self.tables, self.ids, self.session = mock, tables, ids, session
        self.run_batches, self.has_open_jobs = run_batches, has_open_jobs
        self._changed = threading.Condition(lock)  # state changed: an attempt ended, work queued
        self._in_flight = 0
        self._senders: set[int] = set()  # threads inside an attempt
        self._work_queued = False  # until the worker finds nothing left to do: requests start no thread
        self._thread: threading.Thread | None = None

    # -- queueing ----------
    def queue(self, job: dict, url: str, now: float) -> None:
        """A delivery of the job's completion event (with any webhook fault applied). Under the lock."""
        delivery = {
            "deliveryId": self.ids.next("delivery"),
            "requestId": job["requestId"],
            "requestSeq": job["requestSeq"],
            "store": job["store"],
            "partner": job["partner"],
            "url": url,
            "payload": payload(job, now),
            "attempt": 0,
            "dueAt": now,
            "status": "PENDING",
            "duplicate": False,
        }
        effect = self._fault()
        if effect and effect["effect"] == "drop":
            delivery["status"] = "DROPPED"
            self._journal("webhook.dropped", now, delivery, fault="drop")
        elif effect and effect["effect"] == "delay":
            delivery["dueAt"] = now + effect.get("seconds", 30)
            delivery["delayed"] = effect.get("seconds", 30)
        deliveries = self.tables.deliveries
        deliveries[delivery["deliveryId"]] = delivery
        if delivery["status"] == "DROPPED":
            self.tables.retention.finished("delivery", delivery["deliveryId"], now)
        if effect and effect["effect"] == "duplicate":
            twin_id = self.ids.next("delivery")
            twin = {**copy.deepcopy(delivery), "deliveryId": twin_id, "duplicate": True}
            deliveries[twin["deliveryId"]] = twin
        self._work_queued = True
        self._changed.notify_all()

    def _fault(self) -> dict | None:
        tables = self.tables
        rules = self.mock.settings["webhook_faults"]
        # Other rules installed: their counts start again. Compared by value, since any PUT settings
        # copies every setting; an unrelated change must not re-arm a spent `times: 1` fault.
        if rules != tables.fault_rules:
            tables.fault_rules, tables.fault_fired = copy.deepcopy(rules), {}
        for index, rule in enumerate(rules):
            if tables.fault_fired.get(index, 0) < rule.get("times", 1):
                tables.fault_fired[index] = tables.fault_fired.get(index, 0) + 1
                return rule
        return None

    def _journal(self, kind: str, at: float, delivery: dict, **detail: object) -> None:
        journal_job(
            self.mock, kind, at, delivery, deliveryId=delivery["deliveryId"], url=delivery["url"], **detail
        )

    # -- sending in the caller's thread (virtual clock advances, jobs/run) ----------
    def send_due(self) -> int:
        """Send every attempt due now, after any the worker has in flight; how many were sent."""
        sent = 0
        while True:
            with self._changed:
                if threading.get_ident() in self._senders:
                    return sent  # a receiver that moved the clock: the attempt around us goes on after
                while self._in_flight:
                    self._changed.wait()
                due = self._claim_due(self.mock.clock.now())
            if not due:
                return sent
            for delivery in due:
                self._attempt(delivery)
                sent += 1

    def _claim_due(self, now: float, limit: int | None = None) -> list[dict]:
        """Mark due deliveries SENDING, oldest first. Under the lock."""
        due = []
        for delivery in self.tables.deliveries.values():
            if delivery["status"] == "PENDING" and delivery["dueAt"] <= now:
                delivery["status"] = "SENDING"
                due.append(delivery)
                if limit is not None and len(due) >= limit:
                    break
        self._in_flight += len(due)
        return due

    # -- the real-clock worker ----------
    def wake(self, work: bool = False) -> None:
        """Start the worker if there is work and the clock is real (nothing advances a real clock).
        `work`: the caller has just queued some (a job, a retry, a restored state)."""
        with self._changed:
            self._work_queued = self._work_queued or work
            if self.mock.clock.virtual or not self._work_queued:
                return
            self._changed.notify_all()
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._work, name="tocobagus-background", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        clock = self.mock.clock
        while True:
            self.run_batches()
            with self._changed:
                if clock.virtual:
                    self._thread = None
                    return
                now = clock.now()
                due = self._claim_due(now, limit=1)
                if not due:
                    pending = [
                        d["dueAt"] for d in self.tables.deliveries.values() if d["status"] == "PENDING"
                    ]
                    open_jobs = self.has_open_jobs()
                    if not pending and not open_jobs:
                        self._thread, self._work_queued = None, False
                        return
                    wait = min(pending, default=now + IDLE_SECONDS) - now
                    if open_jobs:
                        wait = min(wait, POLL_SECONDS)
                    self._changed.wait(max(0.0, min(wait, IDLE_SECONDS)))
                    continue
            self._attempt(due[0])

    # -- one attempt ----------
    def _attempt(self, delivery: dict) -> None:
        """One POST of the webhook, outside the lock (the receiver may call the mock back)."""
        started = self.mock.clock.now()
        me = threading.get_ident()
        with self._changed:
            self._senders.add(me)
        status, error, headers = self._post(delivery, started)
        ended = self.mock.clock.now()
        ok = status is not None and 200 <= status < 300
        with self._changed:
            if ok:
                delivery["status"], outcome, next_at = "DELIVERED", "delivered", None
            elif delivery["attempt"] >= MAX_ATTEMPTS:
                delivery["status"], outcome, next_at = "FAILED", "gave_up", None
            else:
                next_at = ended + BACKOFF[delivery["attempt"] - 1]
                delivery["status"], delivery["dueAt"], outcome = "PENDING", next_at, "retrying"
            # A reset or restore meanwhile replaced the deliveries: then this attempt is forgotten.
            current = self.tables.deliveries.get(delivery["deliveryId"]) is delivery
            if current and next_at is None:
                self.tables.retention.finished("delivery", delivery["deliveryId"], ended)
        try:
            if current:
                self._journal(
                    "webhook.attempt",
                    started,
                    delivery,
                    attempt=delivery["attempt"],
                    event=EVENT,
                    status=status,
                    error=error,
                    outcome=outcome,
                    nextAttemptAt=next_at,
                    duplicate=delivery["duplicate"],
                    delayed=delivery.get("delayed"),
                    signature=headers.get("x-signature"),
                    timestamp=headers.get("x-timestamp"),
                )
        finally:
            with self._changed:  # only now, so jobs/run returns with this attempt journaled
                self._senders.discard(me)
                self._in_flight -= 1
                self._changed.notify_all()
        if current and next_at is not None:
            self.wake(work=True)

    def _post(self, delivery: dict, started: float) -> tuple[int | None, str | None, dict[str, str]]:
        """The POST of one attempt: (status or None, error or None, the headers sent)."""
        headers: dict[str, str] = {}
        try:
            delivery["attempt"] += 1
            headers = self._headers(delivery, started)
            session = self.session()
            if refused := webhook_delivery_problem(delivery["url"], session):
                raise ConnectionRefusedError(refused)  # not loopback, not allowed: no packet leaves
            response = session.post(
                delivery["url"],
                data=signing.canonical_json(delivery["payload"]),
                headers=headers,
                timeout=TIMEOUT,
            )
            return response.status_code, None, headers
        except Exception as exc:  # any failure to send is a failed attempt, never a stuck delivery
            return None, f"{type(exc).__name__}: {exc}"[:300], headers

    def _headers(self, delivery: dict, now: float) -> dict[str, str]:
        partner = delivery["partner"]
        headers = signing.signed_headers(
            self.mock.settings["partners"].get(partner, ""),
            "POST",
            urlsplit(delivery["url"]).path or "/",
            signing.canonical_json(delivery["payload"]),
            partner_client_id=partner,
            timestamp_ms=int(now * 1000),
        )
        headers.update(
            {
                "Content-Type": "application/json",
                "x-webhook-event": EVENT,
                "x-webhook-delivery": delivery["deliveryId"],
                "x-webhook-attempt": str(delivery["attempt"]),
            }
        )
        return headers


def payload(job: dict, now: float) -> dict:
    """The event body: the job's summary and rows."""
    rows = []
    for row in job["rows"]:
        item = {k: row[k] for k in ("rowIndex", "externalId", "sku", "status")}
        if "productId" in row:
            item["productId"] = row["productId"]
        if "error" in row:
            item["error"] = row["error"]
        rows.append(item)
    counts = summary(job)
    return {
        "event": EVENT,
        "requestId": job["requestId"],
        "storeClientId": job["store"],
        "timestamp": iso_time(now),
        "summary": {"total": counts["total"], "succeeded": counts["succeeded"], "failed": counts["failed"]},
        "rows": rows,
    }
