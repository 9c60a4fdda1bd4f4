"""Starshipit: canonical ↔ vendor mapping, and the reference sync client."""

from __future__ import annotations

from typing import Any

from mocks import starshipit as mock

from ..vendors import VendorHarness

CREDENTIALS = dict(mock.CREDENTIALS)


def auth_headers(api_key: str, subscription_key: str) -> dict[str, str]:
    return {mock.HEADERS["api_key"]: api_key, mock.HEADERS["subscription_key"]: subscription_key}


def _contract_auth(case: Any) -> dict[str, str]:
    return auth_headers(CREDENTIALS["api_key"], CREDENTIALS["subscription_key"])


HARNESS = VendorHarness(
    name="starshipit",
    create_app=mock.create_app,
    credentials=CREDENTIALS,
    contract_auth=_contract_auth,
    contract_settings={"rate_limit": 1_000_000_000},
    excluded_checks={},
    env_credentials={"STARSHIPIT_API_KEY": "api_key", "STARSHIPIT_SUBSCRIPTION_KEY": "subscription_key"},
)
