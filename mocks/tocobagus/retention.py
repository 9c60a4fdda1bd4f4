"""How long finished jobs and webhook deliveries are kept: by count and by age, oldest finished first.

Only finished work is ever let go (a COMPLETED job; a DELIVERED, FAILED or DROPPED delivery), so nothing
pending is lost. Finished items are remembered in the order they finished, so letting the oldest go is
O(1) amortised. After a reset or a restore the order is rebuilt once from the state itself.
"""

from __future__ import annotations

from collections import deque
from typing import Any

DEFAULT = {"max_count": 1000, "max_age_seconds": 86400}
FINISHED_DELIVERY = ("DELIVERED", "FAILED", "DROPPED")


class Retention:
    def __init__(self) -> None:
        self._order: dict[str, deque[tuple[float, str]]] = {"job": deque(), "delivery": deque()}
        self._rebuilt = False

    def finished(self, kind: str, key: str, at: float) -> None:
        self._order[kind].append((at, key))

    def prune(self, jobs: dict[str, dict], deliveries: dict[str, dict], setting: dict, now: float) -> int:
        """Let the oldest finished items go beyond the count or the age; how many went."""
        if not self._rebuilt:
            self._rebuild(jobs, deliveries)
        count = setting.get("max_count", DEFAULT["max_count"])  # omitted: the default; null: no bound
        age = setting.get("max_age_seconds", DEFAULT["max_age_seconds"])
        oldest = now - age if age is not None else None
        gone = 0
        for kind, store in (("job", jobs), ("delivery", deliveries)):
            order = self._order[kind]
            while order and (
                (count is not None and len(order) > count) or (oldest is not None and order[0][0] < oldest)
            ):
                _, key = order.popleft()
                if store.pop(key, None) is not None:
                    gone += 1
        return gone

    def _rebuild(self, jobs: dict[str, dict], deliveries: dict[str, dict]) -> None:
        """Finished items of a restored state, oldest finished first (a delivery by its last due time)."""
        done_jobs = [
            (_time(j.get("completedAt")), key) for key, j in jobs.items() if j.get("status") == "COMPLETED"
        ]
        done_deliveries = [
            (_time(d.get("dueAt")), key)
            for key, d in deliveries.items()
            if d.get("status") in FINISHED_DELIVERY
        ]
        self._order = {"job": deque(sorted(done_jobs)), "delivery": deque(sorted(done_deliveries))}
        self._rebuilt = True


def _time(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
