"""The control API of one running mock, as arming a case uses it (the cases' `arm_with` take it too)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests


class ArmError(Exception):
    """The running mock could not be armed (unreachable, another vendor, refused a control call)."""


class Control:
    """The control API of one running mock (`<base_url>/__mock__/...`)."""

    def __init__(self, base_url: str, http: requests.Session | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.http = http or requests.Session()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        url = f"{self.base}/__mock__{path}"
        try:
            response = self.http.request(method, url, json=body, timeout=30)
        except requests.RequestException as exc:
            raise ArmError(f"cannot reach the mock at {self.base}: {exc}") from None
        if not response.ok:
            raise ArmError(f"{method} {url} answered {response.status_code}: {response.text[:300]}")
        try:
            return response.json()
        except ValueError:
            raise ArmError(f"{url} did not answer JSON; is {self.base} a catalog-harness mock?") from None

    def add_fault(self, rule: dict) -> None:
        """Append a rule, keeping the ones already installed (with what is left of their `times`)."""
        self.call("PUT", "/faults", {"rules": [*left_of(self.call("GET", "/faults")["rules"]), rule]})


def left_of(rules: list[dict]) -> list[dict]:
    """Installed rules as a PUT re-installs them: what is left of their `times`, used-up ones gone."""
    kept = []
    for existing in rules:
        existing = dict(existing)
        fired = existing.pop("fired", 0)
        if existing.get("times") is not None:
            existing["times"] -= fired
            if existing["times"] <= 0:
                continue
        kept.append(existing)
    return kept


@dataclass(frozen=True)
class Owns:
    """What arming a case leaves on a running mock besides a replayed answer (a fault rule, owned by its
    path, status and body). Arming takes every case's away first, so arming is idempotent and one case is
    armed at a time; `--disarm` takes it away. The user's own products, rules and settings stay."""

    settings: dict[str, Any] = field(default_factory=dict)  # setting -> what arming sets ("quirks": {...})
    skus: tuple[str, ...] = ()  # products arming seeds; re-arming replaces them in place
    rate_limit: bool = False  # arming uses up a rate-limit window
    lasting: str = ""  # what no disarm can undo (a clock moved forward)
