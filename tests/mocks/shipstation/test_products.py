"""ShipStation V1 product endpoints: list, get and the full-replace PUT (vendor-notes §2, §7)."""

import pytest

from mocks.shipstation.fields import WRITABLE

URL = "http://mock/products"


def skus(response):
    return [p["sku"] for p in response.json()["products"]]


def test_list_defaults_hide_inactive_sort_by_id_and_page_by_100(api, seeded):
    r = api.get(URL)
    assert r.status_code == 200
    body = r.json()
    assert (body["total"], body["page"], body["pages"]) == (2, 1, 1)
    assert skus(r) == ["BEAU-000", "Widget"]
    first = body["products"][0]
    assert first["productId"] == 1 and set(first) == {"productId", *WRITABLE, "createDate", "modifyDate"}
    assert first["tags"] == [{"tagId": 9180, "name": "APItest"}]


def test_list_filters(api, seeded):
    assert skus(api.get(URL, params={"showInactive": "true"})) == ["BEAU-000", "door-closer", "Widget"]
    assert skus(api.get(URL, params={"sku": "beau-000"})) == ["BEAU-000"]  # exact, case-insensitive
    assert skus(api.get(URL, params={"sku": "BEAU"})) == []
    assert skus(api.get(URL, params={"name": "WIDG"})) == ["Widget"]  # substring, case-insensitive
    assert skus(api.get(URL, params={"tagId": 9180})) == ["BEAU-000"]
    assert skus(api.get(URL, params={"productCategoryId": 9999})) == ["BEAU-000"]
    assert skus(api.get(URL, params={"productTypeId": 1})) == ["BEAU-000"]
    dated = {"showInactive": "true", "startDate": "2015-01-01", "endDate": "2021-01-01T00:00:00"}
    assert skus(api.get(URL, params=dated)) == ["Widget"]


def test_list_sorting_and_paging(api, seeded):
    everything = {"showInactive": "true"}
    assert skus(api.get(URL, params={**everything, "sortBy": "SKU"})) == ["BEAU-000", "door-closer", "Widget"]
    assert (
        skus(api.get(URL, params={**everything, "sortBy": "CreateDate", "sortDir": "DESC"}))[0] == "BEAU-000"
    )
    assert skus(api.get(URL, params={**everything, "sortDir": "DESC"})) == [
        "Widget",
        "door-closer",
        "BEAU-000",
    ]
    page = api.get(URL, params={**everything, "pageSize": 2, "page": 2}).json()
    assert ([p["sku"] for p in page["products"]], page["total"], page["pages"], page["page"]) == (
        ["Widget"],
        3,
        2,
        2,
    )
    past_end = api.get(URL, params={"pageSize": 2, "page": 9}).json()
    assert past_end["products"] == [] and past_end["page"] == 9


def test_empty_account_has_zero_pages(api):
    assert api.get(URL).json() == {"products": [], "total": 0, "page": 1, "pages": 0}


@pytest.mark.parametrize(
    "query",
    [
        "pageSize=501",
        "pageSize=0",
        "page=0",
        "page=x",
        "sortBy=Name",
        "sortDir=UP",
        "showInactive=maybe",
        "tagId=abc",
        "startDate=yesterday",
    ],
)
def test_invalid_list_parameters_are_400(api, query):
    r = api.get(f"{URL}?{query}")
    assert (r.status_code, r.json()) == (400, {"message": "Invalid request parameters"})


def test_get_one_and_unknown(api, seeded):
    r = api.get(f"{URL}/3")
    assert r.json()["sku"] == "Widget" and r.json()["warehouseLocation"] == "Bin 22"
    missing = api.get(f"{URL}/99")
    assert (missing.status_code, missing.json()) == (404, {"message": "Resource not found"})


def test_put_is_a_full_replace_omitted_fields_become_null(api, mock, seeded):
    mock.clock.advance(3600)
    r = api.put(f"{URL}/1", json={"productId": 1, "sku": "BEAU-000", "name": "Beautiful II", "price": 11})
    assert (r.status_code, r.json()) == (
        200,
        {"success": True, "message": "The requested product has been updated"},
    )
    stored = api.get(f"{URL}/1").json()
    assert stored["name"] == "Beautiful II" and stored["price"] == 11
    assert stored["internalNotes"] is None and stored["tags"] is None and stored["weightOz"] is None
    assert stored["createDate"] == seeded[0]["createDate"]
    assert stored["modifyDate"] != seeded[0]["modifyDate"]
    effect = [e for e in mock.journal.entries() if e["type"] == "side_effect"][-1]
    assert effect["kind"] == "product.updated" and effect["productId"] == 1
    assert set(effect["nulled"]) == {
        "weightOz",
        "internalNotes",
        "tags",
        "productCategory",
        "productType",
        "active",
    }


def test_put_keeps_product_id_and_create_date_whatever_the_body_says(api, seeded):
    body = {**api.get(f"{URL}/1").json(), "createDate": "1999-01-01T00:00:00.000", "name": "Renamed"}
    assert api.put(f"{URL}/1", json=body).status_code == 200
    stored = api.get(f"{URL}/1").json()
    assert stored["createDate"] == seeded[0]["createDate"] and stored["productId"] == 1
    assert stored["internalNotes"] == "fragile" and stored["name"] == "Renamed"


