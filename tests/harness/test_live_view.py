"""The live view of `serve` (/<vendor>/__mock__/ui): rows, panels, access and actions; then the page itself in
headless Chromium against a real `serve` on port 0."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
import requests
from browser import DevTools, assert_rendered, needs_chromium

from harness import vendors
from harness.cli import build_server_app
from harness.html_report import Timeline, render_html
from harness.live.views import ACTION_HEADER, COOKIE
from mocks.kit.access import CONTROL_TOKEN_ENV
from mocks.kit.core import Mock
from mocks.kit.transport import in_process_session

HOSTILE = "<script>alert(1)</script>&\"'ü"
AUTH = ("test-key", "test-secret")
ACTION = {ACTION_HEADER: "1"}
UI = "http://mock/shipstation/__mock__/ui"
CONTROL = "http://mock/shipstation/__mock__"
WAIT_ROW = "#ddf4ff"  # report.css: tr.wait td


@pytest.fixture
def served() -> tuple[requests.Session, Mock]:
    app = build_server_app(["shipstation"])
    return in_process_session(app), Mock.of(app.mounts["/shipstation"])


class Links(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.external: list[str] = []
        self.scripts: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a)
        for name in ("src", "href", "action", "srcset"):
            value = a.get(name) or ""
            if value and not value.startswith(("#", "data:")):
                self.external.append(value)


def test_the_page_is_self_contained_and_lists_the_vendors_cases(served):
    session, _ = served
    page = session.get(UI)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    links = Links(page.text)
    assert links.external == [] and len(links.scripts) == 1 and "src" not in links.scripts[0]
    nonce = links.scripts[0]["nonce"]
    policy = page.headers["Content-Security-Policy"]
    assert f"script-src 'nonce-{nonce}'" in policy and "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy and page.headers["Cache-Control"] == "no-store"
    assert '<option value="shipstation.not-found"' in page.text and "tocobagus." not in page.text
    assert 'data-base="/shipstation/__mock__/ui"' in page.text


def test_an_empty_journal_polls_as_no_rows_and_the_state_panels(served):
    session, mock = served
    data = session.get(f"{UI}/poll").json()
    assert data["rows"].strip() == "" and data["last"] is None and data["restart"] is False
    assert "No fault rules installed." in data["panels"] and "No products." in data["panels"]
    assert "quirk json_401" in data["panels"]
    assert "test-secret" not in data["panels"] and "1 (credentials, not shown)" in data["panels"]
    assert data["clock"]["mode"] == "real" and data["clock"]["now"] == pytest.approx(mock.clock.now(), abs=5)


def test_rows_after_a_seq_are_the_reports_rows_escaped(served):
    session, mock = served
    session.post(f"{CONTROL}/products", json={"products": [{"sku": HOSTILE, "name": HOSTILE}]})
    session.get("http://mock/shipstation/products", params={"sku": HOSTILE}, auth=AUTH)
    first = session.get(f"{UI}/poll").json()
    assert first["last"] == 1 and first["rows"].count("<tr") == 1
    assert "<script>alert" not in first["rows"] + first["panels"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in first["panels"]  # the product, escaped
    session.get("http://mock/shipstation/products/999", auth=AUTH)
    nothing_new = session.get(f"{UI}/poll", params={"after": 2}).json()
    assert nothing_new["rows"].strip() == "" and nothing_new["last"] == 2
    second = session.get(f"{UI}/poll", params={"after": 1}).json()
    assert second["last"] == 2 and second["rows"].count("<tr") == 1
    # The same rows as the HTML report's timeline of the same journal, but for the anchor prefix.
    journal = list(mock.journal.iter_entries())
    report = render_html("t", [], [Timeline("shipstation", "live", journal)])
    row = re.search(r'<tr id="live-shipstation-seq-2".*?</tr>', second["rows"], re.S)
    assert row is not None and 'class="ev req s4xx"' in row.group(0)
    assert row.group(0).replace("live-shipstation-seq", "shipstation-live-seq") in report


def test_panels_are_sent_only_to_a_page_without_them(served):
    session, _ = served
    session.post(f"{UI}/arm", json={"case": "shipstation.not-found"}, headers=ACTION)
    first = session.get(f"{UI}/poll").json()
    assert "^/products/[0-9]+$" in first["panels"]
    again = session.get(f"{UI}/poll", params={"panels": first["panels_version"]}).json()
    assert again["panels"] is None and again["panels_version"] == first["panels_version"]
    session.post(f"{UI}/clear-faults", json={}, headers=ACTION)  # an action: the next poll reads the mock
    changed = session.get(f"{UI}/poll", params={"panels": first["panels_version"]}).json()
    assert changed["panels_version"] == first["panels_version"] + 1
    assert "No fault rules installed." in changed["panels"]


def test_a_reset_or_cleared_journal_restarts_the_page(served):
    session, _ = served
    for _ in range(2):
        session.get("http://mock/shipstation/products", auth=AUTH)
    session.post(f"{CONTROL}/reset")
    data = session.get(f"{UI}/poll", params={"after": 2}).json()
    assert data["restart"] is True and data["last"] is None and data["rows"].strip() == ""
    session.get("http://mock/shipstation/products", auth=AUTH)
    session.delete(f"{CONTROL}/journal")
    session.get("http://mock/shipstation/products", auth=AUTH)
    data = session.get(f"{UI}/poll", params={"after": 3}).json()
    assert data["restart"] is True and data["last"] == 4 and 'id="live-shipstation-seq-4"' in data["rows"]


def test_actions_change_the_mock_as_the_control_api_would(served):
    session, mock = served
    armed = session.post(f"{UI}/arm", json={"case": "shipstation.not-found"}, headers=ACTION)
    assert armed.status_code == 200
    assert armed.json()["message"].startswith(
        "armed shipstation.not-found on http://mock/shipstation: a one-shot"
    )
    [rule] = session.get(f"{CONTROL}/faults").json()["rules"]
    assert (rule["status"], rule["method"], rule["times"]) == (404, "GET", 1)
    assert session.post(f"{UI}/clear-faults", json={}, headers=ACTION).json() == {
        "message": "fault rules cleared"
    }
    assert session.get(f"{CONTROL}/faults").json() == {"rules": []}
    before = mock.clock.now()
    moved = session.post(f"{UI}/clock", json={"advance": 3600}, headers=ACTION).json()
    assert moved["clock"]["mode"] == "virtual" and moved["clock"]["now"] >= before + 3600
    session.post(f"{CONTROL}/products", json={"products": [{"sku": "A", "name": "A"}]})
    assert session.post(f"{UI}/reset", json={}, headers=ACTION).status_code == 200
    assert session.get(f"{CONTROL}/products").json() == {"products": []}
    assert session.get(f"{CONTROL}/state").json()["clock"]["mode"] == "real"


def test_arming_a_state_case_sends_its_requests_through_the_mock(served):
    """shipstation.rate-limit uses up the window with real requests: journalled, counted, then 429."""
    session, mock = served
    said = session.post(f"{UI}/arm", json={"case": "shipstation.rate-limit"}, headers=ACTION).json()[
        "message"
    ]
    assert "armed shipstation.rate-limit" in said
    journal = list(mock.journal.iter_entries())
    assert len(journal) == 41 and journal[-1]["status"] == 429
    assert session.get("http://mock/shipstation/products", auth=AUTH).status_code == 429


@pytest.mark.parametrize(
    ("path", "body", "problem"),
    [
        ("/arm", {"case": "tocobagus.auth.bad-token"}, "unknown case"),
        ("/arm", {"case": ["x"]}, "unknown case"),
        ("/clock", {"advance": "60"}, "advance must be a number"),
        ("/clock", {"advance": -1}, "advance must be a number"),
        ("/clock", {"advance": 1e300}, "advance must be a number"),
        ("/clock", [60], "the body must be a JSON object"),
        ("/clock", b"{advance: 60}", "the body must be JSON"),
    ],
)
def test_bad_actions_are_refused_in_the_control_apis_shape(served, path, body, problem):
    session, mock = served

    def state() -> dict:  # everything but the time on a real clock
        return mock.snapshot() | {"clock": mock.clock.snapshot()["mode"]}

    before = state()
    sent = {"data": body, "headers": {**ACTION, "Content-Type": "application/json"}}
    answer = (
        session.post(f"{UI}{path}", **sent)
        if isinstance(body, bytes)
        else session.post(f"{UI}{path}", json=body, headers=ACTION)
    )
    assert answer.status_code == 400 and problem in answer.json()["error"]
    assert state() == before


def test_a_bad_after_is_refused(served):
    session, _ = served
    answer = session.get(f"{UI}/poll", params={"after": "1e3"})
    assert answer.status_code == 400 and answer.json() == {
        "error": "after must be a journal seq (a whole number)"
    }


def test_an_action_without_the_pages_header_changes_nothing(served):
    """A form on another site can POST here, but not with a custom header: the request is refused."""
    session, mock = served
    session.put(f"{CONTROL}/faults", json={"rules": [{"status": 500}]})
    answer = session.post(f"{UI}/clear-faults", data="{}", headers={"Content-Type": "text/plain"})
    assert answer.status_code == 403 and ACTION_HEADER in answer.json()["error"]
    assert len(mock.faults.describe()) == 1


# -- access: the control API's rule ------------------------------------------------------------------------
def _vendor_app(monkeypatch, token: str | None):
    if token is None:
        monkeypatch.delenv(CONTROL_TOKEN_ENV, raising=False)
    else:
        monkeypatch.setenv(CONTROL_TOKEN_ENV, token)
    return build_server_app(["shipstation"]).mounts["/shipstation"]


OFF_LOOPBACK = {"REMOTE_ADDR": "203.0.113.7"}


def test_off_loopback_without_a_token_is_refused_as_the_control_api_is(monkeypatch):
    client = _vendor_app(monkeypatch, None).test_client()
    for method, path in [
        ("get", "/__mock__/ui"),
        ("get", "/__mock__/ui/poll"),
        ("post", "/__mock__/ui/reset"),
    ]:
        answer = getattr(client, method)(path, environ_base=OFF_LOOPBACK, headers=ACTION)
        control = client.get("/__mock__/health", environ_base=OFF_LOOPBACK)
        assert answer.status_code == control.status_code == 403
        assert answer.json["error"].startswith(control.json["error"])
    assert client.get("/__mock__/ui").status_code == 200  # loopback


def test_with_a_token_off_loopback_needs_it_once_then_a_cookie(monkeypatch):
    client = _vendor_app(monkeypatch, "s3cret").test_client()
    refused = client.get("/__mock__/ui/poll", environ_base=OFF_LOOPBACK)
    assert refused.status_code == 401 and "Authorization: Bearer" in refused.json["error"]
    assert "?token=" in client.get("/__mock__/ui", environ_base=OFF_LOOPBACK).json["error"]
    wrong = client.get("/__mock__/ui?token=nope", environ_base=OFF_LOOPBACK)
    assert wrong.status_code == 401 and wrong.json == {"error": "the token is not this mock's control token"}
    header = client.get(
        "/__mock__/ui/poll", environ_base=OFF_LOOPBACK, headers={"Authorization": "Bearer s3cret"}
    )
    assert header.status_code == 200
    assert client.get_cookie(COOKIE) is None
    opened = client.get("/__mock__/ui?token=s3cret", environ_base=OFF_LOOPBACK)
    assert (
        opened.status_code == 303 and opened.headers["Location"] == "/__mock__/ui"
    )  # the token leaves the URL
    cookie = opened.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/__mock__/ui" in cookie
    assert client.get("/__mock__/ui", environ_base=OFF_LOOPBACK).status_code == 200
    assert client.get("/__mock__/ui/poll", environ_base=OFF_LOOPBACK).status_code == 200
    reset = client.post("/__mock__/ui/reset", environ_base=OFF_LOOPBACK, headers=ACTION, json={})
    assert reset.status_code == 200
    # The cookie opens the live view only, not the rest of the control API.
    assert client.get("/__mock__/state", environ_base=OFF_LOOPBACK).status_code == 401


def test_every_vendor_serves_its_live_view():
    app = build_server_app(vendors.names())
    session = in_process_session(app)
    for prefix in app.mounts:
        assert session.get(f"http://mock{prefix}/__mock__/ui").status_code == 200, prefix
        data = session.get(f"http://mock{prefix}/__mock__/ui/poll").json()
        assert data["last"] is None and "Fault rules" in data["panels"], prefix


# -- the page in headless Chromium, against a real `serve` ------------------------------------------------
@pytest.fixture
def serve() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve", "shipstation", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield json.loads(process.stdout.readline())["vendors"]["shipstation"]["base_url"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)


@pytest.fixture
def browser(tmp_path) -> Iterator[DevTools]:
    devtools = DevTools(tmp_path)
    try:
        yield devtools
    finally:
        devtools.close()


def click(browser: DevTools, action: str) -> str:
    """Press an action's button; the message the page shows once the action answered."""
    browser.evaluate("document.getElementById('said').textContent = ''")
    browser.evaluate(f"document.querySelector('button[data-action={action}]').click()")
    return browser.wait_for(
        "(function(){var s=document.getElementById('said').textContent;return s.slice(-1)==='…'?'':s;})()"
    )


