"""Tocobagus (Omni partner API): canonical ↔ vendor mapping, the checks' adapter, the reference client.

The catalog sync is creation-only and asynchronous. The client lists the store, sends only products
that are absent (in batches up to the 1000-row cap), treats row errors as data, learns each request's
outcome from a signed webhook its receiver verifies (or by polling the status when none comes), and
after an ambiguous failure (timeout, dropped connection, 5xx) looks at the product list before it
sends again, so a product is never submitted twice. Units: grams, centimetres, integer IDR.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import requests
import schemathesis
from flask import Flask, request
from schemathesis.core import NOT_SET

from mocks import tocobagus as mock
from mocks.kit.clock import Clock
from mocks.kit.transport import WSGIAdapter
from mocks.tocobagus import signing

from ..catalog import Product, normalise_sku
from ..properties import CheckFailure, RunRecord
from ..strategies import vendor_records
from ..sync import MappedAdapter, RequestLog, SyncError, SyncReport, iso, plan_sync
from ..vendors import VendorHarness

CREDENTIALS = dict(mock.CREDENTIALS)
SYNC_PATH = "/partner/stores/catalog/sync"
API = "/api/v1"
MAX_ROWS = 1000  # the request cap (§7)
MAX_BATCH_BYTES = 1024 * 1024  # under the mock's 1.5 MiB body cap, with room for headers
RECEIVER_URL = "http://receiver/hooks/tocobagus"
EXTERNAL_ID_NAMESPACE = uuid.UUID("0b8c4d1e-6a57-4c1b-9d3f-3a2e1f0c5b7d")
# Category fields are UUIDs at Tocobagus; the canonical product has none, so a client is configured
# with the store's category, sub-category and type (these are the test store's).
DEFAULT_CATEGORY = {
    "categoryId": "2fde2994-28a8-4d09-a128-6d744b9e1323",
    "subCategoryId": "0e882586-c506-4792-a831-02767a68dae2",
    "typeId": "d86db295-41c3-423d-a2c2-a59724f38316",
}


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


class TocobagusAdapter(MappedAdapter):
    name = "tocobagus"
    to_vendor = staticmethod(to_vendor)
    can_create = True
    announces_remaining = False
    max_retries = 3
    ignored_fields = ("updatedAt",)

    def changed_fields(self, product: Product, record: dict) -> list[str]:
        """Creation-only: a product the sync did not create cannot be changed through it, so only
        products a catalog sync created are held to the source's values. Others are reported stale."""
        if "syncRequestId" not in record:
            return []
        return differences(product, record)

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
    backend = app.extensions["mock"].backend
    backend.webhook_session.mount(url.rsplit("/", 2)[0] + "/", WSGIAdapter(receiver.app))
    app.extensions["mock"].update_settings({"webhook_url": url})


@dataclass
class TocobagusReport(SyncReport):
    accepted_rows: dict[str, int] = field(default_factory=dict)  # requestId -> rows the vendor queued


