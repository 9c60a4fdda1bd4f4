"""`contract VENDOR --base-url`: the gate cannot pass by accident (DESIGN rule 12).

Each test serves a mock on 127.0.0.1 as "the vendor" and runs the gate against it through the CLI.
"""

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
import requests

from harness import exitcodes, vendors
from harness.cli import main
from mocks.kit.core import Mock
from mocks.kit.server import ServerThread

SHIPSTATION_ENV = {"SHIPSTATION_API_KEY": "test-key", "SHIPSTATION_API_SECRET": "test-secret"}


def gate(capsys, *argv):
    code = main(["contract", *argv, "--json"])
    out = capsys.readouterr()
    return code, json.loads(out.out), " ".join(out.err.split())  # unwrapped


def served(vendor, settings=None, faults=None):
    app = vendors.get(vendor).create_app(settings=settings)
    if faults:
        Mock.of(app).install_faults(faults)
    return ServerThread(app)


def test_wrong_credentials_stop_the_gate_before_the_suite(capsys, monkeypatch):
    monkeypatch.setenv("SHIPSTATION_API_KEY", "wrong")
    monkeypatch.setenv("SHIPSTATION_API_SECRET", "wrong")
    with served("shipstation") as server:
        code, report, err = gate(capsys, "shipstation", "--base-url", server.base_url)
        journal = requests.get(server.base_url + "/__mock__/journal", timeout=5).json()
    assert code == exitcodes.CREDENTIALS_REJECTED == 4
    assert f"credentials rejected by shipstation at {server.base_url}" in err
    assert report["verdict"] == "credentials rejected" and not report["ok"] and report["results"] == []
    entries = journal["entries"] if isinstance(journal, dict) else journal
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [("GET", "/products", 401)]


def test_a_rejected_shiptheory_login_is_credentials_rejected(capsys, monkeypatch):
    monkeypatch.setenv("SHIPTHEORY_EMAIL", "test@example.com")
    monkeypatch.setenv("SHIPTHEORY_PASSWORD", "not-the-password")
    with served("shiptheory") as server:
        code, _report, err = gate(capsys, "shiptheory", "--base-url", server.base_url)
    assert code == exitcodes.CREDENTIALS_REJECTED
    assert f"credentials rejected by shiptheory at {server.base_url} (401" in err


def test_a_rate_limited_vendor_is_paced_and_green_with_the_waits_shown(capsys, monkeypatch):
    """A tiny limit: Starshipit's developer tier (2 requests per window, the default --tier) with the
    window shrunk to 0.1 s in the vendor metadata both the mock and the gate read. Unpaced, the checks'
    back-to-back probes would meet 429s at once."""
    from mocks import starshipit

    monkeypatch.setattr(starshipit.SPEC, "rate_period", 0.1)
    monkeypatch.setenv("STARSHIPIT_API_KEY", "test-api-key")
    monkeypatch.setenv("STARSHIPIT_SUBSCRIPTION_KEY", "test-subscription-key")
    with served("starshipit") as server:
        base = server.base_url
        code, report, err = gate(capsys, "starshipit", "--base-url", base, "--examples", "1")
        journal = requests.get(base + "/__mock__/journal", timeout=5).json()
    entries = journal["entries"] if isinstance(journal, dict) else journal
    assert code == exitcodes.OK and report["verdict"] == "pass", err
    assert report["counts"] == {"pass": len(report["results"]), "fail": 0, "inconclusive": 0}
    assert report["requests"] == len(entries) >= 10  # the checks' probes are paced too
    assert report["waited_seconds"] > 0.5, (report["requests"], report["waited_seconds"])
    assert "paced to 2 requests per 0.1s" in err and "waited" in err
    assert not [e for e in entries if e.get("status") == 429]


def test_a_vendor_answering_429_forever_is_inconclusive(capsys, monkeypatch, tmp_path):
    for name, value in SHIPSTATION_ENV.items():
        monkeypatch.setenv(name, value)
    forever = {
        "path": ".*",
        "status": 429,
        "body": {"message": "Too Many Requests"},
        "headers": {"Retry-After": "0.3"},
    }
    junit = tmp_path / "gate.xml"
    with served("shipstation", faults=[forever]) as server:
        code, report, err = gate(
            capsys, "shipstation", "--base-url", server.base_url, "--examples", "3", "--junit", str(junit)
        )
    assert code == exitcodes.INCONCLUSIVE == 3
    assert report["verdict"] == "inconclusive" and not report["ok"]
    positive = [r for r in report["results"] if r["name"].endswith("[positive]")]
    assert positive and all("429" in r["inconclusive"] and not r["ok"] for r in positive)
    assert "s (Retry-After: 0.3)" in err and "waiting 0." in err
    suite = ET.parse(junit).getroot()
    assert suite.get("errors") == str(report["counts"]["inconclusive"]) and suite.get("failures") == "0"
    errors = suite.findall(".//testcase/error")
    assert errors and all(e.get("type") == "inconclusive" for e in errors)


