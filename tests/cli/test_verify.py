"""`catalog-harness verify`: a user's own command, in any language, against a mock on a real port."""

import json
import shlex
import shutil
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

from harness import vendors
from harness.catalog import Product, read_catalog, write_catalog
from harness.cli import main
from harness.verify import Example, generated_example, report_from, verify_once
from mocks.kit.core import Mock

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(
    NODE is None, reason="the example clients need Node.js 18+ (apt install nodejs)"
)
GOOD = [str(NODE), str(EXAMPLES / "node" / "shipstation-sync.mjs")]
BROKEN = [str(NODE), str(EXAMPLES / "node" / "shipstation-sync-broken.mjs")]
REFERENCE = [sys.executable, str(EXAMPLES / "python" / "reference_sync.py")]


def verify(capsys, *argv):
    code = main(["verify", *argv])
    return code, json.loads(capsys.readouterr().out)


def failing(report):
    return {r["name"]: r["failures"] for r in report["results"] if not r["ok"]}


@needs_node
def test_node_client_keeps_vendor_fields_and_converges():
    harness = vendors.get("shipstation")
    example = generated_example(harness, seed=0)
    result = verify_once(harness, example, GOOD)
    assert result.ok, result.all_failures()
    puts = [e for e in result.record.requests() if e["method"] == "PUT"]
    assert puts and all(e["status"] == 200 for e in puts)
    # The whole resource went back: vendor-only fields are still there after the sync.
    before = {r["productId"]: r for r in result.record.before}
    for record in result.record.after:
        old = before[record["productId"]]
        assert {k: old[k] for k in ("internalNotes", "tags") if k in old} == {
            k: record[k] for k in ("internalNotes", "tags") if k in old
        }
    assert not [e for e in result.record.second_journal if e.get("method") == "PUT"]  # idempotent
    assert [r.exit_code for r in result.runs] == [1, 1]  # it reported products ShipStation lacks
    assert "missing upstream:" in result.runs[0].output


@needs_node
def test_broken_node_client_is_caught_with_a_shrunk_replay(tmp_path, capsys):
    artifacts = tmp_path / "failure"
    code = main([
        "verify",
        "shipstation",
        "--workers",  # the one-process progress lines (example n/N); workers: tests/harness/test_scale_out.py
        "1",
        "--examples",
        "6",
        "--seed",
        "1",
        "--shrink-seconds",
        "6",
        "--artifacts",
        str(artifacts),
        "--junit",
        str(tmp_path / "verify.xml"),
        "--json",
        "--",
        *BROKEN,
    ])  # fmt: skip
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == 1 and report["ok"] is False
    # Each run is labelled with its phase; the client's own lines are marked as its own.
    assert "example 1/6: ok (" in captured.err and "shrinking, try 1: " in captured.err
    assert "minimal failing example: " in captured.err and "\n  node | " in captured.err
    lost = failing(report)["nothing_lost"]
    assert all(f["sku"] and f["field"] and f["request"].startswith("PUT /products/") for f in lost)
    junit = ET.parse(tmp_path / "verify.xml").getroot()
    assert junit.get("failures") == "1"
    assert junit.find(".//testcase[@name='nothing_lost']/failure") is not None
    replay = report["replay"]
    assert sorted(Path(f).name for f in replay["files"]) == [
        "shipstation-catalog.json",
        "shipstation-faults.json",
        "shipstation-state.json",
    ]
    assert len(read_catalog(artifacts / "shipstation-catalog.json")) <= 8
    argv = shlex.split(replay["command"])
    assert argv[:3] == ["catalog-harness", "verify", "shipstation"] and argv[-2:] == BROKEN
    # The one-line replay fails the same way.
    split = argv.index("--")
    code, again = verify(capsys, *argv[2:split], "--json", *argv[split:])
    assert code == 1 and "nothing_lost" in failing(again)


