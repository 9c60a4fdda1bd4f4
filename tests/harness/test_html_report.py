"""The HTML report: escaping, links and timeline rows on the string; real runs in headless Chromium.

Chromium and the screenshot check come from tests/harness/browser.py (shared with the live view's test)."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests
from browser import assert_rendered, chromium, needs_chromium

from harness import vendors
from harness.catalog import Product
from harness.clients.shipstation import ShipStationClient, to_vendor
from harness.html_report import MAX_ROWS, Timeline, render_html, row_id, write_html
from harness.report import Result
from harness.runner import RunResult, run_once

HOSTILE = "<script>alert(1)</script>&\"'ü"
T0 = 1_767_225_600.0


class Page(HTMLParser):
    """What the tests need from a rendered page: ids, fragment links, scripts, external references."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.fragments: list[str] = []
        self.external: list[str] = []
        self.scripts = 0
        self.rows: dict[str, str] = {}  # row id -> its class
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
            if tag == "tr":
                self.rows[a["id"] or ""] = a.get("class") or ""
        if tag == "script":
            self.scripts += 1
            if a.get("src"):
                self.external.append(a["src"] or "")
        for name in ("src", "srcset", "poster", "data", "action"):
            if a.get(name):
                self.external.append(a[name] or "")
        href = a.get("href")
        if href is not None:
            if href.startswith("#"):
                self.fragments.append(href[1:])
            else:
                self.external.append(href)
        if tag in ("link", "img", "iframe", "object", "embed", "base"):
            self.external.append(tag)


def request(seq: int, at: float, method: str = "PUT", path: str = "/products/1", **extra: Any) -> dict:
    return {
        "seq": seq,
        "type": "request",
        "time": T0 + at,
        "method": method,
        "path": path,
        "query": "",
        "account": "k",
        "body": extra.pop("body", '{"sku": "A"}'),
        "status": extra.pop("status", 200),
        "response_body": extra.pop("response_body", '{"ok": true}'),
        "rate_limit": extra.pop(
            "rate_limit", {"key": "k", "limit": 40, "remaining": 39, "reset_at": T0 + 60}
        ),
        "fault": extra.pop("fault", None),
        "error": None,
        **extra,
    }


def side_effect(seq: int, at: float, kind: str, request_seq: int | None = None, **detail: Any) -> dict:
    return {
        "seq": seq,
        "type": "side_effect",
        "kind": kind,
        "time": T0 + at,
        "request_seq": request_seq,
        **detail,
    }


def sample() -> tuple[list[Result], list[Timeline]]:
    entries = [
        request(1, 0, "GET", "/products", query="page=1&size=<500>", body=None),
        request(2, 0, body=f'{{"sku": "{HOSTILE}"}}', response_body="<html>&amp;</html>"),
        request(3, 0.0, "PUT", "/products/2", status=503, fault="respond", rate_limit=None),
        request(
            4, 0.5, "PUT", "/products/2", status=429, rate_limit={"key": "k", "limit": 3, "remaining": 0}
        ),
        request(5, 60.5, "PUT", "/products/2"),
        side_effect(6, 60.5, "product.updated", 5, sku=HOSTILE, nulled=["internalNotes"]),
        side_effect(7, 61, "webhook.attempt", 5, attempt=1, status=500, event="catalog.sync.completed"),
        side_effect(
            8, 91, "webhook.attempt", 5, attempt=2, status=204, outcome="delivered", url="http://r/h"
        ),
    ]
    failures = [
        {
            "check": "nothing_lost",
            "sku": HOSTILE,
            "field": "internalNotes",
            "entry": 2,
            "message": "changed from 'fragile' to None <b>",
        },
        {"check": "nothing_lost", "sku": "SKU-2", "field": "fulfillmentSku", "entry": 5, "message": "lost"},
        {
            "check": "nothing_lost",
            "sku": "SKU-3",
            "field": None,
            "entry": 999,
            "message": "not in a timeline",
        },
    ]
    results = [
        Result("shipstation", "property", "convergence", True, 0.25),
        Result("shipstation", "property", "nothing_lost", False, 0.5, failures=failures),
        Result("shipstation", "contract", "not_a_server_error", False, 1.0, detail="Traceback <x> & more"),
        Result("tocobagus", "property", "convergence", True, 0.1),
    ]
    return results, [Timeline("shipstation", "Minimal failing example", entries)]


def page_of(text: str) -> Page:
    return Page(text)