def test_the_console_table_keeps_modes_apart_and_shows_inconclusive(capsys, monkeypatch):
    for name, value in SHIPSTATION_ENV.items():
        monkeypatch.setenv(name, value)
    forever = {
        "path": ".*",
        "status": 429,
        "body": {"message": "Too Many Requests"},
        "headers": {"Retry-After": "0"},
    }
    with served("shipstation", faults=[forever]) as server:
        code = main(["contract", "shipstation", "--base-url", server.base_url, "--examples", "2"])
    out = capsys.readouterr().out
    assert code == exitcodes.INCONCLUSIVE
    assert "GET /products [positive]" in out and "GET /products [negative]" in out
    assert "INCONCLUSIVE" in out and "inconclusive" in out.splitlines()[-1]


def test_max_requests_caps_the_run_and_leaves_it_inconclusive(capsys, monkeypatch):
    for name, value in SHIPSTATION_ENV.items():
        monkeypatch.setenv(name, value)
    with served("shipstation", settings={"rate_limit": 10**9}) as server:
        code, report, _err = gate(capsys, "shipstation", "--base-url", server.base_url, "--max-requests", "8")
        journal = requests.get(server.base_url + "/__mock__/journal", timeout=5).json()
    entries = journal["entries"] if isinstance(journal, dict) else journal
    assert code == exitcodes.INCONCLUSIVE
    assert report["requests"] == 8 and len(entries) == 8
    assert any("--max-requests 8" in (r["inconclusive"] or "") for r in report["results"])


@pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")
def test_each_failure_has_a_curl_line_that_runs_with_the_environments_credentials(capsys, monkeypatch):
    for name, value in SHIPSTATION_ENV.items():
        monkeypatch.setenv(name, value)
    broken = {
        "method": "GET",
        "path": "^/products$",
        "status": 500,
        "body": "<html>oops</html>",
        "times": 1000,
    }
    with served("shipstation", faults=[broken]) as server:
        code, report, _ = gate(capsys, "shipstation", "--base-url", server.base_url, "--examples", "2")
        assert code == exitcodes.FAILED
        detail = next(r["detail"] for r in report["results"] if r["detail"])
        line = next(x.strip() for x in detail.splitlines() if x.strip().startswith("curl "))
        assert "[Filtered]" not in line and '-u "$SHIPSTATION_API_KEY:$SHIPSTATION_API_SECRET"' in line
        requests.delete(server.base_url + "/__mock__/faults", timeout=5)
        ran = subprocess.run(
            ["bash", "-c", line + " -s -o /dev/null -w '%{http_code}'"],
            env={**os.environ, **SHIPSTATION_ENV},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert ran.stdout == "200", ran.stderr


ENVIRONMENTS = {
    "shipstation": SHIPSTATION_ENV,
    "starshipit": {
        "STARSHIPIT_API_KEY": "test-api-key",
        "STARSHIPIT_SUBSCRIPTION_KEY": "test-subscription-key",
    },
    "shiptheory": {"SHIPTHEORY_EMAIL": "test@example.com", "SHIPTHEORY_PASSWORD": "test-password"},
    "tocobagus": {
        "TOCOBAGUS_PARTNER_CLIENT_ID": "ptnr_test",
        "TOCOBAGUS_PARTNER_SECRET": "test-partner-secret",
        "TOCOBAGUS_STORE_CLIENT_ID": "str_test",
        "TOCOBAGUS_STORE_TOKEN": "stkn_test",
    },
}
READS = {
    "shipstation": ("GET", "/products?pageSize=1", None),
    "starshipit": ("GET", "/api/products?page_size=10", None),
    "shiptheory": ("GET", "/v1/products?limit=1", None),
    "tocobagus": ("POST", "/api/v1/partner/stores/catalog/sync", '{"products":[]}'),
}


@pytest.mark.skipif(
    not all(map(shutil.which, ("curl", "openssl", "sha256sum"))), reason="needs curl, openssl"
)
@pytest.mark.parametrize("vendor", list(READS))
def test_curl_lines_authenticate_from_the_environment_for_every_vendor(vendor):
    from harness.gate import runnable_curl

    method, path, body = READS[vendor]
    filtered = "-H 'Authorization: [Filtered]' -H 'x-store-token: [Filtered]' -H 'x-signature: sha256=00'"
    data = f" -d '{body}' -H 'Content-Type: application/json'" if body else ""
    with served(vendor, settings={"rate_limit": 10**9}) as server:
        base = server.base_url + ("/api/v1" if vendor == "tocobagus" else "")
        text = f"Reproduce with:\n\n    curl -X {method} {filtered}{data} '{server.base_url}{path}'\n"
        line = runnable_curl(text, vendor, base).splitlines()[2].strip()
        assert "[Filtered]" not in line and "test-" not in line and "$" in line
        ran = subprocess.run(
            ["bash", "-c", line + " -s -w '\\n%{http_code}'"],
            env={**os.environ, **ENVIRONMENTS[vendor]},
            capture_output=True,
            text=True,
            timeout=30,
        )
    answer, _, status = ran.stdout.rpartition("\n")
    assert status in ("200", "202", "400"), (line, ran.stdout, ran.stderr)
    assert "AUTH_" not in answer and "Unauthorized" not in answer
