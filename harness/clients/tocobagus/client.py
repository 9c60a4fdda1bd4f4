"""The Tocobagus reference sync client, and a deliberately wrong one (BlindRetryClient) for the checks.

The catalog sync is creation-only and asynchronous. The client lists the store, sends only products
that are absent (in batches up to the 1000-row cap), treats row errors as data, learns each request's
outcome from a signed webhook its receiver verifies (or by polling the status when none comes), and
after an ambiguous failure (timeout, dropped connection, 5xx) looks at the product list before it
sends again, so a product is never submitted twice. Units: grams, centimetres, integer IDR.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import requests

from mocks import tocobagus as mock
from mocks.kit.clock import Clock
from mocks.tocobagus import signing

from ...catalog import Product, normalise_sku
from ...sync import RequestLog, SyncError, SyncReport, plan_sync, reporting
from ..transport import Call, Transport, VendorStrategy
from .mapping import MAPPING, differences, to_row, validation_reason
from .receiver import WebhookReceiver

CREDENTIALS = dict(mock.CREDENTIALS)
SYNC_PATH = "/partner/stores/catalog/sync"
API = "/api/v1"
MAX_ROWS = 1000  # the request cap (§7)
MAX_BATCH_BYTES = 1024 * 1024  # under the mock's 1.5 MiB body cap, with room for headers


class _Stamps:
    """Strictly increasing millisecond timestamps: two identical cases never share a signature (AUTH_004)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self, now_ms: int) -> int:
        with self._lock:
            self._last = max(now_ms, self._last + 1)
            return self._last


_stamps = _Stamps()


_clock_stamps: weakref.WeakKeyDictionary[Clock, _Stamps] = weakref.WeakKeyDictionary()


def _stamps_for(clock: Clock) -> _Stamps:
    """One sequence per clock: clients on the same clock never collide, and a virtual clock's sequence
    is not pushed to wall-clock time by a client on a real one."""
    with _stamps._lock:
        return _clock_stamps.setdefault(clock, _Stamps())


@dataclass
class TocobagusReport(SyncReport):
    accepted_rows: dict[str, int] = field(default_factory=dict)  # requestId -> rows the vendor queued


