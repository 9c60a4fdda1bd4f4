"""Model-based test of the Shiptheory catalogue rules, and the property run of the reference client.

The state machine interleaves catalogue edits (create, partial update, rename), shipment bookings,
changes of `product_updates` and `lock_product_data`, and after every step compares every line of
every shipment with a small pure-Python model of the vendor document's rules.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from harness import vendors
from harness.cases.shiptheory import BOOKING as CASE_BOOKING
from harness.clients.shiptheory import ShiptheoryClient
from harness.runner import property_run
from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.transport import in_process_session
from mocks.shiptheory import create_app

BASE = "http://mock"
SKUS = st.sampled_from(["A", "B", "C"])
NAMES = st.sampled_from(["mug", "cup", "jug"])
AMOUNTS = st.none() | st.sampled_from([0, 1.5, 2, 9.99])
AMOUNT = st.sampled_from([0, 1.5, 2, 9.99])
# The documented required parts of a booking besides its lines (ST-DOCS Book).
BOOKING = {**CASE_BOOKING, "reference2": "ORDER1", "shipment_detail": {"weight": 1, "parcels": 1, "value": 1}}
MODES = st.sampled_from(["update_catalogue", "use_catalogue", "use_catalogue_with_discounts"])
FIELDS = ("name", "price", "weight")


class Model:
    """The rules: catalogue keyed by SKU; lines tied to the product; overrides; settings; locks."""

    def __init__(self) -> None:
        self.products: dict[int, dict[str, Any]] = {}  # id -> {sku, name, price, weight}
        self.next_id = 1
        self.mode, self.lock = "update_catalogue", False
        self.shipments: dict[str, tuple[bool, list[dict[str, Any]]]] = {}

    def find(self, sku: str) -> int | None:
        return next((i for i, p in self.products.items() if p["sku"] == sku), None)

    def create(self, sku: str, fields: dict[str, Any]) -> int:
        self.products[self.next_id] = {"sku": sku, "name": "", "price": 0, "weight": 0, **fields}
        self.next_id += 1
        return self.next_id - 1

    def book(self, reference: str, lines: list[dict[str, Any]]) -> None:
        booked = []
        for line in lines:
            given = {"name": line.get("name"), "price": line.get("value"), "weight": line.get("weight")}
            given = {k: v for k, v in given.items() if v is not None}
            pid = self.find(line["sku"])
            if pid is None:  # created in every mode (quirk create_missing_when_updates_disabled)
                pid = self.create(line["sku"], given)
            elif self.mode == "update_catalogue":  # only this mode writes line values to the catalogue
                self.products[pid].update(given)
            # plain use_catalogue ignores the line's own price (quirk use_catalogue_ignores_line_price)
            price = None if self.mode == "use_catalogue" else line.get("value")
            booked.append(
                {
                    "pid": pid,
                    "price": price,
                    "weight": line.get("weight"),
                    "customisation": line.get("customisation") or "",
                    "copy": copy.deepcopy(self.products[pid]),
                }
            )
        self.shipments[reference] = (self.lock, booked)  # the lock is taken at booking time

    def effective(self, reference: str) -> list[dict[str, Any]]:
        locked, lines = self.shipments[reference]
        out = []
        for line in lines:
            base = line["copy"] if locked else self.products[line["pid"]]
            out.append(
                {
                    "sku": base["sku"],
                    "name": base["name"],
                    "value": base["price"] if line["price"] is None else line["price"],
                    "weight": base["weight"] if line["weight"] is None else line["weight"],
                    "customisation": line["customisation"],
                }
            )
        return out


class ShiptheoryCatalogue(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock(virtual=True)
        self.app = create_app(clock=self.clock)
        self.session = in_process_session(self.app)
        token = self.session.post(
            f"{BASE}/v1/token", json={"email": "test@example.com", "password": "test-password"}
        ).json()["data"]["token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.model = Model()
        self.references = 0

    def call(self, method: str, path: str, body: Any = None) -> Any:
        self.clock.advance(1)  # the 1 request/second limit is not under test here
        response = self.session.request(method, BASE + path, json=body)
        assert response.status_code < 500, response.text
        return response

    @rule(sku=SKUS, name=NAMES, price=AMOUNTS, weight=AMOUNTS)
    def create_product(self, sku: str, name: str, price: float | None, weight: float | None) -> None:
        fields = {k: v for k, v in {"name": name, "price": price, "weight": weight}.items() if v is not None}
        response = self.call("POST", "/v1/products", {"sku": sku, **fields})
        if self.model.find(sku) is None:
            assert response.status_code == 200, response.text
            self.model.create(sku, fields)
        else:
            assert response.status_code == 400 and "unique" in response.json()["error"]["sku"]

    @rule(sku=SKUS, name=st.none() | NAMES, price=AMOUNTS, weight=AMOUNTS)
    def edit_product(self, sku: str, name: str | None, price: float | None, weight: float | None) -> None:
        fields = {k: v for k, v in {"name": name, "price": price, "weight": weight}.items() if v is not None}
        response = self.call("PUT", f"/v1/products/update/{sku}", fields)
        pid = self.model.find(sku)
        if pid is None:
            assert response.status_code == 404
        else:
            assert response.status_code == 200, response.text
            self.model.products[pid].update(fields)

    @rule(sku=SKUS, new=SKUS)
    def rename_product(self, sku: str, new: str) -> None:
        response = self.call("PUT", f"/v1/products/update/{sku}", {"sku": new})
        pid = self.model.find(sku)
        if pid is None:
            assert response.status_code == 404
        elif new != sku and self.model.find(new) is not None:
            assert response.status_code == 400 and "unique" in response.json()["error"]["sku"]
        else:
            assert response.status_code == 200
            self.model.products[pid]["sku"] = new

    @rule(
        lines=st.lists(
            st.fixed_dictionaries(
                {"sku": SKUS, "name": NAMES, "value": AMOUNT, "weight": AMOUNT},  # required per line
                optional={
                    "qty": st.integers(1, 3),
                    "customisation": st.sampled_from(["engraved", "gift wrap"]),
                },
            ),
            min_size=1,
            max_size=3,
        )
    )
    def book_shipment(self, lines: list[dict[str, Any]]) -> None:
        self.references += 1
        reference = f"R{self.references}"
        response = self.call("POST", "/v1/shipments", {"reference": reference, **BOOKING, "products": lines})
        assert response.status_code == 200, response.text
        self.model.book(reference, lines)

    @rule(mode=MODES)
    def set_product_updates(self, mode: str) -> None:
        assert (
            self.session.put(f"{BASE}/__mock__/settings", json={"product_updates": mode}).status_code == 200
        )
        self.model.mode = mode

    @rule(lock=st.booleans())
    def set_lock(self, lock: bool) -> None:
        assert (
            self.session.put(f"{BASE}/__mock__/settings", json={"lock_product_data": lock}).status_code == 200
        )
        self.model.lock = lock

    @invariant()
    def every_line_shows_its_effective_values(self) -> None:
        for reference in self.model.shipments:
            # The effective lines are on the control API: no documented route shows them.
            shown = self.session.get(f"{BASE}/__mock__/shipments/{reference}").json()["shipment"]["products"]
            actual = [
                {k: line[k] for k in ("sku", "name", "value", "weight", "customisation")} for line in shown
            ]
            assert actual == self.model.effective(reference), reference

    @invariant()
    def catalogue_matches(self) -> None:
        held = {
            p["sku"]: {k: p[k] for k in FIELDS}
            for p in Mock.of(self.app).backend.products("test@example.com")
        }
        assert held == {p["sku"]: {k: p[k] for k in FIELDS} for p in self.model.products.values()}


ShiptheoryCatalogue.TestCase.settings = settings(max_examples=60, stateful_step_count=12, deadline=None)
TestShiptheoryCatalogue = ShiptheoryCatalogue.TestCase


def test_property_run_passes_all_six_checks() -> None:
    outcome = property_run(vendors.get("shiptheory"), examples=30, seed=0)
    assert outcome.error is None, outcome.error
    assert outcome.examples >= 30
    assert outcome.ok, [str(f) for f in outcome.failures]


def test_client_refreshes_its_token_before_expiry_and_once_on_401() -> None:
    clock = Clock(virtual=True)
    app = create_app(clock=clock)
    mock = Mock.of(app)
    client = ShiptheoryClient(BASE, session=in_process_session(app), clock=clock)
    client.list_all()
    first = client.token
    clock.advance(58 * 60)  # past the client's 58-minute refresh point, before the 60-minute expiry
    client.list_all()
    assert client.token != first
    client.token = "revoked.token.value"  # a 401 makes it log in again, once
    assert client.list_all() == []
    logins = [e for e in mock.journal.entries() if e.get("path") == "/v1/token"]
    assert len(logins) == 3
    statuses = [e["status"] for e in mock.journal.entries() if e.get("type") == "request"]
    assert 429 not in statuses  # paced to 1 request/second on the injected clock
    assert statuses.count(401) == 1
