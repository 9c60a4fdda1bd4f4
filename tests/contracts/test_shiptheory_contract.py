"""schemathesis, in process, over every Shiptheory operation, positive and negative, default checks."""

import pytest

from harness import vendors
from harness.conformance import run_contract

OPERATIONS = {
    "POST /v1/token",
    "GET /v1/products",
    "POST /v1/products",
    "GET /v1/products/view/{sku}",
    "PUT /v1/products/update/{sku}",
    "POST /v1/shipments",
    "GET /v1/shipments/view/{reference}",
    "GET /v1/shipments/{reference}",
}


@pytest.fixture(scope="module")
def run():
    return run_contract(vendors.get("shiptheory"), max_examples=25)


def test_every_operation_was_exercised_in_both_modes(run):
    seen = {(r.operation, r.mode) for r in run.results}
    assert seen == {(op, mode) for op in OPERATIONS for mode in ("positive", "negative")}
    assert all(r.examples > 0 for r in run.results)


def test_only_justified_checks_are_excluded(run):
    assert set(run.excluded_checks) == {"positive_data_acceptance"}
    assert all(len(why) > 40 for why in run.excluded_checks.values())


def test_mock_conforms_to_contract(run):
    failures = [f"{r.operation} [{r.mode}]\n{r.failure}" for r in run.results if not r.ok]
    assert not failures, "\n\n".join(failures)
