"""Deterministic ids and timestamps: ids are sequential per mock, shaped as the UUIDs Tocobagus uses."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

# Fixed namespace so the same sequence number always gives the same UUID (replayable runs).
_NAMESPACE = uuid.UUID("6f1c1f0e-3b1a-4c55-9d1e-7a0c2b9e5a10")


def iso_time(epoch: float) -> str:
    """2026-02-05T00:14:43.731Z, as in the documented bodies."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Ids:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: dict[str, int] = {}

    def next(self, kind: str) -> str:
        with self._lock:
            n = self.counters.get(kind, 0) + 1
            self.counters[kind] = n
        return str(uuid.uuid5(_NAMESPACE, f"{kind}:{n}"))

    def request_id(self) -> str:
        return self.next("response")

    def reset(self) -> None:
        with self._lock:
            self.counters.clear()
