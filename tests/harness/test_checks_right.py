"""The checks judge what happened: polling is not retrying; a SKU is a JSON value, not a substring."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from harness import vendors
from harness.catalog import Product
from harness.properties import RunRecord, _last_write, check_politeness
from harness.runner import run_once
from harness.sync import SyncReport

ADAPTER = vendors.get("tocobagus").adapter


def _request(
    seq: int, status: int | None, fault: str | None = None, path: str = "/x", body: str | None = None
):
    return {
        "seq": seq, "type": "request", "time": float(seq), "method": "GET", "path": path, "query": "",
        "body": body, "status": status, "rate_limit": None, "fault": fault, "account": "a",
    }  # fmt: skip


def _run(journal: list[dict]) -> RunRecord:
    return RunRecord(ADAPTER, [], [], [], journal, SyncReport())


def test_polling_after_a_success_is_not_retrying():
    polls = [_request(n, 200) for n in range(1, ADAPTER.max_retries + 6)]
    assert check_politeness(_run(polls)) == []


def test_identical_requests_after_failures_are_retries_and_bounded():
    failing = [_request(n, 503) for n in range(1, ADAPTER.max_retries + 1)]
    failing.append(_request(ADAPTER.max_retries + 1, 200))
    assert check_politeness(_run(failing)) == []  # 1 + max_retries sends: within the bound
    too_many = [_request(n, None, fault="drop") for n in range(1, ADAPTER.max_retries + 3)]
    failures = check_politeness(_run(too_many))
    assert len(failures) == 1 and "retries must be bounded" in failures[0].message
    mixed = [
        _request(1, 200),
        _request(2, 200),
        *[_request(n, 500) for n in range(3, ADAPTER.max_retries + 6)],
    ]
    assert len(check_politeness(_run(mixed))) == 1


def test_last_write_matches_the_sku_as_a_json_value_not_a_substring():
    write = ADAPTER.is_write
    journal = [
        {**_request(1, 202, path="/api/v1/partner/stores/catalog/sync"), "method": "POST",
         "body": json.dumps({"products": [{"sku": "A-10", "name": "Banana"}]})},
        {**_request(2, 202, path="/api/v1/partner/stores/catalog/sync"), "method": "POST",
         "body": json.dumps({"products": [{"sku": "a", "name": "Apple"}]})},
        {**_request(3, 202, path="/api/v1/partner/stores/catalog/sync"), "method": "POST",
         "body": json.dumps({"products": [{"sku": "B", "name": "name"}]})},
    ]  # fmt: skip
    assert all(write(e) for e in journal)
    run = _run(journal)
    assert _last_write(run, Product(sku="A", name="x")) == 2  # not #3, whose body has "name" in it
    assert _last_write(run, Product(sku="A-10", name="x")) == 1
    assert _last_write(run, sku="A-1") is None


LISTINGS = {
    "shipstation": "^/products$",
    "starshipit": "^/api/products$",
    "shiptheory": "^/v1/products$",
    "tocobagus": "/partner/stores/products$",
}


@pytest.mark.parametrize("vendor", vendors.names())
def test_a_read_out_of_retries_is_reported_with_its_reason_never_raised(vendor):
    source = [Product(sku="R-1", name="Red"), Product(sku="R-2", name="Rose")]
    always = {"method": "GET", "path": LISTINGS[vendor], "effect": "respond", "status": 503}
    result = run_once(vendors.get(vendor), source, [], faults=[always])
    assert "*" not in result.record.report.errors  # the client did not raise
    assert set(result.record.report.errors) == {"R-1", "R-2"}
    reasons = set(result.record.report.errors.values())
    assert len(reasons) == 1 and reasons.pop().startswith(
        ("sync stopped: listing", "sync stopped: list failed")
    )  # with the vendor's reason


def test_a_write_that_never_landed_and_was_reported_is_not_a_convergence_loss():
    from harness.properties import check_convergence, check_idempotence

    adapter = vendors.get("shipstation").adapter
    record = {"productId": 1, "sku": "P-1", "name": "Old", "price": 1.0}
    put = {
        **_request(1, 503, path="/products/1"),
        "method": "PUT",
        "body": json.dumps({**record, "name": "New"}),
    }
    dropped = {**put, "seq": 2, "status": 200, "fault": "drop"}  # landed? the client never heard
    second = {**put, "seq": 3, "status": 200}
    source = [Product(sku="P-1", name="New", price=Decimal("1"))]

    def run(reported: bool) -> RunRecord:
        report = SyncReport(errors={"P-1": "no answer after retries"} if reported else {})
        return RunRecord(adapter, source, [record], [record], [put, dropped], report, [second])

    assert check_convergence(run(reported=True)) == [] and check_idempotence(run(reported=True)) == []
    assert check_convergence(run(reported=False)) and check_idempotence(run(reported=False))


def test_a_sync_stopped_by_a_failed_listing_is_excused_only_when_requests_failed():
    from harness.properties import check_convergence

    adapter = vendors.get("shipstation").adapter
    record = {"productId": 1, "sku": "P-1", "name": "Old"}
    source = [Product(sku="P-1", name="New")]
    report = SyncReport(errors={"P-1": "sync stopped: listing products failed"})
    failed_listing = [{**_request(n, 503, path="/products"), "fault": "respond"} for n in range(1, 5)]
    assert check_convergence(RunRecord(adapter, source, [record], [record], failed_listing, report)) == []
    quiet = [_request(1, 200, path="/products")]  # nothing failed: reporting an error excuses nothing
    assert check_convergence(RunRecord(adapter, source, [record], [record], quiet, report))
