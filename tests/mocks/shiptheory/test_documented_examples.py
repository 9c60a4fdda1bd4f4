"""Every example request of the Shiptheory API documentation (ST-DOCS), sent verbatim, gets the documented
answer: status, envelope, field names and message wording (vendor-notes §7, Corrections of 2026-12-01).

The bodies are in tests/data/shiptheory, copied from the documentation; the JavaScript samples send
them form-encoded, as the `request` module's `form:` option does (qs: `a[b][0][c]=v`).
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import pytest

from .conftest import BASE, Api, doc_example

DOC_ACCOUNT = {"you@youremail.com": "password"}
JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}
FORM_HEADERS = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}


def qs(value: Any, prefix: str = "") -> list[str]:
    """Node's qs.stringify as `request` calls it for `form:`: brackets for nesting, indices for arrays."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return [f"{quote(prefix, safe='')}={quote(str(value), safe='')}"]
    return [part for key, v in items for part in qs(v, f"{prefix}[{key}]" if prefix else key)]


def form(value: dict) -> str:
    return "&".join(qs(value))


def keys_match(documented: Any, ours: Any, *, exact: bool, where: str = "") -> None:
    """Every field the documentation shows is in our answer, at the same place (and no more if exact)."""
    if isinstance(documented, dict):
        assert isinstance(ours, dict), where
        missing = set(documented) - set(ours)
        assert not missing, f"{where or 'answer'} lacks {sorted(missing)}"
        if exact:
            assert set(ours) == set(documented), (
                f"{where or 'answer'} adds {sorted(set(ours) - set(documented))}"
            )
        for name, value in documented.items():
            if value is not None and ours[name] is not None:
                keys_match(value, ours[name], exact=exact, where=f"{where}.{name}")
    elif isinstance(documented, list) and documented and ours:
        keys_match(documented[0], ours[0], exact=exact, where=f"{where}[0]")


@pytest.fixture
def api() -> Api:
    return Api(settings={"accounts": {"test@example.com": "test-password", **DOC_ACCOUNT}})


def send(api: Api, method: str, path: str, *, json_body: Any = None, form_body: dict | None = None) -> Any:
    if form_body is not None:
        return api.call(method, path, data=form(form_body), headers=FORM_HEADERS)
    return api.call(method, path, json=json_body, headers={"Accept": "application/json"})


# -- Authentication ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["json", "form"])
def test_token(api: Api, encoding: str) -> None:
    body = doc_example("token.json")
    if encoding == "json":
        response = api.session.post(f"{BASE}/v1/token", json=body, headers=JSON_HEADERS)
    else:
        response = api.session.post(f"{BASE}/v1/token", data=form(body), headers=FORM_HEADERS)
    assert response.status_code == 200
    keys_match(doc_example("token.answer.json"), response.json(), exact=True)
    assert response.json()["success"] is True and response.json()["data"]["token"].count(".") == 2


# -- Products ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["json", "form"])
def test_add_product(api: Api, encoding: str) -> None:
    body = doc_example("add-product.json")
    response = send(api, "POST", "/v1/products", **{f"{encoding}_body": body})
    assert response.status_code == 200
    documented = doc_example("add-product.answer.json")
    keys_match(documented, response.json(), exact=False)
    product = response.json()["product"]
    # The form sample's numbers arrive as text ("45", "3.5") and are read as numbers.
    assert {k: product[k] for k in documented["product"] if k not in ("created", "modified")} == {
        k: v for k, v in documented["product"].items() if k not in ("created", "modified")
    }
    again = send(api, "POST", "/v1/products", **{f"{encoding}_body": body})
    assert (again.status_code, again.json()) == (400, doc_example("add-product.error.json"))


