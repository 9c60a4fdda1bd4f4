"""The ShipStation reference client under the six checks, and wrong clients the checks must catch."""

from dataclasses import replace
from decimal import Decimal

from harness import vendors
from harness.catalog import Product
from harness.clients.shipstation import ShipStationClient, to_vendor
from harness.runner import property_run, run_once

HARNESS = vendors.get("shipstation")


def catalogue(n, prefix="SKU"):
    return [
        Product(
            sku=f"{prefix}-{i:03d}",
            name=f"Product {i}",
            price=Decimal("9.99"),
            weight_kg=Decimal("1.2"),
            country_of_origin="AU",
        )
        for i in range(n)
    ]


def existing_for(products, **vendor_only):
    """What ShipStation holds: stale names, plus fields only ShipStation has."""
    return [{**to_vendor(replace(p, name=p.name + " (old)")), "sku": p.sku, **vendor_only} for p in products]


def failed_checks(result):
    return {name for name, failures in result.failures.items() if failures}


def test_reference_client_passes_every_check_on_generated_scenarios():
    outcome = property_run(HARNESS, examples=40, seed=3)
    assert outcome.error is None
    assert outcome.ok, "\n".join(map(str, outcome.failures))
    assert outcome.examples == 40


def test_reference_client_sends_the_minimum_and_waits_exactly_the_minimum():
    source = catalogue(120)
    result = run_once(HARNESS, source, existing_for(source, internalNotes="keep me"))
    assert result.ok, result.all_failures()
    assert result.requests == 1 + 120  # one page of 500, one PUT per changed product
    # 121 requests at 40/minute need four windows: the last request goes out as the fourth opens, at 180 s.
    assert result.simulated_seconds == 180.0
    assert result.record.report.summary()["updated"] == 120
    assert {p["internalNotes"] for p in result.record.after} == {"keep me"}


def test_unchanged_catalogue_sends_only_the_listing():
    source = catalogue(3)
    existing = [{**to_vendor(p), "sku": p.sku.lower()} for p in source]  # same SKUs, other case
    result = run_once(HARNESS, source, existing)
    assert result.ok and result.requests == 1
    assert sorted(result.record.report.unchanged) == [p.sku for p in source]


def test_products_missing_upstream_and_refused_rows_are_reported():
    source = catalogue(3)
    existing = existing_for(source[:2])
    refusal = {"method": "PUT", "path": "^/products/1$", "status": 400, "body": {"message": "SKU is locked"}}
    result = run_once(HARNESS, source, existing, faults=[refusal])
    assert result.ok, result.all_failures()
    report = result.record.report
    assert report.missing_upstream == ["SKU-002"]
    assert report.errors == {"SKU-000": "SKU is locked"}
    assert report.updated == ["SKU-001"]  # the refusal did not stop the other rows


def test_transient_5xx_and_dropped_connections_are_retried_and_converge():
    source = catalogue(4)
    faults = [
        {"method": "PUT", "path": "^/products/2$", "status": 503, "times": 2},
        {"method": "GET", "path": "^/products$", "effect": "drop", "times": 1},
        {"method": "PUT", "path": "^/products/3$", "effect": "truncate", "when": "after", "times": 1},
    ]
    result = run_once(HARNESS, source, existing_for(source), faults=faults)
    assert result.ok, result.all_failures()
    retries = [line for line in result.record.report.log if line.retry_count > 0]
    assert {(line.method, line.endpoint) for line in retries} >= {
        ("PUT", "/products/2"),
        ("PUT", "/products/3"),
    }


def test_request_log_has_the_planning_guide_fields():
    source = catalogue(1)
    result = run_once(HARNESS, source, existing_for(source))
    put = next(line for line in result.record.report.log if line.method == "PUT")
    assert (put.source_id, put.vendor_id, put.endpoint, put.status, put.retry_count, put.action) == (
        "SKU-000",
        1,
        "/products/1",
        200,
        0,
        "update",
    )
    assert put.timestamp.startswith("2026-01-01T00:00:00") and '"sku": "SKU-000"' in put.body


