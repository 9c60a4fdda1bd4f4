"""record → drift, end to end: a served mock configured differently plays the real vendor.

Each vendor's "real vendor" has a quirk flipped, a message changed (a fault rule body) and a header left
out (ShipStation's X-Rate-Limit-Remaining, the others' Content-Type on one route). Traffic goes through
`record`; `drift` replays the cassette against a default mock and must find every planted difference and
name the quirk that removes the flipped one.
"""

import json
import time
from decimal import Decimal

import pytest
import requests

from harness import exitcodes, vendors
from harness.catalog import Product
from harness.cli import main
from harness.clients.shipstation import basic_auth
from harness.clients.tocobagus import to_row
from harness.record import serve
from mocks.kit.core import Mock
from mocks.kit.server import ServerThread
from mocks.tocobagus import signing


def changed(vendor, method, path, headers=None, **settings):
    """A fault rule answering like the default mock does to this request, with its message reworded."""
    app = vendors.get(vendor).create_app(settings=settings or None)
    path, _, query = path.partition("?")
    answer = app.test_client().open(path, method=method, headers=headers or {}, query_string=query)
    body = answer.get_json()
    holder = body["error"] if isinstance(body.get("error"), dict) else body
    if "errors" in body:
        holder = body["errors"][0]
    holder["message"] = "Reworded by the vendor"
    return {"method": method, "path": f"^{path}$", "status": answer.status_code, "body": body, "times": 1}


class DropHeader:
    """WSGI middleware: the vendor's answers (to one path, or all) lack one header."""

    def __init__(self, app, name, path=None):
        self.app, self.name, self.path = app, name.lower(), path

    def __call__(self, environ, start_response):
        if self.path is not None and environ["PATH_INFO"] != self.path:
            return self.app(environ, start_response)

        def start(status, headers, *rest):
            return start_response(status, [(k, v) for k, v in headers if k.lower() != self.name], *rest)

        return self.app(environ, start)


# The header each "real vendor" leaves out, and where.
DROPPED = {
    "shipstation": ("X-Rate-Limit-Remaining", None),
    "starshipit": ("Content-Type", "/api/products/update"),
    "shiptheory": ("Content-Type", "/v1/token"),
    "tocobagus": ("Content-Type", "/api/v1/partner/stores/catalog/sync"),
}


def shipstation(app, base):
    mock = Mock.of(app)
    mock.update_settings({"quirks": {"json_401": True}})
    mock.backend.seed("test-key", [{"sku": "A-1", "name": "Apple", "price": 1.5, "internalNotes": "fragile"}])
    product_id = mock.backend.products("test-key")[0]["productId"]
    good = {"Authorization": basic_auth("test-key", "test-secret")}
    mock.install_faults([changed("shipstation", "GET", "/products/999999", good)])
    requests.get(f"{base}/products/999999", headers=good, timeout=10)  # 1: the reworded 404
    requests.get(f"{base}/products", headers=good, timeout=10)  # 2: what the vendor holds
    requests.get(f"{base}/products/{product_id}", headers=good, timeout=10)  # 3
    requests.get(f"{base}/products", headers={"Authorization": basic_auth("x", "y")}, timeout=10)  # 4: 401
    return {
        (1, "value", "$.message"): None,
        (2, "header", "x-rate-limit-remaining"): None,
        (4, "content type", ""): {"json_401": True},
    }


def starshipit(app, base):
    mock = Mock.of(app)
    # The "real vendor" replaces the whole product (the mock's default merges since 2026-12-01).
    mock.update_settings({"quirks": {"update_replaces_whole_product": True}})
    headers = {"StarShipIT-Api-Key": "test-api-key", "Ocp-Apim-Subscription-Key": "test-subscription-key"}
    mock.install_faults([changed("starshipit", "GET", "/api/products?page_size=5", headers)])  # the first GET
    headers = {"StarShipIT-Api-Key": "test-api-key", "Ocp-Apim-Subscription-Key": "test-subscription-key"}
    requests.get(f"{base}/api/products?page_size=5", headers=headers, timeout=10)  # 1: reworded 400
    time.sleep(1.0)  # 2 requests a second: a whole window for the next two
    product = {"sku": "Q-1", "title": "Quirk", "description": "kept by the vendor", "weight": 1.2}
    created = requests.post(f"{base}/api/products", json={"product": product}, headers=headers, timeout=10)
    pid = created.json()["product"]["id"]
    update = {"id": pid, "product": {"id": pid, "sku": "Q-1", "title": "Renamed"}}
    requests.put(f"{base}/api/products/update", json=update, headers=headers, timeout=10)  # 3
    time.sleep(1.0)
    requests.get(f"{base}/api/products?search_term=Q-1", headers=headers, timeout=10)  # 4
    return {
        (1, "value", "$.errors[0].message"): None,
        (3, "structure", "$.product.description"): {"update_replaces_whole_product": True},
        (3, "content type", ""): None,
    }


