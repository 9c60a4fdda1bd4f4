"""A journal as timeline rows: the data `_timeline.html.j2` lays out, for the HTML report and the live view.

A row needs to know about the entries before it (how long the clock jumped since the last one, whether
a request repeats one that failed), so `Rows` takes entries one at a time, oldest first, and remembers
that. The report feeds it a whole journal; the live view feeds it the entries after the last row a page
shows, with some entries before them as context only.

Anchors: a row is `#<section>-seq-<n>`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_ROWS = 2_000  # timeline entries shown per timeline; referenced rows past it are still shown
MAX_BODY_CHARS = 4_000  # characters of a body preview kept in the page
BODY_BUDGET = 1_000_000  # body characters per timeline; past it, bodies are cut to SHORT_BODY_CHARS
SHORT_BODY_CHARS = 200
WAIT_SECONDS = 1.0  # a clock jump at least this long between entries gets a "wait" row
_PRETTY_LIMIT = 20_000  # bodies up to this size are pretty-printed when they are JSON
_SE_SKIP = frozenset({"seq", "type", "kind", "time", "request_seq"})


@dataclass
class Timeline:
    """The journal entries of one run, e.g. label "minimal failing example" or "verify run"."""

    vendor: str
    label: str
    entries: list[dict]


def slug(text: str) -> str:
    """Lower-case letters, digits and single dashes: safe in an id and a URL fragment."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def row_id(section: str, seq: Any) -> str:
    return f"{section}-seq-{seq}"


def by_seq(entries: list[dict]) -> list[dict]:
    return sorted(entries, key=lambda e: (e.get("seq") is None, e.get("seq") or 0))


@dataclass
class Rows:
    """Rows of one timeline, built entry by entry (oldest first), with the timeline's counts so far."""

    section: str  # the anchor prefix of the rows
    start: float | None  # the clock time rows are shown relative to ("+1.250 s")
    refs: dict[Any, list[str]] = field(default_factory=dict)  # seq -> failures pointing at that entry
    body_budget: int = BODY_BUDGET
    stats: dict[str, float] = field(
        default_factory=lambda: {"429": 0, "retries": 0, "faults": 0, "webhooks": 0, "waited": 0.0}
    )
    _previous: dict | None = None  # the entry before, for wait rows (shown or not)
    _last_request: dict | None = None
    _streak: int = 0
    _signature: tuple | None = None

    def add(self, entry: dict, show: bool = True) -> list[dict[str, Any]]:
        """The rows for `entry` (a wait row first when the clock jumped); none when not shown."""
        kind = entry.get("type")
        retry = 0
        if kind == "request":
            signature = (entry.get("method"), entry.get("path"), entry.get("query"), entry.get("body"))
            self._streak = self._streak + 1 if signature == self._signature else 1
            self._signature, retry = signature, self._streak - 1
            if retry and not _failed(self._last_request):
                retry = -retry  # the same request again after a success: polling, not a retry
        gap = _gap(self._previous, entry)
        if gap is not None:
            self.stats["waited"] += gap
        rows: list[dict[str, Any]] = []
        if show:
            if gap is not None:
                rows.append(_wait_row(gap, self._last_request))
            referenced = self.refs.get(entry.get("seq"))
            if kind == "request":
                rows.append(self._request_row(entry, retry, referenced))
            else:
                rows.append(self._side_effect_row(entry, referenced))
        if kind == "request":
            self.stats["429"] += entry.get("status") == 429
            self.stats["retries"] += retry > 0  # repeats after a success (polling) are not retries
            self.stats["faults"] += bool(entry.get("fault"))
            self._last_request = entry
        elif entry.get("kind") == "webhook.attempt":
            self.stats["webhooks"] += 1
        self._previous = entry
        return rows

    def _base(self, entry: dict, classes: list[str]) -> dict[str, Any]:
        seq = entry.get("seq")
        when, start = entry.get("time"), self.start
        at = stamp = None
        if isinstance(when, int | float):
            at = when - (start if isinstance(start, int | float) else when)
            stamp = datetime.fromtimestamp(when, UTC).isoformat() if 0 <= when < 1e11 else str(when)
        return {
            "seq": seq,
            "id": row_id(self.section, seq) if isinstance(seq, int) else None,
            "classes": classes,
            "at": at,
            "stamp": stamp,
        }

    def _request_row(
        self,
        entry: dict,
        retry: int,  # > 0: a retry after a failure; < 0: the same request again after a success
        referenced: list[str] | None,
    ) -> dict[str, Any]:
        status = entry.get("status")
        classes = ["ev", "req", status_class(status)]
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
        row = self._base(entry, classes)
        bodies = [
            self._body("request", entry.get("body")),
            self._body("response", entry.get("response_body")),
            self._body("mock error", entry.get("error")),
        ]
        row.update(
            kind="request",
            method=entry.get("method") or "",
            path=entry.get("path") or "",
            query=entry.get("query") or "",
            status=status,
            status_class=status_class(status),
            rate=_rate(entry.get("rate_limit")),
            tags=tags,
            link=None,
            flag=_flag(referenced, classes),
            bodies=[b for b in bodies if b],
        )
        return row

    def _side_effect_row(self, entry: dict, referenced: list[str] | None) -> dict[str, Any]:
        kind = str(entry.get("kind") or "side effect")
        classes = ["ev", "se"]
        tags: list[tuple[str, str]] = []
        status = None
        if kind.startswith("webhook"):
            classes.append("wh")
        if kind == "webhook.attempt":
            status = entry.get("status")
            classes.append(status_class(status))
            tags.append(("", f"attempt {entry.get('attempt')}"))
            if entry.get("outcome"):
                tags.append(("", str(entry["outcome"])))
            if entry.get("error"):
                tags.append(("err", str(entry["error"])))
            what, compact = f"{entry.get('event') or ''} → {entry.get('url') or ''}", False
        else:
            what, compact = compact_text(entry), True
        request_seq = entry.get("request_seq")
        row = self._base(entry, classes)
        link = None if request_seq is None else (row_id(self.section, request_seq), f"from #{request_seq}")
        body = self._body("entry", json.dumps(entry, ensure_ascii=False, default=str))
        row.update(
            kind="side_effect",
            method=kind,
            path=what,
            compact=compact,
            status=status,
            status_class=status_class(status) if status is not None else None,
            tags=tags,
            link=link,
            flag=_flag(referenced, classes),
            bodies=[body] if body else [],
        )
        return row

    def _body(self, label: str, text: Any) -> dict[str, Any] | None:
        if text is None or text == "":
            return None
        raw = str(text)
        pretty = _pretty_json(raw) if self.body_budget > 0 else raw
        keep = MAX_BODY_CHARS if self.body_budget > 0 else SHORT_BODY_CHARS
        shown = pretty[:keep]
        self.body_budget -= len(shown)
        if len(pretty) > keep:
            why = "" if keep == MAX_BODY_CHARS else " (this timeline's room for bodies is used up)"
            shown += f"\n… {len(pretty) - keep} more characters{why}"
        return {"label": label, "chars": len(raw), "text": shown}


