"""What the live view shows, read from the mock in process: journal rows after a seq, and the state panels.

Plain data for the templates, as in `harness.html_report`: the rows come from the same `Rows` builder as
the report's timelines, so a live row and a report row are the same row.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mocks.kit.core import Mock

from ..html_timeline import Rows, by_seq, compact_text

PAGE = 200  # rows sent per poll at most (the first poll of a long journal: its newest PAGE entries)
BODY_BUDGET = 200_000  # body characters per poll; past it bodies are cut short (as in a long report)
PANEL_SHARE = (
    0.1  # the panels are recomputed at most this share of the time (a big catalogue is slow to read)
)
CONTEXT = 50  # entries before the first new one, read so its row knows its wait and retry count
MAX_PRODUCTS = 100  # products listed in the panel; the count says how many more
# Settings that are credentials: the panel shows how many, not what (the page may be on a shared screen).
CREDENTIAL_SETTINGS = frozenset({"accounts", "partners", "stores", "api_keys", "subscription_keys"})


def journal_rows(mock: Mock, section: str, after: int | None) -> dict[str, Any]:
    """The rows of the entries after seq `after` (all when None, up to PAGE), and where the page is now.

    `restart`: the journal no longer holds the entry `after` nor any before it (a reset, a cleared
    journal, or the ring moved past it): the page drops its rows and takes these instead."""
    journal = mock.journal
    first = next(journal.iter_entries(limit=1, after=0), None)
    oldest = first.get("seq") if first else None
    restart = after is not None and (oldest is None or oldest > after)
    if restart or after is None:
        entries = by_seq(list(journal.iter_entries(limit=PAGE + CONTEXT)))
        context = max(0, len(entries) - PAGE)
        after = None
    else:
        entries = by_seq(list(journal.iter_entries(limit=PAGE + CONTEXT, after=max(0, after - CONTEXT))))
        context = sum(1 for e in entries if (e.get("seq") or 0) <= after)
    builder = Rows(section, first.get("time") if first else None, body_budget=BODY_BUDGET)
    rows: list[dict[str, Any]] = []
    if after is None and context:
        rows.append({"kind": "omitted", "count": (entries[context].get("seq") or 0) - (oldest or 0)})
    for i, entry in enumerate(entries):
        rows.extend(builder.add(entry, show=i >= context))
    shown = entries[context:]
    last = shown[-1].get("seq") if shown else after
    return {"rows": rows, "last": last, "restart": restart}


def panels(mock: Mock) -> dict[str, Any]:
    """Faults (with how often each fired), quirks and settings, and the products of the default account."""
    account = mock.backend.default_account
    products = mock.backend.products(account)
    settings = dict(mock.settings)
    quirks = settings.pop("quirks", {})
    return {
        "faults": [_fault(rule) for rule in mock.faults.describe()],
        "quirks": [
            {"name": name, "value": _text(value), "changed": value != mock.spec.quirks.get(name)}
            for name, value in sorted(quirks.items())
        ],
        "settings": [
            (key, f"{len(value)} (credentials, not shown)" if key in CREDENTIAL_SETTINGS else _text(value))
            for key, value in settings.items()
        ],
        "account": account,
        "products": [
            {"line": compact_text(p, 160, frozenset()), "json": json.dumps(p, indent=2, ensure_ascii=False)}
            for p in products[:MAX_PRODUCTS]
        ],
        "more_products": max(0, len(products) - MAX_PRODUCTS),
        "product_count": len(products),
    }


class Throttled:
    """A value recomputed on demand, but never more than PANEL_SHARE of the wall-clock time: after a
    computation that took t seconds, the next waits t / PANEL_SHARE (or until `invalidate`). `version`
    counts the changes, so a poll sends the value only to a page that does not have it yet."""

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute = compute
        self._lock = threading.Lock()
        self._value: Any = None
        self._next = 0.0
        self.version = 0

    def get(self) -> tuple[int, Any]:
        with self._lock:
            started = time.monotonic()  # the harness's own cost, not the mock's time (DESIGN rule 3)
            if self.version == 0 or started >= self._next:
                value = self._compute()
                self._next = started + (time.monotonic() - started) / PANEL_SHARE
                if self.version == 0 or value != self._value:
                    self._value, self.version = value, self.version + 1
            return self.version, self._value

    def invalidate(self) -> None:
        with self._lock:
            self._next = 0.0


def clock(mock: Mock) -> dict[str, Any]:
    state = mock.clock.snapshot()
    now = state["now"]
    return {"mode": state["mode"], "now": now, "iso": datetime.fromtimestamp(now, UTC).isoformat()}


def _fault(rule: dict) -> dict[str, Any]:
    rule = dict(rule)
    shown = {k: rule.pop(k, None) for k in ("effect", "method", "path", "status", "times", "fired")}
    return {**shown, "rest": compact_text(rule, 200, frozenset())}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