# -- wrong clients: the checks must bite ---------------------------------------------------------------------
class PartialPutClient(ShipStationClient):
    """Sends only the fields it owns: V1's full replace nulls everything else."""

    def request(self, method, path, *, body=None, **kwargs):
        if method == "PUT" and body is not None:
            body = {k: body[k] for k in ("productId", "sku", *to_vendor(Product(sku="x", name="x")))}
        return super().request(method, path, body=body, **kwargs)


class ImpatientClient(ShipStationClient):
    """Ignores X-Rate-Limit-Remaining/Reset and retries a 429 at once."""

    def _wait_for_window(self):
        pass


class AlwaysWritesClient(ShipStationClient):
    """PUTs every product on every run, changed or not."""

    def sync(self, source):
        report = super().sync(source)
        for record in self.list_all():
            self.request("PUT", f"/products/{record['productId']}", body=record, action="update")
        return report


class SilentClient(ShipStationClient):
    def sync(self, source):
        report = super().sync(source)
        report.errors.clear()
        report.missing_upstream.clear()
        return report


def factory(cls):
    return lambda **kwargs: cls(kwargs.pop("base_url"), **kwargs)


def test_partial_put_client_fails_nothing_lost_naming_product_field_and_request():
    source = catalogue(2)
    result = run_once(
        HARNESS,
        source,
        existing_for(source, internalNotes="fragile", fulfillmentSku="F-1"),
        client_factory=factory(PartialPutClient),
    )
    assert failed_checks(result) == {"nothing_lost"}
    failures = result.failures["nothing_lost"]
    assert {(f.sku, f.field) for f in failures} == {
        (p.sku, name) for p in source for name in ("internalNotes", "fulfillmentSku")
    }
    assert all(f.entry is not None for f in failures)
    assert any("was 'fragile', vendor now (none)" in str(f) for f in failures)


def test_partial_put_client_is_caught_by_the_property_run_and_shrunk():
    outcome = property_run(HARNESS, examples=60, seed=1, client_factory=factory(PartialPutClient))
    assert not outcome.ok
    assert {f.check for f in outcome.failures} == {"nothing_lost"}
    assert len(outcome.scenario["source"]) <= 3  # shrunk to a few products (from up to 8)
    assert any(
        set(record) - {"sku", *to_vendor(Product(sku="x", name="x"))}
        for record in outcome.scenario["existing"]
    )


def test_client_ignoring_rate_limit_headers_fails_politeness():
    source = catalogue(45)
    result = run_once(HARNESS, source, existing_for(source), client_factory=factory(ImpatientClient))
    assert "politeness" in failed_checks(result)
    first = result.failures["politeness"][0]
    assert "before the rate-limit reset announced by journal" in first.message and first.entry is not None


def test_client_that_writes_twice_fails_idempotence():
    source = catalogue(2)
    result = run_once(HARNESS, source, existing_for(source), client_factory=factory(AlwaysWritesClient))
    assert failed_checks(result) == {"idempotence"}
    assert len(result.failures["idempotence"]) == 2


def test_client_that_swallows_errors_fails_errors_surfaced():
    source = catalogue(2)
    refusal = {"method": "PUT", "status": 400, "body": {"message": "Invalid request parameters"}}
    result = run_once(
        HARNESS,
        source + catalogue(1, "NEW"),
        existing_for(source),
        faults=[refusal],
        client_factory=factory(SilentClient),
    )
    assert failed_checks(result) == {"errors_surfaced"}
    assert {f.sku for f in result.failures["errors_surfaced"]} == {"SKU-000", "SKU-001", "NEW-000"}


def test_wrong_credentials_fail_auth():
    source = catalogue(1)
    result = run_once(
        HARNESS,
        source,
        existing_for(source),
        client_factory=lambda **kw: ShipStationClient(kw.pop("base_url"), "test-key", "wrong", **kw),
    )
    assert "auth" in failed_checks(result)
    assert "refused with 401" in result.failures["auth"][0].message