def test_view_and_list_products(api: Api) -> None:
    send(api, "POST", "/v1/products", json_body=doc_example("add-product.json"))
    view = api.get("/v1/products/view/hat1", headers={"Accept": "application/json"})
    assert view.status_code == 200
    keys_match(doc_example("view-product.answer.json"), view.json(), exact=False)
    assert "success" not in view.json()
    listed = api.get("/v1/products", headers={"Accept": "application/json"})
    assert listed.status_code == 200
    keys_match(doc_example("list-products.answer.json"), listed.json(), exact=False)
    assert listed.json()["pagination"] == {
        "page": 1,
        "pages": 1,
        "results": 1,
        "results_per_page": 1,
        "limit": 25,
    }


@pytest.mark.parametrize(("method", "encoding"), [("PUT", "json"), ("POST", "form")])
def test_update_product(api: Api, method: str, encoding: str) -> None:
    """The reference says PUT; the JavaScript sample POSTs a form. Both are served."""
    send(api, "POST", "/v1/products", json_body={"sku": "hat1", "length": 1, "width": 1, "height": 1})
    response = send(
        api, method, "/v1/products/update/hat1", **{f"{encoding}_body": doc_example("update-product.json")}
    )
    assert response.status_code == 200
    keys_match(doc_example("update-product.answer.json"), response.json(), exact=False)
    product = response.json()["product"]
    assert (product["price"], product["weight"], product["volume"]) == (45, 3.5, 1)
    assert list(product).index("volume") == list(product).index("height") + 1
    send(api, "POST", "/v1/products", json_body={"sku": "cap1"})
    taken = send(
        api, method, "/v1/products/update/cap1", **{f"{encoding}_body": doc_example("update-product.json")}
    )
    assert (taken.status_code, taken.json()) == (400, doc_example("update-product.error.json"))


# -- Shipments --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("example", "encoding"), [("book.json", "json"), ("book-form.json", "form")])
def test_book_view_list_and_search(api: Api, example: str, encoding: str) -> None:
    booked = send(api, "POST", "/v1/shipments", **{f"{encoding}_body": doc_example(example)})
    assert booked.status_code == 200, booked.text
    keys_match(doc_example("book.answer.json"), booked.json(), exact=True)
    answer = booked.json()
    assert (answer["success"], answer["status"], answer["carrier_result"]["status"]) == (
        True,
        "Complete",
        "success",
    )
    carrier, tracking = answer["carrier_result"]["carrier"], answer["carrier_result"]["tracking"]
    assert answer["message"] == f"{carrier} tracking reference received: {tracking}"  # the documented wording
    # The lines upserted the catalogue: "any product data that is different (except the SKU)" is updated.
    assert {p["sku"]: p["price"] for p in api.products()} == {
        "ussbeard500": 35.2 if encoding == "json" else 32.5,
        "earlgrey": 49.99,
    }

    view = api.get("/v1/shipments/S1234", headers={"Accept": "application/json"})
    assert view.status_code == 200
    keys_match(doc_example("view-shipment.answer.json"), view.json(), exact=True)
    shown = view.json()
    assert shown["shipment"]["channel_reference_id"] == "S1234"
    assert shown["shipment"]["channel_reference_id_2"] == "ORDER1001"
    assert shown["shipment"]["channel_reference_id_3"] == "ORDERREF3"
    assert (shown["shipment"]["tracking_number"], shown["shipment"]["carrier"]) == (tracking, carrier)
    assert [t["id"] for t in shown["tags"]] == [1, 2, 3]
    assert {m["type"] for m in shown["messages"]} <= {"info", "success", "error"}
    assert base64.b64decode(shown["label"]).startswith(b"%PDF-")

    # The documented List query matches nothing here (Royal Mail, BigCommerce, 2020): an empty page 1.
    documented_list = api.get(
        "/v1/shipments/list?created=2020-11-14&Couriers.couriername=Royal Mail&channel_name=Bigcommerce",
        headers={"Accept": "application/json"},
    )
    assert documented_list.status_code == 200
    assert documented_list.json() == {
        "shipments": [],
        "pagination": {"page": 1, "pages": 1, "results": 0, "results_per_page": 0, "limit": 100},
    }
    today = shown["shipment"]["created"][:10]
    listed = api.get(
        f"/v1/shipments/list?created={today}&DeliveryAddress.postcode=BS2 3AP&Countries.code=GBR"
    )
    keys_match(doc_example("list-shipments.answer.json"), listed.json(), exact=False)
    (item,) = listed.json()["shipments"]
    assert item["delivery_address"]["country"] == {"country": "United Kingdom", "code": "GBR"}
    assert (item["shipment_detail"]["weight"], item["shipment_detail"]["grams"]) == (2.5, 2500)

    documented_search = api.get(
        "/v1/shipments/search?created_from=2019-09-01&created_to=2019-09-30&DeliveryAddress.postcode=ba1 2wa"
        "&status=Failed&include_products=1",
        headers={"Accept": "application/json"},
    )
    assert (documented_search.status_code, documented_search.json()) == (200, {"shipments": []})
    found = api.get(f"/v1/shipments/search?created_from={today}&created_to={today}&include_products=1")
    keys_match(doc_example("search-shipments.answer.json"), found.json(), exact=False)
    lines = found.json()["shipments"][0]["products"]
    assert [(p["sku"], p["qty"], p["weight"]) for p in lines] == [
        ("ussbeard500", 1, "0.50"),
        ("earlgrey", 2, "1.00"),
    ]