class TocobagusClient:
    def __init__(
        self,
        base_url: str,
        credentials: dict[str, str] | None = None,
        *,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        max_retries: int = 3,
        timeout: float = 30.0,
        category: dict[str, str] | None = None,
        webhook_wait: float = 30.0,
        settle_seconds: float = 30.0,
        check_before_resend: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/") + API
        self.credentials = credentials or CREDENTIALS
        self.session = session or requests.Session()
        self.clock = clock or Clock()
        self.max_retries, self.timeout, self.category = max_retries, timeout, category
        self.webhook_wait, self.settle_seconds = webhook_wait, settle_seconds
        self.check_before_resend = check_before_resend
        self.receiver = WebhookReceiver(self.credentials["partner_secret"], self.clock)
        self.log: list[RequestLog] = []
        # Each attempt is signed afresh (a new timestamp) and logged with its retry count.
        strategy = VendorStrategy(headers=self._headers, on_rate_limited=self._after_429)
        self.transport = Transport.for_client(self, strategy, max_retries=max_retries, timeout=timeout)

    # -- strategy: HMAC-signed per attempt, and a 429's Retry-After -----------------------------------------
    def _headers(self, call: Call) -> dict[str, str]:
        # Process-wide strictly increasing: on a frozen virtual clock two clients would otherwise sign the
        # same GET identically, and the vendor refuses the second as a replay (AUTH_004).
        stamp = _stamps_for(self.clock).next(int(self.clock.now() * 1000))
        c = self.credentials
        return {
            **signing.signed_headers(
                c["partner_secret"],
                call.method,
                call.path,
                call.payload["data"],
                partner_client_id=c["partner_client_id"],
                store_client_id=c["store_client_id"],
                store_token=c["store_token"],
                timestamp_ms=stamp,
            ),
            "Content-Type": "application/json",
        }

    def _after_429(self, response: requests.Response) -> None:
        self.clock.sleep(int(response.headers.get("Retry-After", "1")))

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        action: str,
        source_id: str | None = None,
        attempt: int = 0,
    ) -> requests.Response | None:
        """One signed request, logged as retry `attempt`; None when no answer came (dropped, cut, timeout)."""
        call = self._call(method, path, body, action=action, source_id=source_id)
        return self.transport.send(call, attempt)

    def _call(self, method: str, path: str, body: Any, *, action: str, source_id: str | None = None) -> Call:
        data = b"" if body is None else signing.canonical_json(body)
        logged = data.decode() if len(data) < 2000 else None
        return Call(method, path, action, payload={"data": data}, logged_body=logged, source_id=source_id)

    def get(self, path: str, action: str) -> Any:
        """A read with bounded retries (reads are safe to repeat)."""
        outcome = self.transport.request(self._call("GET", path, None, action=action))
        response = outcome.response
        if not outcome.exhausted and response is not None:
            if response.status_code != 200:
                raise SyncError(f"{action} failed: {response.status_code} {response.text[:200]}")
            return response.json()
        last = self.log[-1] if self.log else None
        reason = "no answer" if last is None else f"{last.status}" if last.status else last.action
        raise SyncError(f"{action} failed after {self.max_retries + 1} attempts (last: {reason})")

    # -- API ---------------------------------------------------------------------------------------------
    def list_all(self) -> list[dict]:
        items: list[dict] = []
        page = 1
        while True:
            data = self.get(
                f"/partner/stores/products?limit=100&page={page}&sortBy=createdAt&order=asc", "list"
            )
            items.extend(data["data"]["items"])
            if page >= data["data"]["pagination"]["totalPages"]:
                return items
            page += 1

    def status(self, request_id: str) -> dict:
        return self.get(f"/partner/stores/catalog/{request_id}", "status")["data"]

    # -- sync ----------------------------------------------------------------------------------------------
    def sync(self, source: list[Product]) -> TocobagusReport:
        report = TocobagusReport(log=self.log)
        reporting(report, source, lambda: self._sync(source, report))
        report.webhooks = list(self.receiver.deliveries)
        return report

    def _sync(self, source: list[Product], report: TocobagusReport) -> TocobagusReport:
        remote = self.list_all()
        plan = plan_sync(source, remote, MAPPING)
        by_key = {normalise_sku(r["sku"]): r for r in remote if isinstance(r.get("sku"), str)}
        for product in plan.unchanged:
            stale = differences(product, by_key[product.key], self.category)
            if stale and "syncRequestId" not in by_key[product.key]:
                report.errors[product.sku] = (
                    f"exists at Tocobagus with other values ({', '.join(stale)}); the "
                    "catalog sync is creation-only"
                )
            else:
                report.unchanged.append(product.sku)
        wanted = [p for p in plan.create] + [p for p, _ in plan.update]
        request_ids: list[str] = []
        for batch in self._batches(wanted):
            request_ids += self._submit(batch, report)
        self._await(request_ids, report)
        self._reconcile(wanted, report)
        return report

    def _batches(self, products: list[Product]) -> list[list[Product]]:
        batches: list[list[Product]] = [[]]
        size = 0
        for product in products:
            row_bytes = len(signing.canonical_json(to_row(product, self.category)))
            if batches[-1] and (len(batches[-1]) >= MAX_ROWS or size + row_bytes > MAX_BATCH_BYTES):
                batches.append([])
                size = 0
            batches[-1].append(product)
            size += row_bytes + 1
        return [b for b in batches if b]

    def _submit(self, batch: list[Product], report: TocobagusReport) -> list[str]:
        """Send one batch; returns the requestIds the vendor accepted. Never sends a product twice
        unless the product list shows the earlier attempt did not land."""
        request_ids: list[str] = []
        for attempt in range(self.max_retries + 1):
            if not batch:
                return request_ids
            body = {"products": [to_row(p, self.category) for p in batch]}
            response = self.send("POST", SYNC_PATH, body, action="create", attempt=attempt)
            if response is not None and response.status_code == 202:
                data = response.json()
                request_ids.append(data["requestId"])
                report.accepted_rows[data["requestId"]] = len(data["data"]["acceptedRows"])
                for error in data["data"]["errors"]:
                    report.errors[batch[error["rowIndex"]].sku] = error["message"]  # data, not a retry
                return request_ids
            if response is not None and response.status_code == 400:
                batch = self._drop_invalid(batch, response, report)
                continue
            if response is not None and response.status_code == 429:
                self._after_429(response)
                continue
            if response is not None and response.status_code < 500:
                for product in batch:
                    report.errors[product.sku] = f"refused: {response.status_code} {response.text[:200]}"
                return request_ids
            # Timeout, dropped connection or 5xx: the request may have landed. Look before resending.
            if self.check_before_resend:
                batch = self._not_landed(batch)
            self.transport.backoff(attempt)
        for product in batch:
            report.errors[product.sku] = "no answer from Tocobagus after retries"
        return request_ids

    def _drop_invalid(
        self, batch: list[Product], response: requests.Response, report: TocobagusReport
    ) -> list[Product]:
        try:
            rows = response.json()["error"]["details"]["context"]["validationErrors"].get("products")
        except (ValueError, KeyError, TypeError, AttributeError):
            rows = None
        if not isinstance(rows, dict):  # the request as a whole is wrong: every row shares the reason
            for product in batch:
                report.errors[product.sku] = f"refused: {response.text[:300]}"
            return []
        for index, node in rows.items():
            report.errors[batch[int(index)].sku] = validation_reason(node)
        return [p for i, p in enumerate(batch) if str(i) not in rows]

    def _not_landed(self, batch: list[Product]) -> list[Product]:
        """Look at the list, then again after processing had time to run (on the clock): what is absent."""
        missing = batch
        for wait in (0.0, 2.0, 8.0):  # three looks: bounded, and never more identical GETs than retries allow
            self.clock.sleep(wait)
            present = {normalise_sku(r["sku"]) for r in self.list_all() if isinstance(r.get("sku"), str)}
            missing = [p for p in batch if p.key not in present]
            if not missing:
                break
        return missing

    def _await(self, request_ids: list[str], report: TocobagusReport) -> None:
        """The webhook tells when a request is done; without one in time, poll the status instead."""
        waited = 0.0
        pending = [r for r in request_ids if r not in self.receiver.events]
        while pending and waited < self.webhook_wait:
            self.clock.sleep(1.0)
            waited += 1.0
            pending = [r for r in pending if r not in self.receiver.events]
        for request_id in pending:
            for _ in range(30):
                if self.status(request_id)["status"] == "COMPLETED":
                    break
                self.clock.sleep(2.0)

    def _reconcile(self, wanted: list[Product], report: TocobagusReport) -> None:
        """The product list is the truth: a product there with the source's values is done (also when its
        row said "already exists"); one absent without a reported reason is an error."""
        listed = {normalise_sku(r["sku"]): r for r in self.list_all() if isinstance(r.get("sku"), str)}
        for product in wanted:
            record = listed.get(product.key)
            if record is not None and not differences(product, record, self.category):
                report.errors.pop(product.sku, None)
                if product.sku not in report.created:
                    report.created.append(product.sku)
            elif product.sku not in report.errors:
                report.errors[product.sku] = (
                    "not created" if record is None else "exists at Tocobagus with other values"
                )


class BlindRetryClient(TocobagusClient):
    """A wrong client for the checks to catch: after a timeout or 5xx it resends the batch at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, check_before_resend=False, **kwargs)
