"""Request rates for the ShipStation mock: in process (requests adapter) vs sockets (ServerThread, `serve`).

Prints figures; it is not a test. Auth, rate limiting (set high enough not to refuse), journal and
validation are all on, as in normal use.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time

import requests

from mocks.kit.server import ServerThread
from mocks.kit.transport import in_process_session
from mocks.shipstation import create_app

N = int(os.environ.get("BENCH_REQUESTS", "3000"))
AUTH = ("test-key", "test-secret")
PRODUCT = {"sku": "BENCH-1", "name": "Bench", "price": 1.0, "weightOz": 3.5}


def measure(session: requests.Session, base: str, n: int = N) -> tuple[float, float, float]:
    """GET/s, PUT/s and p99 latency (ms) of GETs, one client thread."""
    url = f"{base}/products/1"
    latencies = []
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        session.get(url)
        latencies.append(time.perf_counter() - t)
    gets = n / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(n):
        session.put(url, json={**PRODUCT, "name": f"Bench {i}"})
    puts = n / (time.perf_counter() - started)
    latencies.sort()
    return gets, puts, latencies[int(len(latencies) * 0.99)] * 1000


def prepared(session: requests.Session, base: str) -> requests.Session:
    session.auth = AUTH
    session.put(f"{base}/__mock__/settings", json={"rate_limit": 10**9})
    session.post(f"{base}/__mock__/products", json={"products": [PRODUCT]})
    return session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    app = create_app()
    rows = [
        (
            "in-process (requests adapter)",
            *measure(prepared(in_process_session(app), "http://mock"), "http://mock"),
        )
    ]
    with ServerThread(create_app()) as server, requests.Session() as session:
        rows.append(
            (
                "socket, ServerThread",
                *measure(prepared(session, server.base_url), server.base_url),
            )
        )
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve", "shipstation", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/shipstation"
    try:
        while True:
            try:
                requests.get(f"{base}/__mock__/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.01)
        first_answer = time.perf_counter() - started
        with requests.Session() as session:
            rows.append(("socket, catalog-harness serve", *measure(prepared(session, base), base)))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    print(f"ShipStation mock, {N} GETs then {N} PUTs per row, one client thread on this machine")
    print(f"{'target':42} {'GET/s':>8} {'PUT/s':>8} {'p99 GET ms':>11}")
    for name, gets, puts, p99 in rows:
        print(f"{name:42} {gets:8.0f} {puts:8.0f} {p99:11.2f}")
    print(f"serve: first answer {first_answer:.2f} s after start")
    print(f"bench process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
