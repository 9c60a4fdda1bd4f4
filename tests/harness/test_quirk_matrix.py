"""The quirk matrix: default, exclusive readings, tolerable variants; a fragile client is caught by name."""

import json
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

from harness import vendors
from harness.catalog import Product, write_catalog
from harness.cli import main
from harness.clients.starshipit import ADAPTER, StarshipitClient, to_vendor
from harness.matrix import Column, property_matrix, results, run_matrix
from harness.runner import run_once
from harness.sync import SyncReport, plan_sync

STATE = [{"sku": "MUG-1", "title": "Old mug", "brand": "Acme", "mid": "GBACM123", "weight": 0.3}]
FRAGILE = [
    sys.executable,
    str(Path(__file__).parents[2] / "examples" / "python" / "starshipit_partial_update.py"),
]


class PartialUpdateClient(StarshipitClient):
    """Right under the default (merge) update; loses vendor-only fields when the update replaces."""

    def sync(self, source):
        report = SyncReport(log=self.log)
        plan = plan_sync(source, self.list_all(), ADAPTER)
        for product in plan.create:
            self._write_one(product, {**to_vendor(product), "sku": product.sku}, None, report)
        for product, listed in plan.update:
            self._write_one(
                product,
                {"id": listed["id"], **to_vendor(product), "sku": listed["sku"]},
                listed["id"],
                report,
            )
        return report


def fragile(*, base_url, session, clock):
    return PartialUpdateClient(base_url, session=session, clock=clock, use_csv=False)


def test_reference_client_passes_every_starshipit_variant():
    grid = property_matrix(vendors.get("starshipit"), examples=4, seed=0)
    assert grid.ok, grid.problems
    assert [c.variant.name for c in grid.columns] == [
        "default",
        "update_replaces_whole_product=true",
        "strict_units=true",
    ]


def test_a_partial_update_client_fails_the_replace_variant_by_name():
    """The same example under each variant (in process, no shrinking): only the replace variant fails."""
    harness = vendors.get("starshipit")
    source = [Product(sku="MUG-1", name="Mug", price=Decimal("4.5"), weight_kg=Decimal("0.3"))]

    def run(variant):
        result = run_once(
            harness, source, [dict(STATE[0])], client_factory=fragile, settings_={"quirks": variant.quirks}
        )
        return Column(variant, {name: not failures for name, failures in result.failures.items()})

    grid = run_matrix("starshipit", {}, run)
    by_name = {c.variant.name: c for c in grid.columns}
    assert by_name["default"].ok and by_name["strict_units=true"].ok
    assert by_name["update_replaces_whole_product=true"].status["nothing_lost"] is False
    assert grid.problems == ["fails tolerable variant update_replaces_whole_product=true: nothing_lost"]
    verdict = results(grid, "property")[-1]
    assert (verdict.suite, verdict.ok) == ("property verdict", False)
    assert "update_replaces_whole_product=true" in verdict.detail


def _fake(passing: set[str]):
    """A run that passes exactly the variants named (by their quirk values), for the matrix logic alone."""
    seen = []

    def run(variant):
        seen.append(variant)
        ok = variant.quirks["signing_path"] in passing and not (
            variant.quirk == "reserve_pending_rows" and "fragile" in passing
        )
        return Column(variant, {"auth": ok})

    return run, seen


def test_an_exclusive_quirk_reports_the_readings_and_fails_only_with_none():
    run, seen = _fake({"with_prefix"})
    grid = run_matrix("tocobagus", {}, run)
    assert grid.ok and grid.readings == {"signing_path": ["with_prefix"]}
    assert grid.works_with() == ["signing_path: with_prefix"]
    tolerable = seen[-1]  # run under the reading the client meets
    assert tolerable.name == "reserve_pending_rows=false (with signing_path=with_prefix)"
    assert tolerable.quirks == {"reserve_pending_rows": False, "signing_path": "with_prefix"}
    rows = results(grid, "verify")
    assert all(r.ok for r in rows)  # the readings it does not meet are reported, not failed
    assert "it works with signing_path: with_prefix" in next(
        r.detail for r in rows if r.suite == "verify [default]"
    )
    none, _ = _fake(set())
    assert run_matrix("tocobagus", {}, none).problems == [
        "works with no reading of exclusive quirk signing_path "
        "(without_query, with_query, with_prefix, with_prefix_and_query)",
        "fails tolerable variant reserve_pending_rows=false: auth",
    ]
    pinned, seen = _fake({"with_query"})
    grid = run_matrix("tocobagus", {"signing_path": "with_query"}, pinned)
    assert grid.ok and [v.name for v in seen] == ["default", "reserve_pending_rows=false"]


def test_verify_quirk_matrix_names_the_variant(tmp_path, capsys):
    junit, catalog, state = tmp_path / "matrix.xml", tmp_path / "catalog.json", tmp_path / "state.json"
    write_catalog(catalog, [Product(sku="MUG-1", name="Mug", price=Decimal("4.5"), weight_kg=Decimal("0.3"))])
    state.write_text(json.dumps({"products": STATE}))
    small = ["--catalog", str(catalog), "--state", str(state)]  # one product: each run is a few requests
    code = main(
        ["verify", "starshipit", *small, "--quirk-matrix", "--json", "--junit", str(junit), "--", *FRAGILE]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["ok"] is False
    matrix = report["quirk_matrix"]
    assert matrix["problems"] == ["fails tolerable variant update_replaces_whole_product=true: nothing_lost"]
    assert [(v["name"], v["ok"]) for v in matrix["variants"]] == [
        ("default", True),
        ("update_replaces_whole_product=true", False),
        ("strict_units=true", True),
    ]
    suites = {s.get("name"): s.get("failures") for s in ET.parse(junit).getroot()}
    assert suites["starshipit.verify [update_replaces_whole_product=true]"] == "1"
    assert suites["starshipit.verify [default]"] == "0"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["verify", "starshipit", "--quirk", "nope=1", "--", "true"], "starshipit has no quirk 'nope'"),
        (["contract", "tocobagus", "--quirk", "signing_path=sideways"], "takes without_query"),
        (
            ["contract", "starshipit", "--quirk", "strict_units=true", "--base-url", "http://127.0.0.1:9"],
            "cannot apply to --base-url",
        ),
    ],
)
def test_bad_quirk_arguments_exit_2_naming_them(argv, message, capsys, monkeypatch):
    monkeypatch.setenv("STARSHIPIT_API_KEY", "k")
    monkeypatch.setenv("STARSHIPIT_SUBSCRIPTION_KEY", "s")
    assert main(argv) == 2
    assert message in capsys.readouterr().err.replace("\n", "")
