"""What `record` and `drift` cost: GET rates straight to a ShipStation mock and through the recording proxy,
the time to write the cassette, and drift's time for it.

Prints figures; it is not a test. BENCH_REQUESTS (default 2000) GETs of one product, one client thread.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import requests

from harness.drift import drift
from harness.record import serve
from mocks.kit.core import Mock
from mocks.kit.server import ServerThread
from mocks.shipstation import SPEC, create_app

N = int(os.environ.get("BENCH_REQUESTS", "2000"))
AUTH = ("test-key", "test-secret")


def rate(base: str) -> float:
    session = requests.Session()
    started = time.perf_counter()
    for _ in range(N):
        session.get(f"{base}/products/1", auth=AUTH)
    return N / (time.perf_counter() - started)


def main() -> None:
    app = create_app(settings={"rate_limit": 10**9})
    Mock.of(app).backend.seed("test-key", [{"sku": "B-1", "name": "Bench", "price": 1.0}])
    out = Path(tempfile.mkdtemp()) / "bench.har"
    with ServerThread(app) as upstream:
        direct = rate(upstream.base_url)
        proxy, cassette = serve("shipstation", upstream.base_url, out)
        proxied = rate(proxy.base_url)
        proxy.stop()
    started = time.perf_counter()
    cassette.close()
    written = time.perf_counter() - started
    started = time.perf_counter()
    report = drift("shipstation", str(out))
    seconds = time.perf_counter() - started
    print(f"{N} GETs, one client thread")
    print(f"direct to the mock:     {direct:8.0f} req/s")
    added = 1000 / proxied - 1000 / direct
    print(f"through record:         {proxied:8.0f} req/s  ({added:.2f} ms added per request)")
    print(f"cassette:               {out.stat().st_size / 1e6:8.1f} MB, written in {written * 1000:.0f} ms")
    # The recording's mock had its rate limit raised and the replay's has ShipStation's 40/min, so most
    # exchanges differ: the figure includes a replay per quirk and the final one with the suggestions.
    replays = 1 + len(SPEC.quirks) + bool(report.suggested_settings)
    print(
        f"drift:                  {seconds:8.1f} s for {report.replayed} exchanges, {replays} replays "
        f"({len(report.differences)} differences)"
    )


if __name__ == "__main__":
    main()
