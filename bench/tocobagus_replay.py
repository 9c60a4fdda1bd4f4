"""Tocobagus request authentication rate as the HMAC replay cache fills (signatures live in the 300 s window).

Prints figures; it is not a test. Calls `authenticate` directly on a virtual clock that moves 1 ms per
request, so every signature stays inside the window and the cache holds one entry per request so far.
Usage: python bench/tocobagus_replay.py [LIVE ...]   (default 0 5000 10000 20000 50000)
"""

from __future__ import annotations

import itertools
import sys
import time

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.tocobagus import CREDENTIALS, create_app, signing

PATH = "/partner/stores/products"
MEASURED = 2000


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [0, 5000, 10_000, 20_000, 50_000]
    print(f"{'live signatures':>16} {'auth/s':>10} {'ratio':>7}")
    baseline = None
    for live in sizes:
        clock = Clock(virtual=True)
        backend = Mock.of(create_app(clock=clock)).backend

        stamps = itertools.count(round(clock.now() * 1000))

        def once(backend=backend, clock=clock, stamps=stamps) -> None:
            clock.advance(0.001)
            headers = signing.signed_headers(
                CREDENTIALS["partner_secret"],
                "GET",
                PATH,
                b"",
                partner_client_id=CREDENTIALS["partner_client_id"],
                store_client_id=CREDENTIALS["store_client_id"],
                store_token=CREDENTIALS["store_token"],
                timestamp_ms=next(stamps),  # distinct; the clock's float sum may round two alike
            )
            backend.authenticate("GET", "/api/v1" + PATH, headers, b"")

        for _ in range(live):
            once()
        started = time.perf_counter()
        for _ in range(MEASURED):
            once()
        rate = MEASURED / (time.perf_counter() - started)
        baseline = baseline or rate
        print(f"{live:>16,} {rate:>10,.0f} {rate / baseline:>7.2f}")


if __name__ == "__main__":
    main()
