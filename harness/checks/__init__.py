"""The check registry: every check a sync run is judged by is registered here once, by name, with what
makes it fail (as schemathesis registers its checks).

    @check("convergence", "a source product is not at the vendor with equal values")
    def check_convergence(run: RunRecord) -> list[CheckFailure]: ...

A check with `vendor=None` applies to every vendor's run (the six in `harness.properties`); a vendor's
own checks name it and register when its package `harness.clients.<vendor>` is imported. The runner,
`verify`, `check` and the README's table (`python -m harness.checks`) all read this registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .. import markdown

# A check takes the run record (harness.properties.RunRecord) and returns its failures (CheckFailure, an
# AssertionError). The registry only holds checks, so it names neither type: harness.properties imports
# the registry to register the six, and must not be imported back.
CheckFunction = Callable[[Any], Sequence[AssertionError]]
F = TypeVar("F", bound=CheckFunction)


@dataclass(frozen=True)
class Check:
    name: str
    description: str  # what makes it fail: the README's "fails when"
    function: CheckFunction
    vendor: str | None = None  # None: every vendor's run; else only that vendor's


_REGISTRY: dict[str, Check] = {}  # in registration order, which is the order of every report


def check(name: str, description: str, *, vendor: str | None = None) -> Callable[[F], F]:
    """Register the decorated function as the check `name`; a name is registered once."""

    def register(function: F) -> F:
        known = _REGISTRY.get(name)
        if known is not None and _origin(known.function) != _origin(function):
            raise ValueError(f"check {name!r} is already registered by {'.'.join(_origin(known.function))}")
        _REGISTRY[name] = Check(name, description, function, vendor)
        return function

    return register


def _origin(function: CheckFunction) -> tuple[str, str]:
    return function.__module__, function.__qualname__  # the same function imported again is no clash


def registered() -> list[Check]:
    """Every registered check: every vendor's first, then each vendor's own."""
    return [c for c in _REGISTRY.values() if c.vendor is None] + [
        c for c in _REGISTRY.values() if c.vendor is not None
    ]


def core() -> dict[str, CheckFunction]:
    """The checks every vendor's run applies, by name."""
    return {c.name: c.function for c in _REGISTRY.values() if c.vendor is None}


def vendor_checks(vendor: str) -> dict[str, CheckFunction]:
    """The checks `vendor` adds to the core ones, by name (registered when its package was imported)."""
    return {c.name: c.function for c in _REGISTRY.values() if c.vendor == vendor}


def names(vendor: str) -> list[str]:
    """The names of the checks a run of `vendor` applies, in report order."""
    return [*core(), *vendor_checks(vendor)]


def markdown_table(checks: list[Check] | None = None) -> str:
    rows = ((f"`{c.name}`", c.vendor or "every vendor", c.description) for c in checks or registered())
    return markdown.table(("check", "vendor", "fails when"), rows)
