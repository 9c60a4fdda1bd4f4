"""One self-contained HTML page: results per vendor, suite and check, and the journal timelines behind them.

The page has inline CSS and a small inline script, and loads nothing (no fonts, scripts or images), so it
can be attached to a CI run and opened anywhere. Everything from a run (SKUs, bodies, messages) is escaped.
It reads without the script too: failing checks are expanded, request and response bodies are collapsed.

Anchors: a timeline row is `#<vendor>-<label-slug>-seq-<n>`; a failure's journal entry links to the row
of the first timeline of its vendor that holds that entry (or of the timeline whose label is
`result.extra["timeline"]`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from .report import Result

MAX_ROWS = 2_000  # timeline entries shown per timeline; referenced rows past it are still shown
MAX_FAILURES = 500  # failure rows shown per check
MAX_BODY_CHARS = 4_000  # characters of a body preview kept in the page
BODY_BUDGET = 1_000_000  # body characters per timeline; past it, bodies are cut to SHORT_BODY_CHARS
SHORT_BODY_CHARS = 200
WAIT_SECONDS = 1.0  # a clock jump at least this long between entries gets a "wait" row
_PRETTY_LIMIT = 20_000  # bodies up to this size are pretty-printed when they are JSON
_SE_SKIP = frozenset({"seq", "type", "kind", "time", "request_seq"})


@dataclass
class _Budget:
    left: int = BODY_BUDGET


@dataclass
class Timeline:
    """The journal entries of one run, e.g. label "minimal failing example" or "verify run"."""

    vendor: str
    label: str
    entries: list[dict]


def render_html(
    title: str, results: list[Result], timelines: list[Timeline], meta: dict[str, Any] | None = None
) -> str:
    sections = _timeline_ids(timelines)
    refs = _references(results, timelines, sections)
    failed = sum(1 for r in results if not r.ok)
    parts = [
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_e(title)}</title><style>{_CSS}</style><script>{_RECORDER_JS}</script></head>",
        "<body>",
        _header(title, results, failed, meta or {}),
        _nav(results, timelines, sections),
        "<main>",
        _results(results, timelines, sections),
        *(_timeline(t, sections[i], refs.get(i, {})) for i, t in enumerate(timelines)),
        "</main>",
        f"<script>{_MAIN_JS}</script></body></html>\n",
    ]
    return "\n".join(parts)


def write_html(
    path: str | Path,
    title: str,
    results: list[Result],
    timelines: list[Timeline],
    meta: dict[str, Any] | None = None,
) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(title, results, timelines, meta), encoding="utf-8")


def slug(text: str) -> str:
    """Lower-case letters, digits and single dashes: safe in an id and a URL fragment."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def row_id(section: str, seq: Any) -> str:
    return f"{section}-seq-{seq}"


# -- linking failures to timeline rows ---------------------------------------------------------------------
def _timeline_ids(timelines: list[Timeline]) -> list[str]:
    ids: list[str] = []
    for t in timelines:
        base = f"{slug(t.vendor)}-{slug(t.label)}"
        candidate, n = base, 2
        while candidate in ids:
            candidate, n = f"{base}-{n}", n + 1
        ids.append(candidate)
    return ids


def _target(
    result: Result, seq: Any, timelines: list[Timeline], sections: list[str]
) -> tuple[int, str] | None:
    """(timeline index, row anchor) for a failure's journal entry, or None when no timeline holds it."""
    if seq is None:
        return None
    wanted = result.extra.get("timeline") if isinstance(result.extra, dict) else None
    candidates = [
        i
        for i, t in enumerate(timelines)
        if t.vendor == result.vendor and (wanted is None or t.label == wanted)
    ]
    for i in candidates:
        if any(e.get("seq") == seq for e in timelines[i].entries):
            return i, row_id(sections[i], seq)
    return None


def _references(
    results: list[Result], timelines: list[Timeline], sections: list[str]
) -> dict[int, dict[Any, list[str]]]:
    """timeline index -> seq -> short descriptions of the failures that point at that entry."""
    refs: dict[int, dict[Any, list[str]]] = {}
    for r in results:
        for failure in r.failures:
            target = _target(r, failure.get("entry"), timelines, sections)
            if target is not None:
                what = failure.get("check") or r.name
                if failure.get("sku") is not None:
                    what += f" ({failure['sku']})"
                refs.setdefault(target[0], {}).setdefault(failure["entry"], []).append(what)
    return refs


