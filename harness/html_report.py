"""One self-contained HTML page: a vendor-by-check matrix, results per vendor, and the journal timelines.

The page is rendered from Jinja2 templates (harness/templates/) with autoescape on, so everything from a
run (SKUs, bodies, messages) is escaped by the template engine, not by hand. The CSS and the small
script are inlined and the page loads nothing (no fonts, scripts or images): it can be attached to a
CI run and opened anywhere. It reads without the script too: failing checks are expanded, passing
contract operations and bodies are collapsed.

This module builds plain data for the templates (what a row says and how it is classed); the
templates only lay it out.

Anchors: a timeline row is `#<vendor>-<label-slug>-seq-<n>`; a failure's journal entry links to the row
of the first timeline of its vendor that holds that entry (or of the timeline whose label is
`result.extra["timeline"]`). A check row is `#<vendor>-<suite>-<check>`, a contract suite
`#<vendor>-<suite>`, a vendor `#vendor-<vendor>`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from .report import Result

MAX_ROWS = 2_000  # timeline entries shown per timeline; referenced rows past it are still shown
MAX_FAILURES = 500  # failure rows shown per check
MAX_BODY_CHARS = 4_000  # characters of a body preview kept in the page
BODY_BUDGET = 1_000_000  # body characters per timeline; past it, bodies are cut to SHORT_BODY_CHARS
SHORT_BODY_CHARS = 200
WAIT_SECONDS = 1.0  # a clock jump at least this long between entries gets a "wait" row
_PRETTY_LIMIT = 20_000  # bodies up to this size are pretty-printed when they are JSON
_SE_SKIP = frozenset({"seq", "type", "kind", "time", "request_seq"})
_PLURALS = {"retry": "retries", "entry": "entries", "side effect": "side effects"}


@dataclass
class _Budget:
    left: int = BODY_BUDGET


@dataclass
class Timeline:
    """The journal entries of one run, e.g. label "minimal failing example" or "verify run"."""

    vendor: str
    label: str
    entries: list[dict]


def counted(n: int, word: str) -> str:
    """'1 retry', '2 retries', '0 failures': the number with the word in the right number."""
    return f"{n} {word if n == 1 else _PLURALS.get(word, word + 's')}"


def breakable(name: str) -> Markup:
    """A check name that may wrap after its underscores (the matrix's headers stay narrow)."""
    return Markup("_<wbr>").join(escape(part) for part in str(name).split("_"))


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("harness", "templates"),
        autoescape=select_autoescape(["html.j2"], default_for_string=True),
        undefined=StrictUndefined,  # a typo in a template fails the render, not the reader
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["counted"] = counted
    env.filters["breakable"] = breakable
    # CSS and script go in verbatim, not parsed as templates (a "{#" in them would start a comment).
    env.globals["inline"] = lambda name: Markup(env.loader.get_source(env, name)[0])  # type: ignore[union-attr]
    return env


def render_html(
    title: str,
    results: list[Result],
    timelines: list[Timeline],
    meta: dict[str, Any] | None = None,
    *,
    interrupted: bool = False,
) -> str:
    sections = _timeline_ids(timelines)
    refs = _references(results, timelines, sections)
    failed = sum(1 for r in results if not r.ok)
    vendors = _group(results, lambda r: r.vendor)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            verdict="interrupted" if interrupted else "fail" if failed else "pass",
            interrupted=interrupted,
            passed=len(results) - failed,
            failed=failed,
            total=len(results),
            meta=[(str(k), _text(v)) for k, v in (meta or {}).items()],
            matrix=_matrix(results),
            nav=[(f"vendor-{slug(v)}", v, any(not r.ok for r in rs)) for v, rs in vendors.items()]
            + [(sections[i], f"{t.vendor} · {t.label}", None) for i, t in enumerate(timelines)],
            vendors=[_vendor(v, items, timelines, sections) for v, items in vendors.items()],
            timelines=[_timeline(t, sections[i], refs.get(i, {})) for i, t in enumerate(timelines)],
        )
    )


def write_html(
    path: str | Path,
    title: str,
    results: list[Result],
    timelines: list[Timeline],
    meta: dict[str, Any] | None = None,
    *,
    interrupted: bool = False,
) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(title, results, timelines, meta, interrupted=interrupted), encoding="utf-8")


