"""How a check failure reads in a terminal, a CI log, JSON and JUnit: what was found, on which field,
through which request, and the lines of one product together.

A line reads "source 21909.76, vendor 219.1 (weightOz, PUT /products/3 → 200)": the check's message,
then the field and the journal entry as the request it was (method, path, status), so nobody has to
look the entry up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def request_of(entry: dict | None) -> str | None:
    """'PUT /products/3 → 200' for a request entry; None for anything else."""
    if not entry or "method" not in entry:
        return None
    return f"{entry['method']} {entry['path']} → {entry.get('status')}"


def described(failure: Any, journal: Iterable[dict]) -> dict[str, Any]:
    """A CheckFailure as a dict with `request` and the one-line `text` every report shows."""
    data = failure.as_dict()
    by_seq = {e.get("seq"): e for e in journal}
    data["request"] = request_of(by_seq.get(data.get("entry"))) if data.get("entry") is not None else None
    data["text"] = one_line(data)
    return data


def where(failure: dict[str, Any]) -> str:
    """'(weightOz, PUT /products/3 → 200)', '(journal #7)' or '' when there is nothing to say."""
    parts = [str(failure["field"])] if failure.get("field") is not None else []
    if failure.get("request"):
        parts.append(f"{failure['request']}, journal #{failure['entry']}")
    elif failure.get("entry") is not None:
        parts.append(f"journal #{failure['entry']}")
    return f" ({', '.join(parts)})" if parts else ""


def one_line(failure: dict[str, Any]) -> str:
    """The whole failure on one line: check, product, what was found, field and request."""
    product = f" {failure['sku']}" if failure.get("sku") is not None else ""
    return f"[{failure.get('check')}]{product}: {failure.get('message')}{where(failure)}"


def grouped_lines(failures: list[dict[str, Any]], limit: int = 50) -> list[str]:
    """The failures of one check, one block per product (in the order products first appear)."""
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for failure in failures:
        sku = failure.get("sku")
        groups.setdefault(None if sku is None else str(sku), []).append(failure)
    lines: list[str] = []
    shown = 0
    for sku, items in groups.items():
        if shown >= limit:
            break
        lines.append(sku if sku is not None else "(no single product)")
        for failure in items[: limit - shown]:
            message = failure.get("message") or failure.get("text") or str(failure)
            lines.append(f"  {message}{where(failure)}")
            shown += 1
    if len(failures) > shown:
        lines.append(f"… and {len(failures) - shown} more")
    return lines
