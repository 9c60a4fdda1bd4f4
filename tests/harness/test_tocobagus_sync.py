"""Tocobagus reference client: property run (six checks plus two), fault plans, a blind client caught."""

from decimal import Decimal

import pytest

from harness import vendors
from harness.catalog import Product
from harness.clients.tocobagus import BlindRetryClient, attach_receiver, to_row
from harness.runner import property_run, run_once

SYNC = "/partner/stores/catalog/sync$"
SOURCE = [
    Product(
        sku=f"S{i}",
        name=f"Product {i}",
        price=Decimal("10000.40"),
        weight_kg=Decimal("0.25"),
        length_cm=Decimal("12.4"),
        width_cm=Decimal("12"),
        height_cm=Decimal("10"),
        tags=("new",),
    )
    for i in range(3)
]


@pytest.fixture(scope="module")
def harness():
    return vendors.get("tocobagus")


def _blind(*, base_url, session, clock):
    client = BlindRetryClient(base_url, session=session, clock=clock)
    attach_receiver(session, client.receiver)
    return client


def test_mapping_units():
    row = to_row(SOURCE[0])
    assert (row["price"], row["weight"], row["dimensions"]) == (
        10000,
        250,
        {"length": 12, "width": 12, "height": 10},
    )
    assert len(row["categoryId"]) == 36 and row["hashtags"] == ["new"] and row["isArchived"] is False


def test_property_run_all_checks_pass(harness):
    outcome = property_run(harness, examples=12, seed=3)
    assert outcome.ok, (outcome.error, [str(f) for f in outcome.failures], outcome.scenario)


@pytest.mark.parametrize(
    "settings",
    [
        {"webhook_faults": [{"effect": "drop"}]},
        {"webhook_faults": [{"effect": "duplicate"}]},
        {"webhook_faults": [{"effect": "delay", "seconds": 20}]},
        None,
    ],
)
def test_webhook_fault_plans(harness, settings):
    result = run_once(harness, SOURCE, [], None, extra_checks=harness.property_checks, settings_=settings)
    assert result.ok, [str(f) for f in result.all_failures()]
    assert sorted(result.record.report.created) == ["S0", "S1", "S2"]


@pytest.mark.parametrize("when", ["before", "after"])
def test_5xx_on_sync_never_creates_twice(harness, when):
    fault = [{"method": "POST", "path": SYNC, "status": 503, "when": when, "times": 1}]
    result = run_once(harness, SOURCE, [], fault, extra_checks=harness.property_checks)
    assert result.ok, [str(f) for f in result.all_failures()]
    # The request log keeps the refused attempt's status (a 5xx Response is falsy; it must still be logged).
    log = result.record.report.log
    syncs = [(e.method, e.status, e.retry_count) for e in log if e.endpoint.endswith("/catalog/sync")]
    # Refused before it landed: sent again, logged as retry 1; landed then spoiled: found in the listing.
    assert syncs == ([("POST", 503, 0), ("POST", 202, 1)] if when == "before" else [("POST", 503, 0)])


def test_a_retried_read_is_logged_with_its_retry_count(harness):
    fault = [{"method": "GET", "path": "/partner/stores/products$", "status": 503, "times": 2}]
    result = run_once(harness, SOURCE, [], fault, extra_checks=harness.property_checks)
    assert result.ok, [str(f) for f in result.all_failures()]
    lists = [(e.status, e.retry_count) for e in result.record.report.log if e.action == "list"]
    assert lists[:3] == [(503, 0), (503, 1), (200, 2)]


def test_blind_retry_after_a_timeout_is_caught(harness):
    fault = [{"method": "POST", "path": SYNC, "effect": "drop", "when": "after", "times": 1}]
    result = run_once(harness, SOURCE, [], fault, client_factory=_blind, extra_checks=harness.property_checks)
    messages = [str(f) for f in result.failures["rows_once_in_summary"]]
    assert any("blind resend" in m for m in messages), messages