def slug(text: str) -> str:
    """Lower-case letters, digits and single dashes: safe in an id and a URL fragment."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def row_id(section: str, seq: Any) -> str:
    return f"{section}-seq-{seq}"


def check_id(result: Result) -> str:
    return f"{slug(result.vendor)}-{slug(result.suite)}-{slug(result.name)}"


def is_operation_suite(suite: str) -> bool:
    """Contract suites hold one result per operation and mode; the others one per named check."""
    return "contract" in suite


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


def _target(result: Result, seq: Any, timelines: list[Timeline], sections: list[str]) -> str | None:
    """The anchor of the timeline row for a failure's journal entry, or None when no timeline holds it."""
    if seq is None:
        return None
    wanted = result.extra.get("timeline") if isinstance(result.extra, dict) else None
    for i, t in enumerate(timelines):
        mine = t.vendor == result.vendor and (wanted is None or t.label == wanted)
        if mine and any(e.get("seq") == seq for e in t.entries):
            return row_id(sections[i], seq)
    return None


def _references(
    results: list[Result], timelines: list[Timeline], sections: list[str]
) -> dict[int, dict[Any, list[str]]]:
    """timeline index -> seq -> short descriptions of the failures that point at that entry."""
    index = {section: i for i, section in enumerate(sections)}
    refs: dict[int, dict[Any, list[str]]] = {}
    for r in results:
        for failure in r.failures:
            anchor = _target(r, failure.get("entry"), timelines, sections)
            if anchor is not None:
                what = failure.get("check") or r.name
                if failure.get("sku") is not None:
                    what += f" ({failure['sku']})"
                section = anchor.rsplit("-seq-", 1)[0]
                refs.setdefault(index[section], {}).setdefault(failure["entry"], []).append(what)
    return refs


# -- matrix and results ------------------------------------------------------------------------------------
def _matrix(results: list[Result]) -> dict[str, Any]:
    """Rows of vendors, columns of checks (and one per contract suite), each cell linking to its detail."""
    columns: list[tuple[str, str]] = []  # (suite, check name or "" for a whole contract suite)
    for r in results:
        column = (r.suite, "") if is_operation_suite(r.suite) else (r.suite, r.name)
        if column not in columns:
            columns.append(column)
    columns.sort(key=lambda c: not c[1])  # checks first, then one column per contract suite
    rows = []
    for vendor, items in _group(results, lambda r: r.vendor).items():
        cells = []
        for suite, name in columns:
            mine = [r for r in items if r.suite == suite and (not name or r.name == name)]
            if not mine:
                cells.append(None)
            elif name:
                r = mine[0]
                cells.append(
                    {
                        "ok": r.ok,
                        "text": "pass"
                        if r.ok
                        else counted(len(r.failures), "failure")
                        if r.failures
                        else "FAIL",
                        "href": check_id(r),
                    }
                )
            else:
                bad = sum(not r.ok for r in mine)
                cells.append(
                    {
                        "ok": not bad,
                        "text": f"{len(mine)} pass" if not bad else f"{bad} of {len(mine)} fail",
                        "href": f"{slug(vendor)}-{slug(suite)}",
                    }
                )
        rows.append({"vendor": vendor, "href": f"vendor-{slug(vendor)}", "cells": cells})
    return {"columns": [name or suite for suite, name in columns], "rows": rows}


def _vendor(
    vendor: str, items: list[Result], timelines: list[Timeline], sections: list[str]
) -> dict[str, Any]:
    suites = []
    for suite, results in _group(items, lambda r: r.suite).items():
        bad = [r for r in results if not r.ok]
        seconds = sum(r.seconds for r in results)
        if is_operation_suite(suite):
            suites.append(
                {
                    "kind": "operations",
                    "name": suite,
                    "id": f"{slug(vendor)}-{slug(suite)}",
                    "passed": len(results) - len(bad),
                    "failed": len(bad),
                    "seconds": seconds,
                    "failing": [_operation(r) for r in bad],
                    "passing": [_operation(r) for r in results if r.ok],
                }
            )
        else:
            examples = next((r.extra.get("examples") for r in results if r.extra.get("examples")), None)
            suites.append(
                {
                    "kind": "checks",
                    "name": suite,
                    "id": f"{slug(vendor)}-{slug(suite)}",
                    "passed": len(results) - len(bad),
                    "failed": len(bad),
                    "seconds": seconds,
                    "examples": examples,
                    "checks": [_check(r, timelines, sections) for r in results],
                }
            )
    suites.sort(key=lambda s: (s["kind"] == "operations", -s["failed"] if s["kind"] == "operations" else 0))
    bad = sum(1 for r in items if not r.ok)
    return {
        "name": vendor,
        "id": f"vendor-{slug(vendor)}",
        "passed": len(items) - bad,
        "failed": bad,
        "suites": suites,
        "timelines": [(sections[i], t.label) for i, t in enumerate(timelines) if t.vendor == vendor],
    }


