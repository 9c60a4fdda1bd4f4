"""Ctrl-C and SIGTERM as one exception, raised when the signal arrives and again at every checkpoint.

Python swallows an exception raised while it runs a finaliser or a garbage-collector callback ("Exception
ignored in …"), so a single KeyboardInterrupt can be lost and a long run carry on. Commands call
`checkpoint()` between units of work (an operation, an example), which raises again once a signal came.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any


class Interrupted(KeyboardInterrupt):
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # 130 for SIGINT, 143 for SIGTERM


class Interrupts:
    """While active, SIGINT and SIGTERM raise Interrupted (and keep raising it at checkpoints)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signum: int | None = None
        self.deferring = 0  # inside `deferred()`: a signal is only noted, raised at the next checkpoint
        self._previous: dict[int, Any] = {}
        self._hook = sys.unraisablehook

    def __enter__(self) -> Interrupts:
        _active.append(self)
        for signum in self.SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        self._hook, sys.unraisablehook = sys.unraisablehook, self._unraisable
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = self._hook
        if self in _active:
            _active.remove(self)

    def _unraisable(self, unraisable: Any) -> None:
        """An Interrupted swallowed in a finaliser is not news: the next checkpoint raises it again."""
        if not isinstance(unraisable.exc_value, Interrupted):
            self._hook(unraisable)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signum = self.signum or signum
        if not self.deferring:
            raise Interrupted(self.signum)

    def checkpoint(self, *_: Any) -> None:
        """Raise Interrupted if a signal came; takes and ignores any arguments (usable as a callback)."""
        if self.signum is not None:
            raise Interrupted(self.signum)


_active: list[Interrupts] = []


def checkpoint() -> None:
    """For code that does not hold the Interrupts object (a long wait deep in a run): raise if due."""
    for interrupts in _active:
        interrupts.checkpoint()


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Signals only noted inside, raised by the caller's `checkpoint()`: for code that waits inside a
    library that holds locks (concurrent.futures' `wait` holds each future's lock; an exception raised in
    it by a signal handler can leave one held, and the pool's manager thread, joined at exit, then blocks
    on it for ever)."""
    for interrupts in _active:
        interrupts.deferring += 1
    try:
        yield
    finally:
        for interrupts in _active:
            interrupts.deferring = max(0, interrupts.deferring - 1)
