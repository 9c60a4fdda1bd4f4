"""Shiptheory mock: shipments upsert the catalogue per the settings; lines show effective values."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from harness.conformance import load
from mocks.kit.server import ServerThread

from .conftest import BASE, Api, booking, line


def catalogue(api: Api, sku: str) -> dict:
    return next(p for p in api.products() if p["sku"] == sku)


def test_booking_creates_missing_products_and_updates_differing_ones(api: Api) -> None:
    api.post("/v1/products", {"sku": "A", "name": "old", "price": 10, "weight": 1, "barcode": "111"})
    response = api.book(
        "R1",
        [
            line("A", "new", value=8, weight=1, qty=2),
            line("B", "bee", value=3, weight=0.5, commodity_code="6109"),
        ],
    )
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "status": "Complete",
        "carrier_result": {
            "status": "success",
            "tracking": "2887000001",
            "carrier": "Mock Carrier",
            "no_tracking": None,
        },
        "message": "Mock Carrier tracking reference received: 2887000001",
    }
    a, b = catalogue(api, "A"), catalogue(api, "B")
    assert (a["name"], a["price"], a["weight"], a["barcode"]) == ("new", 8, 1, "111")
    assert (b["name"], b["price"], b["weight"], b["commodity_code"]) == ("bee", 3, 0.5, "6109")
    assert [e["fields"] for e in api.effects("product.updated")] == [["name", "price"]]
    assert [(e["sku"], e["source"]) for e in api.effects("product.created")] == [
        ("A", "api"),
        ("B", "shipment"),
    ]
    booked = api.effects("shipment.booked")[0]
    assert (booked["reference"], booked["product_updates"], booked["locked"]) == (
        "R1",
        "update_catalogue",
        False,
    )
    assert booked["request_seq"] == api.requests()[-1]["seq"]


def test_line_view_is_catalogue_plus_line_overrides(api: Api) -> None:
    api.post(
        "/v1/products",
        {"sku": "A", "name": "mug", "price": 10, "weight": 1, "length": 12, "commodity_manucountry": "GBR"},
    )
    api.settings(product_updates="use_catalogue_with_discounts")
    api.book(
        "R1", [line("A", "mug", value=7.5, weight=1.2, customisation="Happy birthday", batch_number="B-9")]
    )
    assert api.lines("R1") == [
        {
            "sku": "A",
            "name": "mug",
            "qty": 1,
            "value": 7.5,
            "weight": 1.2,
            "barcode": "",
            "commodity_code": "",
            "commodity_description": "",
            "commodity_manucountry": "GBR",
            "commodity_composition": "",
            "mid_code": "",
            "length": 12,
            "width": 0,
            "height": 0,
            "customisation": "Happy birthday",
            "batch_number": "B-9",
        }
    ]
    product = catalogue(api, "A")
    assert (product["price"], product["weight"]) == (10, 1)  # updates off: catalogue untouched
    assert "customisation" not in product


def test_use_catalogue_ignores_line_price_but_keeps_line_weight(api: Api) -> None:
    api.post("/v1/products", {"sku": "A", "name": "mug", "price": 10, "weight": 1})
    api.settings(product_updates="use_catalogue")
    api.book("R1", [line("A", "x", value=2, weight=3)])
    (shown,) = api.lines("R1")
    assert (shown["value"], shown["weight"], shown["name"]) == (10, 3, "mug")
    assert catalogue(api, "A")["name"] == "mug"
    api.settings(quirks={"use_catalogue_ignores_line_price": False})
    api.book("R2", [line("A", value=2)])
    assert api.lines("R2")[0]["value"] == 2


def test_catalogue_edit_shows_in_unlocked_shipments_only(api: Api) -> None:
    api.post("/v1/products", {"sku": "A", "name": "mug", "price": 10, "weight": 1})
    api.book("OPEN", [line("A", "mug", value=10, weight=2)])
    api.settings(lock_product_data=True)
    api.book("LOCKED", [line("A", "mug", value=10, weight=2)])
    api.put("/v1/products/update/A", {"name": "cup", "price": 12, "weight": 5, "sku": "A2", "barcode": "9"})
    (open_line,), (locked_line,) = api.lines("OPEN"), api.lines("LOCKED")
    # Every booked line carries its own value and weight (required), so those stay; the rest follow the
    # catalogue unless the shipment was locked when it was booked.
    assert (open_line["sku"], open_line["name"], open_line["barcode"], open_line["value"]) == (
        "A2",
        "cup",
        "9",
        10,
    )
    assert (locked_line["sku"], locked_line["name"], locked_line["barcode"], locked_line["value"]) == (
        "A",
        "mug",
        "",
        10,
    )
    control = api.session.get(f"{BASE}/__mock__/shipments/LOCKED").json()["shipment"]
    assert control["locked"] is True
    api.settings(lock_product_data=False)  # the lock belongs to the shipment, taken when it was booked
    assert api.lines("LOCKED")[0]["name"] == "mug"


def test_booking_in_update_mode_changes_other_unlocked_shipments(api: Api) -> None:
    api.book("R1", [line("A", "one")])
    api.book("R2", [line("A", "two")])
    assert api.lines("R1")[0]["name"] == "two"


def test_missing_sku_with_updates_off_and_the_quirk_off_is_refused_whole(api: Api) -> None:
    api.post("/v1/products", {"sku": "A"})
    api.settings(product_updates="use_catalogue", quirks={"create_missing_when_updates_disabled": False})
    response = api.book("R1", [line("A"), line("NEW")])
    assert response.status_code == 400
    assert list(response.json()["error"]) == ["products.1.sku"]
    assert [p["sku"] for p in api.products()] == ["A"]
    assert api.get("/v1/shipments/R1").status_code == 404
    assert api.session.get(f"{BASE}/__mock__/shipments/R1").status_code == 404


def test_booking_requires_the_documented_fields(api: Api) -> None:
    """ST-DOCS Book: reference, reference2, shipment_detail.weight|parcels|value, the recipient's name,
    address_line_1, city, country and postcode, and each product's name, sku, value and weight."""
    empty = api.post("/v1/shipments", {})
    assert (empty.status_code, empty.json()) == (
        400,
        {
            "error": {
                "reference": {"_required": "This field is required"},
                "reference2": {"_required": "This field is required"},
                "shipment_detail": {"_required": "This field is required"},
                "recipient": {"_required": "This field is required"},
            }
        },
    )
    hollow = api.post(
        "/v1/shipments",
        {
            "reference": "R",
            "reference2": "O",
            "shipment_detail": {},
            "recipient": {},
            "products": [{"qty": 0}, "x"],
        },
    )
    assert set(hollow.json()["error"]) == {
        "shipment_detail.weight",
        "shipment_detail.parcels",
        "shipment_detail.value",
        *(
            f"recipient.{f}"
            for f in ("firstname", "lastname", "address_line_1", "city", "country", "postcode")
        ),
        *(f"products.0.{f}" for f in ("name", "sku", "value", "weight", "qty")),
        "products.1",
    }
    bad = api.post(
        "/v1/shipments",
        booking(
            "R",
            shipment_detail={"weight": "heavy", "parcels": 1.5, "value": 1},
            recipient={**booking("R")["recipient"], "country": "XX"},
        ),
    )
    assert bad.json()["error"] == {
        "shipment_detail.weight": {"numeric": "The provided value must be a number"},
        "shipment_detail.parcels": {"integer": "The provided value must be an integer"},
        "recipient.country": {"country": "The provided value must be a 2 character ISO country code"},
    }
    assert api.get("/v1/shipments/R").status_code == 404 and api.products() == []
    # Over 25 characters "may be rejected": the mock accepts it; numbers given as text are numbers.
    long = booking("R" * 40, shipment_detail={"weight": "2.5", "parcels": "1", "value": "135.18"})
    assert api.post("/v1/shipments", long).status_code == 200
    assert api.book("R").status_code == 200
    again = api.book("R")
    assert again.json() == {
        "error": {"reference": {"unique": "A shipment with this reference already exists"}}
    }


