"""Starshipit: canonical ↔ vendor mapping, the checks' adapter, and the reference sync client.

The client lists every product (pages of 2000), matches them to the source by normalised SKU, and
writes only what changed. A change set that needs fewer requests as a CSV import (one request per
~800 KB of rows) than as one JSON request per product goes through POST /api/products/import. Updates
merge the source's fields into the listed record, since the update replaces the whole product (quirk
update_replaces_whole_product). It paces itself to the subscription's requests per second, honours a
429's Retry-After on the injected clock, and retries 5xx and connection errors a bounded number of times.
Deletes happen only when the caller says the source confirms a removal (off by default, as the guide asks).
"""

from __future__ import annotations

import csv
import io
import json
from collections import deque
from decimal import Decimal
from typing import Any

import requests

from mocks import starshipit as mock
from mocks.kit.clock import Clock
from mocks.starshipit.csv_template import COLUMNS, TEMPLATE_HEADER

from ..catalog import Product
from ..strategies import vendor_records
from ..sync import MappedAdapter, RequestLog, SyncError, SyncReport, plan_sync, reporting
from ..vendors import VendorHarness
from .transport import Call, Transport, VendorStrategy

CREDENTIALS = dict(mock.CREDENTIALS)
PAGE_SIZE = 2000  # the maximum: fewest list requests
CM_PER_METRE = Decimal(100)
NUMERIC_TOLERANCE = 1e-6  # metres from centimetres at 1 decimal are exact to 3 places
MAX_IMPORT_BYTES = 800_000  # under the 1 MB body cap, with room for the multipart envelope


def auth_headers(api_key: str, subscription_key: str) -> dict[str, str]:
    return {mock.HEADERS["api_key"]: api_key, mock.HEADERS["subscription_key"]: subscription_key}


def _number(value: Decimal | None, divisor: Decimal = Decimal(1)) -> float | None:
    return None if value is None else float(value / divisor)


def to_vendor(product: Product) -> dict[str, Any]:
    """The fields the source owns, in Starshipit names and units (kg, metres; price = customs value)."""
    return {
        "title": product.name,
        "description": product.description or None,  # Starshipit stores "" as null
        "barcode": product.barcode or None,
        "bin_location": product.warehouse_location or None,
        "weight": _number(product.weight_kg),
        "length": _number(product.length_cm, CM_PER_METRE),
        "width": _number(product.width_cm, CM_PER_METRE),
        "height": _number(product.height_cm, CM_PER_METRE),
        "hs_code": product.hs_code or None,
        "country": product.country_of_origin.upper() if product.country_of_origin else None,
        "customs_description": product.customs_description or None,
        "price": _number(product.customs_value),
    }


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def csv_document(records: list[dict]) -> str:
    """Records (vendor field names) as the import template; empty cells clear fields."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADER)
    for record in records:
        writer.writerow([csv_cell(record.get(name)) for name in COLUMNS.values()])
    return out.getvalue()


def read_csv_document(text: str) -> list[dict]:
    """An export read back into records, values typed as the JSON API returns them."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    records = []
    for cells in rows[1:]:
        if not any(cells) or len(cells) != len(COLUMNS):
            continue
        record: dict[str, Any] = {}
        for (column, name), cell in zip(COLUMNS.items(), cells, strict=True):
            if column in ("Weight", "Length", "Width", "Height", "Price"):
                record[name] = None if cell == "" else float(cell)
            elif column == "DangerousGoods":
                record[name] = cell == "true"
            elif column in ("SKU", "Title"):
                record[name] = cell
            else:
                record[name] = cell or None
        records.append(record)
    return records


