"""Tocobagus' documented example request (S3 "Catalog (Simple) Sync"), sent verbatim and signed, gets the
documented answer: status, envelope, field names and wording (vendor-notes §7, 2026-12-01)."""

import json
from pathlib import Path

DATA = Path(__file__).parents[2] / "data" / "tocobagus"


def keys(value):
    if isinstance(value, dict):
        return {k: keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [keys(value[0])] if value else []
    return type(value).__name__


def test_catalog_sync_example(api, mock):
    raw = (DATA / "catalog-sync.json").read_bytes().strip()  # the curl sample's --data, byte for byte
    documented = json.loads((DATA / "catalog-sync.answer.json").read_text(encoding="utf-8"))
    response = api.call("POST", "/partner/stores/catalog/sync", raw=raw)
    assert response.status_code == 202
    body = response.json()
    assert keys(body) == keys(documented)
    assert (body["success"], body["message"]) == (True, "Catalog sync request accepted")
    assert body["data"] == documented["data"]  # the same rows, externalIds and summary
