"""`reproduce CASE` prints lines that run as printed: every case's setup and request, pasted into a shell
against a real `catalog-harness serve`, get the status and body `reproduce` printed."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from harness import cases
from harness.cli import main

ALL = cases.all_cases()
DEFAULT = "http://127.0.0.1:8080"
pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl binary (CI installs it)")


@pytest.fixture(scope="module")
def serve() -> Iterator[str]:
    """One real `catalog-harness serve` on a free port, for the whole module; its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = json.loads(process.stdout.readline())["port"]
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def printed(case_id: str, capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    assert main(["reproduce", case_id, *flags]) == 0
    return capsys.readouterr().out


def shell_block(text: str, start: str, end: str) -> str:
    """The lines between the `start` heading and the `end` one, as printed."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start)) + 1
    last = next(i for i in range(first, len(lines)) if lines[i] == end)
    return "\n".join(lines[first:last])


def parse_curl_i(raw: bytes) -> tuple[int, bytes]:
    """Status and body of the last response `curl -i` printed (a 100 Continue may come first)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    while re.match(rb"HTTP/1\.1 100", head):
        head, _, body = body.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.id)
def test_printed_setup_and_request_run_as_printed_on_serve(case, serve, capsys, tmp_path):
    text = printed(case.id, capsys, "--body-out", str(tmp_path / f"{case.id}.body"))
    data = json.loads(printed(case.id, capsys, "--json"))
    setup = shell_block(text, "setup (", "")
    request = shell_block(text, "request:", "")
    assert setup.count("curl ") >= 2 and request.startswith("curl -i ")
    notes = [line[2:] for line in setup.splitlines() if line.startswith("# ")]
    assert [f"{s['times']} x {s['note']}" if s["times"] > 1 else s["note"] for s in data["seed"]] == notes
    assert "\n".join(f"# {n}\n{s['curl']}" for n, s in zip(notes, data["seed"], strict=True)) == setup
    script = tmp_path / "lines.sh"
    script.write_text((setup + "\n" + request).replace(DEFAULT, serve) + "\n")
    done = subprocess.run(
        ["bash", "-e", str(script)], cwd=tmp_path, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    status, body = parse_curl_i(done.stdout)
    expected = data["response"]
    assert status == expected["status"], body.decode("utf-8", "replace")
    assert body.decode("utf-8") == expected["body"]
    assert f"HTTP/1.1 {status}" in text
    follow = [f for f in data["follow_ups"] if f["request"]["url"].startswith(DEFAULT)]  # not webhooks
    if follow:  # then the evidence: the calls after the request, and the follow-up requests
        then = [step["curl"] for step in data["after_steps"]] + [f["curl"] for f in follow]
        script.write_text("\n".join(then).replace(DEFAULT, serve) + "\n")
        done = subprocess.run(["bash", "-e", str(script)], capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr.decode()
        status, body = parse_curl_i(done.stdout[done.stdout.rindex(b"HTTP/1.1 ") :])  # the last answer
        assert (status, body.decode("utf-8")) == (
            follow[-1]["response"]["status"],
            follow[-1]["response"]["body"],
        )


# -- --arm and --disarm, through the command, on the same serve ---------------------------------------------
NAMED = {"starshipit": "title"}  # the field a product's name goes in, where it is not `name`
USER_RULE = {"method": "GET", "path": "^/user-only$", "status": 503, "times": 2}


def cli(*argv: str) -> str:
    """`catalog-harness reproduce ...`, the real entry point (in process: no interpreter start per call)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["reproduce", *argv]) == 0
    return out.getvalue()


def control(base: str, method: str, path: str, body: object = None) -> dict:
    answer = requests.request(method, f"{base}/__mock__{path}", json=body, timeout=30)
    answer.raise_for_status()
    return answer.json()


def user_mock(serve: str, vendor: str) -> str:
    """The vendor's mock with some of the user's own data on it, which arming must leave alone."""
    base = f"{serve}/{vendor}"
    control(base, "POST", "/reset")
    product = {"sku": "USER-1", NAMED.get(vendor, "name"): "The user's own product"}
    control(base, "POST", "/products", {"products": [product]})
    control(base, "PUT", "/faults", {"rules": [USER_RULE]})
    return base


def state(base: str) -> dict:
    """Products (without their dates, which follow a real clock), fault rules and settings."""
    undated = [
        {k: v for k, v in p.items() if k not in ("createDate", "modifyDate")}
        for p in control(base, "GET", "/products")["products"]
    ]
    return {
        "products": undated,
        "faults": control(base, "GET", "/faults")["rules"],
        **control(base, "GET", "/settings"),
    }


@pytest.mark.parametrize(
    "case_id", ["shipstation.put.reject-partial", "shipstation.not-found", "starshipit.update.clears-omitted"]
)
def test_arming_twice_leaves_the_state_arming_once_does(case_id, serve):
    base = user_mock(serve, case_id.split(".")[0])
    cli(case_id, "--arm", base)
    once = state(base)
    said = cli(case_id, "--arm", base)
    assert state(base) == once
    assert "first undone (an earlier arm)" in said and f"--disarm {base}" in said
    skus = [p["sku"] for p in once["products"]]
    assert "USER-1" in skus and len(skus) == len(set(skus))  # the user's product kept, none twice
    assert once["faults"][0]["path"] == USER_RULE["path"]


def test_arming_another_case_takes_the_rate_limit_arm_away(serve):
    base = user_mock(serve, "shipstation")
    auth = ("test-key", "test-secret")
    cli("shipstation.rate-limit", "--arm", base)
    assert requests.get(f"{base}/products", auth=auth, timeout=30).status_code == 429
    cli("shipstation.not-found", "--arm", base)
    assert requests.get(f"{base}/products", auth=auth, timeout=30).status_code == 200
    faults = control(base, "GET", "/faults")["rules"]
    assert [(f["status"], f["path"]) for f in faults] == [(503, "^/user-only$"), (404, r"^/products/[0-9]+$")]
    tier = f"{serve}/starshipit"
    user_mock(serve, "starshipit")
    cli("starshipit.rate-limit.production-tier", "--arm", tier)
    assert control(tier, "GET", "/settings")["tier"] == "production"
    cli("starshipit.duplicate-sku", "--arm", tier)
    assert control(tier, "GET", "/settings")["tier"] == "developer"
    assert [f["status"] for f in control(tier, "GET", "/faults")["rules"]] == [503, 409]


def test_disarm_removes_the_cases_rules_settings_and_products_only(serve):
    base = user_mock(serve, "shipstation")
    before = state(base)
    cli("shipstation.put.reject-partial", "--arm", base)
    cli("shipstation.not-found", "--arm", base)  # takes the first away
    cli("shipstation.put.reject-partial", "--arm", base)
    armed = state(base)
    assert armed["quirks"]["reject_partial_updates"] is True and len(armed["products"]) == 2
    said = cli("shipstation.put.reject-partial", "--disarm", base)
    assert said.startswith("disarmed shipstation.put.reject-partial") and "MUG-01 removed" in said
    assert state(base) == before
    assert "nothing to undo" in cli("shipstation.put.reject-partial", "--disarm", base)
    cli("shipstation.rate-limit", "--arm", base)
    assert "rate-limit window forgotten" in cli("shipstation.rate-limit", "--disarm", base)
    assert requests.get(f"{base}/products", auth=("test-key", "test-secret"), timeout=30).status_code == 200


def test_the_undo_curl_lines_printed_by_arm_run_as_printed(serve, tmp_path):
    base = user_mock(serve, "tocobagus")
    before = state(base)
    said = cli("tocobagus.sync.processing-delay", "--arm", base)
    assert control(base, "GET", "/settings")["processing_delay_seconds"] == 30
    undo = said.split("undo: ", 1)[1].splitlines()[1:]
    assert undo and all(line.startswith("  ") for line in undo)
    script = tmp_path / "undo.sh"
    script.write_text("\n".join(line[2:] for line in undo) + "\n")
    subprocess.run(["bash", "-e", str(script)], check=True, timeout=60)
    assert state(base) == before