def test_view_is_the_documented_shape_and_the_invented_route_is_gone(api: Api) -> None:
    api.book("R1", [line("A")])
    view = api.get("/v1/shipments/R1")
    assert view.status_code == 200
    body = view.json()
    assert list(body) == ["shipment", "tags", "messages", "label"]
    assert body["shipment"]["status"] == "Complete" and body["shipment"]["tracking_number"] == "2887000001"
    assert api.get("/v1/shipments/view/R1").json() == {
        "message": "Not Found",
        "url": "/v1/shipments/view/R1",
        "code": 404,
    }
    assert api.get("/v1/shipments/nope").json()["message"] == "Not Found"
    missing = api.session.get(f"{BASE}/__mock__/shipments/nope?account=test@example.com")
    assert missing.status_code == 404 and "nope" in missing.json()["error"]


def test_settings_through_the_control_api(api: Api) -> None:
    current = api.session.get(f"{BASE}/__mock__/settings").json()
    assert current["product_updates"] == "update_catalogue" and current["lock_product_data"] is False
    assert current["quirks"] == {
        "rate_limit_token_requests": False,
        "create_missing_when_updates_disabled": True,
        "use_catalogue_ignores_line_price": True,
    }
    refused = api.session.put(f"{BASE}/__mock__/settings", json={"product_updates": "sometimes"})
    assert refused.status_code == 400 and "product_updates" in refused.json()["error"]
    assert api.session.put(f"{BASE}/__mock__/settings", json={"lock_product_data": "yes"}).status_code == 400


