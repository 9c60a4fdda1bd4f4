"""Settings are validated from each vendor's schema: every setting has one, and refusals stay readable."""

from __future__ import annotations

import importlib

import pytest

from harness import vendors
from mocks.kit.core import Mock, SettingsError, VendorSpec


def spec_of(vendor: str) -> VendorSpec:
    return importlib.import_module(f"mocks.{vendor}").SPEC


def refusal(vendor: str, changes: dict) -> str:
    mock = Mock(spec_of(vendor))
    before = mock.settings
    with pytest.raises(SettingsError) as caught:
        mock.update_settings(changes)
    assert mock.settings == before  # a refused change changes nothing
    return str(caught.value)


@pytest.mark.parametrize("vendor", vendors.names())
def test_every_vendor_setting_has_a_schema(vendor: str) -> None:
    spec = spec_of(vendor)
    assert set(spec.settings_schema) == set(spec.extra_settings)
    Mock(spec).update_settings(spec.extra_settings)  # the defaults pass their own schema


@pytest.mark.parametrize(
    ("vendor", "changes", "message"),
    [
        ("starshipit", {"tier": ["developer"]}, "tier: must be one of ['developer', 'production']"),
        ("shiptheory", {"lock_product_data": 1}, "lock_product_data: must be true or false"),
        ("shipstation", {"accounts": {}}, "accounts: must be a non-empty object of API key: API secret"),
        ("tocobagus", {"batch_size": 2.0}, "batch_size: must be an integer >= 1"),
        (
            "tocobagus",
            {"webhook_faults": [{"effect": "zap"}]},
            'webhook_faults: [0].effect: "zap" is not one of',
        ),
        (
            "tocobagus",
            {"webhook_faults": [{"effect": "drop", "times": 2.0}]},
            "[0].times: 2.0 is not an integer",
        ),
        ("tocobagus", {"stores": {"s1": {"token": 5}}}, 'stores: s1.token: 5 is not of type "string"'),
        ("tocobagus", {"warehouses": [{"clientId": "a"}, {"clientId": "a"}]}, "clientIds must be unique"),
        ("tocobagus", {"rate_limit": 5.0}, "rate_limit must be a positive integer"),
    ],
)
def test_refusals_name_the_setting_and_the_rule(vendor: str, changes: dict, message: str) -> None:
    assert message in refusal(vendor, changes)


def test_a_huge_value_makes_no_huge_message() -> None:
    message = refusal("tocobagus", {"stores": {"s1": {"token": "t", "partnerClientId": ["x" * 100_000]}}})
    assert message.startswith("stores: s1.partnerClientId: ") and len(message) < 400
