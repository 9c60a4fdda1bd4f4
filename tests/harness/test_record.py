"""`catalog-harness record`: a recording reverse proxy writing HAR 1.2, with every credential redacted."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal

import pytest
import requests

from harness import vendors
from harness.catalog import Product
from harness.clients.shipstation import basic_auth
from harness.clients.tocobagus import to_row
from harness.record import REDACTED, load, serve
from mocks.kit.core import Mock
from mocks.kit.server import ServerThread
from mocks.tocobagus import signing


def traffic(vendor, base):
    """Authenticated requests as a client sends them; returns every secret that went over the wire."""
    creds = vendors.get(vendor).credentials
    if vendor == "shipstation":
        auth = basic_auth(creds["api_key"], creds["api_secret"])
        assert (
            requests.get(f"{base}/products", headers={"Authorization": auth}, timeout=10).status_code == 200
        )
        return [auth, auth.split()[1], creds["api_secret"]]
    if vendor == "starshipit":
        headers = {
            "StarShipIT-Api-Key": creds["api_key"],
            "Ocp-Apim-Subscription-Key": creds["subscription_key"],
        }
        assert requests.get(f"{base}/api/products", headers=headers, timeout=10).status_code == 200
        return [creds["api_key"], creds["subscription_key"]]
    if vendor == "shiptheory":
        login = requests.post(f"{base}/v1/token", json=creds, timeout=10)
        token = login.json()["data"]["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert requests.get(f"{base}/v1/products", headers=bearer, timeout=10).status_code == 200
        return [creds["password"], token]
    row = to_row(Product(sku="REC-1", name="Recorded", price=Decimal("12000"), weight_kg=Decimal("0.5")))
    body = signing.canonical_json({"products": [row]})
    sent = []
    for method, path, data in (
        ("POST", "/partner/stores/catalog/sync", body),
        ("GET", "/partner/stores/products", b""),
    ):
        headers = signing.signed_headers(
            creds["partner_secret"],
            method,
            path,
            data,
            partner_client_id=creds["partner_client_id"],
            store_client_id=creds["store_client_id"],
            store_token=creds["store_token"],
            timestamp_ms=int(time.time() * 1000) + len(sent),
        )
        headers["Content-Type"] = "application/json"
        answer = requests.request(method, f"{base}/api/v1{path}", headers=headers, data=data, timeout=10)
        assert answer.status_code in (200, 202), answer.text
        sent.append(headers["x-signature"].split("=", 1)[1])
    return [creds["store_token"], creds["partner_secret"], *sent]


@pytest.mark.parametrize("vendor", vendors.names())
def test_every_secret_sent_is_redacted_before_the_cassette_touches_disk(vendor, tmp_path):
    out = tmp_path / f"{vendor}.har"
    with ServerThread(vendors.get(vendor).create_app(settings={"rate_limit": 10**9})) as upstream:
        proxy, cassette = serve(vendor, upstream.base_url, out)
        try:
            secrets = traffic(vendor, proxy.base_url)
        finally:
            proxy.stop()
    text = out.read_text()
    assert [s for s in secrets if s in text] == []
    log = load(out)
    assert log["version"] == "1.2" and log["_vendor"] == vendor and log["_upstream"] == upstream.base_url
    assert len(log["entries"]) == len(cassette.entries) >= 1
    first = log["entries"][0]
    assert first["request"]["url"].startswith(upstream.base_url) and first["response"]["status"] in (200, 202)
    auth_names = {
        "authorization",
        "starshipit-api-key",
        "ocp-apim-subscription-key",
        "x-store-token",
        "x-signature",
    }
    sent = [h for e in log["entries"] for h in e["request"]["headers"] if h["name"].lower() in auth_names]
    assert sent and all(h["value"] == REDACTED for h in sent)
    if vendor == "shiptheory":  # the login body and the token in the answer, both redacted; the email kept
        login = log["entries"][0]
        assert json.loads(login["request"]["postData"]["text"]) == {
            "email": "test@example.com",
            "password": REDACTED,
        }
        assert json.loads(login["response"]["content"]["text"])["data"]["token"] == REDACTED


def test_a_large_body_passes_through_intact_and_is_recorded_whole(tmp_path):
    app = vendors.get("shipstation").create_app(settings={"rate_limit": 10**9})
    Mock.of(app).backend.seed("test-key", [{"sku": f"S-{i}", "name": "n" * 2000} for i in range(500)])
    auth = {"Authorization": basic_auth("test-key", "test-secret")}
    with ServerThread(app) as upstream:
        direct = requests.get(f"{upstream.base_url}/products?pageSize=500", headers=auth, timeout=10)
        proxy, _ = serve("shipstation", upstream.base_url, tmp_path / "big.har")
        try:
            relayed = requests.get(f"{proxy.base_url}/products?pageSize=500", headers=auth, timeout=10)
        finally:
            proxy.stop()
    assert len(relayed.content) > 1_000_000
    assert relayed.content == direct.content and relayed.headers["X-Rate-Limit-Limit"] == "1000000000"
    entry = load(tmp_path / "big.har")["entries"][0]
    assert entry["response"]["content"]["text"].encode() == direct.content
    assert entry["request"]["queryString"] == [{"name": "pageSize", "value": "500"}]


def test_an_unreachable_upstream_is_recorded_as_such(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once the block ends: nothing listens there
    proxy, _ = serve("shipstation", f"http://127.0.0.1:{port}", tmp_path / "down.har")
    try:
        answer = requests.get(f"{proxy.base_url}/products", timeout=10)
    finally:
        proxy.stop()
    assert answer.status_code == 502 and "upstream unreachable" in answer.text
    entry = load(tmp_path / "down.har")["entries"][0]
    assert entry["response"]["status"] == 0 and entry["_error"].startswith("ConnectionError")


def test_the_record_command_runs_until_sigterm(tmp_path):
    out = tmp_path / "cli.har"
    with ServerThread(vendors.get("shipstation").create_app()) as upstream:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        command = [
            sys.executable,
            "-m",
            "harness.cli",
            "record",
            "shipstation",
            "--upstream",
            upstream.base_url,
        ]
        proc = subprocess.Popen(
            [*command, "--port", str(port), "--out", str(out)],
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ,
        )
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            auth = {"Authorization": basic_auth("test-key", "test-secret")}
            assert (
                requests.get(f"http://127.0.0.1:{port}/products", headers=auth, timeout=10).status_code == 200
            )
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "1 exchanges recorded" in " ".join(err.split())
    assert load(out)["entries"][0]["response"]["status"] == 200


def test_a_bad_upstream_is_a_usage_error(capsys):
    from harness.cli import main

    assert main(["record", "shipstation", "--upstream", "ssapi.shipstation.com"]) == 2
    assert "--upstream must be an http(s) URL" in capsys.readouterr().err


def test_a_secret_echoed_back_by_the_vendor_is_scrubbed_too(tmp_path):
    """A vendor that repeats the credentials in its answer (an error page, a debug body)."""

    def echo(environ, start_response):
        start_response("401 Unauthorized", [("Content-Type", "text/plain")])
        return [f"bad credentials: {environ.get('HTTP_AUTHORIZATION')}".encode()]

    with ServerThread(echo) as upstream:
        proxy, _ = serve("shiptheory", upstream.base_url, tmp_path / "echo.har")
        try:
            answer = requests.get(
                f"{proxy.base_url}/v1/products", headers={"Authorization": "Bearer s3cr3t-t0ken"}
            )
        finally:
            proxy.stop()
    assert answer.text == "bad credentials: Bearer s3cr3t-t0ken"  # the client sees what the vendor said
    assert "s3cr3t-t0ken" not in (tmp_path / "echo.har").read_text()
    assert (
        load(tmp_path / "echo.har")["entries"][0]["response"]["content"]["text"]
        == "bad credentials: [redacted]"
    )
