"""Gateway then account auth, separate catalogues, and the per-subscription-key rate limit."""

import pytest

from mocks.starshipit.errors import INVALID_SUBSCRIPTION

from .conftest import HEADERS

GATEWAY_401 = {"statusCode": 401, "message": INVALID_SUBSCRIPTION}
ACCOUNT_401 = {"success": False, "errors": [{"message": "Invalid key", "details": "auth"}]}


@pytest.mark.parametrize(
    "headers", [{}, {"StarShipIT-Api-Key": "test-api-key"}, {**HEADERS, "Ocp-Apim-Subscription-Key": "wrong"}]
)
def test_gateway_refuses_a_missing_or_unknown_subscription_key(ssit, headers):
    response = ssit.call("GET", headers=headers)
    assert response.status_code == 401 and response.json() == GATEWAY_401
    entry = ssit.requests()[-1]
    assert entry["account"] is None and entry["rate_limit"] is None  # not counted: no subscription


@pytest.mark.parametrize(
    "headers",
    [{"Ocp-Apim-Subscription-Key": "test-subscription-key"}, {**HEADERS, "StarShipIT-Api-Key": "wrong"}],
)
def test_starshipit_refuses_a_missing_or_unknown_api_key(ssit, headers):
    response = ssit.call("POST", headers=headers, json={"product": {"sku": "A", "title": "t"}})
    assert response.status_code == 401 and response.json() == ACCOUNT_401
    assert ssit.requests()[-1]["rate_limit"]["allowed"] is True  # the gateway counted it
    assert ssit.mock.backend.products("test-api-key") == []


def test_header_names_match_case_insensitively_and_keys_are_redacted(ssit):
    response = ssit.call(
        "GET",
        headers={"starshipit-api-key": "test-api-key", "OCP-APIM-SUBSCRIPTION-KEY": "test-subscription-key"},
    )
    assert response.status_code == 200
    headers = {k.lower(): v for k, v in ssit.requests()[-1]["headers"].items()}
    assert headers["starshipit-api-key"] == "***" and headers["ocp-apim-subscription-key"] == "***"


def test_accounts_see_their_own_catalogues(ssit):
    ssit.mock.update_settings({"api_keys": ["test-api-key", "other-key"]})
    other = {**HEADERS, "StarShipIT-Api-Key": "other-key"}
    ssit.create(sku="MINE")
    assert (
        ssit.call("POST", headers=other, json={"product": {"sku": "MINE", "title": "theirs"}}).status_code
        == 200
    )
    mine = ssit.call("GET").json()["data"]["products"]
    theirs = ssit.call("GET", headers=other).json()["data"]["products"]
    assert [p["title"] for p in mine] == ["Thing"] and [p["title"] for p in theirs] == ["theirs"]
    assert mine[0]["id"] == theirs[0]["id"] == 1  # ids are per account
    assert ssit.call("GET", "/export", headers=other).text.count("\r\n") == 2


def test_two_requests_per_second_then_429_with_retry_after(limited):
    assert [limited.call("GET").status_code for _ in range(3)] == [200, 200, 429]
    refused = limited.call("GET")
    assert refused.headers["Retry-After"] == "1"
    assert refused.json() == {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."}
    assert limited.requests()[-1]["rate_limit"]["allowed"] is False
    limited.mock.clock.advance(1)
    assert limited.call("GET").status_code == 200


def test_the_limit_is_per_subscription_key_not_per_account(limited):
    limited.mock.update_settings(
        {"api_keys": ["test-api-key", "b"], "subscription_keys": ["test-subscription-key", "s2"]}
    )
    assert limited.call("GET").status_code == 200
    assert limited.call("GET", headers={**HEADERS, "StarShipIT-Api-Key": "b"}).status_code == 200
    assert limited.call("GET", headers={**HEADERS, "StarShipIT-Api-Key": "b"}).status_code == 429
    assert limited.call("GET", headers={**HEADERS, "Ocp-Apim-Subscription-Key": "s2"}).status_code == 200


def test_production_tier_allows_twenty_per_second(limited):
    limited.mock.update_settings({"tier": "production"})
    statuses = [limited.call("GET").status_code for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    assert limited.requests()[-1]["rate_limit"]["limit"] == 20
    # The tier's limit is read by each request, never written into the shared counters (threads raced on it).
    assert limited.mock.limiter.limit == 2
    limited.mock.update_settings({"rate_limit": 5})  # an explicit rate_limit overrides the tier
    limited.mock.clock.advance(1)
    assert [limited.call("GET").status_code for _ in range(6)] == [200] * 5 + [429]


def test_bad_tier_setting_is_refused(limited):
    from mocks.kit.core import SettingsError

    with pytest.raises(SettingsError):
        limited.mock.update_settings({"tier": "gold"})


def test_unknown_routes_and_methods_answer_like_the_gateway(ssit):
    missing = ssit.http.get("http://mock/api/nothing", headers=HEADERS)
    assert missing.status_code == 404 and missing.json() == {
        "statusCode": 404,
        "message": "Resource not found",
    }
    wrong = ssit.call("PATCH")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"] and wrong.json()["statusCode"] == 405


def test_a_crash_is_a_json_500_and_a_journal_entry(ssit, monkeypatch):
    monkeypatch.setattr(ssit.mock.backend, "list_products", lambda *a: 1 / 0)
    response = ssit.call("GET")
    assert response.status_code == 500 and response.json()["success"] is False
    assert "ZeroDivisionError" in ssit.requests()[-1]["error"]


def test_the_plugin_fixture_serves_on_a_real_port(starshipit_mock):
    import requests

    headers = {
        "StarShipIT-Api-Key": starshipit_mock.credentials["api_key"],
        "Ocp-Apim-Subscription-Key": starshipit_mock.credentials["subscription_key"],
    }
    starshipit_mock.seed([{"sku": "S", "title": "Seeded"}])
    response = requests.get(starshipit_mock.base_url + "/api/products", headers=headers, timeout=5)
    assert response.json()["data"]["products"][0]["title"] == "Seeded"


def test_subscription_key_as_the_apim_query_parameter(ssit):
    """vendor-notes §7, 2026-12-01: APIM also takes the key as `subscription-key` in the query."""
    response = ssit.call(
        "GET", "?subscription-key=test-subscription-key", headers={"StarShipIT-Api-Key": "test-api-key"}
    )
    assert response.status_code == 200 and response.json()["success"] is True
    entry = ssit.requests()[-1]
    assert entry["rate_limit"]["allowed"] is True and entry["query"] == "subscription-key=[redacted]"
    wrong = ssit.call("GET", "?subscription-key=nope", headers={"StarShipIT-Api-Key": "test-api-key"})
    assert wrong.status_code == 401 and wrong.json() == GATEWAY_401
