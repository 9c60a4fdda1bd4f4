"""Real third-party ShipStation clients, unchanged but for their base URL, against the mock on a port."""

import base64

import pytest

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.server import ServerThread
from mocks.shipstation import create_app


def test_shipstation_api_wrapper_works_unchanged():
    """PyPI shipstation-api-wrapper 0.1.2: list, find by SKU, and its update_tag (a GET then a full PUT)."""
    wrapper = pytest.importorskip("shipstation_api_wrapper.api")
    app = create_app(clock=Clock(virtual=True))
    mock = Mock.of(app)
    mock.backend.seed(
        "test-key",
        [{"sku": "BEAU-000", "name": "Beautiful", "weightOz": 12, "tags": [{"tagId": 1, "name": "A"}]}],
    )
    with ServerThread(app) as server:
        # It takes the Basic credential already encoded, as its README says.
        client = wrapper.ShipStationClient(
            base64.b64encode(b"test-key:test-secret").decode(), base_url=server.base_url
        )
        listed = client.products.list_products()
        assert listed.status_code == 200 and listed.json()["products"][0]["sku"] == "BEAU-000"
        assert listed.headers["X-Rate-Limit-Remaining"] == "39"
        found = client.products.get_product_by_sku("beau-000").json()["products"]
        assert [p["productId"] for p in found] == [1]
        updated = client.products.update_tag("BEAU-000", [])
        assert (updated.status_code, updated.json()) == (
            200,
            {"success": True, "message": "The requested product has been updated"},
        )
    (stored,) = mock.backend.products("test-key")
    assert stored["tags"] == [] and stored["weightOz"] == 12  # it sent the whole product back
    requests = [e for e in mock.journal.entries() if e["type"] == "request"]
    assert [(e["method"], e["path"]) for e in requests] == [
        ("GET", "/products"),
        ("GET", "/products"),
        ("GET", "/products"),
        ("PUT", "/products/1"),
    ]
