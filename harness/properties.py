"""The six checks applied after every sync run (DESIGN.md), each registered by name in `harness.checks`
with what makes it fail, and each with a typed failure.

A failure names the check, the product (SKU), the field and the journal entry (its `seq`), so a
person can find the request that went wrong. The same checks serve the reference clients and a
user's own client: they read only the mock's state and journal, and the client's report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Number
from typing import Any, Protocol

from . import checks
from .catalog import Product, normalise_sku
from .checks import check
from .sync import SyncReport


class VendorAdapter(Protocol):
    """What the checks need to know about a vendor, beyond its mapping."""

    name: str
    can_create: bool  # ShipStation V1 cannot: products it lacks are "missing upstream"
    announces_remaining: bool  # responses tell the client how many requests are left in the window
    max_retries: int  # identical consecutive requests beyond 1 + this are "unbounded retries"
    ignored_fields: tuple[str, ...]  # vendor-managed (modifyDate…): not the client's doing

    def record_sku(self, record: dict) -> str | None: ...
    def record_id(self, record: dict) -> Any: ...
    def changed_fields(self, product: Product, record: dict) -> list[str]: ...
    def owned_fields(self) -> tuple[str, ...]: ...
    def is_write(self, entry: dict) -> bool: ...
    def rejections(self, entry: dict) -> list[tuple[str, str]]: ...  # (SKU, vendor's reason) a write refused
    def written_skus(self, entry: dict) -> list[str]: ...  # SKUs a write request touched
    def created_skus(self, entry: dict) -> list[str]: ...


class CheckFailure(AssertionError):
    check = "check"

    def __init__(
        self, message: str, *, sku: str | None = None, field: str | None = None, entry: int | None = None
    ) -> None:
        self.sku, self.field, self.entry, self.message = sku, field, entry, message
        parts = [f"[{self.check}]"]
        if sku is not None:
            parts.append(f"product {sku!r}")
        if field is not None:
            parts.append(f"field {field!r}")
        if entry is not None:
            parts.append(f"journal #{entry}")
        super().__init__(" ".join(parts) + ": " + message)

    def __reduce__(self) -> Any:  # rebuilt from its parts, so it crosses to and from worker processes
        return (_rebuild_failure, (type(self), self.message, self.sku, self.field, self.entry))

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "sku": self.sku,
            "field": self.field,
            "entry": self.entry,
            "message": self.message,
        }


def _rebuild_failure(
    cls: type[CheckFailure], message: str, sku: str | None, field: str | None, entry: int | None
) -> CheckFailure:
    return cls(message, sku=sku, field=field, entry=entry)


class ConvergenceFailure(CheckFailure):
    check = "convergence"


class NothingLostFailure(CheckFailure):
    check = "nothing_lost"


class IdempotenceFailure(CheckFailure):
    check = "idempotence"


class ErrorsSurfacedFailure(CheckFailure):
    check = "errors_surfaced"


class PolitenessFailure(CheckFailure):
    check = "politeness"


class AuthFailure(CheckFailure):
    check = "auth"


class Judged:
    """What an outcome with `failures` (check name -> its failures, empty on a pass) can say of itself."""

    failures: dict[str, list[CheckFailure]]

    @property
    def ok(self) -> bool:
        return not any(self.failures.values())

    def all_failures(self) -> list[CheckFailure]:
        return [f for found in self.failures.values() for f in found]


class ChecksFailed(AssertionError):
    def __init__(self, failures: list[CheckFailure]) -> None:
        self.failures = failures
        super().__init__(f"{len(failures)} check failure(s):\n" + "\n".join(f"  - {f}" for f in failures))


@dataclass
class RunRecord:
    """Everything one sync run left behind, for the checks to judge."""

    adapter: Any
    source: list[Product]
    before: list[dict]
    after: list[dict]
    journal: list[dict]
    report: SyncReport
    second_journal: list[dict] = field(default_factory=list)  # the journal of the re-run
    second_report: SyncReport | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def requests(self) -> list[dict]:
        return [e for e in self.journal if e.get("type") == "request"]

    def unreached(self) -> set[str]:
        """Normalised SKUs the client reported as errors and never wrote with success, in a run where requests
        failed (faults outlasted its retries, or a listing did and the sync stopped): it said so, which is
        all a client can do; not a convergence loss. Without a failed request nothing is excused."""
        requests = self.requests()
        if not any(_failed(e) for e in requests):
            return set()
        landed: set[str] = set()
        for entry in requests:
            if self.adapter.is_write(entry) and not _failed(entry):
                landed.update(normalise_sku(sku) for sku in self.adapter.written_skus(entry))
        return {normalise_sku(s) for s in self.report.errors} - landed

    def rejected(self) -> dict[str, tuple[str, int]]:
        """Normalised SKU -> (vendor's reason, journal seq) for every row the vendor refused."""
        found: dict[str, tuple[str, int]] = {}
        for entry in self.requests():
            for sku, reason in self.adapter.rejections(entry):
                found.setdefault(normalise_sku(sku), (reason, entry["seq"]))
        return found


def _by_key(adapter: Any, records: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for record in records:
        sku = adapter.record_sku(record)
        if sku is not None:
            out.setdefault(normalise_sku(sku), record)
    return out


@check(
    "convergence",
    "a source product is not at the vendor with equal values (unit conversions within tolerance)",
)
def check_convergence(run: RunRecord) -> list[CheckFailure]:
    """Every source product is at the vendor with equal values, within unit-conversion tolerance."""
    failures: list[CheckFailure] = []
    after, before, rejected = (
        _by_key(run.adapter, run.after),
        _by_key(run.adapter, run.before),
        {**run.rejected(), **dict.fromkeys(run.unreached())},
    )
    for product in run.source:
        if product.key in rejected:
            continue
        record = after.get(product.key)
        if record is None:
            if run.adapter.can_create or product.key in before:
                failures.append(ConvergenceFailure("not at the vendor after the sync", sku=product.sku))
            continue
        for name in run.adapter.changed_fields(product, record):
            failures.append(
                ConvergenceFailure(
                    f"source {_shown(run.adapter.to_vendor(product).get(name))}, "
                    f"vendor {_shown(record.get(name))}",
                    sku=product.sku,
                    field=name,
                    entry=_last_write(run, product),
                )
            )
    return failures


@check(
    "nothing_lost",
    "a field the source does not own changed, or a product the source does not name was "
    "touched (the full-resource PUT trap)",
)
def check_nothing_lost(run: RunRecord) -> list[CheckFailure]:
    """Fields the source does not own keep their values; products the source does not name are untouched."""
    failures: list[CheckFailure] = []
    adapter = run.adapter
    after = {adapter.record_id(r): r for r in run.after}
    source_keys = {p.key for p in run.source}
    owned = set(adapter.owned_fields())
    for old in run.before:
        sku = adapter.record_sku(old)
        new = after.get(adapter.record_id(old))
        if new is None:
            failures.append(NothingLostFailure("the product disappeared", sku=sku))
            continue
        named = sku is not None and normalise_sku(sku) in source_keys
        for name in sorted(set(old) | set(new)):
            if name in adapter.ignored_fields and named:
                continue
            if named and name in owned:
                continue
            if old.get(name) != new.get(name):
                why = "a field the source does not own" if named else "a product the source does not name"
                failures.append(
                    NothingLostFailure(
                        f"was {_shown(old.get(name))}, vendor now {_shown(new.get(name))}: {why} changed",
                        sku=sku,
                        field=name,
                        entry=_last_write(run, sku=sku),
                    )
                )
    return failures


@check("idempotence", "a second sync of the same catalogue writes anything")
def check_idempotence(run: RunRecord) -> list[CheckFailure]:
    """A second sync of the same catalogue writes nothing; rows the vendor refused before may be retried."""
    retryable = set(run.rejected()) | set(run.unreached())
    retryable |= {normalise_sku(s) for s in run.report.missing_upstream}
    failures: list[CheckFailure] = []
    for entry in run.second_journal:
        if entry.get("type") != "request" or not run.adapter.is_write(entry):
            continue
        touched = [normalise_sku(s) for s in run.adapter.written_skus(entry)]
        if touched and all(key in retryable for key in touched):
            continue
        failures.append(
            IdempotenceFailure(
                f"the re-run wrote again: {entry['method']} {entry['path']} → {entry['status']}",
                sku=(run.adapter.written_skus(entry) or [None])[0],
                entry=entry["seq"],
            )
        )
    return failures


@check(
    "errors_surfaced",
    "a row the vendor refused, or a product missing upstream, is not in the client's "
    "report with the vendor's reason",
)
def check_errors_surfaced(run: RunRecord) -> list[CheckFailure]:
    """Each row the vendor rejects is reported with its SKU and the vendor's reason."""
    failures: list[CheckFailure] = []
    reported = {normalise_sku(sku): reason for sku, reason in run.report.errors.items()}
    for key, (reason, seq) in run.rejected().items():
        sku = next((p.sku for p in run.source if p.key == key), key)
        if key not in reported:
            failures.append(
                ErrorsSurfacedFailure(
                    f"the vendor refused it ({reason!r}); the client did not say", sku=sku, entry=seq
                )
            )
        elif reason and reason not in reported[key]:
            failures.append(
                ErrorsSurfacedFailure(
                    f"reported as {reported[key]!r}, without the vendor's reason {reason!r}",
                    sku=sku,
                    entry=seq,
                )
            )
    if not run.adapter.can_create:
        before = _by_key(run.adapter, run.before)
        told = {normalise_sku(s) for s in run.report.missing_upstream} | set(reported)
        for product in run.source:
            if product.key not in before and product.key not in told:
                failures.append(
                    ErrorsSurfacedFailure(
                        "absent at the vendor, which cannot create it; the client did not report it missing",
                        sku=product.sku,
                    )
                )
    return failures


@check(
    "politeness",
    "a request went out while rate-limited before the announced reset; a request was "
    "retried more than the bound; a SKU was created twice",
)
def check_politeness(run: RunRecord) -> list[CheckFailure]:
    """Nothing sent while rate-limited before the reset; retries bounded; no duplicate creates."""
    failures: list[CheckFailure] = []
    blocked_until: dict[str, tuple[float, int]] = {}
    for entry in run.requests():
        limit = entry.get("rate_limit") or {}
        key = limit.get("key") or entry.get("account") or ""
        until = blocked_until.get(key)
        if until is not None and entry["time"] < until[0] - 1e-6:
            failures.append(
                PolitenessFailure(
                    f"{entry['method']} {entry['path']} sent {until[0] - entry['time']:.3f} s before the "
                    "rate-limit "
                    f"reset announced by journal #{until[1]}",
                    entry=entry["seq"],
                )
            )
        if limit and (
            entry["status"] == 429 or (run.adapter.announces_remaining and limit.get("remaining") == 0)
        ):
            blocked_until[key] = (limit["reset_at"], entry["seq"])
    # A retry is a request sent again after the identical one failed or got no answer; the same request
    # after a success is polling (or a new decision), not a retry.
    streak, previous, previous_failed = 0, None, False
    for entry in run.requests():
        signature = (entry["method"], entry["path"], entry["query"], entry.get("body"))
        streak = streak + 1 if signature == previous and previous_failed else 1
        previous, previous_failed = signature, _failed(entry)
        if streak == run.adapter.max_retries + 2:
            failures.append(
                PolitenessFailure(
                    f"{entry['method']} {entry['path']} sent {streak} times in a row: "
                    f"retries must be bounded by {run.adapter.max_retries}",
                    entry=entry["seq"],
                )
            )
    created: dict[str, int] = {}
    for entry in run.requests():
        for sku in run.adapter.created_skus(entry):
            key = normalise_sku(sku)
            if key in created:
                failures.append(
                    PolitenessFailure(
                        f"created twice (first in journal #{created[key]})", sku=sku, entry=entry["seq"]
                    )
                )
            created.setdefault(key, entry["seq"])
    return failures


@check("auth", "any request was refused with 401/403")
def check_auth(run: RunRecord) -> list[CheckFailure]:
    """No request failed authentication."""
    return [
        AuthFailure(f"{e['method']} {e['path']} was refused with {e['status']}", entry=e["seq"])
        for e in run.requests() + [e for e in run.second_journal if e.get("type") == "request"]
        if e["status"] in (401, 403) and not e.get("fault")
    ]


def run_checks(
    run: RunRecord, extra: dict[str, Callable[[RunRecord], list[CheckFailure]]] | None = None
) -> dict[str, list[CheckFailure]]:
    """Every core check's failures, then `extra`'s (a vendor's, from the registry), by check name (an empty
    list is a pass)."""
    return {name: function(run) for name, function in {**checks.core(), **(extra or {})}.items()}


def assert_checks(
    run: RunRecord, extra: dict[str, Callable[[RunRecord], list[CheckFailure]]] | None = None
) -> None:
    failures = [f for found in run_checks(run, extra).values() for f in found]
    if failures:
        raise ChecksFailed(failures)


def _shown(value: Any) -> str:
    """A value as a failure line shows it: numbers bare, text quoted, absence said."""
    if value is None:
        return "(none)"
    return str(value) if isinstance(value, Number) and not isinstance(value, bool) else repr(value)


def _failed(entry: dict) -> bool:
    """The request got no usable answer: an error status, or a dropped or truncated connection."""
    status = entry.get("status")
    return status is None or status >= 400 or entry.get("fault") in ("drop", "truncate", "empty")


def _last_write(run: RunRecord, product: Product | None = None, sku: str | None = None) -> int | None:
    key = product.key if product else normalise_sku(sku) if sku else None
    seq = None
    for entry in run.requests():
        if run.adapter.is_write(entry) and key and key in _values(entry.get("body") or ""):
            seq = entry["seq"]
    return seq


def _values(body: str) -> set[str]:
    """The body's values as SKU keys: every JSON string (and number) in it, or a CSV body's cells."""
    try:
        stack = [json.loads(body)]
    except (ValueError, RecursionError):
        return {normalise_sku(cell) for cell in re.split(r'[,;\t\r\n"]', body) if cell.strip()}
    found: set[str] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str | int | float) and not isinstance(item, bool):
            found.add(normalise_sku(str(item)))
    return found