# -- header and results ----------------------------------------------------------------------------------
def _header(title: str, results: list[Result], failed: int, meta: dict[str, Any]) -> str:
    passed = len(results) - failed
    verdict = "fail" if failed else "pass"
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(_text(v))}</dd>" for k, v in meta.items())
    return (
        f"<header class='{verdict}'><h1>{_e(title)}</h1>"
        f"<p class='counts'><span class='n-pass'>{passed} passed</span>, "
        f"<span class='n-fail'>{failed} failed</span> &middot; {len(results)} checks</p>"
        + (f"<dl class='meta'>{rows}</dl>" if rows else "")
        + "<div class='tools'><label>Filter <input id='filter' type='search' "
        "placeholder='SKU, path, status, check…' autocomplete='off'></label> "
        "<label><input id='failonly' type='checkbox'> failures only</label>"
        "<span id='filtercount' aria-live='polite'></span></div></header>"
    )


def _nav(results: list[Result], timelines: list[Timeline], sections: list[str]) -> str:
    links = [
        f"<a href='#vendor-{slug(v)}' class='{'fail' if any(not r.ok for r in rs) else 'pass'}'>{_e(v)}</a>"
        for v, rs in _group(results, lambda r: r.vendor).items()
    ]
    links += [
        f"<a href='#{sections[i]}' class='tl'>{_e(t.vendor)} &middot; {_e(t.label)}</a>"
        for i, t in enumerate(timelines)
    ]
    return f"<nav>{' '.join(links)}</nav>" if links else ""


def _results(results: list[Result], timelines: list[Timeline], sections: list[str]) -> str:
    if not results:
        return "<section class='results'><p class='empty'>No results.</p></section>"
    out = []
    for vendor, items in _group(results, lambda r: r.vendor).items():
        bad = sum(1 for r in items if not r.ok)
        out.append(
            f"<section class='vendor{' has-fail' if bad else ''}' id='vendor-{slug(vendor)}'>"
            f"<h2>{_e(vendor)} <small>{len(items) - bad} passed, {bad} failed</small></h2>"
        )
        own = [
            f"<a href='#{sections[i]}'>{_e(t.label)}</a>"
            for i, t in enumerate(timelines)
            if t.vendor == vendor
        ]
        if own:
            out.append(f"<p class='note'>Timelines: {', '.join(own)}</p>")
        for suite, checks in _group(items, lambda r: r.suite).items():
            out.append(
                f"<h3>{_e(suite)}</h3><table class='checks'><thead><tr><th>check</th><th>result</th>"
                "<th class='num'>time</th></tr></thead><tbody>"
            )
            for r in checks:
                out.append(_check_rows(r, timelines, sections))
            out.append("</tbody></table>")
        out.append("</section>")
    return "\n".join(out)


def _check_rows(r: Result, timelines: list[Timeline], sections: list[str]) -> str:
    verdict = "<span class='ok'>pass</span>" if r.ok else "<span class='bad'>FAIL</span>"
    head = (
        f"<tr class='check {'c-pass' if r.ok else 'c-fail'}' data-ok='{int(r.ok)}'><td>{_e(r.name)}</td>"
        f"<td>{verdict}</td><td class='num'>{r.seconds:.1f}s</td></tr>"
    )
    if r.ok and not r.detail:
        return head
    body: list[str] = []
    if r.failures:
        body.append(
            "<table class='failures'><thead><tr><th>check</th><th>SKU</th><th>field</th>"
            "<th>message</th><th>journal</th></tr></thead><tbody>"
        )
        for failure in r.failures[:MAX_FAILURES]:
            body.append(_failure_row(r, failure, timelines, sections))
        body.append("</tbody></table>")
        if len(r.failures) > MAX_FAILURES:
            body.append(f"<p class='note'>{len(r.failures) - MAX_FAILURES} more failures not shown.</p>")
    if r.detail:
        body.append(f"<pre class='detail'>{_e(r.detail)}</pre>")
    if r.extra:
        body.append(
            f"<details class='extra'><summary>extra</summary><pre>{_e(_pretty(r.extra))}</pre></details>"
        )
    count = f"{len(r.failures)} failure{'s' if len(r.failures) != 1 else ''}" if r.failures else "details"
    return (
        head + f"<tr class='more {'c-pass' if r.ok else 'c-fail'}' data-ok='{int(r.ok)}'><td colspan='3'>"
        f"<details{'' if r.ok else ' open'}><summary>{count}</summary>{''.join(body)}</details></td></tr>"
    )


