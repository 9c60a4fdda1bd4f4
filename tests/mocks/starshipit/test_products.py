"""Create, list, update and delete: bodies, stored state and journal entries (vendor-notes §7)."""

import pytest

from mocks.starshipit.fields import FIELDS

from .conftest import HEADERS


def test_create_returns_the_stored_product_with_every_field(ssit):
    response = ssit.call(
        "POST",
        json={
            "product": {
                "sku": "A-1",
                "title": "Mug",
                "weight": 0.35,
                "length": 0.1,
                "colour": "red",
                "country": "AU",
                "hs_code": "6912.00",
                "price": 12.5,
                "dangerous_goods": True,
                "ignored": 1,
            }
        },
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["success"] is True
    product = body["product"]
    assert list(product) == ["id", *FIELDS]
    assert product["id"] == 1 and product["color"] == "red" and product["weight"] == 0.35
    assert product["description"] is None and "ignored" not in product and "colour" not in product
    assert ssit.mock.backend.products("test-api-key") == [product]
    (effect,) = ssit.effects("product.created")
    assert effect["id"] == 1 and effect["sku"] == "A-1" and effect["request_seq"] == ssit.requests()[0]["seq"]
    assert ssit.requests()[0]["account"] == "test-api-key"


def test_color_wins_over_colour_and_empty_text_is_null(ssit):
    product = ssit.create(sku="C", color="blue", colour="red", brand="", barcode=" ")
    assert product["color"] == "blue" and product["brand"] is None and product["barcode"] == " "


@pytest.mark.parametrize(
    ("product", "details"),
    [
        ({"title": "no sku"}, ["sku"]),
        ({"sku": " \u3000\t", "title": "blank sku"}, ["sku"]),
        ({"sku": "A"}, ["title"]),
        ({"sku": 5, "title": True}, ["sku", "title"]),
        ({"sku": "A", "title": "t", "weight": "1.5"}, ["weight"]),
        ({"sku": "A", "title": "t", "weight": -1}, ["weight"]),
        ({"sku": "A", "title": "t", "price": True}, ["price"]),
        ({"sku": "A", "title": "t", "dangerous_goods": "yes"}, ["dangerous_goods"]),
        ({"sku": "A", "title": "t", "brand": 3, "height": "tall"}, ["brand", "height"]),
        # colour is typed as a string by the contract even when color wins over it
        ({"sku": "A", "title": "t", "color": "blue", "colour": ["red"], "barcode": 5}, ["barcode", "colour"]),
        ({"sku": "A", "title": "t", "colour": 7}, ["color"]),
    ],
)
def test_validation_reports_every_bad_field_in_the_envelope(ssit, product, details):
    response = ssit.call("POST", json={"product": product})
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert [e["details"] for e in body["errors"]] == details
    assert all(e["message"] for e in body["errors"])
    assert ssit.mock.backend.products("test-api-key") == []
    assert not ssit.effects("product.created")


def test_units_check_is_a_quirk_default_off(ssit):
    """vendor-notes §7, 2026-12-01: the 1000 kg / 10 m limits are invented, so off unless asked for."""
    assert ssit.create(sku="HEAVY", weight=1500, length=30)["weight"] == 1500
    ssit.mock.update_settings({"quirks": {"strict_units": True}})
    refused = ssit.call("POST", json={"product": {"sku": "HEAVIER", "title": "t", "weight": 1500}})
    assert refused.status_code == 400 and refused.json()["errors"][0]["details"] == "weight"


def test_duplicate_sku_is_409_and_changes_nothing(ssit):
    ssit.create(sku="DUP")
    response = ssit.call("POST", json={"product": {"sku": "DUP", "title": "again"}})
    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "errors": [{"message": "A product with this SKU already exists", "details": "sku"}],
    }
    assert [p["title"] for p in ssit.mock.backend.products("test-api-key")] == ["Thing"]


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"[1, 2]",
        b'{"product": [1]}',
        b'{"product": null}',
        b"\xff\xfe{}",
        b"",
        b"[" * 50_000,
        b'"text"',
    ],
    ids=[
        "truncated",
        "array",
        "product-array",
        "product-null",
        "not-utf8",
        "empty",
        "deep-nesting",
        "string",
    ],
)
def test_bad_bodies_are_starshipit_400s(ssit, body):
    response = ssit.call("POST", data=body, headers={**HEADERS, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["success"] is False
    assert all(e["error"] is None for e in ssit.requests())


def test_a_two_megabyte_body_is_413_in_the_envelope(ssit):
    response = ssit.call("POST", data=b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json() == {
        "success": False,
        "errors": [{"message": "Request entity too large", "details": "body"}],
    }


def test_update_replaces_the_product_with_the_quirk_on(ssit):
    ssit.mock.update_settings({"quirks": {"update_replaces_whole_product": True}})
    product = ssit.create(sku="U", brand="Acme", weight=2)
    response = ssit.call(
        "PUT",
        "/update",
        json={"id": product["id"], "product": {"id": product["id"], "sku": "U2", "title": "New"}},
    )
    assert response.status_code == 200
    updated = response.json()["product"]
    assert updated["sku"] == "U2" and updated["brand"] is None and updated["weight"] is None
    assert ssit.mock.backend.products("test-api-key") == [updated]
    (effect,) = ssit.effects("product.updated")
    assert effect["id"] == product["id"] and sorted(effect["cleared"]) == ["brand", "weight"]


def test_update_keeps_omitted_fields_by_default(ssit):
    product = ssit.create(sku="U", brand="Acme")
    response = ssit.call("PUT", "/update", json={"id": 1, "product": {"id": 1, "sku": "U", "title": "New"}})
    assert response.json()["product"] == {**product, "title": "New"}


def test_update_errors(ssit):
    ssit.create(sku="A")
    ssit.create(sku="B")
    missing = ssit.call("PUT", "/update", json={"id": 99, "product": {"id": 99, "sku": "Z", "title": "t"}})
    assert missing.status_code == 404
    assert missing.json()["errors"] == [{"message": "Product not found", "details": "id"}]
    differ = ssit.call("PUT", "/update", json={"id": 1, "product": {"id": 2, "sku": "A", "title": "t"}})
    assert differ.status_code == 400 and differ.json()["errors"][0]["details"] == "product.id"
    no_id = ssit.call("PUT", "/update", json={"product": {"sku": "A", "title": "t"}})
    assert no_id.status_code == 400 and no_id.json()["errors"][0]["details"] == "id"
    taken = ssit.call("PUT", "/update", json={"id": 1, "product": {"id": 1, "sku": "B", "title": "t"}})
    assert taken.status_code == 409
    assert [p["sku"] for p in ssit.mock.backend.products("test-api-key")] == ["A", "B"]
    assert not ssit.effects("product.updated")


def test_delete_reports_unknown_ids_and_deletes_the_rest(ssit):
    for sku in "ABC":
        ssit.create(sku=sku)
    response = ssit.call("DELETE", "/delete", json={"product_ids": [1, 42, 3, 1], "all_products": False})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "deleted": 2,
        "errors": [{"message": "Product not found", "details": "product id 42"}],
    }
    assert [p["sku"] for p in ssit.mock.backend.products("test-api-key")] == ["B"]
    (effect,) = ssit.effects("product.deleted")
    assert effect["ids"] == [1, 3] and effect["skus"] == ["A", "C"]


def test_delete_all_products_ignores_ids(ssit):
    for sku in "AB":
        ssit.create(sku=sku)
    response = ssit.call("DELETE", "/delete", json={"product_ids": [7], "all_products": True})
    assert response.json() == {"success": True, "deleted": 2, "errors": []}
    assert ssit.mock.backend.products("test-api-key") == []


@pytest.mark.parametrize(
    "body", [{"product_ids": ["1"]}, {"product_ids": 1}, {"all_products": "yes"}, {"product_ids": None}, [1]]
)
def test_delete_validation(ssit, body):
    ssit.create(sku="KEEP")
    response = ssit.call("DELETE", "/delete", json=body)
    assert response.status_code == 400 and response.json()["success"] is False
    assert len(ssit.mock.backend.products("test-api-key")) == 1


def test_list_search_sort_and_paging(ssit):
    ssit.create(sku="b-2", title="Blue mug", weight=2)
    ssit.create(sku="A-1", title="Red cup", barcode="9300", weight=None)
    ssit.create(sku="c-3", title="Plate", description="a BLUE rim", weight=1)
    listed = ssit.call("GET", params={"search_term": "blue"}).json()
    assert listed["success"] is True and listed["total_records"] == 2
    assert [p["sku"] for p in listed["data"]["products"]] == ["b-2", "c-3"]  # Sku, case-insensitive
    assert ssit.call("GET", params={"search_term": "930"}).json()["total_records"] == 1
    by_weight = ssit.call("GET", params={"sort_column": "Weight", "sort_direction": "Descending"}).json()
    assert [p["sku"] for p in by_weight["data"]["products"]] == ["b-2", "c-3", "A-1"]  # nulls last descending
    for n in range(20):
        ssit.create(sku=f"z{n:02d}")
    page2 = ssit.call("GET", params={"page_number": 2, "page_size": 10}).json()
    assert page2["total_records"] == 23 and [p["sku"] for p in page2["data"]["products"]][:2] == [
        "z07",
        "z08",
    ]
    skipped = ssit.call("GET", params={"page_size": 10, "skip_records": 21}).json()["data"]["products"]
    assert [p["sku"] for p in skipped] == ["z18", "z19"]
    past = ssit.call("GET", params={"page_number": 9, "page_size": 10}).json()
    assert past["total_records"] == 23 and past["data"]["products"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"page_size": "9"},
        {"page_size": "2001"},
        {"page_number": "0"},
        {"skip_records": "-1"},
        {"page_number": "x"},
        {"sort_column": "sku"},
        {"sort_direction": "asc"},
    ],
)
def test_list_refuses_bad_parameters(ssit, query):
    response = ssit.call("GET", params=query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["details"] == next(iter(query))