def timeline(t: Timeline, section: str, refs: dict[Any, list[str]]) -> dict[str, Any]:
    """A whole timeline for the report: the first MAX_ROWS entries and every entry a failure points at."""
    entries = by_seq(t.entries)
    start = entries[0].get("time") if entries else None
    builder = Rows(section, start, refs)
    rows: list[dict[str, Any]] = []
    last_shown = -1
    for i, entry in enumerate(entries):
        show = i < MAX_ROWS or entry.get("seq") in refs
        if show and i - last_shown > 1:
            rows.append({"kind": "omitted", "count": i - last_shown - 1})
        rows.extend(builder.add(entry, show))
        if show:
            last_shown = i
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
        "stats": builder.stats,
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


def _flag(referenced: list[str] | None, classes: list[str]) -> str | None:
    if not referenced:
        return None
    classes.append("hl")
    referenced = list(dict.fromkeys(referenced))  # one note per check and product, however many fields
    return ", ".join(referenced[:5]) + (f" and {len(referenced) - 5} more" if len(referenced) > 5 else "")


def status_class(status: Any) -> str:
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


def _pretty_json(raw: str) -> str:
    if len(raw) > _PRETTY_LIMIT or raw[:1] not in "{[":
        return raw
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return raw


def compact_text(entry: dict, limit: int = 200, skip: frozenset[str] = _SE_SKIP) -> str:
    """`key=value ...` on one line, long values cut: a side effect (or a product) at a glance."""
    parts = []
    for key, value in entry.items():
        if key in skip or value is None:
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        parts.append(f"{key}={shown if len(shown) <= 60 else shown[:57] + '…'}")
    text = " ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"
