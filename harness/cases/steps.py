"""The setup of a case as curl lines that run as printed against `catalog-harness serve`.

A case's setup is what it did to a fresh mock before the request it is about: control calls (reset,
clock, settings, seeded products) and vendor requests (a login, the requests that use up a rate limit).
Each becomes one `Step`; runs of the same step fold into a shell loop, so 40 requests are one line.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

JSON = "application/json"


@dataclass(frozen=True)
class Step:
    """One call made before (or after) the triggering request, as sent."""

    note: str  # what it does, in words: "seed 1 product(s): MUG-01", "GET /products → 200"
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    control: bool = False  # a /__mock__/ call: curl fails loudly (-f) if the mock refuses it

    @classmethod
    def control_call(cls, note: str, method: str, url: str, body: Any = None) -> Step:
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        headers = (("Content-Type", JSON),) if data else ()
        return cls(note, method, url, headers, data, control=True)

    def curl(self) -> str:
        """Quiet (the answer is not the point), one request, the body byte for byte."""
        parts = [
            f"curl -sS{'f' if self.control else ''} -o /dev/null -X {self.method} {shlex.quote(self.url)}"
        ]
        parts += [f"-H {shlex.quote(f'{name}: {value}')}" for name, value in self.headers]
        if self.body:
            parts.append(f"--data-binary {shlex.quote(self.body.decode('utf-8', 'replace'))}")
        return " \\\n  ".join(parts)

    def as_json(self, times: int = 1) -> dict[str, Any]:
        return {
            "note": self.note,
            "method": self.method,
            "url": self.url,
            "headers": dict(self.headers),
            "body": self.body.decode("utf-8", "replace") if self.body else None,
            "times": times,
            "curl": script_line(self, times),
        }


def folded(steps: list[Step]) -> list[tuple[Step, int]]:
    """Runs of identical steps as (step, how many times), in order."""
    runs: list[tuple[Step, int]] = []
    for step in steps:
        if runs and runs[-1][0] == step:
            runs[-1] = (step, runs[-1][1] + 1)
        else:
            runs.append((step, 1))
    return runs


def script_line(step: Step, times: int) -> str:
    return step.curl() if times == 1 else f"for i in $(seq {times}); do {step.curl()}; done"


def summary(steps: list[Step]) -> list[str]:
    """The notes, with repeats counted: `40 x GET /products → 200`."""
    return [f"{times} x {step.note}" if times > 1 else step.note for step, times in folded(steps)]


def script(steps: list[Step]) -> list[str]:
    """Shell lines: each run of steps as a `# note` comment and its curl line (or loop)."""
    lines: list[str] = []
    for step, times in folded(steps):
        lines.append(f"# {f'{times} x ' if times > 1 else ''}{step.note}")
        lines.append(script_line(step, times))
    return lines