# -- on the string -----------------------------------------------------------------------------------------
def test_hostile_text_is_escaped_everywhere():
    results, timelines = sample()
    text = render_html(HOSTILE, results, timelines, {"command": HOSTILE, "seed": 7})
    assert "<script>alert(1)" not in text and "<b>" not in text and "<html>&amp;" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#34;&#39;ü" in text
    page = page_of(text)
    assert page.scripts == 1  # the filter: nothing from the data, and no test hook
    assert page.external == []  # self-contained: no links, scripts, images or stylesheets from elsewhere
    assert not re.search(r"url\(|@import|https?://(?!r/h)", text)
    assert "data-js-errors" not in text and "data-ready" not in text


def test_the_page_opens_with_a_vendor_by_check_matrix_linking_to_each_check():
    results, timelines = sample()
    text = render_html("report", results, timelines)
    matrix = text[text.index('<table class="matrix">') : text.index("</table>")]
    assert "<th>convergence</th><th>nothing_<wbr>lost</th><th>contract</th>" in matrix
    assert (
        '<td class="cell c-fail"><a href="#shipstation-property-nothing-lost">3 failures</a></td>' in matrix
    )
    assert '<td class="cell c-fail"><a href="#shipstation-contract">1 of 1 fail</a></td>' in matrix
    assert '<td class="cell c-none">–</td>' in matrix  # noqa: RUF001 - tocobagus has no nothing_lost result here
    assert text.index('id="matrix"') < text.index('id="vendor-shipstation"')
    page = page_of(text)
    assert set(page.fragments) <= set(page.ids)


def test_zero_failed_is_not_red_and_counts_are_singular_or_plural():
    ok = [Result("shipstation", "property", "convergence", True, 0.2, extra={"examples": 1})]
    text = render_html("green", ok, [Timeline("shipstation", "run", [request(1, 0), request(2, 0.1)])])
    assert '<span class="n-zero">0 failed</span>' in text and "n-fail" not in text.split("</style>")[1]
    assert "1 example ·" in text and "1 check</p>" in text
    assert "2 requests, 0 side effects" in text and "0 retries" in text
    results, timelines = sample()
    text = render_html("red", results, timelines)
    assert '<span class="n-fail">2 failed</span>' in text
    assert "2 retries ·" in text and "1 injected fault" in text and "2 webhook attempts" in text
    once = [request(1, 0, status=503), request(2, 0.1)]
    assert "1 retry ·" in render_html("one", [], [Timeline("v", "run", once)])


def test_contract_operations_are_grouped_per_vendor_with_failures_first():
    ops = [
        Result("v", "contract", f"GET /things/{i} [positive]", True, 0.1, extra={"examples": 20})
        for i in range(3)
    ]
    ops.insert(1, Result("v", "contract", "PUT /things [negative]", False, 0.1, "500 <body>"))
    text = render_html("ops", ops, [])
    assert text.index("PUT /things [negative]") < text.index("GET /things/0 [positive]")
    assert '<details class="passing"><summary>3 operations pass</summary>' in text
    assert "500 &lt;body&gt;" in text
    assert "4 operations (by mode)" in text and '<span class="n-fail">1 failed</span>' in text


def test_failures_are_grouped_by_product_with_field_message_and_a_link_to_their_row():
    results, timelines = sample()
    text = render_html("report", results, timelines)
    assert "2 passed" in text and "2 failed" in text
    assert (
        '<tr class="product"><th colspan="3"><span class="sku">SKU-2</span> <small>1 failure</small>' in text
    )
    assert '<td class="field">fulfillmentSku</td>\n<td class="msg">lost</td>' in text
    assert '<td class="msg">not in a timeline</td>\n<td class="req">#999</td>' in text
    assert "<details open><summary>3 failures</summary>" in text
    assert "Traceback &lt;x&gt; &amp; more" in text
    page = page_of(text)
    anchor = row_id("shipstation-minimal-failing-example", 5)
    assert anchor == "shipstation-minimal-failing-example-seq-5"
    assert f'href="#{anchor}">#5</a>' in text
    assert "#999" in text and "#shipstation-minimal-failing-example-seq-999" not in text  # no dangling link
    assert page.fragments and set(page.fragments) <= set(page.ids)
    assert len(page.ids) == len(set(page.ids))
    assert "hl" in page.rows[anchor].split() and "hl" in page.rows[row_id(anchor[:-6], 2)].split()
    assert "hl" not in page.rows[row_id(anchor[:-6], 1)].split()


