"""The Starshipit reference client under the six checks, the CSV properties, and a wrong client."""

from dataclasses import replace
from decimal import Decimal

from hypothesis import HealthCheck, given, settings

from harness import vendors
from harness.catalog import Product
from harness.clients.starshipit import (
    StarshipitClient,
    csv_document,
    read_csv_document,
    to_vendor,
)
from harness.runner import property_run, run_once
from harness.strategies import catalogues
from mocks import starshipit
from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.transport import in_process_session

HARNESS = vendors.get("starshipit")
HEADERS = {"StarShipIT-Api-Key": "test-api-key", "Ocp-Apim-Subscription-Key": "test-subscription-key"}


def catalogue(n, prefix="SKU"):
    return [
        Product(
            sku=f"{prefix}-{i:04d}",
            name=f"Product {i}",
            customs_value=Decimal("9.99"),
            weight_kg=Decimal("1.2"),
            length_cm=Decimal("25.5"),
            country_of_origin="AU",
            hs_code="610910",
        )
        for i in range(n)
    ]


def existing_for(products, **vendor_only):
    return [{**to_vendor(replace(p, name=p.name + " (old)")), "sku": p.sku, **vendor_only} for p in products]


def factory(**options):
    return lambda *, base_url, session, clock: StarshipitClient(
        base_url, session=session, clock=clock, **options
    )


def test_reference_client_passes_every_check_on_generated_scenarios():
    outcome = property_run(HARNESS, examples=30, seed=3)
    assert outcome.error is None
    assert outcome.ok, "\n".join(map(str, outcome.failures))


def test_mapping_units_and_customs():
    product = Product(
        sku="A",
        name="Mug",
        weight_kg=Decimal("0.350"),
        length_cm=Decimal("12.5"),
        country_of_origin="au",
        hs_code="6912.00",
        customs_value=Decimal("4.50"),
        customs_description="Ceramic mug",
        warehouse_location="Bin A1",
        price=Decimal("20"),
    )
    vendor = to_vendor(product)
    assert vendor["weight"] == 0.35 and vendor["length"] == 0.125 and vendor["country"] == "AU"
    assert vendor["price"] == 4.5 and vendor["hs_code"] == "6912.00" and vendor["bin_location"] == "Bin A1"
    assert vendor["customs_description"] == "Ceramic mug"


def test_small_change_sets_go_as_json_and_keep_vendor_only_fields():
    source = catalogue(1)
    result = run_once(
        HARNESS, source, existing_for(source, brand="Acme", material="oak", dangerous_goods=True)
    )
    assert result.ok, result.all_failures()
    assert [(e["method"], e["path"]) for e in result.record.requests()] == [
        ("GET", "/api/products"),
        ("PUT", "/api/products/update"),
    ]
    (after,) = result.record.after
    assert (after["brand"], after["material"], after["dangerous_goods"]) == ("Acme", "oak", True)


def test_json_vs_csv_for_1000_changed_products_under_2_per_second(capsys):
    source = catalogue(1000)
    existing = existing_for(source, brand="Acme")
    json_run = run_once(HARNESS, source, existing, client_factory=factory(use_csv=False))
    csv_run = run_once(HARNESS, source, existing)  # automatic: the import needs fewer requests
    for run in (json_run, csv_run):
        assert run.ok, run.all_failures()[:3]
        assert len(run.record.report.updated) == 1000
    assert json_run.requests == 1 + 1000 and json_run.simulated_seconds == 500.0
    assert csv_run.requests == 1 + 1 and csv_run.simulated_seconds == 0.0
    assert [e["path"] for e in csv_run.record.requests()] == ["/api/products", "/api/products/import"]
    assert not [e for e in json_run.record.requests() if e["status"] == 429]  # paced, never refused
    with capsys.disabled():
        print(
            f"\nStarshipit, 1000 changed products at 2/s: JSON {json_run.requests} requests, "
            f"{json_run.simulated_seconds:.0f} s simulated; CSV {csv_run.requests} requests, "
            f"{csv_run.simulated_seconds:.0f} s simulated"
        )


