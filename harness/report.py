"""Results as a terminal table, JSON and JUnit XML. One Result per thing that passed or failed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


@dataclass
class Result:
    vendor: str
    suite: str  # "contract" | "property" | …
    name: str
    ok: bool
    seconds: float = 0.0
    detail: str | None = None
    failures: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # Why this could not be judged (credentials refused, rate-limited throughout…); never green (rule 12).
    inconclusive: str | None = None


def verdict(r: Result) -> str:
    return "inconclusive" if r.inconclusive else "pass" if r.ok else "fail"


def table(results: list[Result], title: str) -> Table:
    """One row per check: its verdict and what it found (a run's time is in the summary line: checks
    judge one run together, so a time per check would be the same share on every row)."""
    grid = Table(title=title, title_justify="left", show_lines=False)
    for column, style in (("vendor", "bold"), ("suite", ""), ("check", ""), ("result", ""), ("found", "")):
        grid.add_column(column, style=style)
    shown = {"pass": "[green]pass[/]", "fail": "[red]FAIL[/]", "inconclusive": "[yellow]INCONCLUSIVE[/]"}
    for r in results:  # escaped: "[positive]" in a name is text, not markup
        grid.add_row(escape(r.vendor), r.suite, escape(r.name), shown[verdict(r)], escape(_found(r)))
    return grid


def _found(r: Result) -> str:
    products = {f.get("sku") for f in r.failures if f.get("sku") is not None}
    if r.failures:
        n = len(r.failures)
        text = f"{n} failure{'s' if n != 1 else ''}"
        return text + (f" in {len(products)} product{'s' if len(products) != 1 else ''}" if products else "")
    examples = r.extra.get("examples") if isinstance(r.extra, dict) else None
    return f"{examples} example{'s' if examples != 1 else ''}" if examples else ""


def print_results(console: Console, results: list[Result], title: str) -> None:
    from .failure_text import grouped_lines
    from .terminal import rule

    console.print(table(results, title))
    for r in results:
        if r.inconclusive:
            rule(console, f"[yellow]{escape(r.vendor)} · {r.suite} · {escape(r.name)}: inconclusive[/]")
            console.print(r.inconclusive, markup=False, highlight=False)
        if not r.ok and r.inconclusive is None:
            rule(console, f"[red]{escape(r.vendor)} · {r.suite} · {escape(r.name)}[/]")
            for line in grouped_lines(r.failures):
                console.print(line, markup=False, highlight=False)
            if r.detail:
                console.print(r.detail, markup=False, highlight=False)
    failed = sum(1 for r in results if verdict(r) == "fail")
    unknown = sum(1 for r in results if r.inconclusive)
    summary = f"{sum(r.ok for r in results)} passed, {failed} failed"
    if unknown:
        summary += f", {unknown} inconclusive"
    console.print(f"[red]{summary}[/]" if failed or unknown else f"[green]{summary}[/]")


def to_json(results: list[Result], **meta: Any) -> str:
    """Everything as one JSON document; `ok` only for a finished, conclusive run with every check passed."""
    ok = all(r.ok for r in results) and not meta.get("interrupted") and not meta.get("inconclusive")
    return json.dumps(
        {"ok": ok, **meta, "results": [asdict(r) for r in results]},
        indent=2,
        default=str,
    )


def write_junit(path: str | Path, results: list[Result], name: str, *, interrupted: bool = False) -> None:
    """JUnit XML, a testsuite per vendor and suite; an inconclusive result is an error, and an
    interrupted run adds an errored testcase saying so."""

    def failed(items: list[Result]) -> str:
        return str(sum(verdict(r) == "fail" for r in items))

    def unknown(items: list[Result]) -> str:
        return str(sum(r.inconclusive is not None for r in items))

    suites = ET.Element(
        "testsuites",
        name=name,
        tests=str(len(results) + interrupted),
        failures=failed(results),
        errors=str(int(unknown(results)) + interrupted),
    )
    if interrupted:
        element = ET.SubElement(suites, "testsuite", name="catalog-harness", tests="1", errors="1")
        case = ET.SubElement(element, "testcase", classname="catalog-harness", name="interrupted")
        ET.SubElement(
            case, "error", message="interrupted: the run stopped early; these are the results so far"
        )
    grouped: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        grouped.setdefault((r.vendor, r.suite), []).append(r)
    for (vendor, suite), items in grouped.items():
        element = ET.SubElement(
            suites,
            "testsuite",
            name=f"{vendor}.{suite}",
            tests=str(len(items)),
            failures=failed(items),
            errors=unknown(items),
            time=f"{sum(r.seconds for r in items):.3f}",
        )
        for r in items:
            case = ET.SubElement(
                element, "testcase", classname=f"{vendor}.{suite}", name=r.name, time=f"{r.seconds:.3f}"
            )
            if r.inconclusive:  # an error, not a skip: CI must not read it as green
                error = ET.SubElement(
                    case, "error", type="inconclusive", message=f"inconclusive: {r.inconclusive}"[:500]
                )
                error.text = r.inconclusive
            elif not r.ok:
                texts = [f.get("text") or json.dumps(f) for f in r.failures] + (
                    [r.detail] if r.detail else []
                )
                failure = ET.SubElement(case, "failure", message=(texts[0] if texts else "failed")[:500])
                failure.text = "\n".join(texts)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
