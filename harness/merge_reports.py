"""`catalog-harness merge-reports OUT.json|OUT.xml IN...`: join the reports of shards (or workers) into one.

Inputs are the `--json` output or `--junit` files of `check`, `verify` or `contract`, in any mix. A
result present in several inputs (a vendor's property check, run by every shard on its own share of
the examples) becomes one: it passes only if it passed everywhere, its failures and times add up.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from .report import Result


class MergeError(ValueError):
    """An input that cannot be read; the message names the file."""


def read_report(path: Path) -> tuple[dict[str, Any], list[Result]]:
    """(meta, results) of a JSON report or a JUnit XML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MergeError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    if text.lstrip().startswith("<"):
        return _from_junit(path, text)
    try:
        data = json.loads(text)
        meta = {k: v for k, v in data.items() if k != "results"}
        return meta, [Result(**item) for item in data["results"]]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise MergeError(f"{path}: not a catalog-harness JSON report or JUnit XML ({exc})") from None


def _from_junit(path: Path, text: str) -> tuple[dict[str, Any], list[Result]]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise MergeError(f"{path}: not valid XML ({exc})") from None
    results: list[Result] = []
    for case in root.iter("testcase"):
        vendor, _, suite = (case.get("classname") or "").partition(".")
        failure, error = case.find("failure"), case.find("error")
        texts = [failure.text or failure.get("message") or "failed"] if failure is not None else []
        inconclusive = (error.text or error.get("message") or "inconclusive") if error is not None else None
        results.append(
            Result(
                vendor,
                suite,
                case.get("name") or "",
                failure is None and error is None,
                float(case.get("time") or 0),
                failures=[{"text": t} for t in texts],
                inconclusive=inconclusive,
            )
        )
    return {"name": root.get("name")}, results


def merge(results: list[Result]) -> list[Result]:
    """One result per (vendor, suite, name), in the order first seen."""
    merged: dict[tuple[str, str, str], Result] = {}
    for r in results:
        key = (r.vendor, r.suite, r.name)
        if key not in merged:
            merged[key] = Result(**{**r.__dict__, "failures": list(r.failures), "extra": dict(r.extra)})
            continue
        into = merged[key]
        into.ok = into.ok and r.ok
        into.seconds += r.seconds
        into.failures += r.failures
        into.detail = into.detail or r.detail
        into.inconclusive = into.inconclusive or r.inconclusive
        examples = r.extra.get("examples")
        if isinstance(examples, int) and isinstance(into.extra.get("examples"), int):
            into.extra["examples"] += examples
        if not r.ok and r.extra.get("scenario") and not into.extra.get("scenario"):
            into.extra["scenario"] = r.extra["scenario"]
    return list(merged.values())
