"""The command line: `check` with JSON and JUnit output, and `serve` on a real port with a clean stop."""

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import requests

from harness.cli import build_server_app, main
from harness.cli.check import _operation_count


def test_check_shipstation_json_and_junit(tmp_path, capsys):
    junit = tmp_path / "check.xml"
    code = main(
        [
            "check",
            "shipstation",
            "--examples",
            "5",
            "--contract-examples",
            "5",
            "--json",
            "--junit",
            str(junit),
            "--html",
            str(tmp_path / "check.html"),
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["ok"] is True and report["vendors"] == ["shipstation"]
    suites = {r["suite"] for r in report["results"]}
    assert suites == {"contract", "control contract", "property"}
    checks = {r["name"] for r in report["results"] if r["suite"] == "property"}
    assert checks == {"convergence", "nothing_lost", "idempotence", "errors_surfaced", "politeness", "auth"}
    tree = ET.parse(junit).getroot()
    assert tree.get("failures") == "0" and int(tree.get("tests")) == len(report["results"])
    page = (tmp_path / "check.html").read_text()
    assert "Timeline: shipstation · last example" in page and '<td class="m">GET</td>' in page
    assert '<a href="#shipstation-property-convergence">pass</a>' in page  # the matrix
    assert '<a href="#shipstation-control-contract">' in page
    contract = [r for r in report["results"] if r["suite"] == "contract"]
    assert len(contract) == 2 * _operation_count("shipstation")  # the progress bar's total


def test_unknown_vendor_is_a_usage_error(capsys):
    assert main(["check", "nosuchvendor"]) == 2
    assert "unknown vendor 'nosuchvendor'" in capsys.readouterr().err


def test_server_app_mounts_each_vendor_under_its_name():
    from mocks.kit.transport import in_process_session

    session = in_process_session(build_server_app(["shipstation"]))
    assert session.get("http://mock/shipstation/__mock__/health").json()["vendor"] == "shipstation"
    assert (
        session.get("http://mock/shipstation/products", auth=("test-key", "test-secret")).status_code == 200
    )
    assert session.get("http://mock/").json() == {"vendors": {"shipstation": "/shipstation"}}


def test_serve_answers_quickly_and_stops_cleanly_on_sigterm():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve", "shipstation", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        url = f"http://127.0.0.1:{port}/shipstation/products"
        deadline = time.monotonic() + 20
        while True:
            try:
                r = requests.get(url, auth=("test-key", "test-secret"), timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, (
                    process.stderr.read() if process.poll() is not None else ""
                )
                time.sleep(0.05)
        assert r.status_code == 200 and r.headers["X-Rate-Limit-Limit"] == "40"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
        assert process.returncode == 0
        assert f"http://127.0.0.1:{port}/shipstation" in err and "test-key" in err and "stopped" in err
    finally:
        if process.poll() is None:
            process.kill()


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_json_prints_where_each_mock_is_on_any_free_port():
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve", "tocobagus", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        info = json.loads(process.stdout.readline())
        mock = info["vendors"]["tocobagus"]
        assert mock["api_url"] == mock["base_url"] + "/api/v1"
        assert mock["credentials"]["store_client_id"] == "str_test"
        health = requests.get(mock["control_url"] + "/health", timeout=5).json()
        assert health["vendor"] == "tocobagus"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    assert process.returncode == 0
