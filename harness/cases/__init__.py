"""The named vendor error cases behind `catalog-harness cases` and `catalog-harness reproduce`.

Each vendor's cases are in `harness/cases/<vendor>.py` (its `PROFILE` and `CASES`); `core` runs a case
on a fresh in-process mock, `arm` installs it on a running one. The README's table of cases is
`markdown_table()`: regenerate it with `python -m harness.cases --markdown`.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util

import requests

from .. import markdown, vendors
from .arm import arm as _arm
from .arm import disarm as _disarm
from .control import ArmError, Owns
from .core import PUBLIC_BASE, Case, Exchange, Profile, Reproduction
from .core import reproduce as _reproduce

__all__ = [
    "ArmError",
    "Case",
    "Exchange",
    "Owns",
    "Profile",
    "Reproduction",
    "all_cases",
    "arm",
    "disarm",
    "get",
    "markdown_table",
    "profile",
    "reproduce",
]


def _module(vendor: str) -> object:
    return importlib.import_module(f"{__name__}.{vendor}")


def profile(vendor: str) -> Profile:
    return _module(vendor).PROFILE  # type: ignore[attr-defined]


def all_cases(vendor: str | None = None) -> list[Case]:
    """Every case, in vendor order (as `harness.vendors`); KeyError for an unknown vendor."""
    if vendor is not None:
        vendors.get(vendor)  # KeyError naming the known vendors
    names = [vendor] if vendor else vendors.names()
    return [case for name in names if _has_cases(name) for case in _module(name).CASES]  # type: ignore[attr-defined]


def _has_cases(vendor: str) -> bool:
    """Whether the vendor has a case catalogue (harness/cases/<vendor>.py) yet: a scaffolded one has none."""
    return importlib.util.find_spec(f"{__name__}.{vendor}") is not None


def get(case_id: str) -> Case:
    cases = {case.id: case for case in all_cases()}
    if case_id in cases:
        return cases[case_id]
    close = difflib.get_close_matches(case_id, list(cases), n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `catalog-harness cases` lists them"
    raise KeyError(f"unknown case {case_id!r}{hint}")


def reproduce(case: Case, public_base: str = PUBLIC_BASE) -> Reproduction:
    """Run `case` on a fresh in-process mock (virtual clock); curl URLs use `public_base`/<vendor>."""
    return _reproduce(case, profile(case.vendor), public_base)


def arm(case: Case, base_url: str, http: requests.Session | None = None) -> str:
    """Arm `case` on the running mock whose vendor base URL is `base_url`; says what it did."""
    return _arm(case, profile(case.vendor), base_url, all_cases(case.vendor), http)


def disarm(case: Case, base_url: str, http: requests.Session | None = None) -> str:
    """Take away what arming `case` left on the running mock at `base_url`; says what it did."""
    return _disarm(case, base_url, http)


def markdown_table(cases: list[Case] | None = None) -> str:
    return markdown.table(
        ("id", "vendor", "title"), ((f"`{c.id}`", c.vendor, c.title) for c in cases or all_cases())
    )