class WebhookReceiver:
    """A small receiver: verifies the signature (±300 s on the client's clock), dedupes by requestId."""

    def __init__(self, secret: str, clock: Clock, path: str = "/hooks/tocobagus") -> None:
        self.secret, self.clock, self.path = secret, clock, path
        self.deliveries: list[dict] = []
        self.events: dict[str, dict] = {}  # requestId -> the first verified event
        self._lock = threading.Lock()
        app = Flask("tocobagus-receiver")

        @app.post(path)
        def receive() -> tuple[str, int]:
            body = request.get_data()
            ok = self.verify({k.lower(): v for k, v in request.headers.items()}, body)
            record = {
                "verified": ok,
                "delivery": request.headers.get("x-webhook-delivery"),
                "attempt": request.headers.get("x-webhook-attempt"),
            }
            with self._lock:
                self.deliveries.append(record)
                if ok:
                    event = json.loads(body)
                    record["requestId"] = event.get("requestId")
                    self.events.setdefault(event.get("requestId"), event)
            return ("", 204) if ok else ("invalid signature", 401)

        @app.get(path)
        def events() -> dict:
            """What arrived so far, so a one-shot command can wait for its summary here instead of polling."""
            with self._lock:
                return {"events": list(self.events.values()), "deliveries": list(self.deliveries)}

        self.app = app

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        stamp = headers.get("x-timestamp", "")
        if not stamp.isdigit() or abs(int(stamp) / 1000 - self.clock.now()) > 300:
            return False
        signed = {k: headers[k] for k in ("x-partner-client-id", "x-timestamp") if k in headers}
        return signing.verify(self.secret, "POST", self.path, signed, body, headers.get("x-signature", ""))


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

    # -- transport ---------------------------------------------------------------------------------------
    def _headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        # Process-wide strictly increasing: on a frozen virtual clock two clients would otherwise sign the
        # same GET identically, and the vendor refuses the second as a replay (AUTH_004).
        stamp = _stamps_for(self.clock).next(int(self.clock.now() * 1000))
        c = self.credentials
        return {
            **signing.signed_headers(
                c["partner_secret"],
                method,
                path,
                body,
                partner_client_id=c["partner_client_id"],
                store_client_id=c["store_client_id"],
                store_token=c["store_token"],
                timestamp_ms=stamp,
            ),
            "Content-Type": "application/json",
        }

    def send(
        self, method: str, path: str, body: Any = None, *, action: str, source_id: str | None = None
    ) -> requests.Response | None:
        """One signed request; None when no answer came (dropped, cut, timed out)."""
        data = b"" if body is None else signing.canonical_json(body)
        error = None
        try:
            response: requests.Response | None = self.session.request(
                method,
                self.base_url + path,
                data=data,
                headers=self._headers(method, path, data),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            response, error = None, exc
        self.log.append(
            RequestLog(
                source_id,
                None,
                path,
                method,
                response.status_code if response else None,
                data.decode() if len(data) < 2000 else None,
                0,
                iso(self.clock.now()),
                action if error is None else f"{action}: {error}",
            )
        )
        return response

    def get(self, path: str, action: str) -> Any:
        """A read with bounded retries (reads are safe to repeat)."""
        for attempt in range(self.max_retries + 1):
            response = self.send("GET", path, action=action)
            if response is not None and response.status_code == 429:
                self.clock.sleep(int(response.headers.get("Retry-After", "1")))
                continue
            if response is not None and response.status_code < 500:
                if response.status_code != 200:
                    raise SyncError(f"{action} failed: {response.status_code} {response.text[:200]}")
                return response.json()
            if attempt < self.max_retries:
                self.clock.sleep(0.5 * 2**attempt)
        raise SyncError(f"{action} failed after {self.max_retries + 1} attempts")

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
        remote = self.list_all()
        plan = plan_sync(source, remote, ADAPTER)
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
        report.webhooks = list(self.receiver.deliveries)
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
            response = self.send("POST", SYNC_PATH, body, action="create")
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
                self.clock.sleep(int(response.headers.get("Retry-After", "1")))
                continue
            if response is not None and response.status_code < 500:
                for product in batch:
                    report.errors[product.sku] = f"refused: {response.status_code} {response.text[:200]}"
                return request_ids
            # Timeout, dropped connection or 5xx: the request may have landed. Look before resending.
            if self.check_before_resend:
                batch = self._not_landed(batch)
            if attempt < self.max_retries:
                self.clock.sleep(0.5 * 2**attempt)
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


# -- the two extra checks of a property run ---------------------------------------------------------------
def check_rows_once_in_summary(run: RunRecord) -> list[CheckFailure]:
    """Every row the vendor accepted appears exactly once in its request's final summary, and exactly
    once in the client's report; and no product is submitted again once the vendor accepted it."""
    failures: list[CheckFailure] = []
    side = [e for e in run.journal if e.get("type") == "side_effect"]
    completed = {e["requestId"]: e for e in side if e.get("kind") == "catalog.sync.completed"}
    accepted_at: dict[str, int] = {}
    for entry in side:
        if entry.get("kind") != "catalog.sync.accepted":
            continue
        done = completed.get(entry["requestId"])
        for sku in entry.get("acceptedSkus", []):
            accepted_at.setdefault(normalise_sku(sku), entry["request_seq"])
            count = sum(1 for r in (done or {}).get("rows", []) if r["sku"] == sku)
            if count != 1:
                failures.append(
                    _SummaryFailure(
                        f"appears {count} times in the final summary of request {entry['requestId']}",
                        sku=sku,
                        entry=entry["request_seq"],
                    )
                )
    report = run.report
    listed = [normalise_sku(s) for s in report.created + report.unchanged + list(report.errors)]
    for key, seq in accepted_at.items():
        if report.from_output:
            break  # a command's output names problems only, not every row it created
        if listed.count(key) != 1:
            failures.append(
                _SummaryFailure(
                    f"appears {listed.count(key)} times in the client's report", sku=key, entry=seq
                )
            )
    for entry in run.requests():
        for sku in ADAPTER.written_skus(entry):
            first = accepted_at.get(normalise_sku(sku))
            if first is not None and entry["seq"] > first:
                failures.append(
                    _SummaryFailure(
                        f"sent again after the vendor accepted it (journal #{first}): a blind resend",
                        sku=sku,
                        entry=entry["seq"],
                    )
                )
    return failures


def check_webhook_signature(run: RunRecord) -> list[CheckFailure]:
    """Every webhook the mock sent verifies at the client's receiver."""
    deliveries = run.report.webhooks
    attempts = [e for e in run.journal if e.get("kind") == "webhook.attempt"]
    failures: list[CheckFailure] = [
        _WebhookFailure(f"delivery {d['delivery']} attempt {d['attempt']} did not verify")
        for d in deliveries
        if not d["verified"]
    ]
    failures += [
        _WebhookFailure(f"webhook for {a['requestId']} answered {a['status']}", entry=a["seq"])
        for a in attempts
        if a.get("status") is not None and not 200 <= a["status"] < 300
    ]
    return failures


class _SummaryFailure(CheckFailure):
    check = "rows_once_in_summary"


class _WebhookFailure(CheckFailure):
    check = "webhook_signature"


PROPERTY_CHECKS = {
    "rows_once_in_summary": check_rows_once_in_summary,
    "webhook_signature": check_webhook_signature,
}


@schemathesis.serializer("application/json")
def _canonical_json(ctx: Any, value: Any) -> bytes:
    """The bytes sent are the bytes signed (tooling-notes §1.4); raw bytes pass through (G9)."""
    return signing.wire_bytes(value)


_counter = itertools.count()


def contract_auth_for(credentials: dict[str, str], base_url: str = "") -> Any:
    def sign(case: Any) -> dict[str, str]:
        """Sign one generated case at generation time; the path is relative to /api/v1 already."""
        body = b"" if case.body is NOT_SET or case.body is None else signing.wire_bytes(case.body)
        stamp = _stamps.next(int(time.time() * 1000))
        return signing.signed_headers(
            credentials["partner_secret"],
            case.method,
            case.formatted_path,
            body,
            partner_client_id=credentials["partner_client_id"],
            store_client_id=credentials["store_client_id"],
            store_token=credentials["store_token"],
            timestamp_ms=stamp,
        )

    return sign


_contract_auth = contract_auth_for(CREDENTIALS)


HARNESS = VendorHarness(
    name="tocobagus",
    create_app=mock.create_app,
    credentials=CREDENTIALS,
    contract_auth=_contract_auth,
    contract_settings={"rate_limit": 1_000_000_000, "processing_delay_seconds": 0},
    adapter=ADAPTER,
    property_checks=PROPERTY_CHECKS,
    contract_auth_for=contract_auth_for,
    webhook_receiver=lambda credentials, clock: WebhookReceiver(credentials["partner_secret"], clock),
    webhook_env="TOCOBAGUS_WEBHOOK_URL",
    env_credentials={
        "TOCOBAGUS_PARTNER_CLIENT_ID": "partner_client_id",
        "TOCOBAGUS_PARTNER_SECRET": "partner_secret",
        "TOCOBAGUS_STORE_CLIENT_ID": "store_client_id",
        "TOCOBAGUS_STORE_TOKEN": "store_token",
    },
)