def test_list_and_search_paging_filters_and_refusals(api: Api) -> None:
    for n in range(3):
        body = {**doc_example("book.json"), "reference": f"S{n}", "reference2": f"ORDER{n}"}
        assert send(api, "POST", "/v1/shipments", json_body=body).status_code == 200
    page = api.get("/v1/shipments/list?limit=2&page=2&sort=created&direction=desc").json()
    assert [s["channel_reference_id"] for s in page["shipments"]] == ["S0"]
    assert page["pagination"] == {"page": 2, "pages": 2, "results": 3, "results_per_page": 1, "limit": 2}
    assert api.get("/v1/shipments/list?page=3").status_code == 404
    assert [
        s["channel_reference_id"]
        for s in api.get("/v1/shipments/list?channel_reference_id_2=order1").json()["shipments"]
    ] == ["S1"]
    assert api.get("/v1/shipments/list?status=complete").json()["error"]["status"]  # case sensitive
    assert api.get("/v1/shipments/list?Couriers.couriername=mock carrier").json()["shipments"] == []
    missing = api.get("/v1/shipments/search")
    assert (missing.status_code, missing.json()) == (
        400,
        {
            "error": {
                "created_from": {"_required": "This field is required"},
                "created_to": {"_required": "This field is required"},
            }
        },
    )
    too_wide = api.get("/v1/shipments/search?created_from=2024-01-01&created_to=2025-06-01")
    assert list(too_wide.json()["error"]) == ["created_to"]
    assert (
        api.get("/v1/shipments/search?created_from=2026-01-01&created_to=2026-01-01&limit=0").status_code
        == 400
    )
    one = api.get("/v1/shipments/search?created_from=2026-01-01&created_to=2026-12-31&limit=1").json()
    assert len(one["shipments"]) == 1 and "products" not in one["shipments"][0]


# -- Errors -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("accept", ["text/html", "image/png, text/plain;q=0.5"])
def test_406_for_a_format_that_is_neither_json_nor_xml(api: Api, accept: str) -> None:
    response = api.get("/v1/products", headers={"Accept": accept})
    assert (response.status_code, response.json()) == (
        406,
        {"message": "Not Acceptable", "url": "/v1/products", "code": 406},
    )
    token = api.session.post(f"{BASE}/v1/token", json=doc_example("token.json"), headers={"Accept": accept})
    assert token.status_code == 406


@pytest.mark.parametrize(
    "accept", ["application/xml", "text/xml", "*/*", "application/*", "text/html, */*;q=0.1"]
)
def test_json_or_xml_or_anything_is_acceptable(api: Api, accept: str) -> None:
    assert api.get("/v1/products", headers={"Accept": accept}).status_code == 200
