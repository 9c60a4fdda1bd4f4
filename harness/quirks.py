"""Every vendor's quirks, read from the one place each vendor declares them (mocks/<vendor>/quirks.py).

Behind `catalog-harness quirks [VENDOR] [--json]`, the README's quirks table (`markdown_table()`,
regenerate with `python -m harness.quirks`) and the quirk matrix (`variants()`): the default settings,
then each tolerable quirk flipped to each of its other values, then each exclusive quirk's other values.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from typing import Any

from mocks.kit.quirks import EXCLUSIVE, TOLERABLE, Quirk

from . import markdown, vendors


def declared(vendor: str) -> tuple[Quirk, ...]:
    """A vendor's quirks as its mock declares them; KeyError naming the known vendors."""
    vendors.get(vendor)
    return importlib.import_module(f"mocks.{vendor}.quirks").QUIRKS  # type: ignore[no-any-return]


def all_quirks(vendor: str | None = None) -> list[tuple[str, Quirk]]:
    names = [vendor] if vendor else vendors.names()
    return [(name, quirk) for name in names for quirk in declared(name)]


def _shown(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def markdown_table(rows: list[tuple[str, Quirk]] | None = None) -> str:
    header = ("vendor", "quirk", "default", "kind", "what it does", "source")
    return markdown.table(header, (_row(vendor, q) for vendor, q in rows or all_quirks()))


def _row(vendor: str, q: Quirk) -> tuple[str, ...]:
    others = ", ".join(f"`{_shown(v)}`" for v in q.variants)
    kind = f"{q.kind} (also {others})" if others else q.kind
    return (vendor, f"`{q.name}`", f"`{_shown(q.default)}`", kind, q.description, q.source)


# -- variants: what a quirk matrix runs -----------------------------------------------------------------
@dataclass(frozen=True)
class Variant:
    """One column of a quirk matrix: settings quirks and what they flip relative to the defaults."""

    name: str  # "default", or "update_replaces_whole_product=true"
    quirks: dict[str, Any] = field(hash=False)
    kind: str = "default"  # default | tolerable | exclusive
    quirk: str | None = None  # the quirk this variant flips (None for the default)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "quirk": self.quirk, "quirks": self.quirks}


def parse_pins(vendor: str, pins: list[str]) -> dict[str, Any]:
    """`--quirk NAME=VALUE` arguments as {name: value}; ValueError naming the bad argument."""
    known = {q.name: q for q in declared(vendor)}
    pinned: dict[str, Any] = {}
    for pin in pins:
        name, sep, text = pin.partition("=")
        if not sep or not name:
            raise ValueError(f"--quirk {pin!r}: expected NAME=VALUE")
        if name not in known:
            raise ValueError(f"--quirk {pin!r}: {vendor} has no quirk {name!r}; known: {', '.join(known)}")
        try:
            pinned[name] = known[name].parse(text)
        except ValueError as exc:
            raise ValueError(f"--quirk {pin!r}: {exc}") from None
    return pinned


def variants(vendor: str, pins: dict[str, Any] | None = None) -> list[Variant]:
    """The default (with `pins` applied), then every other value of every quirk not pinned."""
    pins = pins or {}
    base = {q.name: pins.get(q.name, q.default) for q in declared(vendor)}
    found = [Variant("default", dict(base))]
    for kind in (TOLERABLE, EXCLUSIVE):
        for q in declared(vendor):
            if q.kind != kind or q.name in pins:
                continue
            for value in q.variants:
                found.append(Variant(f"{q.name}={_shown(value)}", {**base, q.name: value}, kind, q.name))
    return found


def exclusive_reading(vendor: str, quirk: str, value: Any) -> str:
    """'signing_path: with_query' — how a report names the reading of an exclusive quirk a client meets."""
    return f"{quirk}: {_shown(value)}"


def main() -> int:
    print(markdown_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
