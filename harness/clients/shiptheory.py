"""Shiptheory v1: canonical ↔ vendor mapping, the checks' adapter, and the reference sync client.

The client logs in for a bearer token (refreshed 2 minutes before its 60-minute expiry, and once on a
401), pages through the catalogue, matches products to the source by normalised SKU, creates the
missing ones and sends only the changed fields of the others (the update merges, so nothing else is
touched). Shiptheory allows 1 request per second per account, so the client spaces its requests a
second apart on the injected clock instead of waiting for 429s.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote, unquote

import requests

from mocks import shiptheory as mock
from mocks.kit.clock import Clock

from ..catalog import Product
from ..strategies import vendor_records
from ..sync import MappedAdapter, RequestLog, SyncError, SyncReport, plan_sync, reporting
from ..vendors import VendorHarness
from .transport import Call, Transport, VendorStrategy

CREDENTIALS = dict(mock.CREDENTIALS)
CENT = Decimal("0.01")
GRAM = Decimal("0.001")
NUMERIC_TOLERANCE = 0.0051  # money and cm go as 2 places, kg as 3; anything closer is the same value
PAGE_LIMIT = 100  # the maximum: fewest list requests
SPACING = 1.0  # 1 request per second per account [ST-RATE]
TOKEN_REFRESH_AFTER = 58 * 60  # as shiptheory-python and the PHP client do; tokens live 60 minutes


def _amount(value: Decimal | None, step: Decimal = CENT) -> float | None:
    return None if value is None else float(value.quantize(step, ROUND_HALF_UP))


def to_vendor(product: Product) -> dict[str, Any]:
    """The fields the source owns, in Shiptheory names and units (kg, cm). None: the source is silent."""
    return {
        "name": product.name,
        "price": _amount(product.price),
        "weight": _amount(product.weight_kg, GRAM),
        "length": _amount(product.length_cm),
        "width": _amount(product.width_cm),
        "height": _amount(product.height_cm),
        "barcode": product.barcode,
        "commodity_code": product.hs_code,
        "commodity_description": product.customs_description,
        "commodity_manucountry": product.country_of_origin,  # sent as the source holds it (ISO alpha-2)
    }


def error_reason(body: Any) -> str:
    """One line from either error envelope: `field: message; …` or the `message`."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return "; ".join(
            f"{name}: {msg}"
            for name, rules in body["error"].items()
            if isinstance(rules, dict)
            for msg in rules.values()
        )
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return ""


def _json(text: str | None) -> Any:
    try:
        return json.loads(text or "null")
    except ValueError:
        return None


class ShiptheoryAdapter(MappedAdapter):
    name = "shiptheory"
    to_vendor = staticmethod(to_vendor)
    numeric_tolerance = NUMERIC_TOLERANCE
    skip_unset = True  # updates merge: an absent value is left as the vendor has it
    can_create = True
    announces_remaining = False  # no rate-limit headers: the client paces itself
    max_retries = 3
    ignored_fields = ("modified",)
    write_methods = ("POST", "PUT")

    def record_id(self, record: dict) -> Any:
        return record.get("created"), record.get("sku")  # no public id; SKU changes only by rename

    def is_write(self, entry: dict) -> bool:
        return entry["method"] in self.write_methods and entry["path"].startswith(
            ("/v1/products", "/v1/shipments")
        )

    def _entry_sku(self, entry: dict) -> str | None:
        if entry["method"] == "PUT" and entry["path"].startswith("/v1/products/update/"):
            return unquote(entry["path"].removeprefix("/v1/products/update/"))
        sku = (
            (_json(entry.get("body")) or {}).get("sku")
            if isinstance(_json(entry.get("body")), dict)
            else None
        )
        return sku if isinstance(sku, str) else None

    def rejections(self, entry: dict) -> list[tuple[str, str]]:
        """A refused write (4xx other than auth, unknown SKU and rate limit) and the vendor's reason."""
        if (
            not self.is_write(entry)
            or entry["status"] in (401, 403, 404, 429)
            or not 400 <= entry["status"] < 500
        ):
            return []
        sku = self._entry_sku(entry)
        return [(sku, error_reason(_json(entry.get("response_body"))))] if sku else []

    def written_skus(self, entry: dict) -> list[str]:
        """The SKU a product write named (idempotence reads this; it crashed without it)."""
        if not self.is_write(entry):
            return []
        sku = self._entry_sku(entry)
        return [sku] if sku else []

    def created_skus(self, entry: dict) -> list[str]:
        if entry["method"] == "POST" and entry["path"] == "/v1/products" and entry["status"] == 200:
            sku = self._entry_sku(entry)
            return [sku] if sku else []
        return []

    # -- for property runs ---------------------------------------------------------------------------------
    fault_targets = [
        ("GET", r"^/v1/products$"),
        ("POST", r"^/v1/products$"),
        ("PUT", r"^/v1/products/update/"),
    ]

    def existing_records(self, remote: list[Product]) -> Any:
        """What Shiptheory holds: the mapped fields plus fields only Shiptheory has, which must survive."""
        from hypothesis import strategies as st

        vendor_only = st.fixed_dictionaries(
            {},
            optional={
                "mid_code": st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=25),
                "commodity_composition": st.sampled_from(["100% cotton", "ceramic", "steel"]),
                "thumbnail_url": st.just("https://img.example/p.png"),
            },
        )

        def record(p: Product) -> dict:
            mapped = {
                k: v for k, v in to_vendor(p).items() if v is not None and (k != "barcode" or len(v) <= 15)
            }
            sku = p.sku if len(p.sku) <= 100 else p.sku.strip()  # padded spellings must fit the 100 limit
            return {**mapped, "sku": sku}

        return vendor_records(remote, record, vendor_only)

    def make_client(self, *, base_url: str, session: requests.Session, clock: Clock) -> ShiptheoryClient:
        return ShiptheoryClient(base_url, session=session, clock=clock)


