"""ShipStation V1: canonical ↔ vendor mapping, the checks' adapter, and the reference sync client.

The client pages through all products (each listed item is the whole resource), matches them to the
source by normalised SKU, and for each changed one merges the fields the source owns into that
resource and PUTs it back: V1's PUT is a full replace, so anything not sent is lost. It waits exactly
until X-Rate-Limit-Reset when a window is used up, on the injected clock, and retries 5xx and
connection errors a bounded number of times.
"""

from __future__ import annotations

import base64
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import requests

from mocks import shipstation as mock
from mocks.kit.clock import Clock

from ..catalog import Product
from ..strategies import vendor_records
from ..sync import MappedAdapter, RequestLog, SyncError, SyncReport, plan_sync, reporting
from ..vendors import VendorHarness
from .transport import Call, Transport, VendorStrategy

CREDENTIALS = dict(mock.CREDENTIALS)
OZ_PER_KG = Decimal("35.27396195")
CM_PER_INCH = Decimal("2.54")
CENT = Decimal("0.01")
NUMERIC_TOLERANCE = 0.0051  # values are sent rounded to 2 places; anything closer is the same value
PAGE_SIZE = 500  # the V1 maximum: fewest list requests


def basic_auth(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(CENT, ROUND_HALF_UP))


def to_vendor(product: Product) -> dict[str, Any]:
    """The fields the source owns, in V1 names and units (ounces; inches, as US accounts use)."""

    def convert(value: Decimal | None, factor: Decimal, divide: bool = False) -> float | None:
        if value is None:
            return None
        return _money(value / factor if divide else value * factor)

    return {
        "name": product.name,
        "price": _money(product.price),
        "defaultCost": _money(product.cost),
        "weightOz": convert(product.weight_kg, OZ_PER_KG),
        "length": convert(product.length_cm, CM_PER_INCH, divide=True),
        "width": convert(product.width_cm, CM_PER_INCH, divide=True),
        "height": convert(product.height_cm, CM_PER_INCH, divide=True),
        "customsDescription": product.customs_description,
        "customsValue": _money(product.customs_value),
        "customsTariffNo": product.hs_code,
        "customsCountryCode": product.country_of_origin,
        "warehouseLocation": product.warehouse_location,
        "upc": product.barcode,
        "active": product.active,
    }


class ShipStationAdapter(MappedAdapter):
    name = "shipstation"
    to_vendor = staticmethod(to_vendor)
    id_field = "productId"
    numeric_tolerance = NUMERIC_TOLERANCE
    can_create = False
    announces_remaining = True
    max_retries = 3
    ignored_fields = ("modifyDate",)
    write_methods = ("PUT", "POST", "DELETE")

    def is_write(self, entry: dict) -> bool:
        return entry["method"] in self.write_methods and entry["path"].startswith("/products")

    def rejections(self, entry: dict) -> list[tuple[str, str]]:
        """A refused PUT (4xx other than auth and rate limit) names its SKU in the body it sent."""
        if entry["status"] in (401, 403, 404, 429) or not 400 <= entry["status"] < 500:
            return []
        try:
            reason = json.loads(entry.get("response_body") or "{}").get("message", "")
        except (ValueError, AttributeError):
            reason = entry.get("response_body") or ""
        return [(sku, reason) for sku in self.written_skus(entry)]

    def written_skus(self, entry: dict) -> list[str]:
        if not self.is_write(entry):
            return []
        try:
            sku = json.loads(entry.get("body") or "{}").get("sku")
        except (ValueError, AttributeError):
            return []
        return [sku] if isinstance(sku, str) else []

    def created_skus(self, entry: dict) -> list[str]:
        return []  # V1 cannot create

    # -- for property runs ---------------------------------------------------------------------------------
    fault_targets = [("GET", r"^/products$"), ("PUT", r"^/products/\d+$")]

    def existing_records(self, remote: list[Product]) -> Any:
        """What ShipStation holds: the mapped fields plus fields only ShipStation has, which must survive."""
        from hypothesis import strategies as st

        vendor_only = st.fixed_dictionaries(
            {},
            optional={
                "internalNotes": st.text(max_size=20),
                "fulfillmentSku": st.text(min_size=1, max_size=10),
                "productCategory": st.builds(
                    lambda i, n: {"categoryId": i, "name": n},
                    st.integers(1, 99),
                    st.text(min_size=1, max_size=10),
                ),
                "tags": st.lists(
                    st.builds(lambda i: {"tagId": i, "name": f"tag{i}"}, st.integers(1, 9)),
                    max_size=2,
                    unique_by=lambda t: t["tagId"],
                ),
                "defaultCarrierCode": st.sampled_from(["fedex", "ups", "usps"]),
                "defaultConfirmation": st.sampled_from(["none", "delivery", "signature"]),
                "noCustoms": st.booleans(),
                "thumbnailURL": st.just("https://img.example/p.png"),
            },
        )
        return vendor_records(remote, lambda p: {**to_vendor(p), "sku": p.sku}, vendor_only)

    def make_client(self, *, base_url: str, session: requests.Session, clock: Clock) -> ShipStationClient:
        return ShipStationClient(base_url, session=session, clock=clock)


ADAPTER = ShipStationAdapter()