class StarshipitAdapter(MappedAdapter):
    name = "starshipit"
    to_vendor = staticmethod(to_vendor)
    numeric_tolerance = NUMERIC_TOLERANCE
    can_create = True
    announces_remaining = False  # only a 429 says anything about the limit
    max_retries = 3
    ignored_fields = ()
    write_methods = ("PUT", "POST", "DELETE")
    fault_targets = [
        ("GET", r"^/api/products$"),
        ("POST", r"^/api/products$"),
        ("PUT", r"^/api/products/update$"),
        ("POST", r"^/api/products/import$"),
    ]

    def is_write(self, entry: dict) -> bool:
        return entry["method"] in self.write_methods and entry["path"].startswith("/api/products")

    def rejections(self, entry: dict) -> list[tuple[str, str]]:
        """Rows a write refused: a 400 on create or update (a 409 is a retried create that landed)."""
        if not self.is_write(entry):
            return []
        try:
            answer = json.loads(entry.get("response_body") or "{}")
            if entry["path"] == "/api/products/import" and entry["status"] == 200:
                return [(e["sku"], e["message"]) for e in answer.get("errors", []) if e.get("sku")]
            if entry["status"] != 400 or entry["method"] == "DELETE" or entry["path"].endswith("/import"):
                return []
            sku = json.loads(entry.get("body") or "{}")["product"]["sku"]
            reason = answer["errors"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            return []
        return [(sku, reason)] if isinstance(sku, str) else []

    def written_skus(self, entry: dict) -> list[str]:
        if not self.is_write(entry):
            return []
        body = entry.get("body") or ""
        if entry["path"] == "/api/products/import":
            return [r["sku"] for r in read_csv_document(_csv_part(body))]
        try:
            sku = json.loads(body)["product"]["sku"]
        except (ValueError, KeyError, TypeError):
            return []
        return [sku] if isinstance(sku, str) else []

    def created_skus(self, entry: dict) -> list[str]:
        if entry["method"] != "POST" or entry["path"] != "/api/products" or entry["status"] != 200:
            return []
        try:
            return [json.loads(entry["response_body"])["product"]["sku"]]
        except (ValueError, KeyError, TypeError):
            return []

    # -- for property runs ---------------------------------------------------------------------------------
    def existing_records(self, remote: list[Product]) -> Any:
        """What Starshipit holds: the mapped fields plus fields only Starshipit has, which must survive."""
        from hypothesis import strategies as st

        text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
        vendor_only = st.fixed_dictionaries(
            {},
            optional={
                "brand": text,
                "color": text,
                "size": st.sampled_from(["S", "M", "L"]),
                "material": text,
                "model": text,
                "usage": text,
                "mid": st.from_regex(r"[A-Z]{2}[0-9]{4}", fullmatch=True),
                "dangerous_goods": st.booleans(),
            },
        )
        return vendor_records(remote, lambda p: {**to_vendor(p), "sku": p.sku}, vendor_only)

    def make_client(self, *, base_url: str, session: requests.Session, clock: Clock) -> StarshipitClient:
        return StarshipitClient(base_url, session=session, clock=clock)


ADAPTER = StarshipitAdapter()


class StarshipitClient:
    def __init__(
        self,
        base_url: str,
        api_key: str = CREDENTIALS["api_key"],
        subscription_key: str = CREDENTIALS["subscription_key"],
        *,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        requests_per_second: int = 2,
        max_retries: int = 3,
        timeout: float = 30.0,
        use_csv: bool | None = None,
        delete_removed: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.update(auth_headers(api_key, subscription_key))
        self.clock = clock or Clock()
        self.requests_per_second = requests_per_second
        self.max_retries = max_retries
        self.timeout = timeout
        self.use_csv = use_csv  # None: whichever needs fewer requests
        self.delete_removed = delete_removed  # only when the source confirms removals (the guide's advice)
        self.log: list[RequestLog] = []
        self._sent: deque[float] = deque(maxlen=max(1, requests_per_second))
        # Bound methods, so a subclass's override of a hook is the strategy too.
        strategy = VendorStrategy(before_send=self._before_send, on_rate_limited=self._after_429)
        self.transport = Transport.for_client(self, strategy, max_retries=max_retries, timeout=timeout)

    # -- strategy: pace to the subscription's rate, and a 429's Retry-After ---------------------------------
    def _before_send(self) -> None:
        self._pace()
        self._sent.append(self.clock.now())

    def _pace(self) -> None:
        """At most N requests in any second: never spend a request on a 429."""
        if len(self._sent) == self._sent.maxlen:
            wait = self._sent[0] + 1.0 - self.clock.now()
            if wait > 0:
                self.clock.sleep(wait)

    def _after_429(self, response: requests.Response) -> None:
        try:
            wait = float(response.headers.get("Retry-After", "1"))
        except ValueError:
            wait = 1.0
        self.clock.sleep(max(wait, 1.0))

    def request(
        self,
        method: str,
        path: str,
        *,
        action: str,
        source_id: str | None = None,
        vendor_id: Any = None,
        body: dict | None = None,
        csv_text: str | None = None,
    ) -> tuple[requests.Response | None, int]:
        """Send once, plus bounded retries for 429, 5xx and connection errors; (last answer, attempts - 1)."""
        if csv_text is not None:
            payload: dict[str, Any] = {
                "files": {"file": ("products.csv", csv_text.encode("utf-8"), "text/csv")}
            }
        else:
            payload = {"json": body}
        call = Call(
            method,
            path,
            action,
            payload=payload,
            logged_body=json.dumps(body) if body is not None else csv_text,
            source_id=source_id,
            vendor_id=vendor_id,
        )
        outcome = self.transport.request(call)
        return outcome.response, outcome.retries

    # -- API ---------------------------------------------------------------------------------------------
    def list_all(self) -> list[dict]:
        products: list[dict] = []
        page = 1
        while True:
            response, _ = self.request(
                "GET",
                f"/api/products?page_size={PAGE_SIZE}&page_number={page}&sort_column=Sku",
                action="list",
            )
            if response is None or response.status_code != 200:
                raise SyncError(f"listing products failed: {_reason(response)}")
            data = response.json()
            products.extend(data["data"]["products"])
            if not data["data"]["products"] or len(products) >= data["total_records"]:
                return products
            page += 1

    def sync(self, source: list[Product]) -> SyncReport:
        report = SyncReport(log=self.log)
        return reporting(report, source, lambda: self._sync(source, report))

    def _sync(self, source: list[Product], report: SyncReport) -> SyncReport:
        remote = self.list_all()
        plan = plan_sync(source, remote, ADAPTER)
        report.unchanged = [p.sku for p in plan.unchanged]
        # Updates merge into the listed record: the update (and an import row) replaces what it names.
        writes = [(p, {**to_vendor(p), "sku": p.sku}, None) for p in plan.create]
        writes += [(p, {**listed, **to_vendor(p)}, listed["id"]) for p, listed in plan.update]
        batches = _batches([record for _, record, _ in writes])
        use_csv = self.use_csv if self.use_csv is not None else len(batches) < len(writes)
        if use_csv and writes:
            self._import(writes, batches, report)
        else:
            for product, record, product_id in writes:
                self._write_one(product, record, product_id, report)
        if self.delete_removed:
            self._delete_removed(source, remote, report)
        return report

    def _write_one(self, product: Product, record: dict, product_id: int | None, report: SyncReport) -> None:
        if product_id is None:
            response, retries = self.request(
                "POST", "/api/products", action="create", source_id=product.sku, body={"product": record}
            )
            landed = response is not None and (
                response.status_code == 200 or (response.status_code == 409 and retries > 0)
            )
            if landed:  # a 409 after a retry: the first attempt had landed
                report.created.append(product.sku)
            else:
                report.errors[product.sku] = _reason(response)
            return
        response, _ = self.request(
            "PUT",
            "/api/products/update",
            action="update",
            source_id=product.sku,
            vendor_id=product_id,
            body={"id": product_id, "product": record},
        )
        if response is not None and response.status_code == 200:
            report.updated.append(product.sku)
        else:
            report.errors[product.sku] = _reason(response)

    def _import(
        self, writes: list[tuple[Product, dict, int | None]], batches: list[list[dict]], report: SyncReport
    ) -> None:
        done = 0
        for batch in batches:
            chunk = writes[done : done + len(batch)]
            done += len(batch)
            response, _ = self.request(
                "POST", "/api/products/import", action="import", csv_text=csv_document(batch)
            )
            if response is None or response.status_code != 200:
                for product, _, _ in chunk:
                    report.errors[product.sku] = _reason(response)
                continue
            refused = {e["row"]: e["message"] for e in response.json().get("errors", [])}
            for row, (product, _, product_id) in enumerate(chunk, start=2):  # the header is row 1
                if row in refused:
                    report.errors[product.sku] = refused[row]
                else:
                    (report.created if product_id is None else report.updated).append(product.sku)

    def _delete_removed(self, source: list[Product], remote: list[dict], report: SyncReport) -> None:
        keys = {p.key for p in source}
        doomed = [r for r in remote if Product(sku=r["sku"], name="x").key not in keys]
        if not doomed:
            return
        response, _ = self.request(
            "DELETE",
            "/api/products/delete",
            action="delete",
            body={"product_ids": [r["id"] for r in doomed], "all_products": False},
        )
        if response is not None and response.status_code == 200:
            missing = {e["details"] for e in response.json().get("errors", [])}
            report.deleted = [r["sku"] for r in doomed if f"product id {r['id']}" not in missing]
        else:
            for record in doomed:
                report.errors[record["sku"]] = _reason(response)


def _csv_part(body: str) -> str:
    """The CSV inside a journalled import body (multipart or raw)."""
    start = body.find(TEMPLATE_HEADER[0] + "," + TEMPLATE_HEADER[1])
    if start < 0:
        return ""
    end = body.find("\r\n--", start)
    return body[start:] if end < 0 else body[start:end]


def _batches(records: list[dict]) -> list[list[dict]]:
    """Import files under the body cap."""
    batches: list[list[dict]] = []
    size = MAX_IMPORT_BYTES + 1
    for record in records:
        row = len(csv_document([record]).encode("utf-8"))
        if size + row > MAX_IMPORT_BYTES:
            batches.append([])
            size = len(",".join(TEMPLATE_HEADER)) + 2
        batches[-1].append(record)
        size += row
    return batches


def _reason(response: requests.Response | None) -> str:
    if response is None:
        return "no answer (connection failed)"
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} {response.text[:200]}"
    if isinstance(body, dict) and body.get("errors"):
        return "; ".join(str(e.get("message")) for e in body["errors"] if isinstance(e, dict))
    return str(body.get("message") if isinstance(body, dict) else body)


def contract_auth_for(credentials: dict[str, str], base_url: str = "") -> Any:
    headers = auth_headers(credentials["api_key"], credentials["subscription_key"])
    return lambda case: headers


_contract_auth = contract_auth_for(CREDENTIALS)


HARNESS = VendorHarness(
    name="starshipit",
    create_app=mock.create_app,
    credentials=CREDENTIALS,
    contract_auth=_contract_auth,
    contract_settings={"rate_limit": 1_000_000_000},
    excluded_checks={},  # every default check applies
    env_credentials={"STARSHIPIT_API_KEY": "api_key", "STARSHIPIT_SUBSCRIPTION_KEY": "subscription_key"},
    contract_auth_for=contract_auth_for,
    adapter=ADAPTER,
    sample_products=[{"sku": "A-1", "title": "Apple", "price": 1.5}, {"sku": "B-2", "title": "Pear"}],
    reference_client=lambda url, c: StarshipitClient(url, c["api_key"], c["subscription_key"]),
    base_url_example="`https://api.starshipit.com`",
    preflight="/api/products?page_size=10",
    auth_headers=frozenset({"starshipit-api-key", "ocp-apim-subscription-key"}),
    key_headers={"StarShipIT-Api-Key": "api_key", "Ocp-Apim-Subscription-Key": "subscription_key"},
    product_reads=[("GET", r"^/api/products$", "data.products")],
    fuzz_templates=[
        {"product": {"sku": "A-1", "title": "Apple", "price": 1.5, "weight": 0.2}},
        {"id": 1, "product": {"id": 1, "sku": "A-1", "title": "Apple"}},
        {"product_ids": [1, 2]},
    ],
    fuzz_probes=[
        ("GET", "/api/products"),
        ("GET", "/api/products/export"),
        ("GET", "/api/products/template"),
    ],
)