ADAPTER = ShiptheoryAdapter()


class ShiptheoryClient:
    def __init__(
        self,
        base_url: str,
        email: str = CREDENTIALS["email"],
        password: str = CREDENTIALS["password"],
        *,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        max_retries: int = 3,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.email, self.password = email, password
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "Content-Type": "application/json"})
        self.clock = clock or Clock()
        self.max_retries = max_retries
        self.timeout = timeout
        self.log: list[RequestLog] = []
        self.token: str | None = None
        self._token_at = 0.0
        self._last_sent: float | None = None
        strategy = VendorStrategy(before_send=self._pace, headers=self._auth, refresh_auth=self._relogin)
        self.transport = Transport.for_client(self, strategy, max_retries=max_retries, timeout=timeout)

    # -- strategy: 1 request a second, and a bearer token refreshed before expiry and once on a 401 ---------
    def _pace(self) -> None:
        if self._last_sent is not None:
            self.clock.sleep(self._last_sent + SPACING - self.clock.now())
        self._last_sent = self.clock.now()

    def login(self) -> None:
        call = Call(
            "POST",
            "/v1/token",
            "login",
            payload=_json_payload({"email": self.email, "password": self.password}),
        )
        for attempt in range(self.max_retries + 1):
            response, _ = self.transport.exchange(call, {})
            if response is not None and response.status_code == 200:
                self.token, self._token_at = response.json()["data"]["token"], self.clock.now()
                return
            if response is not None and response.status_code == 401:
                raise SyncError("Shiptheory refused the email and password")
            self.transport.backoff(attempt)
        raise SyncError("could not get a Shiptheory token")

    def _auth(self, call: Call | None = None) -> dict[str, str]:
        if self.token is None or self.clock.now() - self._token_at >= TOKEN_REFRESH_AFTER:
            self.login()
        return {"Authorization": f"Bearer {self.token}"}

    def _relogin(self, response: requests.Response) -> bool:
        self.token = None  # expired or revoked early: log in again (the transport allows it once a call)
        return True

    def request(
        self,
        method: str,
        path: str,
        *,
        action: str,
        source_id: str | None = None,
        body: dict | None = None,
        before_retry: Callable[[], requests.Response | None] | None = None,
    ) -> requests.Response | None:
        """Send once, plus bounded retries for 429, 5xx and connection errors, and one re-login on 401."""
        call = Call(
            method,
            path,
            action,
            payload=_json_payload(body),
            logged_body=json.dumps(body) if body is not None else None,
            source_id=source_id,
        )
        return self.transport.request(call, before_retry).response

    # -- API ---------------------------------------------------------------------------------------------
    def list_all(self) -> list[dict]:
        products: list[dict] = []
        page = 1
        while True:
            response = self.request("GET", f"/v1/products?limit={PAGE_LIMIT}&page={page}", action="list")
            if response is None or response.status_code != 200:
                raise SyncError(f"listing products failed: {_reason(response)}")
            data = response.json()
            products.extend(data["products"])
            if page >= data["pagination"]["pages"]:
                return products
            page += 1

    def _update(self, sku: str, fields: dict[str, Any], source_id: str) -> requests.Response | None:
        return self.request(
            "PUT",
            "/v1/products/update/" + quote(sku, safe=""),
            action="update",
            source_id=source_id,
            body=fields,
        )

    def _existing(self, sku: str) -> requests.Response | None:
        """Before re-sending a create: if the product is there already, that create worked (no duplicate)."""
        response = self.request(
            "GET", "/v1/products/view/" + quote(sku, safe=""), action="verify", source_id=sku
        )
        return response if response is not None and response.status_code == 200 else None

    def sync(self, source: list[Product]) -> SyncReport:
        report = SyncReport(log=self.log)
        return reporting(report, source, lambda: self._sync(source, report))

    def _sync(self, source: list[Product], report: SyncReport) -> SyncReport:
        plan = plan_sync(source, self.list_all(), ADAPTER)
        report.unchanged = [p.sku for p in plan.unchanged]
        for product in plan.create:
            body = {"sku": product.sku, **{k: v for k, v in to_vendor(product).items() if v is not None}}
            response = self.request(
                "POST",
                "/v1/products",
                action="create",
                source_id=product.sku,
                body=body,
                before_retry=lambda sku=product.sku: self._existing(sku),
            )
            if response is not None and response.status_code == 200:
                report.created.append(product.sku)
            else:
                report.errors[product.sku] = _reason(response)
        for product, listed in plan.update:
            desired = to_vendor(product)
            changed = {name: desired[name] for name in ADAPTER.changed_fields(product, listed)}
            response = self._update(listed["sku"], changed, product.sku)
            if response is not None and response.status_code == 200:
                report.updated.append(product.sku)
            else:
                report.errors[product.sku] = _reason(response)
        return report


