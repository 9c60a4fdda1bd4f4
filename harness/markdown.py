"""The README's generated tables: one way to build a Markdown table, one way to find it in the README.

A generated table sits between `<!-- NAME:start -->` and `<!-- NAME:end -->`; each module that owns one
(cases, quirks, checks) prints it with `python -m harness.<module>`, and a test compares the two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def section(text: str, name: str) -> str | None:
    """What the README holds between NAME's markers (stripped), or None without the markers."""
    found = re.search(rf"<!-- {name}:start -->\n(.*?)\n?<!-- {name}:end -->", text, re.S)
    return found.group(1).strip() if found else None