@pytest.mark.parametrize("vendor", vendors.names())
def test_reference_client_as_a_command_passes_for_every_vendor(vendor, tmp_path, capsys):
    catalog = tmp_path / "catalog.json"  # three products: Shiptheory allows one request a second
    write_catalog(
        catalog, [Product(sku=f"REF-{i}", name=f"Product {i}", price=Decimal(i + 1)) for i in range(3)]
    )
    code, report = verify(capsys, vendor, "--catalog", str(catalog), "--json", "--", *REFERENCE)
    assert code == 0, failing(report)
    names = {r["name"] for r in report["results"]}
    assert {"convergence", "nothing_lost", "idempotence", "errors_surfaced", "politeness", "auth"} <= names
    assert "command" in names


def test_environment_names_the_mock_catalogue_and_credentials(tmp_path, capsys):
    catalog = tmp_path / "source.csv"
    write_catalog(catalog, [Product(sku="SKU-1", name="Mug")])
    dump = tmp_path / "env.json"
    snoop = (
        "import json, os, sys; env = dict(os.environ); env['catalog'] = open(env['HARNESS_CATALOG']).read(); "
        "json.dump(env, open(sys.argv[1], 'w'))"
    )
    verify(
        capsys, "tocobagus", "--catalog", str(catalog), "--json", "--", sys.executable, "-c", snoop, str(dump)
    )
    env = json.loads(dump.read_text())
    assert env["HARNESS_VENDOR"] == "tocobagus"
    assert env["HARNESS_BASE_URL"].startswith("http://127.0.0.1:")
    assert env["TOCOBAGUS_WEBHOOK_URL"].startswith("http://127.0.0.1:")
    assert env["TOCOBAGUS_WEBHOOK_URL"].endswith("/hooks/tocobagus")
    assert (env["TOCOBAGUS_PARTNER_CLIENT_ID"], env["TOCOBAGUS_STORE_TOKEN"]) == ("ptnr_test", "stkn_test")
    # The CSV arrives as canonical JSON.
    assert env["HARNESS_CATALOG"].endswith(".json")
    assert json.loads(env["catalog"])["products"][0] == Product(sku="SKU-1", name="Mug").to_json()


def test_a_command_that_does_nothing_fails_convergence_and_errors_surfaced(capsys):
    code, report = verify(capsys, "shipstation", "--json", "--", sys.executable, "-c", "pass")
    failures = failing(report)
    assert code == 1 and set(failures) == {"convergence", "errors_surfaced"}
    assert all(f["sku"] for f in failures["convergence"] + failures["errors_surfaced"])


def test_timeout_kills_the_command_and_fails(tmp_path, capsys):
    catalog, state = tmp_path / "c.json", tmp_path / "s.json"
    catalog.write_text('{"products": []}')
    state.write_text('{"products": []}')
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    code, report = verify(
        capsys, "starshipit", "--catalog", str(catalog), "--state", str(state), "--timeout", "0.5", "--json",
        "--", *sleeper,
    )  # fmt: skip
    assert code == 1
    assert [f["message"] for f in failing(report)["command"]] == [
        "first run: still running after the timeout; killed",
        "second run: still running after the timeout; killed",
    ]


def test_nonzero_exit_with_nothing_to_report_fails(tmp_path, capsys):
    catalog, state = tmp_path / "c.json", tmp_path / "s.json"
    catalog.write_text('{"products": []}')
    state.write_text('{"products": []}')
    crash = [sys.executable, "-c", "raise SystemExit('boom: cannot parse config')"]
    code, report = verify(
        capsys, "shiptheory", "--catalog", str(catalog), "--state", str(state), "--json", "--", *crash
    )
    assert code == 1
    message = failing(report)["command"][0]["message"]
    assert message.startswith("first run: exited with status 1") and "boom: cannot parse config" in message


@needs_node
def test_fault_plan_is_injected(tmp_path, capsys):
    """A list that always fails with 500 defeats even a careful client: the plan reached the mock."""
    plan = tmp_path / "faults.json"
    plan.write_text(json.dumps([{"method": "GET", "path": "^/products$", "status": 500}]))
    code, report = verify(capsys, "shipstation", "--faults", str(plan), "--json", "--", *GOOD)
    assert code == 1 and report["exit_codes"][0] == 2
    assert report["exit_codes"][1] in (0, 1)  # faults apply to the first run only
    assert "listing products failed" in failing(report)["command"][0]["message"]
    assert "convergence" in failing(report)