def shiptheory(app, base):
    mock = Mock.of(app)
    mock.set_clock({"mode": "virtual"})  # one rate-limit window for the whole exchange, deterministically
    mock.update_settings({"quirks": {"rate_limit_token_requests": True}})
    mock.install_faults([changed("shiptheory", "GET", "/v1/products/view/NOPE")])
    requests.get(f"{base}/v1/products/view/NOPE", timeout=10)  # 1: reworded 401
    token = requests.post(
        f"{base}/v1/token", json={"email": "test@example.com", "password": "test-password"}, timeout=10
    ).json()["data"]["token"]
    requests.get(f"{base}/v1/products", headers={"Authorization": f"Bearer {token}"}, timeout=10)  # 3: 429
    return {
        (1, "value", "$.message"): None,
        (2, "content type", ""): None,
        (3, "status", ""): {"rate_limit_token_requests": True},
    }


def tocobagus(app, base):
    mock = Mock.of(app)
    mock.update_settings({"quirks": {"reserve_pending_rows": False}})
    creds = vendors.get("tocobagus").credentials
    stamp = [int(time.time() * 1000)]

    def signed(method, path, body=b""):
        stamp[0] += 1
        headers = signing.signed_headers(
            creds["partner_secret"],
            method,
            path,
            body,
            partner_client_id=creds["partner_client_id"],
            store_client_id=creds["store_client_id"],
            store_token=creds["store_token"],
            timestamp_ms=stamp[0],
        )
        return {**headers, "Content-Type": "application/json"}

    lookup = "/api/v1/partner/stores/catalog/req_nope"
    mock.install_faults([changed("tocobagus", "GET", lookup, signed("GET", lookup))])
    requests.get(base + lookup, headers=signed("GET", lookup), timeout=10)  # 1: reworded 404
    row = to_row(Product(sku="T-1", name="Twice", price=Decimal("1000"), weight_kg=Decimal("0.2")))
    body = signing.canonical_json({"products": [row]})
    sync = "/api/v1/partner/stores/catalog/sync"
    for _ in range(2):  # 2, 3: the second while the first is still pending
        requests.post(base + sync, data=body, headers=signed("POST", sync, body), timeout=10)
    return {
        (1, "value", "$.error.message"): None,
        (2, "content type", ""): None,
        (3, "value", "$.data.errors.length"): {"reserve_pending_rows": False},
    }


PLANTS = {
    "shipstation": shipstation,
    "starshipit": starshipit,
    "shiptheory": shiptheory,
    "tocobagus": tocobagus,
}


@pytest.mark.parametrize("vendor", list(PLANTS))
def test_record_then_drift_finds_each_planted_difference_and_names_the_quirk(vendor, tmp_path, capsys):
    app = vendors.get(vendor).create_app()
    served = DropHeader(app, *DROPPED[vendor])
    cassette = tmp_path / f"{vendor}.har"
    with ServerThread(served) as upstream:
        proxy, _ = serve(vendor, upstream.base_url, cassette)
        try:
            planted = PLANTS[vendor](app, proxy.base_url)
        finally:
            proxy.stop()
    junit, page = tmp_path / "drift.xml", tmp_path / "drift.html"
    code = main(["drift", vendor, str(cassette), "--json", "--junit", str(junit), "--html", str(page)])
    report = json.loads(capsys.readouterr().out)
    found = {(d["exchange"], d["aspect"], d["where"]): d["fix"] for d in report["differences"]}
    assert code == exitcodes.DRIFT == 5 and report["drift"]
    for key, fix in planted.items():
        assert key in found, (key, json.dumps(report["differences"], indent=1))
        assert found[key] == fix, (key, found[key])
    quirks = {k: v for fix in planted.values() if fix for k, v in fix.items()}
    assert report["suggested_settings"] == {"quirks": quirks}
    assert not [
        d
        for d in report["remaining_with_suggested_settings"]
        if planted.get(tuple(d[k] for k in ("exchange", "aspect", "where"))) is not None
    ]
    assert "Reworded by the vendor" in page.read_text() and "PUT /__mock__/settings" in page.read_text()
    assert junit.read_text().count("<failure") >= 1


