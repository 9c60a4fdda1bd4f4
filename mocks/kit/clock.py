"""The one source of "now" for mocks, and for in-process clients that share it.

A virtual clock stands still until advanced, so rate-limit windows, token expiry and async jobs can be
driven by tests without sleeping. `sleep()` on a virtual clock advances it: a client given the same
clock as the mock "waits" in no real time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# 2026-01-01T00:00:00Z: a whole minute, so fixed one-minute windows start exactly at virtual time zero.
VIRTUAL_EPOCH = 1_767_225_600.0


class Clock:
    def __init__(self, virtual: bool = False, start: float = VIRTUAL_EPOCH) -> None:
        self._lock = threading.Lock()
        self._virtual_now: float | None = start if virtual else None
        self._listeners: list[Callable[[float], None]] = []

    @property
    def virtual(self) -> bool:
        return self._virtual_now is not None

    def now(self) -> float:
        virtual_now = self._virtual_now
        return time.time() if virtual_now is None else virtual_now

    def set_virtual(self, start: float | None = None) -> None:
        with self._lock:
            self._virtual_now = self.now() if start is None else start

    def set_real(self) -> None:
        with self._lock:
            self._virtual_now = None

    def advance(self, seconds: float) -> float:
        """Move a virtual clock forward (a real clock cannot be moved) and tell the listeners."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            if self._virtual_now is None:
                raise ValueError("only a virtual clock can be advanced")
            self._virtual_now += seconds
            now = self._virtual_now
        for listener in list(self._listeners):
            listener(now)
        return now

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self.virtual:
            self.advance(seconds)
        else:
            time.sleep(seconds)

    def on_advance(self, listener: Callable[[float], None]) -> None:
        """Call `listener(now)` after every advance (async work that falls due)."""
        self._listeners.append(listener)

    def snapshot(self) -> dict:
        return {"mode": "virtual" if self.virtual else "real", "now": self.now()}


_last_date: tuple[int, str] = (-1, "")


def http_date(now: float) -> str:
    """An HTTP Date (IMF-fixdate) for a clock reading, kept for the second. One tuple swapped whole: a
    thread never pairs one second with another's text."""
    global _last_date
    second = int(now)
    last = _last_date
    if last[0] != second:
        last = _last_date = (second, time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(second)))
    return last[1]
