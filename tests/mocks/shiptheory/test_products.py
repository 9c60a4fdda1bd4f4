"""Shiptheory mock: token auth, products, validation, paging, rate limit, hostile input."""

from __future__ import annotations

import json

import pytest

from mocks.shiptheory.tokens import TOKEN_LIFETIME

from .conftest import BASE, Api


def error_body(path: str, status: int, message: str) -> dict:
    return {"message": message, "url": path, "code": status}


# -- tokens --
def test_token_is_a_jwt_and_is_not_journaled(api: Api) -> None:
    response = api.login()
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["data"]["token"].count(".") == 2
    entry = api.requests()[-1]
    assert body["data"]["token"] not in json.dumps(entry)
    assert "test-password" not in json.dumps(entry)
    assert entry["account"] == "test@example.com"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "test@example.com", "password": "nope"},
        {"email": "who@example.com", "password": "test-password"},
        {"email": "test@example.com"},
        {"password": "x"},
        [],
        "x",
    ],
)
def test_bad_credentials_are_401_in_the_documented_shape(api: Api, body: object) -> None:
    response = api.session.post(f"{BASE}/v1/token", json=body)
    assert response.status_code == 401
    assert response.json() == error_body("/v1/token", 401, "Unauthorized")


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic dGVzdDp0ZXN0", "Bearer a.b.c"])
def test_missing_or_unknown_token_is_401(api: Api, header: str | None) -> None:
    api.clock.advance(1)
    headers = {"Authorization": header} if header else {}
    response = api.session.get(f"{BASE}/v1/products", headers=headers)
    assert response.status_code == 401
    assert response.json() == error_body("/v1/products", 401, "Unauthorized")


def test_bearer_scheme_is_case_insensitive(api: Api) -> None:
    api.clock.advance(1)
    response = api.session.get(f"{BASE}/v1/products", headers={"Authorization": f"bearer {api.token}"})
    assert response.status_code == 200


def test_token_expires_after_60_minutes_on_the_mock_clock(api: Api) -> None:
    assert api.get("/v1/products", step=TOKEN_LIFETIME - 1).status_code == 200  # 3599 s after issue
    expired = api.get("/v1/products", step=1)  # 3600 s
    assert expired.status_code == 401
    assert expired.json() == error_body("/v1/products", 401, "Unauthorized")
    fresh = api.login().json()["data"]["token"]
    assert api.get("/v1/products", token=fresh).status_code == 200


def test_token_of_a_removed_account_stops_working(api: Api) -> None:
    api.settings(accounts={"other@example.com": "pw"})
    assert api.get("/v1/products").status_code == 401


# -- products --
def test_create_answers_200_with_the_full_product(api: Api) -> None:
    response = api.post(
        "/v1/products",
        {"sku": "MUG-1", "name": "Mug", "price": 9.5, "weight": 0.35, "commodity_manucountry": "GBR"},
    )
    assert response.status_code == 200
    product = response.json()["product"]
    assert response.json()["success"] is True
    assert product["sku"] == "MUG-1" and product["price"] == 9.5 and product["weight"] == 0.35
    assert product["barcode"] == "" and product["length"] == 0
    assert product["created"] == product["modified"] == "2026-01-01T00:00:01+0000"
    assert product["volume"] == 0  # answers carry the documented (derived) volume; the control API does not
    assert api.products() == [{k: v for k, v in product.items() if k != "volume"}]
    assert [e["sku"] for e in api.effects("product.created")] == ["MUG-1"]


def test_duplicate_sku_is_400_sku_unique_and_changes_nothing(api: Api) -> None:
    api.post("/v1/products", {"sku": "A", "name": "first"})
    response = api.post("/v1/products", {"sku": "A", "name": "second"})
    assert response.status_code == 400
    assert response.json() == {"error": {"sku": {"unique": "A product with this SKU already exists"}}}
    assert [p["name"] for p in api.products()] == ["first"]


