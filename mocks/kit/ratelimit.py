"""Fixed-window request counters keyed by credential.

Windows are aligned to multiples of the period on the mock's clock, as vendors' "per minute" limits
are. The limiter only decides; each vendor renders its own 429 body and headers from the decision.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from .clock import Clock


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # clock time when the current window ends
    now: float

    @property
    def reset_seconds(self) -> int:
        """Whole seconds until the next window, never 0 (a client told 0 would retry too early)."""
        return max(1, math.ceil(self.reset_at - self.now - 1e-9))

    def as_journal(self, key: str) -> dict:
        return {
            "key": key,
            "limit": self.limit,
            "remaining": self.remaining,
            "reset_at": self.reset_at,
            "allowed": self.allowed,
        }


class RateLimiter:
    """Counters only: the limit is an argument of each hit (read from the settings then), never state a
    request writes, so threads answering at once cannot race on it."""

    def __init__(self, clock: Clock, limit: int, period: float) -> None:
        self.clock = clock
        self.limit = limit  # the default for a hit given none
        self.period = period
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window start, requests counted)

    def hit(self, key: str, limit: int | None = None) -> Decision:
        """Count one request for `key` under `limit`; a refused request does not use up the window."""
        if limit is None:
            limit = self.limit
        now = self.clock.now()
        start = math.floor(now / self.period) * self.period
        with self._lock:
            window_start, used = self._windows.get(key, (start, 0))
            if window_start != start:
                used = 0
            allowed = used < limit
            if allowed:
                used += 1
            self._windows[key] = (start, used)
        return Decision(allowed, limit, max(0, limit - used), start + self.period, now)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