def test_an_identical_vendor_shows_no_drift(tmp_path, capsys):
    app = vendors.get("shipstation").create_app()
    Mock.of(app).backend.seed("test-key", [{"sku": "A-1", "name": "Apple"}])
    good = {"Authorization": basic_auth("test-key", "test-secret")}
    with ServerThread(app) as upstream:
        proxy, _ = serve("shipstation", upstream.base_url, tmp_path / "same.har")
        try:
            requests.get(f"{proxy.base_url}/products", headers=good, timeout=10)
            requests.get(f"{proxy.base_url}/products/1", headers=good, timeout=10)
            requests.get(f"{proxy.base_url}/products", headers={"Authorization": "Basic eDp5"}, timeout=10)
        finally:
            proxy.stop()
    code = main(["drift", "shipstation", str(tmp_path / "same.har"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == exitcodes.OK and report["differences"] == [] and report["seeded_products"] == 1


def test_a_cassette_that_is_not_har_is_a_usage_error(tmp_path, capsys):
    bad = tmp_path / "bad.har"
    bad.write_text('{"nope": 1}')
    assert main(["drift", "shipstation", str(bad)]) == exitcodes.USAGE
    assert f"{bad}: not a HAR file" in capsys.readouterr().err


def exchange(status=200, body=None, content_type="application/json", headers=None):
    from harness.drift import Exchange

    text = json.dumps(body) if body is not None else ""
    return Exchange(1, 0.0, "GET", "/products", "", {}, b"", status, headers or {}, content_type, text)


def answer(status=200, body=None, content_type="application/json", headers=None):
    from harness.drift import Answer

    return Answer(status, headers or {}, content_type, json.dumps(body) if body is not None else "")


def test_volatile_values_are_normalised_and_what_matters_is_compared():
    from harness.drift import compare

    vendor = {
        "productId": 7,
        "createDate": "2026-01-02T03:04:05.123",
        "requestId": "req_1",
        "name": "Apple",
        "price": 1.5,
        "tags": [{"tagId": 3, "name": "fruit"}],
        "error": {"code": "VAL_001", "message": "sku must be a string"},
    }
    same = {**vendor, "productId": 9, "createDate": "2031-09-09T00:00:00", "requestId": "req_2"}
    assert (
        compare(exchange(body=vendor), answer(body=same, content_type="application/json; charset=utf-8"))
        == []
    )
    differs = {
        **same,
        "name": "Apples",
        "price": "1.5",
        "tags": [],
        "error": {"code": "VAL_002", "message": "sku must be a string"},
        "extra": True,
    }
    found = {
        (d.aspect, d.where, d.vendor, d.mock) for d in compare(exchange(body=vendor), answer(body=differs))
    }
    assert found == {
        ("value", "$.name", "Apple", "Apples"),
        ("structure", "$.price", "number", "string"),
        ("value", "$.tags.length", "1", "0"),
        ("value", "$.error.code", "VAL_001", "VAL_002"),
        ("structure", "$.extra", "absent", "present"),
    }


def test_status_media_type_text_and_rate_limit_headers_are_compared():
    from harness.drift import compare

    vendor = exchange(401, None, "text/plain", {"x-rate-limit-limit": "40"})
    vendor.text = "401 Unauthorized"
    mock = answer(
        401, {"message": "Forbidden"}, "application/json", {"x-rate-limit-limit": "50", "retry-after": "3"}
    )
    found = {(d.aspect, d.where) for d in compare(vendor, mock)}
    assert found == {
        ("content type", ""),
        ("structure", "$"),
        ("header", "retry-after"),
        ("header", "x-rate-limit-limit"),
    }
    refused = answer(429, {"message": "Too Many Requests"}, "application/json", {"retry-after": "3"})
    assert [(d.aspect, d.vendor, d.mock) for d in compare(vendor, refused)] == [("status", "401", "429")]


def test_a_contract_run_recorded_against_an_identical_vendor_shows_no_drift(tmp_path, capsys, monkeypatch):
    """The gate's probes (auth headers left out or spoiled, negative data) replay as they were sent."""
    for name, key in vendors.get("tocobagus").env_credentials.items():
        monkeypatch.setenv(name, vendors.get("tocobagus").credentials[key])
    cassette = tmp_path / "contract.har"
    with ServerThread(vendors.get("tocobagus").create_app()) as upstream:
        proxy, _ = serve("tocobagus", upstream.base_url + "/api/v1", cassette)
        try:
            assert (
                main(["contract", "tocobagus", "--base-url", proxy.base_url, "--examples", "2", "--json"])
                == 0
            )
        finally:
            proxy.stop()
    capsys.readouterr()
    code = main(["drift", "tocobagus", str(cassette), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["replayed"] == report["exchanges"] > 10
    assert code == exitcodes.OK and report["differences"] == []