@pytest.mark.parametrize(
    ("field", "bad", "rule"),
    [
        ("sku", "S" * 101, "maxLength"),
        ("name", "n" * 256, "maxLength"),
        ("barcode", "1" * 16, "maxLength"),
        ("commodity_code", "c" * 101, "maxLength"),
        ("commodity_description", "d" * 101, "maxLength"),
        ("commodity_manucountry", "g" * 101, "maxLength"),
        ("commodity_composition", "x" * 101, "maxLength"),
        ("mid_code", "m" * 26, "maxLength"),
        ("price", -0.01, "range"),
        ("weight", 10_000_000, "range"),
        ("length", 9_999_999.999, "range"),
        ("height", True, "numeric"),
        ("width", "3 cm", "numeric"),
        ("name", 5, "scalar"),
        ("thumbnail_url", "https://x.example/a.gif", "url"),
        ("thumbnail_url", "ftp://x.example/a.png", "url"),
        ("thumbnail_url", "https://x.example/" + "a" * 190 + ".png", "maxLength"),
    ],
)
def test_documented_limits(api: Api, field: str, bad: object, rule: str) -> None:
    body = {"sku": "OK", field: bad}
    response = api.post("/v1/products", body)
    assert response.status_code == 400
    assert list(response.json()["error"]) == [field]
    assert list(response.json()["error"][field]) == [rule]
    assert api.products() == []


def test_limits_at_the_edge_are_accepted(api: Api) -> None:
    body = {
        "sku": "S" * 100,
        "name": "n" * 255,
        "barcode": "1" * 15,
        "mid_code": "m" * 25,
        "price": 9_999_999.99,
        "weight": 0,
        "thumbnail_url": "HTTPS://cdn.example:8443/p/" + "a" * 160 + ".JPEG",
    }
    body["thumbnail_url"] = "https://cdn.example:8443/p/a.JPEG"
    assert api.post("/v1/products", body).status_code == 200


def test_every_failing_field_is_listed_and_sku_is_required(api: Api) -> None:
    response = api.post("/v1/products", {"name": "n" * 256, "price": -1})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "sku": {"_required": "This field is required"},
        "name": {"maxLength": "The provided value must be no more than 255 characters long"},
        "price": {"range": "The provided value must be between 0 and 9999999.99"},
    }


def test_view_and_unknown_sku(api: Api) -> None:
    api.post("/v1/products", {"sku": "A/B 1", "name": "slash"})
    response = api.get("/v1/products/view/A%2FB%201")
    assert response.status_code == 200 and response.json()["product"]["name"] == "slash"
    assert "success" not in response.json()
    missing = api.get("/v1/products/view/nope")
    assert missing.status_code == 404
    assert missing.json() == error_body("/v1/products/view/nope", 404, "Not Found")


def test_update_merges_a_partial_body(api: Api) -> None:
    api.post("/v1/products", {"sku": "A", "name": "Mug", "price": 5, "barcode": "123"})
    response = api.put("/v1/products/update/A", {"price": 6.5})
    assert response.status_code == 200
    product = response.json()["product"]
    assert (product["name"], product["price"], product["barcode"]) == ("Mug", 6.5, "123")
    assert (
        product["modified"] == "2026-01-01T00:00:02+0000" and product["created"] == "2026-01-01T00:00:01+0000"
    )
    assert api.effects("product.updated")[-1]["fields"] == ["price"]


def test_update_without_a_change_keeps_modified_and_journals_nothing(api: Api) -> None:
    api.post("/v1/products", {"sku": "A", "price": 5})
    product = api.put("/v1/products/update/A", {"price": 5, "name": None}).json()["product"]
    assert product["modified"] == product["created"]
    assert api.effects("product.updated") == []


def test_update_renames_only_to_a_free_sku(api: Api) -> None:
    api.post("/v1/products", {"sku": "A", "name": "a"})
    api.post("/v1/products", {"sku": "B", "name": "b"})
    taken = api.put("/v1/products/update/A", {"sku": "B", "name": "changed"})
    assert taken.status_code == 400
    assert taken.json() == {"error": {"sku": {"unique": "A product with this SKU already exists"}}}
    assert [(p["sku"], p["name"]) for p in api.products()] == [("A", "a"), ("B", "b")]
    renamed = api.put("/v1/products/update/A", {"sku": "C"})
    assert renamed.status_code == 200 and renamed.json()["product"]["sku"] == "C"
    assert api.get("/v1/products/view/A").status_code == 404
    assert api.get("/v1/products/view/C").json()["product"]["name"] == "a"
    assert api.effects("product.updated")[-1]["renamed_from"] == "A"


def test_update_unknown_sku_is_404(api: Api) -> None:
    response = api.put("/v1/products/update/ghost", {"name": "x"})
    assert response.status_code == 404
    assert response.json()["message"] == "Not Found"


# -- listing --
def seed(api: Api, count: int) -> None:
    api.mock.backend.seed(
        "test@example.com",
        [{"sku": f"S{i:03d}", "name": f"n{count - i:03d}", "price": i} for i in range(count)],
    )


