"""schemathesis, in process, over every ShipStation operation, positive and negative, default checks."""

import pytest

from harness import vendors
from harness.conformance import run_contract


@pytest.fixture(scope="module")
def run():
    return run_contract(vendors.get("shipstation"), max_examples=30)


def test_every_operation_was_exercised_in_both_modes(run):
    seen = {(r.operation, r.mode) for r in run.results}
    operations = {"GET /products", "GET /products/{productId}", "PUT /products/{productId}"}
    assert seen == {(op, mode) for op in operations for mode in ("positive", "negative")}
    assert all(r.examples > 0 for r in run.results)


def test_mock_conforms_to_contract(run):
    failures = [f"{r.operation} [{r.mode}]\n{r.failure}" for r in run.results if not r.ok]
    assert not failures, "\n\n".join(failures)
