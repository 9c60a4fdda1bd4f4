"""One self-contained HTML page: a vendor-by-check matrix, results per vendor, and the journal timelines.

The page is rendered from Jinja2 templates (harness/templates/) with autoescape on, so everything from a
run (SKUs, bodies, messages) is escaped by the template engine, not by hand. The CSS and the small
script are inlined and the page loads nothing (no fonts, scripts or images): it can be attached to a
CI run and opened anywhere. It reads without the script too: failing checks are expanded, passing
contract operations and bodies are collapsed.

This module builds plain data for the templates (what a cell says and how it is classed); the
templates only lay it out. Timeline rows are built in `html_timeline` (shared with the live view of
`serve`), the Jinja2 environment in `html_env`.

Anchors: a timeline row is `#<vendor>-<label-slug>-seq-<n>`; a failure's journal entry links to the row
of the first timeline of its vendor that holds that entry (or of the timeline whose label is
`result.extra["timeline"]`). A check row is `#<vendor>-<suite>-<check>`, a contract suite
`#<vendor>-<suite>`, a vendor `#vendor-<vendor>`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .html_env import counted, environment
from .html_timeline import MAX_ROWS, Timeline, row_id, slug, timeline
from .report import Result

__all__ = ["MAX_ROWS", "Timeline", "check_id", "render_html", "row_id", "slug", "write_html"]

MAX_FAILURES = 500  # failure rows shown per check


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
        environment()
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
            timelines=[timeline(t, sections[i], refs.get(i, {})) for i, t in enumerate(timelines)],
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