def test_an_interrupted_run_says_so():
    results, timelines = sample()
    text = render_html("report", results, timelines, interrupted=True)
    assert '<header class="interrupted">' in text and "Interrupted: these are the results so far" in text


def test_timeline_marks_429_retries_faults_waits_and_webhooks():
    results, timelines = sample()
    text = render_html("report", results, timelines)
    rows = page_of(text).rows
    section = "shipstation-minimal-failing-example"
    assert "s429" in rows[row_id(section, 4)] and "retry" in rows[row_id(section, 4)]
    assert "fault" in rows[row_id(section, 3)] and "s5xx" in rows[row_id(section, 3)]
    assert "retry" not in rows[row_id(section, 3)]
    assert "retry ×2" in text  # noqa: RUF001 - #5 is the second resend of #3's PUT
    assert "0/3 left" in text and "39/40 left" in text
    assert "waited 60.000 s — waiting out the 429 of #4" in text
    assert "waited 30.000 s" in text
    assert '<span class="q">?page=1&amp;size=&lt;500&gt;</span>' in text
    webhook = rows[row_id(section, 7)]
    assert {"wh", "s5xx"} <= set(webhook.split())
    assert "attempt 2" in text and "delivered" in text and "s2xx" in rows[row_id(section, 8)]
    assert "product.updated" in text and "nulled=[&#34;internalNotes&#34;]" in text
    assert f'href="#{row_id(section, 5)}">from #5</a>' in text
    assert "<details><summary>request <small>" in text and "<details><summary>response <small>" in text
    assert "1 × 429" in text  # noqa: RUF001


def test_the_same_request_after_a_success_is_a_repeat_not_a_retry():
    polls = [request(1, 0, "GET", "/status"), request(2, 1, "GET", "/status")]
    text = render_html("report", [], [Timeline("tocobagus", "run", polls)])
    assert "repeat ×1" in text and "retry ×" not in text and "0 retries" in text  # noqa: RUF001


def test_zero_timelines_and_zero_results_render():
    empty = render_html("nothing", [], [])
    assert "0 passed" in empty and "No results." in empty and "Timeline" not in empty
    results, _ = sample()
    text = render_html("no timelines", results, [])
    page = page_of(text)
    assert set(page.fragments) <= set(page.ids)
    assert "#2" in text and "seq-2" not in text
    empty_timeline = render_html("t", [], [Timeline("v", "run", [])])
    assert "No journal entries." in empty_timeline


def test_duplicate_labels_get_distinct_sections():
    entries = [request(1, 0)]
    text = render_html("t", [], [Timeline("a b", "Run!", entries), Timeline("a b", "run", entries)])
    ids = page_of(text).ids
    assert {"a-b-run", "a-b-run-2", "a-b-run-seq-1", "a-b-run-2-seq-1"} <= set(ids)


def test_a_long_timeline_is_capped_but_keeps_the_rows_failures_point_at():
    entries = [request(i, i * 0.01, path=f"/products/{i}", body="x" * 3000) for i in range(1, 5001)]
    failure = {"check": "convergence", "sku": "X", "field": "name", "entry": 4321, "message": "m"}
    results = [Result("v", "property", "convergence", False, failures=[failure])]
    started = time.perf_counter()
    text = render_html("big", results, [Timeline("v", "run", entries)])
    assert time.perf_counter() - started < 3
    page = page_of(text)
    assert len([r for r in page.rows if "-seq-" in r]) == MAX_ROWS + 1
    assert row_id("v-run", 4321) in page.rows and row_id("v-run", 2001) not in page.rows
    assert f"the first {MAX_ROWS} of 5000 entries are shown" in text
    assert "2320 entries not shown" in text and "679 entries not shown" in text
    assert set(page.fragments) <= set(page.ids)
    assert "room for bodies is used up)" in text and len(text) < 5_000_000


def test_write_html_creates_the_file(tmp_path):
    results, timelines = sample()
    target = tmp_path / "deep" / "report.html"
    write_html(target, "report", results, timelines, {"seed": 1})
    assert target.read_text(encoding="utf-8").startswith("<!doctype html>")


# -- real runs in headless Chromium ------------------------------------------------------------------------
class PartialPutReactiveClient(ShipStationClient):
    """PUTs only the fields it owns (nothing_lost fails); ignores the remaining-count header until a 429."""

    def _note_rate_limit(self, response: requests.Response) -> None:
        super()._note_rate_limit(response)
        if response.status_code != 429:
            self._remaining = None

    def request(
        self, method: str, path: str, *, body: dict | None = None, **kwargs: Any
    ) -> requests.Response | None:
        if method == "PUT" and body is not None:
            body = {k: body[k] for k in ("productId", "sku", *to_vendor(Product(sku="x", name="x")))}
        return super().request(method, path, body=body, **kwargs)