def _failure_row(r: Result, failure: dict[str, Any], timelines: list[Timeline], sections: list[str]) -> str:
    seq = failure.get("entry")
    target = _target(r, seq, timelines, sections)
    if target is not None:
        entry = f"<a class='seq' href='#{target[1]}'>#{_e(seq)}</a>"
    else:
        entry = f"#{_e(seq)}" if seq is not None else ""
    message = failure.get("message") or failure.get("text") or _text(failure)
    return (
        f"<tr><td>{_e(failure.get('check') or r.name)}</td><td class='sku'>{_opt(failure.get('sku'))}</td>"
        f"<td>{_opt(failure.get('field'))}</td><td class='msg'>{_e(message)}</td><td>{entry}</td></tr>"
    )


# -- timelines ---------------------------------------------------------------------------------------------
def _timeline(t: Timeline, section: str, refs: dict[Any, list[str]]) -> str:
    entries = sorted(t.entries, key=lambda e: (e.get("seq") is None, e.get("seq") or 0))
    shown = [i for i, e in enumerate(entries) if i < MAX_ROWS or e.get("seq") in refs]
    requests = [e for e in entries if e.get("type") == "request"]
    start = entries[0].get("time") if entries else None
    rows: list[str] = []
    previous: dict | None = None  # the entry before, for wait rows (shown or not)
    last_request: dict | None = None
    streak, last_signature = 0, None
    shown_set, last_shown = set(shown), -1
    budget = _Budget()
    stats = {"429": 0, "retries": 0, "faults": 0, "webhooks": 0, "waited": 0.0}
    for i, entry in enumerate(entries):
        kind = entry.get("type")
        retry = 0
        if kind == "request":
            signature = (entry.get("method"), entry.get("path"), entry.get("query"), entry.get("body"))
            streak = streak + 1 if signature == last_signature else 1
            last_signature, retry = signature, streak - 1
            if retry and not _failed(last_request):
                retry = -retry  # the same request again after a success: polling, not a retry
        gap = _gap(previous, entry)
        if gap is not None:
            stats["waited"] += gap
        if i in shown_set:
            if i - last_shown > 1:
                rows.append(_omitted(i - last_shown - 1))
            if gap is not None:
                rows.append(_wait_row(gap, last_request))
            if kind == "request":
                rows.append(_request_row(entry, section, start, retry, refs.get(entry.get("seq")), budget))
            else:
                rows.append(_side_effect_row(entry, section, start, refs.get(entry.get("seq")), budget))
            last_shown = i
        if kind == "request":
            stats["429"] += entry.get("status") == 429
            stats["retries"] += retry > 0  # repeats after a success (polling) are not retries
            stats["faults"] += bool(entry.get("fault"))
            last_request = entry
        elif entry.get("kind") == "webhook.attempt":
            stats["webhooks"] += 1
        previous = entry
    if entries and last_shown < len(entries) - 1:
        rows.append(_omitted(len(entries) - 1 - last_shown))
    span = (entries[-1].get("time") or 0) - (start or 0) if entries else 0.0
    summary = (
        f"{len(requests)} requests, {len(entries) - len(requests)} side effects &middot; "
        f"{stats['429']} &times; 429 &middot; {stats['retries']} retries &middot; "
        f"{stats['faults']} injected faults &middot; {stats['webhooks']} webhook attempts &middot; "
        f"{span:.3f} s on the clock, {stats['waited']:.3f} s of it waiting"
    )
    cap = (
        f"<p class='note'>Long timeline: the first {MAX_ROWS} of {len(entries)} entries are shown, plus "
        "entries a failure points at.</p>"
        if len(entries) > MAX_ROWS
        else ""
    )
    table = (
        "<table class='timeline'><thead><tr><th>#</th><th class='num'>t</th><th>method</th><th>path</th>"
        "<th>status</th><th class='num'>rate limit</th><th>notes</th><th>bodies</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if entries
        else "<p class='empty'>No journal entries.</p>"
    )
    return (
        f"<section class='tl' id='{section}'><h2>Timeline: {_e(t.vendor)} &middot; {_e(t.label)}</h2>"
        f"<p class='summary'>{summary}</p>{cap}{table}</section>"
    )


def _gap(previous: dict | None, entry: dict) -> float | None:
    if previous is None:
        return None
    before, now = previous.get("time"), entry.get("time")
    if not isinstance(before, int | float) or not isinstance(now, int | float):
        return None
    return now - before if now - before >= WAIT_SECONDS else None