def test_list_pages_with_the_pagination_block(api: Api) -> None:
    seed(api, 30)
    first = api.get("/v1/products").json()
    assert len(first["products"]) == 25
    assert first["pagination"] == {"page": 1, "pages": 2, "results": 30, "results_per_page": 25, "limit": 25}
    second = api.get("/v1/products", params={"page": 2}).json()
    assert [p["sku"] for p in second["products"]] == [f"S{i:03d}" for i in range(25, 30)]
    past = api.get("/v1/products", params={"page": 3})
    assert past.status_code == 404 and past.json()["code"] == 404


def test_limit_over_100_is_clamped(api: Api) -> None:
    seed(api, 120)
    body = api.get("/v1/products", params={"limit": 500}).json()
    assert body["pagination"]["limit"] == 100 and len(body["products"]) == 100


def test_sort_and_direction(api: Api) -> None:
    seed(api, 5)
    body = api.get("/v1/products", params={"sort": "name", "direction": "asc"}).json()
    assert [p["sku"] for p in body["products"]] == ["S004", "S003", "S002", "S001", "S000"]
    body = api.get("/v1/products", params={"sort": "price", "direction": "desc"}).json()
    assert [p["price"] for p in body["products"]] == [4, 3, 2, 1, 0]


def test_empty_catalogue_has_one_empty_page(api: Api) -> None:
    body = api.get("/v1/products").json()
    assert body == {
        "products": [],
        "pagination": {"page": 1, "pages": 1, "results": 0, "results_per_page": 0, "limit": 25},
    }


@pytest.mark.parametrize(
    "query",
    ["sort=colour", "direction=up", "direction=", "page=0", "page=x", "limit=-1", "limit=", "page=%D9%A1"],
)
def test_bad_list_parameters_are_400(api: Api, query: str) -> None:
    response = api.get(f"/v1/products?{query}")
    assert response.status_code == 400
    assert response.json() == error_body("/v1/products", 400, "Bad Request")


# -- rate limit --
def test_one_request_per_second_per_account(api: Api) -> None:
    api.settings(accounts={"test@example.com": "test-password", "b@example.com": "pw"})
    other = api.login("b@example.com", "pw").json()["data"]["token"]
    assert api.get("/v1/products").status_code == 200
    refused = api.get("/v1/products", step=0.2)
    assert refused.status_code == 429
    assert refused.json() == error_body("/v1/products", 429, "Too Many Requests")
    assert refused is not None and api.requests()[-1]["rate_limit"]["allowed"] is False
    assert api.get("/v1/products", token=other, step=0).status_code == 200  # another account, own budget
    assert api.get("/v1/products", step=0.8).status_code == 200  # next second


def test_token_requests_are_not_counted_unless_the_quirk_says_so(api: Api) -> None:
    api.clock.advance(1)
    assert api.login().status_code == 200
    assert api.get("/v1/products", step=0).status_code == 200
    api.settings(quirks={"rate_limit_token_requests": True})
    api.clock.advance(1)
    assert api.login().status_code == 200
    assert api.get("/v1/products", step=0).status_code == 429


# -- hostile input --
@pytest.mark.parametrize("path", ["/v1/products", "/v1/shipments", "/v1/token"])
@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"{not json", 400),
        (b"\xff\xfe\x00{", 400),
        (b'{"sku": "\xc3\x28"}', 400),
        (b"[" * 100_000, 400),
        (b"x" * (2 * 1024 * 1024), 413),
        (b"", 400),
        (b"NaN", 400),  # not JSON (PHP's json_decode refuses it too)
        (b'"X\\ud800"', 400),  # a lone surrogate can't be stored or written back
        (b'{"email": "test@example.com", "password": "X\\ud800"}', 400),
        (b"[" * 1000 + b"]" * 1000, 400),
        (b"1e400", 400),
    ],
)
def test_bad_bodies_get_shiptheory_json_never_500(api: Api, path: str, data: bytes, status: int) -> None:
    response = api.call("POST", path, data=data, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["code"] == status and response.json()["url"] == path
    assert api.requests()[-1]["error"] is None


@pytest.mark.parametrize("body", [[], "sku", 5, None, {"sku": ["A"]}, {"sku": {"a": 1}}, {"sku": 1e400}])
def test_wrong_types_are_4xx(api: Api, body: object) -> None:
    response = api.call("POST", "/v1/products", data=json.dumps(body).replace("Infinity", "1e400"))
    assert 400 <= response.status_code < 500
    assert api.products() == []


def test_unknown_route_and_method_are_json(api: Api) -> None:
    missing = api.get("/v1/nothing")
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"
    wrong = api.call("DELETE", "/v1/products")
    assert wrong.status_code == 405 and wrong.json()["code"] == 405 and "GET" in wrong.headers["Allow"]
