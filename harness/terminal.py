"""Rich consoles that never cut or hard-wrap what a CI log or a pipe receives.

On a terminal, output fits the window (tables get at least 140 columns, so every check has a column).
Anywhere else (a file, a pipe, a CI log) there is no width to fit: lines are as long as their content,
so URLs, SKUs and messages stay whole and grep finds them.
"""

from __future__ import annotations

from rich.console import Console

UNBOUNDED = 100_000  # columns for a console that is not a terminal: wide enough for any line


def console(stderr: bool = False, min_width: int = 0) -> Console:
    probe = Console(stderr=stderr)
    if probe.is_terminal:
        return Console(stderr=stderr, width=max(min_width, probe.width)) if min_width else probe
    return Console(stderr=stderr, width=UNBOUNDED, soft_wrap=True)


def rule(out: Console, title: str) -> None:
    """A heading line: rich's rule on a terminal, a short plain line elsewhere (a rule would be as
    wide as the console)."""
    if out.is_terminal:
        out.rule(title)
    else:
        out.print(f"── {title} ──")
