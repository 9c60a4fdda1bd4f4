"""The Tocobagus backend's mutable state, shared by the modules that work on it (store, intake, jobs,
webhooks). One object for the life of the backend, cleared in place, so every module that holds it sees
a reset or a restore."""

from __future__ import annotations

from typing import Any

from .replay import ReplayCache
from .retention import Retention


class Tables:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.stores: dict[str, dict[str, dict]] = {}  # store client id -> product id -> product
        self.jobs: dict[str, dict] = {}  # requestId -> job
        self.deliveries: dict[str, dict] = {}  # deliveryId -> webhook delivery
        self.replay = ReplayCache()
        self.taken: dict[str, tuple[set, set]] = {}  # store -> its SKUs and externalIds (store.taken)
        self.retention = Retention()  # rebuilds its order from jobs and deliveries (after a restore)
        self.seq = 0  # creation order, the tie-break of every sort
        self.fault_rules: Any = None  # the webhook fault rules last seen, and how often each fired
        self.fault_fired: dict[int, int] = {}
