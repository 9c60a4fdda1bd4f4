"""ShipStation V1: canonical ↔ vendor mapping, and the reference sync client."""

from __future__ import annotations

import base64
from typing import Any

from mocks import shipstation as mock

from ..vendors import VendorHarness

CREDENTIALS = dict(mock.CREDENTIALS)


def basic_auth(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def _contract_auth(case: Any) -> dict[str, str]:
    return {"Authorization": basic_auth(CREDENTIALS["api_key"], CREDENTIALS["api_secret"])}


HARNESS = VendorHarness(
    name="shipstation",
    create_app=mock.create_app,
    credentials=CREDENTIALS,
    contract_auth=_contract_auth,
    contract_settings={"rate_limit": 1_000_000_000},
    env_credentials={"SHIPSTATION_API_KEY": "api_key", "SHIPSTATION_API_SECRET": "api_secret"},
)
