"""The threaded server on a real port: connection faults over TCP, and a clean shutdown."""

import socket

import pytest
import requests

from mocks.kit.app import create_app
from mocks.kit.clock import Clock
from mocks.kit.server import ServerThread


@pytest.fixture
def served(tiny_spec):
    with ServerThread(create_app(tiny_spec, clock=Clock(virtual=True))) as server:
        yield server


def test_serves_on_an_ephemeral_port(served):
    assert served.port > 0
    r = requests.get(f"{served.base_url}/items", headers={"X-Key": "alpha"}, timeout=5)
    assert (r.status_code, r.json()) == (200, [])


def test_dropped_connection_and_truncated_body_over_tcp(served):
    requests.put(
        f"{served.base_url}/__mock__/faults",
        timeout=5,
        json=[
            {"method": "GET", "effect": "drop", "times": 1},
            {"method": "PUT", "effect": "truncate", "when": "after", "times": 1},
        ],
    )
    with requests.Session() as s:
        s.headers["X-Key"] = "alpha"
        with pytest.raises(requests.ConnectionError):
            s.get(f"{served.base_url}/items", timeout=5)
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
            s.put(f"{served.base_url}/items", json={"sku": "TCP"}, timeout=5)
        assert s.get(f"{served.base_url}/items", timeout=5).json() == [{"sku": "TCP"}]


def test_shutdown_closes_the_socket_and_joins_the_thread(tiny_spec):
    server = ServerThread(create_app(tiny_spec)).start()
    port = server.port
    server.stop()
    assert not server.thread.is_alive()
    with socket.socket() as probe, pytest.raises(OSError):
        probe.settimeout(1)
        probe.connect(("127.0.0.1", port))