@pytest.mark.parametrize(
    "body",
    [
        {"productId": 2, "sku": "X"},  # id mismatch
        {"price": "cheap"},
        {"active": "yes"},
        {"weightOz": True},
        {"tags": [{"tagId": "nine"}]},
        {"productCategory": [1]},
        {"defaultConfirmation": "maybe"},
        ["not", "an", "object"],
    ],
)
def test_bad_put_bodies_are_400_and_change_nothing(api, seeded, body):
    before = api.get(f"{URL}/1").json()
    r = api.put(f"{URL}/1", json=body)
    assert (r.status_code, r.json()) == (400, {"message": "Invalid request parameters"})
    assert api.get(f"{URL}/1").json() == before


def test_put_unknown_product_is_404(api):
    r = api.put(f"{URL}/42", json={"sku": "nope"})
    assert (r.status_code, r.json()) == (404, {"message": "Resource not found"})


def test_quirk_reject_partial_updates_lists_the_missing_fields(api, mock, seeded):
    mock.update_settings({"quirks": {"reject_partial_updates": True}})
    r = api.put(f"{URL}/1", json={"sku": "BEAU-000", "name": "Partial"})
    assert r.status_code == 400
    assert r.json()["message"].startswith(
        "The entire resource must be provided. Missing fields: aliases, price"
    )
    assert api.get(f"{URL}/1").json()["name"] == "Beautiful"
    full = {**api.get(f"{URL}/1").json(), "name": "Whole"}
    assert api.put(f"{URL}/1", json=full).status_code == 200


@pytest.mark.parametrize(
    "kwargs",
    [{"data": b'{"sku": '}, {"data": b"\xff\xfe\xfa"}, {"data": b'{"sku": "' + b"x" * 2_000_000 + b'"}'}],
)
def test_malformed_bodies_never_give_html_or_500(api, seeded, kwargs):
    r = api.put(f"{URL}/1", headers={"Content-Type": "application/json"}, **kwargs)
    assert r.status_code in (400, 413)
    assert r.headers["Content-Type"] == "application/json"
    assert "message" in r.json()
    assert api.get(f"{URL}/1").json()["name"] == "Beautiful"


def test_unknown_route_and_method_are_json(api):
    r = api.post(URL, json={})
    assert r.status_code == 405 and r.json()["message"] and "GET" in r.headers["Allow"]
    assert api.delete(f"{URL}/1").status_code == 405
    assert api.get("http://mock/orders").json() == {"message": "Resource not found"}


def test_accounts_see_their_own_catalogues(api, mock, seeded):
    mock.update_settings({"accounts": {"test-key": "test-secret", "other-key": "other-secret"}})
    mock.backend.seed("other-key", [{"sku": "OTHER-1", "name": "Other"}])
    other = api.get(URL, auth=("other-key", "other-secret"))
    assert skus(other) == ["OTHER-1"] and other.json()["products"][0]["productId"] == 1
    assert skus(api.get(URL)) == ["BEAU-000", "Widget"]


# -- vendor-notes §7, Corrections of 2026-12-01 ------------------------------------------------------------
def test_a_trailing_slash_is_the_same_resource(api, seeded):
    """npm node-shipstation asks for /products/{id}/."""
    one = api.get("http://mock/products/1/")
    assert one.status_code == 200 and one.json()["sku"] == "BEAU-000"
    listed = api.get("http://mock/products/?sku=widget")
    assert [p["sku"] for p in listed.json()["products"]] == ["Widget"]
    assert api.put("http://mock/products/3/", json={"productId": 3, "sku": "Widget"}).status_code == 200


def test_paths_match_case_insensitively_unless_the_quirk_is_off(api, mock, seeded):
    r = api.get("http://mock/Products/1")
    assert r.status_code == 200 and r.json()["productId"] == 1 and r.headers["X-Rate-Limit-Remaining"] == "39"
    assert mock.journal.entries()[-1]["path"] == "/Products/1"
    mock.update_settings({"quirks": {"case_insensitive_paths": False}})
    refused = api.get("http://mock/PRODUCTS/1")
    assert (refused.status_code, refused.json()) == (404, {"message": "Resource not found"})
    assert api.get("http://mock/products/1/").status_code == 200  # the trailing slash is not a quirk


def test_numeric_strings_are_read_as_numbers_unless_the_quirk_is_off(api, mock, seeded):
    body = {**seeded[0], "productId": "1", "weightOz": "12.5", "price": "10", "customsValue": " 3 "}
    assert api.put("http://mock/products/1", json=body).json()["success"] is True
    stored = mock.backend.products("test-key")[0]
    assert (stored["weightOz"], stored["price"], stored["customsValue"]) == (12.5, 10, 3)
    assert api.put("http://mock/products/1", json={**body, "weightOz": "heavy"}).status_code == 400
    mock.update_settings({"quirks": {"numeric_strings": False}})
    refused = api.put("http://mock/products/1", json=body)
    assert (refused.status_code, refused.json()) == (400, {"message": "Invalid request parameters"})
