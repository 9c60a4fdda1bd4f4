"""Each input that once reached a 500, an HTML page or a half-stored row (issue 12), now the vendor's 4xx."""

from __future__ import annotations

import json

import pytest

from harness import fuzz, vendors

DEEP = b"[" * 1000 + b"]" * 1000
SURROGATE_SKU = b'"X\\ud800"'

# (vendor, method, path, body) of every route that reads a JSON body.
JSON_ROUTES = [
    ("shipstation", "PUT", "/products/1", b'{"productId": 1, "sku": %s}'),
    ("starshipit", "POST", "/api/products", b'{"product": {"sku": %s, "title": "t"}}'),
    ("starshipit", "PUT", "/api/products/update", b'{"id": 1, "product": {"id": 1, "sku": %s}}'),
    ("starshipit", "DELETE", "/api/products/delete", b'{"product_ids": [%s]}'),
    ("shiptheory", "POST", "/v1/token", b'{"email": "test@example.com", "password": %s}'),
    ("shiptheory", "POST", "/v1/products", b'{"sku": %s, "name": "n"}'),
    ("shiptheory", "PUT", "/v1/products/update/A-1", b'{"name": %s}'),
    ("shiptheory", "POST", "/v1/shipments", b'{"reference": "R", "products": [{"sku": %s, "qty": 1}]}'),
    ("tocobagus", "POST", "/api/v1/partner/stores/catalog/sync", b'{"products": [{"sku": %s, "name": "n"}]}'),
]
CONTROL_ROUTES = [
    ("POST", "/__mock__/products"),
    ("PUT", "/__mock__/state"),
    ("PUT", "/__mock__/faults"),
    ("POST", "/__mock__/clock"),
    ("PUT", "/__mock__/settings"),
]


def _send(target: fuzz.Target, method: str, path: str, body: bytes = b"", query: bytes = b"") -> fuzz.Answer:
    target._tick()
    return target.send(fuzz.RawRequest(method, path.encode(), query, "application/json", body))


@pytest.mark.parametrize(("vendor", "method", "path", "template"), JSON_ROUTES)
@pytest.mark.parametrize("value", [DEEP, SURROGATE_SKU, b"1e400"], ids=["deep", "surrogate", "1e400"])
def test_hostile_json_is_the_vendors_400_and_stores_nothing(vendor, method, path, template, value):
    target = fuzz.target(vendor)
    before = target.mock.snapshot()["backend"]
    answer = _send(target, method, path, template % value)
    assert answer.status == 400, answer.body
    assert answer.outcome == "4xx" and json.loads(answer.body)
    after = target.mock.snapshot()["backend"]
    after.pop("ids", None), before.pop("ids", None)  # Tocobagus numbers each response
    assert after == before
    assert target.intact() == []


@pytest.mark.parametrize("vendor", vendors.names())
def test_hostile_control_bodies_are_a_readable_400(vendor):
    target = fuzz.target(vendor)
    before = target.mock.snapshot()
    for method, path in CONTROL_ROUTES:
        for body in (DEEP, b'{"products": [{"sku": "X\\ud800"}]}', b"\xff\xfe", b"NaN"):
            answer = _send(target, method, path, body)
            assert answer.status == 400
            error = json.loads(answer.body)
            assert list(error) == ["error"] and error["error"].startswith("the body must be JSON: ")
    assert target.mock.snapshot()["backend"] == before["backend"]


def test_a_lone_surrogate_never_reaches_starshipit_export():
    target = fuzz.target("starshipit")
    answer = _send(target, "POST", "/api/products", b'{"product": {"sku": "X\\ud800", "title": "t"}}')
    assert answer.status == 400
    assert json.loads(answer.body)["errors"][0]["message"] == "The request body is not valid JSON."
    export = _send(target, "GET", "/api/products/export")
    assert export.status == 200 and b"X" not in export.body.split(b"\n", 1)[1]


def test_a_refused_tocobagus_sync_creates_no_row_and_no_webhook():
    target = fuzz.target("tocobagus")
    target.mock.update_settings({"webhook_url": "http://127.0.0.1:9/hook"})
    body = b'{"products": [{"sku": "X\\ud800", "name": "n", "price": 1, "stock": 1}]}'
    answer = _send(target, "POST", "/api/v1/partner/stores/catalog/sync", body)
    assert answer.status == 400
    assert json.loads(answer.body)["error"]["code"] == "VAL_001"
    target.mock.backend.run_jobs()
    backend = target.mock.backend
    assert backend.products(backend.default_account) == [] and not backend.deliveries
    listing = _send(target, "GET", "/api/v1/partner/stores/products")
    assert listing.status == 200 and json.loads(listing.body)["data"]["items"] == []


@pytest.mark.parametrize(
    "query",
    [b"endDate=0001-01-01T00:00:00Z", b"startDate=9999-12-31T23:59:59-12:00", b"startDate=0001-01-01"],
)
def test_shipstation_dates_at_the_ends_of_the_calendar_filter_instead_of_crashing(query):
    target = fuzz.target("shipstation")
    target.mock.backend.seed("test-key", [{"sku": "A-1", "name": "Apple"}])
    answer = _send(target, "GET", "/products", query=query)
    assert answer.status == 200
    products = json.loads(answer.body)["products"]
    assert products == [] if b"endDate" in query or b"9999" in query else len(products) >= 1


def test_shipstation_reads_doubled_slashes_as_the_same_resource():
    target = fuzz.target("shipstation")
    target.mock.backend.seed("test-key", [{"sku": "A-1", "name": "Apple"}])
    single = _send(target, "GET", "/products/1")
    double = _send(target, "GET", "//products//1")
    assert double.status == single.status == 200 and json.loads(double.body) == json.loads(single.body)


@pytest.mark.parametrize(
    ("vendor", "path"),
    [
        ("starshipit", "//api//products"),
        ("shiptheory", "//v1//products"),
        ("tocobagus", "//api//v1//partner//stores//products"),
        ("starshipit", "//__mock__//state"),
    ],
)
def test_doubled_slashes_elsewhere_are_the_vendors_404_not_a_redirect(vendor, path):
    target = fuzz.target(vendor)
    answer = _send(target, "GET", path)
    assert answer.status == 404 and answer.outcome == "4xx"
    assert json.loads(answer.body)  # the vendor's JSON error, not werkzeug's HTML redirect page