def _wait_row(gap: float, last_request: dict | None) -> str:
    why = ""
    if last_request is not None:
        seq, limit = last_request.get("seq"), last_request.get("rate_limit") or {}
        if last_request.get("status") == 429:
            why = f" &mdash; waiting out the 429 of #{_e(seq)}"
        elif limit.get("remaining") == 0:
            why = f" &mdash; rate-limit window used up at #{_e(seq)}"
        elif (last_request.get("status") or 0) >= 500 or last_request.get("fault"):
            why = f" &mdash; backing off after #{_e(seq)}"
    label = "<span class='tag wait'>wait</span>"
    return f"<tr class='wait ev'><td colspan='8'>{label} waited {gap:.3f} s{why}</td></tr>"


def _omitted(count: int) -> str:
    return f"<tr class='omitted'><td colspan='8'>&hellip; {count} entries not shown &hellip;</td></tr>"


def _failed(entry: dict | None) -> bool:
    status = entry.get("status") if entry else None
    return entry is not None and (status is None or status >= 400 or bool(entry.get("fault")))


def _request_row(
    entry: dict,
    section: str,
    start: float | None,
    retry: int,  # > 0: a retry after a failure; < 0: the same request again after a success
    referenced: list[str] | None,
    budget: _Budget,
) -> str:
    status = entry.get("status")
    classes = ["ev", "req", _status_class(status)]
    notes: list[str] = []
    if retry > 0:
        classes.append("retry")
        notes.append(f"<span class='tag retry'>retry &times;{retry}</span>")
    elif retry < 0:
        notes.append(f"<span class='tag'>repeat &times;{-retry}</span>")
    if entry.get("fault"):
        classes.append("fault")
        notes.append(f"<span class='tag fault'>fault: {_e(entry['fault'])}</span>")
    if entry.get("error"):
        notes.append("<span class='tag err'>mock error</span>")
    notes += _referenced_notes(referenced, classes)
    query = entry.get("query")
    path = _e(entry.get("path") or "") + (f"<span class='q'>?{_e(query)}</span>" if query else "")
    bodies = [
        _body("request", entry.get("body"), budget),
        _body("response", entry.get("response_body"), budget),
        _body("mock error", entry.get("error"), budget),
    ]
    shown_bodies = "".join(b for b in bodies if b)
    return (
        _row_open(entry, section, classes)
        + _time_cell(entry, start)
        + f"<td class='m'>{_e(entry.get('method') or '')}</td><td class='p'>{path}</td>"
        f"<td>{_badge(status)}</td><td class='num rl'>{_rate(entry.get('rate_limit'))}</td>"
        f"<td class='notes'>{' '.join(notes)}</td><td class='b'>{shown_bodies}</td></tr>"
    )


def _side_effect_row(
    entry: dict, section: str, start: float | None, referenced: list[str] | None, budget: _Budget
) -> str:
    kind = str(entry.get("kind") or "side effect")
    classes = ["ev", "se"]
    notes: list[str] = []
    status_cell = ""
    if kind.startswith("webhook"):
        classes.append("wh")
    if kind == "webhook.attempt":
        status = entry.get("status")
        classes.append(_status_class(status))
        status_cell = _badge(status)
        notes.append(f"<span class='tag'>attempt {_e(entry.get('attempt'))}</span>")
        if entry.get("outcome"):
            notes.append(f"<span class='tag'>{_e(entry['outcome'])}</span>")
        if entry.get("error"):
            notes.append(f"<span class='tag err'>{_e(entry['error'])}</span>")
        what = f"{_e(entry.get('event') or '')} &rarr; {_e(entry.get('url') or '')}"
    else:
        what = f"<span class='compact'>{_e(_compact(entry))}</span>"
    if entry.get("request_seq") is not None:
        link = row_id(section, entry["request_seq"])
        notes.append(f"<a class='tag' href='#{link}'>from #{_e(entry['request_seq'])}</a>")
    notes += _referenced_notes(referenced, classes)
    return (
        _row_open(entry, section, classes)
        + _time_cell(entry, start)
        + f"<td class='m se-kind'>{_e(kind)}</td><td class='p'>{what}</td><td>{status_cell}</td>"
        f"<td></td><td class='notes'>{' '.join(notes)}</td><td class='b'>"
        f"{_body('entry', json.dumps(entry, ensure_ascii=False, default=str), budget)}</td></tr>"
    )