def results_of(vendor: str, run: RunResult) -> list[Result]:
    return [
        Result(vendor, "property", name, not found, failures=[f.as_dict() | {"text": str(f)} for f in found])
        for name, found in run.failures.items()
    ]


@pytest.fixture(scope="module")
def real_report() -> tuple[list[Result], list[Timeline]]:
    source = [
        Product(sku=sku, name=f"Product {sku}", price=Decimal("9.99"), weight_kg=Decimal("1.2"))
        for sku in ("SKU-000", "SKU-001", "SKU-002", HOSTILE)
    ]
    existing = [
        {**to_vendor(replace(p, name=p.name + " (old)")), "sku": p.sku, "internalNotes": "fragile"}
        for p in source
    ]
    shipstation = run_once(
        vendors.get("shipstation"),
        source,
        existing,
        faults=[{"method": "PUT", "path": "^/products/2$", "status": 503, "times": 1}],
        client_factory=lambda **kw: PartialPutReactiveClient(kw.pop("base_url"), **kw),
        settings_={"rate_limit": 2},
    )
    assert {n for n, f in shipstation.failures.items() if f} >= {"nothing_lost", "politeness"}
    assert any(e.get("status") == 429 for e in shipstation.record.journal)
    toco = vendors.get("tocobagus")
    rows = [
        Product(sku=f"S{i}", name=f"P {i}", price=Decimal("10"), weight_kg=Decimal("0.2")) for i in range(2)
    ]
    tocobagus = run_once(
        toco,
        rows,
        [],
        extra_checks=toco.property_checks,
        settings_={"webhook_faults": [{"effect": "duplicate"}]},
    )
    assert any(e.get("kind") == "webhook.attempt" for e in tocobagus.record.journal)
    return results_of("shipstation", shipstation) + results_of("tocobagus", tocobagus), [
        Timeline("shipstation", "minimal failing example", shipstation.record.journal),
        Timeline("shipstation", "verify run", shipstation.record.second_journal),
        Timeline("tocobagus", "verify run", tocobagus.record.journal),
    ]