def test_state_snapshot_and_html_report(tmp_path, capsys):
    harness = vendors.get("shipstation")
    app = harness.create_app()
    mock = Mock.of(app)
    mock.backend.seed(mock.backend.default_account, [{"sku": "A-1", "name": "Old", "internalNotes": "keep"}])
    state, catalog, page = tmp_path / "state.json", tmp_path / "c.json", tmp_path / "report.html"
    state.write_text(json.dumps(mock.snapshot()))
    write_catalog(catalog, [Product(sku="a-1", name="New")])
    code, report = verify(
        capsys, "shipstation", "--state", str(state), "--catalog", str(catalog), "--html", str(page),
        "--json", "--", sys.executable, "-c", "pass",
    )  # fmt: skip
    assert code == 1 and failing(report)["convergence"][0]["sku"] == "a-1"
    html = page.read_text()
    assert "Timeline: shipstation · first run" in html and "a-1" in html and "convergence" in html


def test_usage_errors(tmp_path, capsys):
    assert main(["verify", "shipstation"]) == 2  # no command
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name,price\nA,Mug,cheap\n")
    assert main(["verify", "shipstation", "--catalog", str(bad), "--", "true"]) == 2
    assert "bad.csv: row 2, field 'price'" in capsys.readouterr().err.replace("\n", "")


def test_example_for_an_explicit_source_overlaps_it():
    source = [Product(sku=f"S-{i}", name=f"P{i}") for i in range(6)]
    example = generated_example(vendors.get("starshipit"), seed=3, source=source)
    assert example.source == source
    held = {r["sku"].strip().casefold() for r in example.existing}
    assert held & {p.key for p in source}
    assert isinstance(example, Example)


def test_output_names_a_sku_only_as_a_word_and_keeps_the_vendor_wording():
    source = [Product(sku="a", name="x"), Product(sku="SS-1", name="y"), Product(sku="b", name="z")]
    output = "error: listing products failed: timed out\nerror: A: The SKU is bad\nmissing upstream: ß-1\n"
    report = report_from(Path("no-report.json"), output, source)
    assert report.from_output
    assert report.errors == {"a": "error: A: The SKU is bad", "SS-1": "missing upstream: ß-1"}


def test_a_fault_plan_replaces_the_generated_ones_in_every_example(tmp_path, capsys):
    plan = tmp_path / "faults.json"
    plan.write_text(json.dumps([{"method": "GET", "path": "^/products$", "status": 418, "times": 1}]))
    seen = tmp_path / "seen.jsonl"
    spy = (
        "import json, os, sys, urllib.request; "
        "url = os.environ['HARNESS_BASE_URL'] + '/__mock__/faults'; "
        "rules = json.load(urllib.request.urlopen(url))['rules']; "
        "open(sys.argv[1], 'a').write(json.dumps(rules) + '\\n')"
    )
    argv = ["--examples", "3", "--shrink-seconds", "0", "--faults", str(plan), "--json"]
    verify(capsys, "shipstation", *argv, "--", sys.executable, "-c", spy, str(seen))
    runs = [json.loads(line) for line in seen.read_text().splitlines()]
    first_runs, second_runs = runs[0::2], runs[1::2]
    assert first_runs and all(
        [(r["status"], r["times"]) for r in rules] == [(418, 1)] for rules in first_runs
    )
    assert all(rules == [] for rules in second_runs)  # the re-run for idempotence meets no faults


def test_a_malformed_report_is_a_clear_failure_and_the_output_stands_in(tmp_path, capsys):
    catalog, state = tmp_path / "c.json", tmp_path / "s.json"
    write_catalog(catalog, [Product(sku="R-1", name="Mug")])
    state.write_text('{"products": []}')
    bad = "import os; open(os.environ['HARNESS_REPORT'], 'w').write('{\"errors\": [1]}'); print('done R-1')"
    code, report = verify(
        capsys, "starshipit", "--catalog", str(catalog), "--state", str(state), "--json",
        "--", sys.executable, "-c", bad,
    )  # fmt: skip
    messages = [f["message"] for f in failing(report)["command"]]
    assert code == 1 and messages == [
        'first run: HARNESS_REPORT (report.json): "errors" must be an object of SKU: reason',
        'second run: HARNESS_REPORT (report.json): "errors" must be an object of SKU: reason',
    ]
