"""Plan a sync: diff the source catalogue against what the vendor holds, through a vendor's mapping."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from .catalog import Product, normalise_sku


class Mapping(Protocol):
    """The part of a vendor adapter a plan needs."""

    def record_sku(self, record: dict) -> str | None: ...
    def changed_fields(self, product: Product, record: dict) -> list[str]: ...


def same_value(desired: Any, actual: Any, tolerance: float = 0.0) -> bool:
    """Equal, or for numbers within the tolerance a unit conversion and rounding leave."""
    if isinstance(desired, float) and isinstance(actual, int | float) and not isinstance(actual, bool):
        return abs(desired - actual) <= tolerance
    return desired == actual


class MappedAdapter:
    """What every vendor adapter shares: records carry "sku", and the source owns the mapped fields.

    A vendor sets `to_vendor` (canonical product -> the fields the source owns, in vendor names and
    units), `id_field` and `numeric_tolerance`, and overrides what its API does differently.
    """

    id_field = "id"
    numeric_tolerance = 0.0
    skip_unset = False  # True: a source value of None means "not known here", never "clear it"

    def to_vendor(self, product: Product) -> dict[str, Any]:
        raise NotImplementedError

    def record_sku(self, record: dict) -> str | None:
        return record.get("sku")

    def record_id(self, record: dict) -> Any:
        return record.get(self.id_field)

    def owned_fields(self) -> tuple[str, ...]:
        return tuple(self.to_vendor(Product(sku="x", name="x")))

    def changed_fields(self, product: Product, record: dict) -> list[str]:
        return [
            name
            for name, value in self.to_vendor(product).items()
            if not (self.skip_unset and value is None)
            and not same_value(value, record.get(name), self.numeric_tolerance)
        ]


@dataclass
class Plan:
    create: list[Product] = field(default_factory=list)
    update: list[tuple[Product, dict]] = field(default_factory=list)
    unchanged: list[Product] = field(default_factory=list)


def plan_sync(source: list[Product], remote: list[dict], mapping: Mapping) -> Plan:
    """Match by normalised SKU; a product is updated only when a field the source owns differs."""
    by_key: dict[str, dict] = {}
    for record in remote:
        sku = mapping.record_sku(record)
        if sku is not None:
            by_key.setdefault(normalise_sku(sku), record)
    plan = Plan()
    for product in source:
        record = by_key.get(product.key)
        if record is None:
            plan.create.append(product)
        elif mapping.changed_fields(product, record):
            plan.update.append((product, record))
        else:
            plan.unchanged.append(product)
    return plan


@dataclass
class RequestLog:
    """One request as the Starshipit planning guide asks integrations to log it."""

    source_id: str | None
    vendor_id: Any
    endpoint: str
    method: str
    status: int | None
    body: str | None
    retry_count: int
    timestamp: str
    action: str

    @classmethod
    def of(
        cls,
        response: Any,
        *,
        method: str,
        path: str,
        body: str | None,
        attempt: int,
        now: float,
        action: str,
        error: Exception | None = None,
        source_id: str | None = None,
        vendor_id: Any = None,
    ) -> RequestLog:
        """The entry for one attempt; `response` None when it got no answer (then `error` says why)."""
        # `is not None`: a requests.Response is falsy for 4xx/5xx, and those statuses must be logged too.
        status = response.status_code if response is not None else None
        what = action if error is None else f"{action}: {error}"
        return cls(source_id, vendor_id, path, method, status, body, attempt, iso(now), what)


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    missing_upstream: list[str] = field(
        default_factory=list
    )  # in the source, absent at a vendor that can't create
    errors: dict[str, str] = field(default_factory=dict)  # SKU -> the vendor's reason
    log: list[RequestLog] = field(default_factory=list)
    webhooks: list[dict] = field(default_factory=list)  # deliveries a webhook receiver saw, verified or not
    # True when read off a command's output (`verify`): it names problems, not every product it wrote.
    from_output: bool = False

    def summary(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "deleted": len(self.deleted),
            "missing_upstream": len(self.missing_upstream),
            "errors": len(self.errors),
            "requests": len(self.log),
        }


class SyncError(RuntimeError):
    """A sync that cannot go on (the listing itself failed): the client says why and stops."""


def reporting(report: Any, source: list[Product], work: Callable[[], Any]) -> Any:
    """Run a sync into `report`. A SyncError (a read ran out of retries, a login refused) is reported,
    never raised: every source product without an outcome yet gets the reason as its error."""
    try:
        work()
    except SyncError as exc:
        done = {*report.created, *report.updated, *report.unchanged, *report.missing_upstream, *report.errors}
        for product in source:
            if product.sku not in done:
                report.errors[product.sku] = f"sync stopped: {exc}"
    return report


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def same_key(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and normalise_sku(a) == normalise_sku(b)