class ShipStationClient:
    def __init__(
        self,
        base_url: str,
        api_key: str = CREDENTIALS["api_key"],
        api_secret: str = CREDENTIALS["api_secret"],
        *,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        max_retries: int = 3,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = basic_auth(api_key, api_secret)
        self.clock = clock or Clock()
        self.max_retries = max_retries
        self.timeout = timeout
        self.log: list[RequestLog] = []
        self._remaining: int | None = None
        self._reset_at = 0.0
        # Bound methods, so a subclass's override of a hook is the strategy too.
        strategy = VendorStrategy(
            before_send=self._wait_for_window,
            on_answer=self._note_rate_limit,
            on_rate_limited=self._wait_for_reset,
        )
        self.transport = Transport.for_client(self, strategy, max_retries=max_retries, timeout=timeout)

    # -- strategy: X-Rate-Limit-Remaining / X-Rate-Limit-Reset ----------------------------------------------
    def _wait_for_window(self) -> None:
        if self._remaining == 0:
            self.clock.sleep(self._reset_at - self.clock.now())
            self._remaining = None

    def _note_rate_limit(self, response: requests.Response) -> None:
        remaining, reset = (
            response.headers.get("X-Rate-Limit-Remaining"),
            response.headers.get("X-Rate-Limit-Reset"),
        )
        if remaining is not None and reset is not None:
            self._remaining, self._reset_at = int(remaining), self.clock.now() + int(reset)

    def _wait_for_reset(self, response: requests.Response) -> None:
        self._remaining = 0  # the next attempt waits for the reset the headers announced

    def request(
        self,
        method: str,
        path: str,
        *,
        action: str,
        source_id: str | None = None,
        vendor_id: Any = None,
        body: dict | None = None,
    ) -> requests.Response | None:
        """Send once, plus bounded retries for 429, 5xx and connection errors; None if all failed."""
        call = Call(
            method,
            path,
            action,
            payload={"json": body},
            logged_body=json.dumps(body) if body is not None else None,
            source_id=source_id,
            vendor_id=vendor_id,
        )
        return self.transport.request(call).response

    # -- API ---------------------------------------------------------------------------------------------
    def list_all(self) -> list[dict]:
        products: list[dict] = []
        page = 1
        while True:
            response = self.request(
                "GET", f"/products?showInactive=true&pageSize={PAGE_SIZE}&page={page}", action="list"
            )
            if response is None or response.status_code != 200:
                raise SyncError(f"listing products failed: {_reason(response)}")
            data = response.json()
            products.extend(data["products"])
            if page >= data["pages"]:
                return products
            page += 1

    def sync(self, source: list[Product]) -> SyncReport:
        report = SyncReport(log=self.log)
        return reporting(report, source, lambda: self._sync(source, report))

    def _sync(self, source: list[Product], report: SyncReport) -> SyncReport:
        plan = plan_sync(source, self.list_all(), ADAPTER)
        report.unchanged = [p.sku for p in plan.unchanged]
        report.missing_upstream = [p.sku for p in plan.create]  # V1 has no create: say so
        for product, listed in plan.update:
            # The listing returned each whole resource: merge into it, so the full-replace PUT keeps every
            # field the source does not own, at one request per changed product.
            product_id = listed["productId"]
            merged = {**listed, **to_vendor(product)}
            response = self.request(
                "PUT",
                f"/products/{product_id}",
                action="update",
                source_id=product.sku,
                vendor_id=product_id,
                body=merged,
            )
            if response is not None and response.status_code == 200:
                report.updated.append(product.sku)
            else:
                report.errors[product.sku] = _reason(response)
        return report


def _reason(response: requests.Response | None) -> str:
    if response is None:
        return "no answer (connection failed)"
    try:
        return str(response.json().get("message") or response.text)
    except ValueError:
        return f"{response.status_code} {response.text[:200]}"


def contract_auth_for(credentials: dict[str, str], base_url: str = "") -> Any:
    header = {"Authorization": basic_auth(credentials["api_key"], credentials["api_secret"])}
    return lambda case: header


_contract_auth = contract_auth_for(CREDENTIALS)


HARNESS = VendorHarness(
    name="shipstation",
    create_app=mock.create_app,
    credentials=CREDENTIALS,
    contract_auth=_contract_auth,
    contract_settings={"rate_limit": 1_000_000_000},
    env_credentials={"SHIPSTATION_API_KEY": "api_key", "SHIPSTATION_API_SECRET": "api_secret"},
    contract_auth_for=contract_auth_for,
    adapter=ADAPTER,
    sample_products=[{"sku": "A-1", "name": "Apple", "price": 1.5}, {"sku": "B-2", "name": "Pear"}],
    reference_client=lambda url, c: ShipStationClient(url, c["api_key"], c["api_secret"]),
    base_url_example="`https://ssapi.shipstation.com`",
    preflight="/products?pageSize=1",
    auth_headers=frozenset({"authorization"}),
    product_reads=[("GET", r"^/products$", "products"), ("GET", r"^/products/\d+$", "")],
    fuzz_templates=[{"productId": 1, "sku": "A-1", "name": "Apple", "price": 1.5, "weightOz": 2}],
    fuzz_probes=[("GET", "/products"), ("GET", "/products?startDate=2020-01-01&sortBy=ModifyDate")],
)
