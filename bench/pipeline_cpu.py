"""CPU µs per request of `serve`'s request path, in process: the server core without the kernel's socket.

    python bench/pipeline_cpu.py            # GET and PUT /shipstation/products/{id}, 1,000 products
    BENCH_REQUESTS=20000 python bench/pipeline_cpu.py
    BENCH_ROUNDS=5 python bench/pipeline_cpu.py  # the least of 5 rounds each (a shared machine's noise)
    PROFILE=1 python bench/pipeline_cpu.py  # and the top of a cProfile of the GETs

The same workload as bench/compare.py (Basic auth, rate limit raised so nothing is refused, journal and
validation on, the mocks mounted as `serve` mounts them), fed as raw HTTP/1.1 bytes into the server core's
`Connection` (httptools parse, environ, the app, the response head) with a transport that keeps what is
written. Everything but the loopback send, which bench/compare.py measures with wrk. CPU time is this
process's (time.process_time), so the figure holds on a loaded machine; the load average is printed.
"""

from __future__ import annotations

import asyncio
import base64
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

# BENCH_ROOT: measure another checkout's mocks with this script (before/after figures in one sitting).
sys.path.insert(0, os.environ.get("BENCH_ROOT") or str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))

from compare import PRODUCTS, product

from mocks.kit.clock import Clock
from mocks.kit.dispatch import Mounts
from mocks.kit.http1 import Connection
from mocks.kit.server import Server
from mocks.shipstation import create_app

N = int(os.environ.get("BENCH_REQUESTS", "5000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1"))
AUTH = "Basic " + base64.b64encode(b"test-key:test-secret").decode()


class Sink(asyncio.Transport):
    """A transport that keeps what the connection writes; never closes."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[bytes] = []

    def write(self, data: bytes) -> None:  # type: ignore[override]
        self.out.append(data)

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: object = None) -> object:
        return ("127.0.0.1", 40000) if name == "peername" else default


def raw(method: str, i: int) -> bytes:
    body = json.dumps(product(i)).encode() if method == "PUT" else b""
    head = (
        f"{method} /shipstation/products/{i} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def connection() -> tuple[Connection, Sink]:
    server = Server(Mounts({"/shipstation": create_app(clock=Clock())}))  # as `serve` builds it
    server.loop = asyncio.new_event_loop()
    server._base = {  # what Server.start sets, without a socket
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "0",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    conn, sink = Connection(server), Sink()
    conn.transport = sink
    conn.peer = ("127.0.0.1", 40000)
    return conn, sink


def seed(conn: Connection, sink: Sink) -> None:
    for path, body in (
        ("/shipstation/__mock__/settings", {"rate_limit": 10**9}),
        ("/shipstation/__mock__/products", {"products": [product(i) for i in range(1, PRODUCTS + 1)]}),
    ):
        data = json.dumps(body).encode()
        method = "PUT" if path.endswith("settings") else "POST"
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n\r\n".encode()
        # The control API runs on a worker thread: the loop runs until it has answered.
        answered = len(sink.out) + 1
        conn.data_received(head + data)
        for _ in range(600):
            if len(sink.out) >= answered and not conn.busy:
                break
            conn.server.loop.run_until_complete(asyncio.sleep(0.05))
        assert sink.out and b" 200 " in sink.out[-1][:20], sink.out[-1][:200]


def measure(conn: Connection, sink: Sink, method: str) -> float:
    requests = [raw(method, i % PRODUCTS + 1) for i in range(N)]
    sink.out.clear()
    started = time.process_time()
    for data in requests:
        conn.data_received(data)
    spent = time.process_time() - started
    assert len(sink.out) == N and all(b" 200 " in out[:20] for out in sink.out), sink.out[-1][:300]
    return spent / N * 1e6


def main() -> None:
    conn, sink = connection()
    seed(conn, sink)
    # The control API is offloaded to worker threads by path; the vendor routes run inline, as measured.
    measure(conn, sink, "GET")  # warm up
    gets, puts = [], []
    for _ in range(ROUNDS):
        gets.append(measure(conn, sink, "GET"))
        puts.append(measure(conn, sink, "PUT"))
    get, put = min(gets), min(puts)
    load = os.getloadavg()[0]
    import mocks

    where = Path(mocks.__file__).resolve().parent.parent
    rounds = f", least of {ROUNDS} rounds" if ROUNDS > 1 else ""
    print(
        f"{where}: in-process server core, {N} requests each{rounds},"
        f" load {load:.1f} on {os.cpu_count()} cores"
    )
    print(f"GET /products/{{id}}: {get:6.1f} µs CPU per request")
    print(f"PUT /products/{{id}}: {put:6.1f} µs CPU per request")
    if os.environ.get("PROFILE"):
        profile = cProfile.Profile()
        profile.runcall(measure, conn, sink, os.environ.get("PROFILE_METHOD", "GET"))
        pstats.Stats(profile).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(40)


if __name__ == "__main__":
    main()
