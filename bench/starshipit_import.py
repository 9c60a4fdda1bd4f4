"""Starshipit CSV import cost as the file grows: first import (all creates), then the same file again.

Prints figures; it is not a test. Calls the backend directly (no HTTP), so the figure is the import itself.
Usage: python bench/starshipit_import.py [ROWS ...]   (default 1000 10000 60000)
"""

from __future__ import annotations

import sys
import time

from mocks import starshipit
from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.starshipit.csv_template import COLUMNS


def csv_bytes(rows: int) -> bytes:
    header = ",".join(COLUMNS)
    lines = [header]
    for i in range(rows):
        cells = {column: "" for column in COLUMNS}
        first, second = list(COLUMNS)[:2]
        cells[first], cells[second] = f"SKU-{i:06d}", f"Product {i}"
        lines.append(",".join(cells.values()))
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10_000, 60_000]
    print(f"{'rows':>8} {'first import s':>15} {'re-import s':>12} {'µs/row':>8}")
    for rows in sizes:
        app = starshipit.create_app(clock=Clock(virtual=True))
        backend = Mock.of(app).backend
        data = csv_bytes(rows)
        with app.test_request_context():
            started = time.perf_counter()
            first = backend.import_csv("test-api-key", data)
            took = time.perf_counter() - started
            started = time.perf_counter()
            again = backend.import_csv("test-api-key", data)
            retook = time.perf_counter() - started
        assert first["created"] == rows and again["unchanged"] == rows, (first["errors"][:3], again)
        print(f"{rows:>8} {took:>15.2f} {retook:>12.2f} {took / rows * 1e6:>8.1f}")


if __name__ == "__main__":
    main()
