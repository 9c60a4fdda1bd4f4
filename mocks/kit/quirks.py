"""Quirk declarations: where a vendor's real behaviour is a guess, the mock makes it a named setting.

Each vendor declares its quirks once (mocks/<vendor>/quirks.py) with a default, a one-line description,
its source (the vendor-notes entry) and its kind (DESIGN rule 9):

- tolerable: a careful client works under every variant (merge vs whole-replace update, unit limits).
- exclusive: the variants can't all be met at once (which path an HMAC signature covers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TOLERABLE = "tolerable"
EXCLUSIVE = "exclusive"
KINDS = (TOLERABLE, EXCLUSIVE)


@dataclass(frozen=True)
class Quirk:
    name: str
    default: Any
    description: str
    source: str
    kind: str = TOLERABLE
    values: tuple[Any, ...] = (False, True)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"quirk {self.name}: kind must be one of {KINDS}")
        if self.default not in self.values:
            raise ValueError(f"quirk {self.name}: default {self.default!r} is not one of {self.values}")

    @property
    def variants(self) -> tuple[Any, ...]:
        """Every value but the default: what a quirk matrix flips to."""
        return tuple(v for v in self.values if v != self.default)

    def parse(self, text: str) -> Any:
        """A value given on a command line (`true`, `with_query`) as the quirk holds it."""
        for value in self.values:
            if str(value).lower() == text.strip().lower():
                return value
        raise ValueError(
            f"quirk {self.name} takes {', '.join(str(v).lower() for v in self.values)}; got {text!r}"
        )

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "default": self.default,
            "values": list(self.values),
            "kind": self.kind,
            "description": self.description,
            "source": self.source,
        }


def defaults(quirks: tuple[Quirk, ...]) -> dict[str, Any]:
    return {q.name: q.default for q in quirks}
