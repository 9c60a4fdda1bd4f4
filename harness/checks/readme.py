"""The README's check table, with every check registered: the core six and every vendor's own."""

from __future__ import annotations

from .. import properties, vendors  # noqa: F401  (importing harness.properties registers the six)
from . import markdown_table


def readme_table() -> str:
    for name in vendors.names():
        vendors.get(name)  # importing a vendor's package registers its checks
    return markdown_table()