def test_creates_missing_and_deletes_only_when_confirmed():
    source = catalogue(3)
    stale = [{"sku": "GONE", "title": "Removed upstream"}]
    kept = run_once(HARNESS, source, stale)
    assert kept.ok, kept.all_failures()
    assert {p["sku"] for p in kept.record.after} == {"GONE", *[p.sku for p in source]}
    removed = run_once(HARNESS, source, stale, client_factory=factory(delete_removed=True))
    assert removed.record.report.deleted == ["GONE"]
    assert "GONE" not in {p["sku"] for p in removed.record.after}


def test_refused_rows_are_reported_with_the_vendors_reason():
    source = [*catalogue(2), Product(sku="HEAVY", name="Anvil", weight_kg=Decimal("1500"))]
    result = run_once(HARNESS, source, [], settings_={"quirks": {"strict_units": True}})
    assert result.ok, result.all_failures()
    assert "kilograms" in result.record.report.errors["HEAVY"]
    assert sorted(result.record.report.created) == ["SKU-0000", "SKU-0001"]


class ImpatientClient(StarshipitClient):
    """Neither paces itself nor waits for Retry-After: it retries a 429 at once."""

    def _pace(self):
        pass

    def _after_429(self, response):
        pass


def test_a_client_that_ignores_retry_after_fails_politeness():
    source = catalogue(5)
    result = run_once(
        HARNESS,
        source,
        existing_for(source),
        client_factory=lambda *, base_url, session, clock: ImpatientClient(
            base_url, session=session, clock=clock, use_csv=False
        ),
    )
    assert result.failures["politeness"]
    assert any("rate-limit reset" in str(f) for f in result.failures["politeness"])


def test_429_retry_after_is_honoured_on_the_injected_clock():
    clock = Clock(virtual=True)
    app = starshipit.create_app(clock=clock)
    client = StarshipitClient(
        "http://mock", session=in_process_session(app), clock=clock, requests_per_second=10
    )  # thinks it is on production: meets 429s
    for _ in range(6):
        client.list_all()
    statuses = [line.status for line in client.log]
    assert 429 in statuses and statuses.count(200) == 6
    assert clock.now() - 1_767_225_600.0 >= 2.0


# -- CSV properties ---------------------------------------------------------------------------------------
CSV_SETTINGS = settings(
    max_examples=25, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def _fresh():
    app = starshipit.create_app(clock=Clock(virtual=True), settings={"rate_limit": 10_000})
    return app, in_process_session(app)


@CSV_SETTINGS
@given(catalogues(max_size=10))
def test_export_then_import_is_a_no_op_for_any_catalogue(products):
    app, http = _fresh()
    backend = Mock.of(app).backend
    backend.seed("test-api-key", [{**to_vendor(p), "sku": p.sku, "material": "m"} for p in products])
    before = backend.products("test-api-key")
    exported = http.get("http://mock/api/products/export", headers=HEADERS).content
    answer = http.post(
        "http://mock/api/products/import", headers=HEADERS, files={"file": ("p.csv", exported, "text/csv")}
    ).json()
    assert answer["created"] == answer["updated"] == 0 and answer["errors"] == []
    assert backend.products("test-api-key") == before


@CSV_SETTINGS
@given(catalogues(max_size=10))
def test_a_catalogue_imported_then_exported_reads_back_equal(products):
    _, http = _fresh()
    records = [{**to_vendor(p), "sku": p.sku} for p in products]
    answer = http.post(
        "http://mock/api/products/import",
        headers={**HEADERS, "Content-Type": "text/csv"},
        data=csv_document(records).encode("utf-8"),
    ).json()
    assert answer["created"] == len(products) and answer["errors"] == []
    exported = read_csv_document(http.get("http://mock/api/products/export", headers=HEADERS).text)
    by_sku = {r["sku"]: r for r in exported}
    assert sorted(by_sku) == sorted(p.sku for p in products)
    for product in products:
        assert not HARNESS.adapter.changed_fields(product, by_sku[product.sku]), product
