"""`catalog-harness contract`: the QA gate against a mock or any base URL, read-only unless told."""

import json
import xml.etree.ElementTree as ET

import pytest

from harness import vendors
from harness.cli import main
from mocks.kit.core import Mock
from mocks.kit.server import ServerThread


def run(capsys, *argv):
    code = main(["contract", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_default_target_is_a_fresh_mock_and_only_reads(capsys):
    code, report = run(capsys, "shipstation", "--examples", "5")
    assert code == 0 and report["ok"]
    assert {r["name"].split(" [")[0] for r in report["results"]} == {
        "GET /products",
        "GET /products/{productId}",
    }


def test_allow_writes_adds_the_write_operations(capsys):
    code, report = run(capsys, "shipstation", "--examples", "5", "--allow-writes")
    assert code == 0
    assert "PUT /products/{productId} [positive]" in {r["name"] for r in report["results"]}


@pytest.fixture
def drifted_shipstation():
    """A ShipStation mock whose list sometimes answers like a broken proxy: a drift the run must flag."""
    app = vendors.get("shipstation").create_app(settings={"rate_limit": 10**9})
    Mock.of(app).install_faults(
        [
            {
                "method": "GET",
                "path": "^/products$",
                "status": 502,
                "body": "<html>Bad gateway</html>",
                "probability": 0.3,
            }
        ]
    )
    with ServerThread(app) as server:
        yield server


def test_a_drifted_api_at_a_base_url_is_flagged_with_junit(
    capsys, monkeypatch, tmp_path, drifted_shipstation
):
    monkeypatch.setenv("SHIPSTATION_API_KEY", "test-key")
    monkeypatch.setenv("SHIPSTATION_API_SECRET", "test-secret")
    junit = tmp_path / "contract.xml"
    code, report = run(
        capsys,
        "shipstation",
        "--base-url",
        drifted_shipstation.base_url,
        "--examples",
        "10",
        "--junit",
        str(junit),
    )
    assert code == 1 and not report["ok"] and report["base_url"] == drifted_shipstation.base_url
    failed = [r for r in report["results"] if not r["ok"] and not r["inconclusive"]]
    assert {r["name"].split(" [")[0] for r in failed} == {"GET /products"}
    assert all("502" in r["detail"] for r in failed)
    assert any("Undocumented status code" in r["detail"] for r in failed)
    assert ET.parse(junit).getroot().get("failures") == str(len(failed))


def test_credentials_come_from_the_environment(capsys, monkeypatch, drifted_shipstation):
    monkeypatch.delenv("SHIPSTATION_API_KEY", raising=False)
    assert main(["contract", "shipstation", "--base-url", drifted_shipstation.base_url]) == 2
    assert "set SHIPSTATION_API_KEY, SHIPSTATION_API_SECRET" in capsys.readouterr().err
