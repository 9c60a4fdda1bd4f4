"""Seeded fault rules: answer with a status and body, hold the answer, or spoil the connection.

Effects: `respond` (the rule's status and body), `latency` (the answer is held `latency` seconds; on a
virtual clock the clock moves instead), `drop` (the connection closes with no answer; `rst: true` resets
it), `truncate` (the head and half the body, then close), `slow_body` (the body dribbles at `bandwidth`
bytes a second), `empty` (the connection closes once the request is in; the vendor never sees it).
The server carries the connection effects out on the socket; the in-process transport raises what
`requests` raises for each.

A rule matches on method and a path regex, then fires for the next `times` matching requests, or with
a seeded `probability`, or always. `when="before"` answers without the request reaching the vendor
backend; `when="after"` lets the backend act (the write happens) and then spoils the answer, which is
how a client meets "it timed out, but did it land?".
"""

from __future__ import annotations

import os
import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import re2

Effect = Literal["respond", "drop", "truncate", "latency", "slow_body", "empty"]
EFFECTS = ("respond", "drop", "truncate", "latency", "slow_body", "empty")
# Effects that spoil the connection; with `when: after` they spoil the vendor's real answer (a 200 too).
CONNECTION_EFFECTS = frozenset({"drop", "truncate", "slow_body", "empty"})
MAX_BANDWIDTH = 100 * 1024 * 1024
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


class FaultRuleError(ValueError):
    """A fault rule that cannot be installed; the message names the rule and field."""


class PathPatternError(ValueError):
    pass


MAX_LATENCY_ENV = "CATALOG_HARNESS_MAX_LATENCY"
DEFAULT_MAX_LATENCY = 30.0  # seconds: a request held longer than this tests nothing a 30 s one doesn't


def max_latency() -> float:
    """The latency cap: $CATALOG_HARNESS_MAX_LATENCY seconds when it is a number, else 30."""
    try:
        return max(0.0, float(os.environ.get(MAX_LATENCY_ENV, DEFAULT_MAX_LATENCY)))
    except ValueError:
        return DEFAULT_MAX_LATENCY


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is the caller's 400, not a line on the server's stderr


def compile_path(pattern: str) -> Any:
    """A path pattern in RE2 syntax: matching takes time linear in the path, whatever the pattern
    (Python's `re` backtracks: ^/(a+)+$ doubled its time with each character). No backreferences or
    lookarounds."""
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        message = (
            exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        )
        raise PathPatternError(
            f"{message} (patterns use RE2 syntax: no lookarounds or backreferences)"
        ) from None


@dataclass
class FaultRule:
    effect: Effect = "respond"
    method: str | None = None
    path: str = ".*"
    times: int | None = None
    probability: float | None = None
    seed: int = 0
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    latency: float = 0.0
    when: Literal["before", "after"] = "before"
    rst: bool = False  # drop: reset (RST) instead of a plain close
    bandwidth: float = 1024.0  # slow_body: bytes per second
    fired: int = 0

    def __post_init__(self) -> None:
        self._pattern = compile_path(self.path)
        self._rng = random.Random(self.seed)

    @classmethod
    def parse(cls, raw: Any, index: int = 0) -> FaultRule:
        where = f"fault rule {index}"
        if not isinstance(raw, dict):
            raise FaultRuleError(f"{where}: must be an object")
        known = {f for f in cls.__dataclass_fields__ if f != "fired"}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise FaultRuleError(f"{where}: unknown field {unknown[0]!r}")
        checks: list[tuple[str, bool]] = [
            ("effect", raw.get("effect", "respond") in EFFECTS),
            ("method", raw.get("method") is None or str(raw.get("method")).upper() in METHODS),
            ("path", isinstance(raw.get("path", ".*"), str)),
            ("times", raw.get("times") is None or (_is_int(raw["times"]) and raw["times"] >= 0)),
            (
                "probability",
                raw.get("probability") is None
                or (_is_number(raw["probability"]) and 0 <= raw["probability"] <= 1),
            ),
            ("seed", _is_int(raw.get("seed", 0))),
            ("status", _is_int(raw.get("status", 500)) and 100 <= raw.get("status", 500) <= 599),
            (
                "headers",
                isinstance(raw.get("headers", {}), dict)
                and all(isinstance(v, str) for v in raw.get("headers", {}).values()),
            ),
            ("latency", _is_number(raw.get("latency", 0)) and 0 <= raw.get("latency", 0) <= max_latency()),
            ("when", raw.get("when", "before") in ("before", "after")),
            ("rst", isinstance(raw.get("rst", False), bool)),
            (
                "bandwidth",
                _is_number(raw.get("bandwidth", 1024)) and 1 <= raw.get("bandwidth", 1024) <= MAX_BANDWIDTH,
            ),
        ]
        for name, ok in checks:
            if not ok:
                raise FaultRuleError(f"{where}: invalid {name!r}: {raw.get(name)!r}")
        values = dict(raw)
        if values.get("method"):
            values["method"] = values["method"].upper()
        try:
            return cls(**values)
        except PathPatternError as exc:
            raise FaultRuleError(f"{where}: invalid 'path' regex: {exc}") from None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self._pattern.search(path) is not None

    def fire(self) -> bool:
        """Decide (and count) whether this matching request gets the fault."""
        if self.times is not None and self.fired >= self.times:
            return False
        if self.probability is not None and self._rng.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def describe(self) -> dict:
        data = asdict(self)
        return {k: v for k, v in data.items() if v is not None}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class FaultSet:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []

    def install(self, raw_rules: list[Any]) -> list[FaultRule]:
        """Replace the rules; all are validated before any is installed."""
        rules = [FaultRule.parse(raw, i) for i, raw in enumerate(raw_rules)]
        with self._lock:
            self._rules = rules
        return rules

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def __bool__(self) -> bool:
        return bool(self._rules)

    def match(self, method: str, path: str) -> FaultRule | None:
        if not self._rules:
            return None
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path) and rule.fire():
                    return rule
        return None

    def describe(self) -> list[dict]:
        with self._lock:
            return [rule.describe() for rule in self._rules]