def _referenced_notes(referenced: list[str] | None, classes: list[str]) -> list[str]:
    if not referenced:
        return []
    classes.append("hl")
    referenced = list(dict.fromkeys(referenced))  # one note per check and product, however many fields
    shown = ", ".join(referenced[:5]) + (f" and {len(referenced) - 5} more" if len(referenced) > 5 else "")
    return [f"<span class='tag ref'>&#9873; {_e(shown)}</span>"]


def _row_open(entry: dict, section: str, classes: list[str]) -> str:
    seq = entry.get("seq")
    anchor = f" id='{row_id(section, seq)}'" if isinstance(seq, int) else ""
    return (
        f"<tr{anchor} class='{' '.join(classes)}'><td class='seq'>"
        + (f"<a href='#{row_id(section, seq)}'>#{seq}</a>" if anchor else _e(seq))
        + "</td>"
    )


def _time_cell(entry: dict, start: float | None) -> str:
    when = entry.get("time")
    if not isinstance(when, int | float):
        return "<td class='num t'></td>"
    stamp = datetime.fromtimestamp(when, UTC).isoformat() if 0 <= when < 1e11 else str(when)
    return f"<td class='num t' title='{_e(stamp)}'>+{when - (start or when):.3f}&nbsp;s</td>"


def _status_class(status: Any) -> str:
    if status == 429:
        return "s429"
    if isinstance(status, int) and 100 <= status < 600:
        return f"s{status // 100}xx"
    return "snone"


def _badge(status: Any) -> str:
    return (
        f"<span class='st {_status_class(status)}'>{_e(status) if status is not None else '&mdash;'}</span>"
    )


def _rate(limit: Any) -> str:
    if not isinstance(limit, dict) or limit.get("remaining") is None:
        return ""
    total = f"/{_e(limit['limit'])}" if limit.get("limit") is not None else ""
    return f"{_e(limit['remaining'])}{total} left"


def _body(label: str, text: Any, budget: _Budget) -> str:
    if text is None or text == "":
        return ""
    raw = str(text)
    pretty = _pretty_json(raw) if budget.left > 0 else raw
    keep = MAX_BODY_CHARS if budget.left > 0 else SHORT_BODY_CHARS
    shown = pretty[:keep]
    budget.left -= len(shown)
    more = ""
    if len(pretty) > keep:
        why = "" if keep == MAX_BODY_CHARS else " (this timeline's room for bodies is used up)"
        more = f"\n… {len(pretty) - keep} more characters{why}"
    return (
        f"<details><summary>{_e(label)} <small>{len(raw)} chars</small></summary>"
        f"<pre>{_e(shown + more)}</pre></details>"
    )


def _pretty_json(raw: str) -> str:
    if len(raw) > _PRETTY_LIMIT or raw[:1] not in "{[":
        return raw
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return raw


def _compact(entry: dict, limit: int = 200) -> str:
    parts = []
    for key, value in entry.items():
        if key in _SE_SKIP or value is None:
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        parts.append(f"{key}={shown if len(shown) <= 60 else shown[:57] + '…'}")
    text = " ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- helpers -----------------------------------------------------------------------------------------------
def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _opt(value: Any) -> str:
    return _e(value) if value is not None else "<span class='none'>&mdash;</span>"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _group(items: Iterable[Result], key: Any) -> dict[str, list[Result]]:
    out: dict[str, list[Result]] = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out


