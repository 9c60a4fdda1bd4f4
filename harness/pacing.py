"""Pacing a run against a real API to the vendor's documented rate limit, and a request budget.

The limits are the mocks' own metadata (`mocks.<vendor>.SPEC`: requests per period; Starshipit by tier),
so the gate and the mocks agree on one figure. Requests are spaced so that no `limit` of them fall inside
any `period` (a sliding window is safe against the vendors' fixed windows), and the answers' hints win:
`Retry-After` on a 429, and ShipStation's `X-Rate-Limit-Remaining: 0` with `X-Rate-Limit-Reset`.
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from unittest import mock

import requests
from requests.adapters import HTTPAdapter


@dataclass(frozen=True)
class PacePolicy:
    limit: int  # requests per period
    period: float  # seconds
    reads_headers: bool  # the vendor announces what is left (X-Rate-Limit-Remaining / -Reset)

    def describe(self) -> str:
        return f"{self.limit} requests per {self.period:g}s"


def policy_for(vendor: str, tier: str | None = None) -> PacePolicy:
    """The vendor's documented limit, from its mock's metadata."""
    spec = importlib.import_module(f"mocks.{vendor}").SPEC
    limit = spec.rate_limit
    if vendor == "starshipit":
        from mocks.starshipit.models import TIER_LIMITS

        if tier is not None and tier not in TIER_LIMITS:
            raise KeyError(f"unknown tier {tier!r}; known: {', '.join(TIER_LIMITS)}")
        limit = TIER_LIMITS[tier or "developer"]
    return PacePolicy(limit, spec.rate_period, reads_headers=vendor == "shipstation")


class BudgetExhausted(RuntimeError):
    """--max-requests was reached: nothing more is sent."""


class Pacer:
    """Decides when the next request may go, and waits (on an injectable clock) until then."""

    def __init__(
        self,
        policy: PacePolicy,
        max_requests: int | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float, str], None] | None = None,
    ) -> None:
        self.policy = policy
        self.max_requests = max_requests
        self.now, self.sleep, self.on_wait = now, sleep, on_wait
        # Latency between our send and the vendor counting it: a margin keeps jitter inside the window.
        self.margin = max(0.05, 0.02 * policy.period)
        self.sent: deque[float] = deque(maxlen=min(policy.limit, 100_000))
        self.not_before = 0.0
        self.hint = ""
        self.requests = 0
        self.waits = 0
        self.waited = 0.0

    @property
    def exhausted(self) -> bool:
        return self.max_requests is not None and self.requests >= self.max_requests

    def before(self) -> None:
        if self.exhausted:
            raise BudgetExhausted(f"the request budget (--max-requests {self.max_requests}) is used up")
        now = self.now()
        due, reason = self.not_before, self.hint
        if len(self.sent) >= self.policy.limit and self.sent[0] + self.policy.period + self.margin > due:
            due, reason = (
                self.sent[0] + self.policy.period + self.margin,
                f"pacing to {self.policy.describe()}",
            )
        if due > now:
            self._wait(due - now, reason)
        self.sent.append(self.now())
        self.requests += 1

    def after(self, status: int, headers: Mapping[str, str]) -> None:
        """Read the answer's hints: how long the vendor asks us to wait before the next request."""
        now = self.now()
        retry_after = _seconds(headers.get("Retry-After"), now)
        if status == 429 and retry_after is not None:
            self._hold(now + retry_after, f"Retry-After: {headers.get('Retry-After')}")
            return
        if self.policy.reads_headers:
            remaining, reset = headers.get("X-Rate-Limit-Remaining"), headers.get("X-Rate-Limit-Reset")
            seconds = _seconds(reset, now)
            if seconds is not None and (status == 429 or (remaining or "").strip() == "0"):
                self._hold(now + seconds, f"X-Rate-Limit-Remaining: {remaining}, X-Rate-Limit-Reset: {reset}")
                return
        if status == 429:  # refused with no hint: back off one window
            self._hold(
                now + self.policy.period, f"429 without Retry-After: one window ({self.policy.period:g}s)"
            )

    def _hold(self, until: float, reason: str) -> None:
        if until > self.not_before:
            self.not_before, self.hint = until, reason

    def _wait(self, seconds: float, reason: str) -> None:
        if self.on_wait:
            self.on_wait(seconds, reason)
        self.sleep(seconds)
        self.waits += 1
        self.waited += seconds


def _seconds(value: str | None, now: float) -> float | None:
    """Delta seconds, or an HTTP date (Retry-After allows both); None when absent or unreadable."""
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


@contextlib.contextmanager
def paced(pacer: Pacer) -> Iterator[Pacer]:
    """Pace every request this process sends through `requests` while inside.

    One choke point for all of them: schemathesis sends its checks' probes (ignored_auth…) on fresh
    sessions of its own, and Shiptheory's token flow uses plain `requests.post`.
    """
    original = HTTPAdapter.send

    def send(adapter: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        pacer.before()
        response = original(adapter, request, *args, **kwargs)
        pacer.after(response.status_code, response.headers)
        return response

    with mock.patch.object(HTTPAdapter, "send", send):
        yield pacer


class RecordingSession(requests.Session):
    """Remembers the status of every answer it got (None: no answer), for judging an operation."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[int | None] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        try:
            response = super().send(request, **kwargs)
        except requests.RequestException:
            self.answers.append(None)
            raise
        self.answers.append(response.status_code)
        self.cookies.clear()  # each case stands alone, as on schemathesis' own sessions
        return response
