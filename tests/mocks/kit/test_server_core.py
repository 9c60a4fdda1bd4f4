"""The server core on raw sockets, in both socket modes: a ServerThread (verify, the plugin) and `serve`.

Each connection fault is seen as a client sees it on the wire; refusals come in the vendor's shape.
"""

from __future__ import annotations

import base64
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from harness.cli import build_server_app
from mocks.kit.server import ServerThread

AUTH = "Basic " + base64.b64encode(b"test-key:test-secret").decode()
STARSHIPIT = {"StarShipIT-Api-Key": "test-api-key", "Ocp-Apim-Subscription-Key": "test-subscription-key"}
VENDORS = ["shipstation", "starshipit"]


@pytest.fixture(scope="module")
def serve_port() -> Iterator[int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve", *VENDORS, "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield json.loads(process.stdout.readline())["port"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    assert process.returncode == 0


@pytest.fixture(scope="module")
def thread_port() -> Iterator[int]:
    with ServerThread(build_server_app(VENDORS)) as server:
        yield server.port


@pytest.fixture(params=["port mode", "serve"])
def port(request) -> int:
    port = request.getfixturevalue("thread_port" if request.param == "port mode" else "serve_port")
    for vendor in VENDORS:
        requests.post(f"http://127.0.0.1:{port}/{vendor}/__mock__/reset", timeout=5).raise_for_status()
    requests.put(
        f"http://127.0.0.1:{port}/shipstation/__mock__/settings", json={"rate_limit": 10_000}, timeout=5
    ).raise_for_status()
    seeded = requests.post(
        f"http://127.0.0.1:{port}/shipstation/__mock__/products",
        json={"products": [{"sku": "A-1", "name": "Anchor"}]},
        timeout=5,
    )
    seeded.raise_for_status()
    return port


def faults(port: int, rules: list[dict], vendor: str = "shipstation") -> None:
    r = requests.put(f"http://127.0.0.1:{port}/{vendor}/__mock__/faults", json=rules, timeout=5)
    assert r.status_code == 200, r.text


def journal(port: int, vendor: str = "shipstation") -> list[dict]:
    r = requests.get(f"http://127.0.0.1:{port}/{vendor}/__mock__/journal", timeout=5)
    return [e for e in r.json()["entries"] if e["type"] == "request"]


def stored_name(port: int) -> str:
    products = requests.get(f"http://127.0.0.1:{port}/shipstation/__mock__/products", timeout=5).json()
    return products["products"][0]["name"]


def get(path: str, headers: str = f"Authorization: {AUTH}\r\n") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: mock\r\n{headers}\r\n".encode()


def exchange(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send `data`, then read until the server closes (a reset raises ConnectionResetError)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def read_answer(stream) -> tuple[bytes, bytes]:
    """One answer framed by Content-Length from `sock.makefile("rb")`: (head, body)."""
    lines = []
    while (line := stream.readline()) not in (b"\r\n", b""):
        lines.append(line)
    assert lines, "closed before an answer"
    length = next(int(h.split(b":")[1]) for h in lines if h.lower().startswith(b"content-length:"))
    body = stream.read(length)
    assert len(body) == length, "closed mid-body"
    return b"".join(lines), body


def split(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_drop_closes_without_a_byte_and_the_exchange_is_journaled(port):
    faults(port, [{"method": "GET", "path": "^/products$", "effect": "drop", "times": 1}])
    assert exchange(port, get("/shipstation/products")) == b""
    assert journal(port)[-1]["fault"] == "drop"
    status, _, _ = split(
        exchange(port, get("/shipstation/products", f"Authorization: {AUTH}\r\nConnection: close\r\n"))
    )
    assert status == 200  # the rule fired once


def test_drop_with_rst_resets_the_connection(port):
    faults(port, [{"method": "GET", "effect": "drop", "rst": True, "times": 1}])
    with pytest.raises(ConnectionResetError):
        exchange(port, get("/shipstation/products"))
    assert journal(port)[-1]["fault"] == "drop"


def test_truncate_after_cuts_the_real_200_body(port):
    faults(port, [{"method": "GET", "path": "^/products/1$", "effect": "truncate", "when": "after"}])
    status, headers, body = split(exchange(port, get("/shipstation/products/1")))
    assert status == 200 and 0 < len(body) < int(headers["content-length"])
    whole = json.dumps(
        requests.get(f"http://127.0.0.1:{port}/shipstation/__mock__/products", timeout=5).json()
    )
    assert body.startswith(b'{"productId": 1') and b"Anchor" in whole.encode()
    entry = journal(port)[-1]
    assert (entry["status"], entry["fault"]) == (200, "truncate")


def test_slow_body_dribbles_the_whole_answer_at_the_bandwidth(port):
    plain = requests.get(f"http://127.0.0.1:{port}/shipstation/products/1", headers={"Authorization": AUTH})
    size = len(plain.content)
    faults(port, [{"method": "GET", "effect": "slow_body", "bandwidth": size * 2, "when": "after"}])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(get("/shipstation/products/1"))
        started = time.monotonic()
        stream = sock.makefile("rb")
        head, body = read_answer(stream)
        took = time.monotonic() - started
        assert b" 200 " in head.split(b"\r\n")[0] and json.loads(body) == plain.json()
        assert 0.3 < took < 5.0  # half a second of dribble at twice the size per second
        sock.sendall(get("/shipstation/products/1"))  # the connection stays usable
        assert b" 200 " in read_answer(stream)[0]
    assert journal(port)[-2]["fault"] == "slow_body"


def test_empty_closes_after_the_request_and_the_vendor_never_sees_it(port):
    faults(port, [{"method": "PUT", "effect": "empty", "when": "after", "times": 1}])
    body = json.dumps({"productId": 1, "sku": "A-1", "name": "Changed"}).encode()
    request = (
        f"PUT /shipstation/products/1 HTTP/1.1\r\nHost: mock\r\nAuthorization: {AUTH}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    assert exchange(port, request + body) == b""
    assert stored_name(port) == "Anchor"
    assert journal(port)[-1]["fault"] == "empty"


def test_latency_holds_one_vendor_while_another_answers_at_once(port):
    """While ShipStation holds a 2 s latency fault, Starshipit answers well under 0.5 s (DESIGN rule 11)."""
    faults(port, [{"method": "GET", "effect": "latency", "latency": 2, "times": 1}])
    held: list[float] = []

    def slow() -> None:
        started = time.monotonic()
        r = requests.get(f"http://127.0.0.1:{port}/shipstation/products/1", headers={"Authorization": AUTH})
        held.append(time.monotonic() - started)
        assert r.status_code == 200

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.2)  # the held request is in
    quick = []
    with requests.Session() as session:
        for _ in range(2):  # the developer tier allows 2 a second
            started = time.monotonic()
            r = session.get(f"http://127.0.0.1:{port}/starshipit/api/products", headers=STARSHIPIT, timeout=5)
            quick.append(time.monotonic() - started)
            assert r.status_code == 200 and r.json()["success"] is True
    thread.join()
    assert max(quick) < 0.5 and held[0] >= 1.9
    assert journal(port)[-1]["fault"] == "latency"


def test_a_chunked_body_over_the_cap_is_refused_413_in_the_vendors_shape(port):
    row = b"sku,title\n" + b"X-1,Chunked\n" * 100_000  # 1.2 MB, over Starshipit's 1 MiB cap
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(row[i : i + 65536]), row[i : i + 65536]) for i in range(0, len(row), 65536)
    )
    head = "".join(f"{k}: {v}\r\n" for k, v in STARSHIPIT.items())
    request = (
        f"POST /starshipit/api/products/import HTTP/1.1\r\nHost: mock\r\n{head}"
        "Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    status, headers, body = split(exchange(port, request + chunks + b"0\r\n\r\n"))
    assert status == 413 and headers["content-type"] == "application/json"
    assert json.loads(body)["success"] is False
    products = requests.get(f"http://127.0.0.1:{port}/starshipit/__mock__/products", timeout=5).json()
    assert products == {"products": []}  # nothing imported, nothing cut
    entry = journal(port, "starshipit")[-1]
    assert (entry["status"], entry["headers"]["Transfer-Encoding"], entry["body"]) == (413, "chunked", None)


def test_a_chunked_body_under_the_cap_is_read_whole(port):
    body = json.dumps({"productId": 1, "sku": "A-1", "name": "Chunked"}).encode()
    chunks = b"5\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (body[:5], len(body) - 5, body[5:])
    request = (
        f"PUT /shipstation/products/1 HTTP/1.1\r\nHost: mock\r\nAuthorization: {AUTH}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    status, _, answer = split(exchange(port, request + chunks))
    assert status == 200 and json.loads(answer)["success"] is True
    assert stored_name(port) == "Chunked"
    entry = journal(port)[-1]
    assert (
        entry["headers"]["Transfer-Encoding"] == "chunked" and json.loads(entry["body"])["name"] == "Chunked"
    )


def test_content_length_over_the_cap_is_refused_before_the_body(port):
    request = (
        f"PUT /shipstation/products/1 HTTP/1.1\r\nHost: mock\r\nAuthorization: {AUTH}\r\n"
        "Content-Type: application/json\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n"
    ).encode()
    status, headers, body = split(exchange(port, request))
    assert (status, json.loads(body)) == (413, {"message": "Request entity too large"})
    assert headers["connection"] == "close"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET /shipstation/products HTTP/1.1\r\nHost: mock\r\nBad Header\r\n\r\n", 400),
        (get("/shipstation/products", "X-Big: " + "x" * 40_000 + "\r\n"), 400),
        (get("/shipstation/products?q=" + "x" * 9000), 400),
    ],
    ids=["malformed header", "oversized header", "oversized URL"],
)
def test_malformed_and_oversized_requests_get_the_vendors_json(port, raw, status):
    code, headers, body = split(exchange(port, raw))
    assert code == status and headers["content-type"] == "application/json"
    assert json.loads(body) == {"message": "Invalid request parameters"}  # ShipStation's shape, not HTML


def test_a_malformed_request_line_gets_json_not_html(port):
    code, headers, body = split(exchange(port, b"GARBAGE\r\n\r\n"))
    assert code == 400 and headers["content-type"] == "application/json"
    assert "error" in json.loads(body)


def test_expect_continue_keep_alive_and_pipelining(port):
    body = json.dumps({"productId": 1, "sku": "A-1", "name": "Continued"}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            (
                f"PUT /shipstation/products/1 HTTP/1.1\r\nHost: mock\r\nAuthorization: {AUTH}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                "Expect: 100-continue\r\n\r\n"
            ).encode()
        )
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        stream = sock.makefile("rb")
        head, answer = read_answer(stream)
        assert b" 200 " in head and json.loads(answer)["success"] is True
        sock.sendall(get("/shipstation/products/1") + get("/shipstation/products/2"))  # pipelined
        first, second = read_answer(stream), read_answer(stream)
        assert b" 200 " in first[0] and json.loads(first[1])["name"] == "Continued"
        assert b" 404 " in second[0] and json.loads(second[1]) == {"message": "Resource not found"}


def test_serve_refuses_a_busy_port_with_one_line_and_exit_2(serve_port):
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "serve", "shipstation", "--port", str(serve_port)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    message = (
        f"catalog-harness serve: error: argument --port: port {serve_port} on 127.0.0.1 is already in use"
    )
    assert done.stderr.strip() == message + "; stop the other server or pick another port"


def test_a_client_that_half_closes_still_gets_its_answer(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(get("/shipstation/products/1"))
        sock.shutdown(socket.SHUT_WR)
        status, _, body = split(b"".join(iter(lambda: sock.recv(65536), b"")))
    assert status == 200 and json.loads(body)["sku"] == "A-1"


def test_accepted_sockets_set_tcp_nodelay_and_stop_closes_them():
    server = ServerThread(build_server_app(["shipstation"])).start()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(get("/shipstation/__mock__/health"))
        assert b" 200 " in sock.recv(65536)  # answered: the connection is registered
        (conn,) = server.server.connections
        assert conn.transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        server.stop()
        assert sock.recv(100) == b"" and not server.thread.is_alive()


def test_serve_refuses_a_port_out_of_range_naming_the_argument():
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "serve", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "argument --port: must be a port number from 0 to 65535" in done.stderr


def test_an_app_with_blocking_io_runs_each_request_on_a_worker_thread():
    release = threading.Event()

    class Proxy:  # like the recording proxy: each request waits on an upstream
        blocking_io = True

        def __call__(self, environ, start_response):
            if environ["PATH_INFO"] == "/slow":
                release.wait(5)
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]

    with ServerThread(Proxy()) as server, requests.Session() as session:
        slow = threading.Thread(target=lambda: session.get(f"{server.base_url}/slow", timeout=10))
        slow.start()
        started = time.monotonic()
        assert requests.get(f"{server.base_url}/fast", timeout=5).text == "ok"
        assert time.monotonic() - started < 0.5  # not held up by the waiting one
        release.set()
        slow.join()
