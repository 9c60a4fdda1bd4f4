"""CPU cost of one ShipStation `GET /products` page as the catalogue grows (1k, 10k, 100k products).

Prints figures; it is not a test. Calls the backend's list directly (no HTTP, no Flask), so the figure is
the listing itself: filtering, ordering and cutting the page. Every 10th product is inactive.
Usage: python bench/shipstation_list.py [SIZE ...]
"""

from __future__ import annotations

import sys
import time

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.shipstation import create_app

QUERIES = {
    "default, page 1": {},
    "default, middle page": {"page": "MID"},
    "default desc, page 1": {"sortDir": "DESC"},
    "sku filter": {"sku": "sku-00000042"},
    "sortBy=SKU (linear)": {"sortBy": "SKU"},
    "name filter (linear)": {"name": "duct 12"},
}


def backend_with(n: int):
    app = create_app(clock=Clock(virtual=True))
    backend = Mock.of(app).backend
    backend.seed(
        "test-key",
        [{"sku": f"SKU-{i:08d}", "name": f"Product {i}", "active": i % 10 != 0} for i in range(n)],
    )
    return backend


def cpu_ms(call, repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        call()
    return (time.process_time() - started) / repeat * 1000


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10_000, 100_000]
    print("CPU ms per list call (pageSize 100)")
    print(f"{'query':<24}" + "".join(f"{n:>12,}" for n in sizes))
    backends = {n: backend_with(n) for n in sizes}
    for label, query in QUERIES.items():
        cells = []
        for n in sizes:
            q = dict(query)
            if q.get("page") == "MID":
                q["page"] = str(max(1, n // 200))
            backend = backends[n]
            repeat = max(3, 200_000 // n) if "linear" not in label else max(3, 20_000 // n)
            cells.append(cpu_ms(lambda b=backend, q=q: b.list_products("test-key", q), repeat))
        print(f"{label:<24}" + "".join(f"{c:>12.3f}" for c in cells))


if __name__ == "__main__":
    main()