def arm_then_clear(browser: DevTools, serve: str, api: requests.Session) -> None:
    """Arm a case from the catalogue (the mock meets the next matching request with it), then clear it."""
    control = f"{serve}/__mock__"
    browser.evaluate("document.getElementById('case').value = 'shipstation.not-found'")
    assert click(browser, "arm").startswith("armed shipstation.not-found on " + serve)
    [rule] = requests.get(f"{control}/faults", timeout=5).json()["rules"]
    assert (rule["status"], rule["fired"]) == (404, 0)
    assert api.get(f"{serve}/products/1", timeout=5).status_code == 404
    browser.wait_for("document.querySelector('#rows tr.req.fault') !== null")
    browser.wait_for("document.querySelector('#faults td.fired').textContent === '1'")

    assert click(browser, "clear-faults") == "fault rules cleared"
    assert requests.get(f"{control}/faults", timeout=5).json() == {"rules": []}
    browser.wait_for("document.getElementById('faults').textContent.includes('No fault rules installed.')")


@needs_chromium
def test_the_live_view_in_chromium(serve, browser, tmp_path):
    control, api = f"{serve}/__mock__", requests.Session()
    api.auth = AUTH
    browser.open(f"{serve}/__mock__/ui")
    browser.wait_for("document.getElementById('status').textContent === 'live'")
    assert browser.evaluate("document.getElementById('actions').hidden") is False  # the script ran to its end
    assert browser.evaluate("getComputedStyle(document.getElementById('empty')).display") != "none"

    # A request to the mock shows up as a row.
    requests.post(f"{control}/products", json={"products": [{"sku": HOSTILE, "name": "P"}]}, timeout=5)
    assert api.get(f"{serve}/products", timeout=5).status_code == 200
    browser.wait_for("document.querySelector('#rows tr.req td.p') !== null")
    assert browser.evaluate("document.querySelector('#rows tr.req td.p').textContent") == "/products"
    browser.wait_for(
        f"document.querySelector('#products summary').textContent.includes({json.dumps(HOSTILE)})"
    )

    arm_then_clear(browser, serve, api)

    before = requests.get(f"{control}/state", timeout=5).json()["clock"]["now"]
    browser.evaluate("document.getElementById('advance').value = '90'")
    assert click(browser, "clock").startswith("clock advanced 90 s")
    clock = requests.get(f"{control}/state", timeout=5).json()["clock"]
    assert clock["mode"] == "virtual" and clock["now"] >= before + 90
    assert api.get(f"{serve}/products", timeout=5).status_code == 200
    browser.wait_for("document.querySelectorAll('#rows tr.req').length === 3")
    waits = browser.evaluate("Array.from(document.querySelectorAll('#rows tr.wait'), r => r.textContent)")
    assert any(float(re.search(r"waited ([0-9.]+) s", w)[1]) >= 90 for w in waits), waits  # as in the report
    browser.wait_for("document.getElementById('clock').textContent.startsWith('virtual')")
    assert "3 requests" in browser.evaluate("document.getElementById('summary').textContent")

    shot = browser.screenshot(tmp_path / "live.png")
    assert_rendered(shot, WAIT_ROW)

    assert click(browser, "reset").startswith("mock reset")
    state = requests.get(f"{control}/state", timeout=5).json()
    assert state["clock"]["mode"] == "real" and state["faults"] == []
    assert requests.get(f"{control}/products", timeout=5).json() == {"products": []}
    browser.wait_for("document.querySelectorAll('#rows tr').length === 0")
    browser.wait_for("document.getElementById('products').textContent.includes('No products.')")
    assert api.get(f"{serve}/products", timeout=5).status_code == 200  # the page keeps going after a reset
    browser.wait_for("document.querySelectorAll('#rows tr.req').length === 1")
    assert browser.problems == []

    # The same screenshot of a blank page fails the check, or the one above proves nothing.
    browser.open("data:text/html,<!doctype html><html><body></body></html>")
    with pytest.raises(AssertionError, match="blank or broken"):
        assert_rendered(browser.screenshot(tmp_path / "blank.png"))
    # And a script error is seen, or `problems == []` above proves nothing.
    browser.evaluate("setTimeout(function () { nope(); }, 0); console.error('broken <thing>'); 1")
    deadline = time.monotonic() + 10
    while len(browser.problems) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert any("broken <thing>" in p for p in browser.problems), browser.problems
    assert any("Uncaught ReferenceError: nope is not defined" in p for p in browser.problems), (
        browser.problems
    )
