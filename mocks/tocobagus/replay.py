"""The HMAC replay cache: each signature is refused again until its timestamp leaves the window.

Signatures expire in time order, O(1) amortised per request. A signature's expiry lies within two windows
of "now" (its timestamp is within ±window of the clock when it is accepted), so expiries are kept in
one-second buckets: each request sweeps the buckets whose whole second has passed, and a bucket is swept
once. (The old cache rebuilt itself on every request once it held 10,000 signatures.)
"""

from __future__ import annotations

import math


class ReplayCache:
    def __init__(self) -> None:
        self._until: dict[str, float] = {}  # signature -> when it leaves the window
        self._buckets: dict[int, list[str]] = {}  # whole second of expiry -> signatures
        self._swept = -math.inf  # every bucket below this second is gone

    def __len__(self) -> int:
        return len(self._until)

    def admit(self, signature: str, until: float, now: float) -> bool:
        """False for a replay (the signature is still in the window); else remember it until `until`."""
        self._expire(now)
        known = self._until.get(signature)
        if known is not None and known > now:
            return False
        self._until[signature] = until
        self._buckets.setdefault(math.floor(until), []).append(signature)
        return True

    def _expire(self, now: float) -> None:
        last = math.floor(now) - 1  # buckets up to here hold only expiries <= now
        if last < self._swept:
            return
        if last - self._swept > len(self._buckets):  # a long gap (or a jump of the clock): walk the buckets
            seconds = [s for s in self._buckets if s <= last]
        else:
            seconds = [s for s in range(int(self._swept), last + 1) if s in self._buckets]
        for second in seconds:
            for signature in self._buckets.pop(second):
                until = self._until.get(signature)
                if until is not None and until <= now:  # not if it was admitted again since
                    del self._until[signature]
        self._swept = last + 1