_CSS = """
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--mute:#57606a;--line:#d0d7de;--bg:#f6f8fa;--hl:#fff8c5}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328}
header{padding:12px 20px;border-bottom:4px solid var(--ok);background:var(--bg)}
header.fail{border-bottom-color:var(--bad)}
h1{margin:0 0 4px;font-size:20px}h2{font-size:17px;margin:18px 0 6px}h3{font-size:14px;margin:10px 0 4px}
h2 small{font-weight:normal;color:var(--mute)}
.counts{margin:0;font-size:15px}.n-pass{color:var(--ok);font-weight:600}.n-fail{color:var(--bad);font-weight:600}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:0 12px;margin:6px 0;font-size:13px}
.meta dt{color:var(--mute)}
.meta dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.tools{margin-top:6px;display:flex;gap:16px;align-items:center}
.tools input[type=search]{width:22em;padding:3px 6px}#filtercount{color:var(--mute)}
nav{padding:6px 20px;border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;gap:4px 14px}
nav a{text-decoration:none}nav a.fail{color:var(--bad)}nav a.pass{color:var(--ok)}nav a.tl{color:var(--mute)}
main{padding:0 20px 40px}
table{border-collapse:collapse;width:100%;margin:4px 0}
th,td{text-align:left;padding:3px 6px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--bg);font-weight:600;position:sticky;top:0}
.num{text-align:right;white-space:nowrap}
table.checks{max-width:900px}table.checks td:first-child{font-family:ui-monospace,Menlo,Consolas,monospace}
.ok{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:700}
tr.check.c-fail td{background:#ffebe9}
table.failures{font-size:13px}table.failures th{position:static}
.sku{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}.msg{word-break:break-word}
.none{color:var(--mute)}
pre{margin:4px 0;padding:6px;background:var(--bg);border:1px solid var(--line);overflow:auto;max-height:24em;
white-space:pre-wrap;word-break:break-all;font-size:12px}
.note,.empty,.summary{color:var(--mute)}
table.timeline{font-size:13px}table.timeline td.p{font-family:ui-monospace,Menlo,Consolas,monospace;
min-width:18em;max-width:40vw;overflow-wrap:anywhere}
.q{color:var(--mute)}.seq a{color:var(--mute);text-decoration:none}
.st{display:inline-block;min-width:3em;text-align:center;border-radius:3px;padding:0 4px;font-weight:600}
.st.s2xx{color:var(--ok)}.st.s3xx{color:var(--mute)}.st.s4xx{color:#bc4c00}.st.s5xx{color:#fff;background:var(--bad)}
.st.s429{color:#fff;background:#8250df}.st.snone{color:var(--mute)}
tr.s429 td{background:#fbefff}tr.s5xx td{background:#fff5f5}
tr.se td{color:var(--mute);font-size:12px}tr.se.wh td{color:#0a3069}tr.se .se-kind{white-space:nowrap}
tr.wait td{background:#ddf4ff;color:#0a3069;font-style:italic}
tr.omitted td{text-align:center;color:var(--mute)}
.tag{display:inline-block;border:1px solid var(--line);border-radius:8px;padding:0 6px;margin:1px 2px 1px 0;
font-size:12px;white-space:nowrap;color:inherit;text-decoration:none}
.tag.retry{border-color:var(--warn);color:var(--warn)}.tag.fault{border-color:var(--bad);color:var(--bad)}
.tag.err{color:var(--bad)}.tag.wait{font-style:normal;border-color:#54aeff}.tag.ref{background:var(--hl);border-color:#d4a72c}
tr.hl td{background:var(--hl)}tr:target td{outline:2px solid #0969da;background:#ddf4ff}
td.b details summary{cursor:pointer;color:#0969da;white-space:nowrap}td.b pre{max-width:45vw}
.hidden{display:none}
"""

# Runs first: records uncaught errors, rejected promises and console.error into data-js-errors on <html>,
# so a headless browser's DOM dump shows them.
_RECORDER_JS = """
(function(){var d=document.documentElement;function rec(m){var p=d.getAttribute('data-js-errors');
d.setAttribute('data-js-errors',(p?p+' | ':'')+m);}
window.addEventListener('error',function(e){rec('error: '+(e.message||e.type));});
window.addEventListener('unhandledrejection',function(e){rec('unhandled rejection: '+e.reason);});
var ce=console.error;console.error=function(){rec('console.error: '+Array.prototype.join.call(arguments,' '));
return ce.apply(console,arguments);};})();
"""

# The filter box and the "failures only" toggle; sets data-ready on <html> when it has run to the end.
_MAIN_JS = """
(function(){var f=document.getElementById('filter'),o=document.getElementById('failonly'),
c=document.getElementById('filtercount'),rows=document.querySelectorAll('tr.check,tr.more,tr.ev'),
txt=[];for(var i=0;i<rows.length;i++){txt.push(rows[i].textContent.toLowerCase());}
function apply(){var q=f.value.trim().toLowerCase(),only=o.checked,n=0;
for(var i=0;i<rows.length;i++){var r=rows[i],hide=(q&&txt[i].indexOf(q)<0)||
(only&&(r.getAttribute('data-ok')==='1'||(r.classList.contains('ev')&&!r.classList.contains('hl'))));
r.classList.toggle('hidden',!!hide);if(!hide){n++;}}
var v=document.querySelectorAll('section.vendor');for(var j=0;j<v.length;j++){
v[j].classList.toggle('hidden',only&&!v[j].classList.contains('has-fail'));}
c.textContent=(q||only)?n+' of '+rows.length+' rows shown':'';}
f.addEventListener('input',apply);o.addEventListener('change',apply);apply();
document.documentElement.setAttribute('data-ready','1');})();
"""