def test_state_round_trips_shipments_and_locks(api: Api) -> None:
    api.settings(lock_product_data=True)
    api.book("R1", [line("A", "a", customisation="c")])
    state = api.session.get(f"{BASE}/__mock__/state").json()
    before = (api.lines("R1"), api.get("/v1/shipments/R1").json())
    api.session.post(f"{BASE}/__mock__/reset")
    api.token = api.login().json()["data"]["token"]
    assert api.get("/v1/shipments/R1").status_code == 404
    assert api.session.put(f"{BASE}/__mock__/state", json=state).status_code == 200
    assert (api.lines("R1"), api.get("/v1/shipments/R1").json()) == before
    broken = {**state, "backend": {"accounts": {"x": {"shipments": [{"reference": "Q"}]}}}}
    assert api.session.put(f"{BASE}/__mock__/state", json=broken).status_code == 400
    assert (api.lines("R1"), api.get("/v1/shipments/R1").json()) == before  # a bad document changes nothing


# -- what the contract run cannot check (positive_data_acceptance is excluded there) --
SCHEMA = load("shiptheory")


@settings(max_examples=40, deadline=None, database=None)
@given(case=SCHEMA["/v1/products"]["POST"].as_strategy())
def test_every_schema_valid_product_with_a_fresh_sku_is_accepted(case) -> None:  # type: ignore[no-untyped-def]
    api = test_every_schema_valid_product_with_a_fresh_sku_is_accepted.api  # type: ignore[attr-defined]
    api.counter += 1
    body = {**case.body, "sku": f"fresh-{api.counter}"}
    response = api.post("/v1/products", body)
    assert response.status_code == 200, (body, response.text)


test_every_schema_valid_product_with_a_fresh_sku_is_accepted.api = Api()  # type: ignore[attr-defined]
test_every_schema_valid_product_with_a_fresh_sku_is_accepted.api.counter = 0  # type: ignore[attr-defined]


# -- an existing third-party client, unchanged apart from its base URL --
def test_shiptheory_python_client_works_unchanged() -> None:
    pytest.importorskip("ShiptheoryPython")
    from ShiptheoryPython.Http.Api import Api as ClientApi
    from ShiptheoryPython.Http.ShiptheoryClient import ShiptheoryClient
    from ShiptheoryPython.Objects.Product import Product
    from ShiptheoryPython.Objects.ProductQuery import ProductQuery

    local = Api()
    original = ClientApi._BASE_URL
    with ServerThread(local.app) as server:
        ClientApi._BASE_URL = server.base_url + "/v1/"
        try:
            client = ShiptheoryClient("test@example.com", "test-password")
            product = Product()
            product.sku, product.name, product.price, product.weight = "PY-1", "From python", 4.25, 0.3
            local.clock.advance(1)
            added = client.addProduct(product.toJson())
            assert added.code == 200 and added.body["product"]["sku"] == "PY-1"
            local.clock.advance(1)
            updated = client.updateProduct("PY-1", '{"name": "Renamed"}')
            assert updated.code == 200 and updated.body["product"]["price"] == 4.25
            local.clock.advance(1)
            assert client.viewProduct("PY-1").body["product"]["name"] == "Renamed"
            local.clock.advance(1)
            listed = client.listProducts(ProductQuery({"limit": 10, "sort": "sku"}).toQueryParams())
            assert listed.code == 200 and listed.body["pagination"]["limit"] == 10
            local.clock.advance(1)
            booked = client.bookShipment(json.dumps(booking("PY-R", [line("PY-1", "Renamed", value=4.25)])))
            assert booked.code == 200 and booked.body["status"] == "Complete"
            local.clock.advance(1)
            assert client.viewShipment("PY-R").body["shipment"]["status"] == "Complete"
            local.clock.advance(1)
            listed = client.listShipment("?limit=10")
            assert listed.code == 200 and listed.body["shipments"][0]["channel_reference_id"] == "PY-R"
            local.clock.advance(1)
            day = local.mock.clock.now()
            stamp = (
                __import__("datetime")
                .datetime.fromtimestamp(day, __import__("datetime").UTC)
                .strftime("%Y-%m-%d")
            )
            found = client.searchShipment(f"?created_from={stamp}&created_to={stamp}&include_products=1")
            assert found.code == 200 and found.body["shipments"][0]["products"][0]["sku"] == "PY-1"
            local.clock.advance(1)
            missing = client.viewProduct("nope")
            assert missing.code == 404 and missing.error["message"] == "Not Found"
        finally:
            ClientApi._BASE_URL = original
            ClientApi._headers.pop("Authorization", None)  # the library keeps it on the class
