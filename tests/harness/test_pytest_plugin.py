"""The pytest11 plugin's `shipstation_mock` fixture, as a user's own suite would use it."""

import pytest
import requests


def test_fixture_serves_on_a_port_with_control_of_state_faults_clock_and_journal(shipstation_mock):
    mock = shipstation_mock
    assert mock.base_url.startswith("http://127.0.0.1:")
    assert mock.credentials == {"api_key": "test-key", "api_secret": "test-secret"}
    mock.seed([{"sku": "A-1", "name": "Apple"}])
    auth = (mock.credentials["api_key"], mock.credentials["api_secret"])
    listed = requests.get(f"{mock.base_url}/products", auth=auth, timeout=5).json()
    assert [p["sku"] for p in listed["products"]] == ["A-1"]
    mock.faults({"method": "GET", "status": 503, "times": 1})
    assert requests.get(f"{mock.base_url}/products/1", auth=auth, timeout=5).status_code == 503
    mock.freeze()
    before = mock.clock.now()
    mock.advance(30)
    assert mock.clock.now() == before + 30
    assert [e["status"] for e in mock.requests()] == [200, 503]
    mock.quirk("json_401")
    assert requests.get(f"{mock.base_url}/products", timeout=5).json() == {
        "message": "Invalid API credentials"
    }


def test_fixture_is_reset_between_tests(shipstation_mock):
    assert shipstation_mock.products() == []
    assert shipstation_mock.journal() == []
    assert shipstation_mock.settings()["quirks"]["json_401"] is False


SEEN: list[str] = []


@pytest.mark.quirk_matrix
def test_quirk_matrix_marker_runs_once_per_variant(starshipit_mock):
    """The user's test runs under the default and each quirk flipped, with `.variant` naming it."""
    SEEN.append(starshipit_mock.variant.name)
    assert starshipit_mock.settings()["quirks"] == starshipit_mock.variant.quirks


def test_the_marker_ran_every_starshipit_variant():
    assert SEEN == ["default", "update_replaces_whole_product=true", "strict_units=true"]
