"""ShipStation's documented example request (S4 "Update a Product"), sent verbatim, gets the documented
answer (vendor-notes §7, Corrections of 2026-12-01). Bodies: tests/data/shipstation."""

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parents[2] / "data" / "shipstation"
ANSWER = json.loads((DATA / "update-product.answer.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("sample", ["update-product.json", "update-product-fetch.json"])
def test_update_product_example(api, mock, sample):
    mock.backend.seed(
        "test-key", [{"productId": 123456789, "sku": "BEAU-000", "name": "Old", "weightOz": 12}]
    )
    raw = (DATA / sample).read_bytes()  # as the curl and fetch samples send it, byte for byte
    response = api.put(
        "http://mock/products/123456789",
        data=raw,
        headers={"Host": "ssapi.shipstation.com", "Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()) == (200, ANSWER)
    assert response.headers["X-Rate-Limit-Limit"] == "40"
    (stored,) = mock.backend.products("test-key")
    sent = json.loads(raw)
    assert {k: stored[k] for k in sent} == sent  # the full replace took every documented field
    assert stored["weightOz"] is None and stored["upc"] is None  # and nulled what the body left out