def _json_payload(body: Any) -> dict[str, Any]:
    return {"data": None if body is None else json.dumps(body)}  # the session sends the JSON content type


def _body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _reason(response: requests.Response | None) -> str:
    if response is None:
        return "no answer (connection failed)"
    return error_reason(_body(response)) or f"{response.status_code} {response.text[:200]}"


def contract_auth_for(credentials: dict[str, str], base_url: str) -> Any:
    """Bearer auth through the vendor's own token flow (POST /v1/token), renewed after 50 minutes."""
    import time

    token: dict[str, Any] = {"value": None, "at": 0.0}

    def auth(case: Any) -> dict[str, str]:
        if token["value"] is None or time.monotonic() - token["at"] > 50 * 60:
            response = requests.post(
                f"{base_url.rstrip('/')}/v1/token",
                timeout=30,
                json={"email": credentials["email"], "password": credentials["password"]},
            )
            response.raise_for_status()
            token.update(value=response.json()["data"]["token"], at=time.monotonic())
        return {"Authorization": f"Bearer {token['value']}"}

    return auth


def _contract_auth(case: Any) -> dict[str, str]:
    """A token the mock accepts, minted with the mock's key (the contract run's mock uses the real clock)."""
    import time

    return {"Authorization": "Bearer " + mock.mint_token(CREDENTIALS["email"], time.time())}


HARNESS = VendorHarness(
    name="shiptheory",
    create_app=mock.create_app,
    credentials=CREDENTIALS,
    contract_auth=_contract_auth,
    contract_settings={"rate_limit": 1_000_000_000},
    excluded_checks={
        "positive_data_acceptance": (
            "SKUs and shipment references are unique, and a repeat answers 400 sku.unique / "
            "reference.unique (vendor-notes §7), which schema-valid generated data hits; OpenAPI cannot "
            "express uniqueness. tests/mocks/shiptheory checks that fresh schema-valid bodies are accepted."
        ),
    },
    env_credentials={"SHIPTHEORY_EMAIL": "email", "SHIPTHEORY_PASSWORD": "password"},
    contract_auth_for=contract_auth_for,
    adapter=ADAPTER,
    sample_products=[{"sku": "A-1", "name": "Apple", "price": 1.5}, {"sku": "B-2", "name": "Pear"}],
    reference_client=lambda url, c: ShiptheoryClient(url, c["email"], c["password"]),
    base_url_example="`https://api.shiptheory.com`",
    preflight="/v1/products?limit=1",
    auth_headers=frozenset({"authorization"}),
    product_reads=[("GET", r"^/v1/products$", "products"), ("GET", r"^/v1/products/view/.+$", "product")],
    fuzz_templates=[
        {"sku": "A-1", "name": "Apple", "price": 1.5, "weight": 0.2},
        {"email": "test@example.com", "password": "test-password"},
        {"reference": "R-1", "products": [{"sku": "A-1", "qty": 1}]},
    ],
    fuzz_probes=[("GET", "/v1/products?limit=100")],
)