def _operation(r: Result) -> dict[str, Any]:
    extra = r.extra if isinstance(r.extra, dict) else {}
    return {
        "id": check_id(r),
        "name": r.name,
        "ok": r.ok,
        "examples": extra.get("examples"),
        "note": extra.get("note"),
        "seconds": r.seconds,
        "detail": r.detail,
    }


def _check(r: Result, timelines: list[Timeline], sections: list[str]) -> dict[str, Any]:
    extra = {k: v for k, v in (r.extra or {}).items() if v not in (None, "", [], {})}
    return {
        "id": check_id(r),
        "name": r.name,
        "ok": r.ok,
        "count": len(r.failures),
        "groups": _failure_groups(r, timelines, sections),
        "hidden": max(0, len(r.failures) - MAX_FAILURES),
        "detail": r.detail,
        "extra": _pretty(extra) if extra else None,
    }


def _failure_groups(r: Result, timelines: list[Timeline], sections: list[str]) -> list[dict[str, Any]]:
    """The failures of one check, grouped by product in the order products first appear."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for failure in r.failures[:MAX_FAILURES]:
        seq = failure.get("entry")
        sku = failure.get("sku")
        groups.setdefault("" if sku is None else str(sku), []).append(
            {
                "check": failure.get("check") or r.name,
                "field": failure.get("field"),
                "message": failure.get("message") or failure.get("text") or _text(failure),
                "request": failure.get("request"),
                "seq": seq,
                "href": _target(r, seq, timelines, sections),
            }
        )
    return [{"sku": sku or None, "failures": rows} for sku, rows in groups.items()]


# -- timelines ---------------------------------------------------------------------------------------------
def _timeline(t: Timeline, section: str, refs: dict[Any, list[str]]) -> dict[str, Any]:
    entries = sorted(t.entries, key=lambda e: (e.get("seq") is None, e.get("seq") or 0))
    shown = {i for i, e in enumerate(entries) if i < MAX_ROWS or e.get("seq") in refs}
    start = entries[0].get("time") if entries else None
    rows: list[dict[str, Any]] = []
    previous: dict | None = None  # the entry before, for wait rows (shown or not)
    last_request: dict | None = None
    streak, last_signature, last_shown = 0, None, -1
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
        if i in shown:
            if i - last_shown > 1:
                rows.append({"kind": "omitted", "count": i - last_shown - 1})
            if gap is not None:
                rows.append(_wait_row(gap, last_request))
            referenced = refs.get(entry.get("seq"))
            if kind == "request":
                rows.append(_request_row(entry, section, start, retry, referenced, budget))
            else:
                rows.append(_side_effect_row(entry, section, start, referenced, budget))
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
        rows.append({"kind": "omitted", "count": len(entries) - 1 - last_shown})
    requests = sum(1 for e in entries if e.get("type") == "request")
    return {
        "id": section,
        "vendor": t.vendor,
        "label": t.label,
        "rows": rows,
        "entries": len(entries),
        "capped": len(entries) > MAX_ROWS,
        "max_rows": MAX_ROWS,
        "requests": requests,
        "side_effects": len(entries) - requests,
        "stats": stats,
        "span": (entries[-1].get("time") or 0) - (start or 0) if entries else 0.0,
    }


def _gap(previous: dict | None, entry: dict) -> float | None:
    if previous is None:
        return None
    before, now = previous.get("time"), entry.get("time")
    if not isinstance(before, int | float) or not isinstance(now, int | float):
        return None
    return now - before if now - before >= WAIT_SECONDS else None


def _wait_row(gap: float, last_request: dict | None) -> dict[str, Any]:
    why = ""
    if last_request is not None:
        seq, limit = last_request.get("seq"), last_request.get("rate_limit") or {}
        if last_request.get("status") == 429:
            why = f"waiting out the 429 of #{seq}"
        elif limit.get("remaining") == 0:
            why = f"rate-limit window used up at #{seq}"
        elif (last_request.get("status") or 0) >= 500 or last_request.get("fault"):
            why = f"backing off after #{seq}"
    return {"kind": "wait", "seconds": gap, "why": why}


def _failed(entry: dict | None) -> bool:
    status = entry.get("status") if entry else None
    return entry is not None and (status is None or status >= 400 or bool(entry.get("fault")))


def _row_base(entry: dict, section: str, start: float | None, classes: list[str]) -> dict[str, Any]:
    seq = entry.get("seq")
    when = entry.get("time")
    at = stamp = None
    if isinstance(when, int | float):
        at = when - (start if isinstance(start, int | float) else when)
        stamp = datetime.fromtimestamp(when, UTC).isoformat() if 0 <= when < 1e11 else str(when)
    return {
        "seq": seq,
        "id": row_id(section, seq) if isinstance(seq, int) else None,
        "classes": classes,
        "at": at,
        "stamp": stamp,
    }


def _request_row(
    entry: dict,
    section: str,
    start: float | None,
    retry: int,  # > 0: a retry after a failure; < 0: the same request again after a success
    referenced: list[str] | None,
    budget: _Budget,
) -> dict[str, Any]:
    status = entry.get("status")
    classes = ["ev", "req", _status_class(status)]
    tags: list[tuple[str, str]] = []  # (css class, text)
    if retry > 0:
        classes.append("retry")
        tags.append(("retry", f"retry \u00d7{retry}"))
    elif retry < 0:
        tags.append(("", f"repeat \u00d7{-retry}"))
    if entry.get("fault"):
        classes.append("fault")
        tags.append(("fault", f"fault: {entry['fault']}"))
    if entry.get("error"):
        tags.append(("err", "mock error"))
    row = _row_base(entry, section, start, classes)
    bodies = [
        _body("request", entry.get("body"), budget),
        _body("response", entry.get("response_body"), budget),
        _body("mock error", entry.get("error"), budget),
    ]
    row.update(
        kind="request",
        method=entry.get("method") or "",
        path=entry.get("path") or "",
        query=entry.get("query") or "",
        status=status,
        status_class=_status_class(status),
        rate=_rate(entry.get("rate_limit")),
        tags=tags,
        link=None,
        flag=_flag(referenced, classes),
        bodies=[b for b in bodies if b],
    )
    return row


def _side_effect_row(
    entry: dict, section: str, start: float | None, referenced: list[str] | None, budget: _Budget
) -> dict[str, Any]:
    kind = str(entry.get("kind") or "side effect")
    classes = ["ev", "se"]
    tags: list[tuple[str, str]] = []
    status = None
    if kind.startswith("webhook"):
        classes.append("wh")
    if kind == "webhook.attempt":
        status = entry.get("status")
        classes.append(_status_class(status))
        tags.append(("", f"attempt {entry.get('attempt')}"))
        if entry.get("outcome"):
            tags.append(("", str(entry["outcome"])))
        if entry.get("error"):
            tags.append(("err", str(entry["error"])))
        what, compact = f"{entry.get('event') or ''} → {entry.get('url') or ''}", False
    else:
        what, compact = _compact(entry), True
    request_seq = entry.get("request_seq")
    row = _row_base(entry, section, start, classes)
    row.update(
        kind="side_effect",
        method=kind,
        path=what,
        compact=compact,
        status=status,
        status_class=_status_class(status) if status is not None else None,
        tags=tags,
        link=(row_id(section, request_seq), f"from #{request_seq}") if request_seq is not None else None,
        flag=_flag(referenced, classes),
        bodies=[b for b in [_body("entry", json.dumps(entry, ensure_ascii=False, default=str), budget)] if b],
    )
    return row


def _flag(referenced: list[str] | None, classes: list[str]) -> str | None:
    if not referenced:
        return None
    classes.append("hl")
    referenced = list(dict.fromkeys(referenced))  # one note per check and product, however many fields
    return ", ".join(referenced[:5]) + (f" and {len(referenced) - 5} more" if len(referenced) > 5 else "")


def _status_class(status: Any) -> str:
    if status == 429:
        return "s429"
    if isinstance(status, int) and 100 <= status < 600:
        return f"s{status // 100}xx"
    return "snone"


def _rate(limit: Any) -> str:
    if not isinstance(limit, dict) or limit.get("remaining") is None:
        return ""
    total = f"/{limit['limit']}" if limit.get("limit") is not None else ""
    return f"{limit['remaining']}{total} left"


def _body(label: str, text: Any, budget: _Budget) -> dict[str, Any] | None:
    if text is None or text == "":
        return None
    raw = str(text)
    pretty = _pretty_json(raw) if budget.left > 0 else raw
    keep = MAX_BODY_CHARS if budget.left > 0 else SHORT_BODY_CHARS
    shown = pretty[:keep]
    budget.left -= len(shown)
    if len(pretty) > keep:
        why = "" if keep == MAX_BODY_CHARS else " (this timeline's room for bodies is used up)"
        shown += f"\n… {len(pretty) - keep} more characters{why}"
    return {"label": label, "chars": len(raw), "text": shown}


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
def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _group(items: Iterable[Result], key: Callable[[Result], str]) -> dict[str, list[Result]]:
    out: dict[str, list[Result]] = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out
