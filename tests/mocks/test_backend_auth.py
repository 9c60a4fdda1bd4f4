"""Auth lives in the backend layer for every vendor: each backend accepts its vendor's credentials and
refuses bad ones with the vendor's 401, driven directly, with no HTTP at all."""

from __future__ import annotations

import base64
import importlib

import pytest

from mocks.kit.clock import Clock
from mocks.kit.core import Mock, MockError
from mocks.tocobagus import signing


def _mock(name: str) -> Mock:
    return Mock(importlib.import_module(f"mocks.{name}").SPEC, Clock(virtual=True))


def _basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def test_shipstation_basic_auth() -> None:
    backend = _mock("shipstation").backend
    assert backend.authenticate(_basic("test-key", "test-secret")) == "test-key"
    for header in (_basic("test-key", "wrong"), _basic("nobody", "test-secret"), "Bearer x", "Basic !!"):
        with pytest.raises(MockError) as refused:
            backend.authenticate(header)
        assert (refused.value.status, refused.value.body) == (401, "401 Unauthorized")


def test_starshipit_keys() -> None:
    backend = _mock("starshipit").backend
    assert backend.valid_subscription_key("test-subscription-key") and backend.valid_api_key("test-api-key")
    assert not backend.valid_subscription_key("test-api-key") and not backend.valid_api_key("")


def test_shiptheory_token_round_trip() -> None:
    mock = _mock("shiptheory")
    email, password = next(iter(mock.settings["accounts"].items()))
    token = mock.backend.issue_token({"email": email, "password": password})["data"]["token"]
    assert mock.backend.account_for_token(token) == email
    mock.clock.advance(10 * 86400)  # well past any token's lifetime
    with pytest.raises(MockError) as refused:
        mock.backend.account_for_token(token)
    assert refused.value.status == 401


def test_tocobagus_hmac_auth_then_sync_without_http() -> None:
    from mocks.tocobagus import CREDENTIALS

    mock = _mock("tocobagus")
    backend = mock.backend
    path = "/api/v1/partner/stores/catalog/sync"
    body = signing.canonical_json(
        {"products": [{"externalId": "e-1", "sku": "A-1", "name": "Apple", "price": 1}]}
    )
    headers = signing.signed_headers(
        CREDENTIALS["partner_secret"],
        "POST",
        path,
        body,
        partner_client_id=CREDENTIALS["partner_client_id"],
        store_client_id=CREDENTIALS["store_client_id"],
        store_token=CREDENTIALS["store_token"],
        timestamp_ms=round(mock.clock.now() * 1000),
    )
    partner, store = backend.authenticate("POST", path, headers, body)
    assert (partner, store) == (CREDENTIALS["partner_client_id"], CREDENTIALS["store_client_id"])
    with pytest.raises(MockError) as replayed:  # the same signature again
        backend.authenticate("POST", path, headers, body)
    assert replayed.value.status == 401 and len(backend.replay) == 1
    accepted = backend.sync(
        store, partner, {"products": [{"externalId": "e-1", "sku": "A-1", "name": "Apple", "price": 1}]}
    )
    assert accepted["data"]["summary"] == {"total": 1, "failed": 0, "pending": 1}
    assert backend.run_jobs()["ran"] == 1
    assert [(p["sku"], p["syncRequestId"]) for p in backend.products(store)] == [
        ("A-1", accepted["requestId"])
    ]
    assert backend.jobs[accepted["requestId"]]["status"] == "COMPLETED"
