"""Shiptheory v1: canonical ↔ vendor mapping, and the reference sync client."""

from __future__ import annotations

import time
from typing import Any

from mocks import shiptheory as mock

from ..vendors import VendorHarness

CREDENTIALS = dict(mock.CREDENTIALS)


def _contract_auth(case: Any) -> dict[str, str]:
    """A token the mock accepts, minted with the mock's key (the contract run's mock uses the real clock)."""
    return {"Authorization": "Bearer " + mock.mint_token(CREDENTIALS["email"], time.time())}


HARNESS = VendorHarness(
    name="shiptheory",
    create_app=mock.create_app,
    credentials=CREDENTIALS,
    contract_auth=_contract_auth,
    contract_settings={"rate_limit": 1_000_000_000},
    excluded_checks={
        "positive_data_acceptance": (
            "SKUs and shipment references are unique, and a repeat answers 400 sku.unique / "
            "reference.unique (vendor-notes §7), which schema-valid generated data hits; OpenAPI cannot "
            "express uniqueness. tests/mocks/shiptheory checks that fresh schema-valid bodies are accepted."
        ),
    },
    env_credentials={"SHIPTHEORY_EMAIL": "email", "SHIPTHEORY_PASSWORD": "password"},
)