def load_in_chromium(page: Path, tmp_path: Path, fragment: str = "") -> tuple[str, list[str]]:
    """The DOM after the page's scripts ran, and every sign of a script problem.

    Two signals, either of which fails the page, and nothing in the page put there for the test: a
    console message in Chromium's log (the report never logs, so any message is a problem; Chromium logs
    uncaught exceptions and rejections as "Uncaught …"), and the filter controls still hidden (the
    script shows them as its last statement, so they stay hidden if it died half way).
    """
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    done = chromium(url, tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom")
    dom = done.stdout
    assert "</html>" in dom, f"no DOM dumped; stderr: {done.stderr[-2000:]}"
    problems = [line for line in done.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    if re.search(r'<div class="tools" hidden', dom):
        problems.append("the page's script did not run to its end (the filter controls are still hidden)")
    return dom, problems


def screenshot(page: Path, tmp_path: Path, fragment: str = "") -> Path:
    shot = tmp_path / f"{page.stem}.png"
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    # Half scale: the same layout in a quarter of the pixels, which the pure-Python reader decodes in
    # a fraction of a second; flat fills keep their exact colours.
    chromium(
        url, tmp_path, "--window-size=1100,1300", "--force-device-scale-factor=0.5", f"--screenshot={shot}"
    )
    return shot


PASS_CELL, FAIL_CELL, WAIT_ROW = "#dafbe1", "#ffebe9", "#ddf4ff"


@needs_chromium
def test_real_runs_render_in_chromium_without_script_errors(real_report, tmp_path):
    results, timelines = real_report
    operations = [  # as `check` adds them: one per operation and mode, a failure among passes
        Result("shipstation", "contract", "GET /products [positive]", True, 0.4, extra={"examples": 20}),
        Result("shipstation", "contract", "PUT /products/{productId} [negative]", False, 0.6, "500 <html>"),
        Result("shipstation", "control contract", "GET /__mock__/health [positive]", True, 0.1),
    ]
    target = tmp_path / "report.html"
    write_html(
        target, "catalog-harness check", results + operations, timelines, {"command": "catalog-harness check"}
    )
    dom, problems = load_in_chromium(target, tmp_path)
    assert problems == []
    assert dom.count("<script") == 1
    assert dom.index("PUT /products/{productId} [negative]") < dom.index("GET /products [positive]")
    failing = re.search(r'<tr id="shipstation-property-nothing-lost" class="check c-fail"[^>]*>', dom)
    assert failing, "the failing check is not in the rendered DOM"
    assert '<span class="sku">SKU-001</span>' in dom
    assert '<span class="sku">&lt;script&gt;alert(1)&lt;/script&gt;&amp;"\'ü</span>' in dom
    assert 'class="st s429">429</span>' in dom and "webhook.attempt" in dom and "waited " in dom
    page = Page(dom)
    assert page.fragments and set(page.fragments) <= set(page.ids)
    shot = screenshot(target, tmp_path)
    assert_rendered(shot, PASS_CELL, FAIL_CELL)


@needs_chromium
def test_a_fragment_link_opens_what_it_points_into(tmp_path):
    """#fragment into a collapsed list of passing operations: the script opens it and shows the row."""
    ops = [
        Result("v", "contract", f"GET /t/{i} [positive]", True, 0.1, extra={"examples": 5}) for i in range(3)
    ]
    target = tmp_path / "ops.html"
    write_html(target, "ops", ops, [])
    assert '<details class="passing">' in target.read_text(encoding="utf-8")  # collapsed
    dom, problems = load_in_chromium(target, tmp_path, fragment="v-contract-get-t-2-positive")
    assert problems == [] and '<details class="passing" open="">' in dom


@needs_chromium
def test_a_blank_or_unstyled_page_fails_the_screenshot_check(tmp_path):
    """The screenshot check must fail a broken page, or the test above proves nothing."""
    blank = tmp_path / "blank.html"
    blank.write_text("<!doctype html><html><body></body></html>", encoding="utf-8")
    with pytest.raises(AssertionError, match="blank or broken"):
        assert_rendered(screenshot(blank, tmp_path))
    results, timelines = sample()
    unstyled = tmp_path / "unstyled.html"
    text = render_html("t", results, timelines)
    unstyled.write_text(re.sub(r"<style>.*?</style>", "", text, flags=re.S), encoding="utf-8")
    with pytest.raises(AssertionError, match="no area painted"):
        assert_rendered(screenshot(unstyled, tmp_path), PASS_CELL, FAIL_CELL)


@needs_chromium
def test_the_filter_script_works_in_chromium(real_report, tmp_path):
    """The toggles, driven from an extra script: 'failures only' hides passing checks and unflagged rows."""
    results, timelines = real_report
    drive = (
        "<script>var o=document.getElementById('failonly');o.checked=true;"
        "o.dispatchEvent(new Event('change'));</script></body>"
    )
    target = tmp_path / "driven.html"
    target.write_text(render_html("t", results, timelines).replace("</body>", drive), encoding="utf-8")
    dom, problems = load_in_chromium(target, tmp_path)
    assert problems == []
    assert re.search(r'<tr id="shipstation-property-convergence" class="check c-pass hidden"', dom)
    assert re.search(r'<tr id="shipstation-property-nothing-lost" class="check c-fail"', dom)
    assert re.search(r'<span id="filtercount"[^>]*>\d+ of \d+ rows shown</span>', dom)
    assert re.search(r'<section class="vendor hidden" id="vendor-tocobagus">', dom)


@needs_chromium
@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("nope();", "Uncaught ReferenceError: nope is not defined"),
        ("console.error('broken <thing>');", "broken <thing>"),
        ("Promise.reject(new Error('later'));", "Uncaught (in promise) Error: later"),
    ],
)
def test_script_errors_are_detected(script, expected, tmp_path):
    """The detection must fail a broken page, or the test above proves nothing."""
    results, timelines = sample()
    broken = render_html("broken", results, timelines).replace(
        "<body>", f"<body><script>{script}</script>", 1
    )
    target = tmp_path / "broken.html"
    target.write_text(broken, encoding="utf-8")
    _, problems = load_in_chromium(target, tmp_path)
    assert any(expected in p for p in problems), problems


@needs_chromium
def test_a_script_that_dies_half_way_is_detected(tmp_path):
    results, timelines = sample()
    text = render_html("half", results, timelines).replace('document.getElementById("filter")', "null", 1)
    target = tmp_path / "half.html"
    target.write_text(text, encoding="utf-8")
    _, problems = load_in_chromium(target, tmp_path)
    assert any("did not run to its end" in p for p in problems), problems
    assert any("Uncaught TypeError" in p for p in problems), problems
