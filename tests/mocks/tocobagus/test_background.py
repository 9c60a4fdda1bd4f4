"""Work off the request path: webhook deliveries on a worker, back-off from the end of an attempt, growth
bounds of jobs, deliveries and the replay cache."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from requests.adapters import BaseAdapter

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.transport import WSGIAdapter, in_process_session
from mocks.tocobagus import create_app, signing, webhooks
from mocks.tocobagus.replay import ReplayCache

from .conftest import Api, product

HOOK = "http://hooks/toco/events"


def _attempts(mock) -> list[dict]:
    return [e for e in mock.journal.entries() if e.get("kind") == "webhook.attempt"]


@contextlib.contextmanager
def silent_receiver() -> Iterator[tuple[str, threading.Event]]:
    """A socket on 127.0.0.1 that accepts every connection and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                held.append(listener.accept()[0])
                accepted.set()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hooks", accepted
    finally:
        listener.close()
        for conn in held:
            conn.close()


def test_a_receiver_that_never_answers_holds_up_no_request(monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT", 0.6)  # longer than the bound on a request
    app = create_app(clock=Clock())  # a real clock: the worker thread sends
    api, mock = Api(app), Mock.of(app)
    with silent_receiver() as (url, accepted):
        mock.update_settings({"webhook_url": url, "processing_delay_seconds": 0})
        try:
            started = time.perf_counter()
            accepted_sync = api.sync([product(1)])
            assert accepted_sync.status_code == 202
            assert time.perf_counter() - started < 0.5  # the POST to the receiver is not made in here
            assert accepted.wait(5), "the worker never tried the receiver"
            for call in (lambda: api.list(), lambda: api.status(accepted_sync.json()["requestId"])):
                started = time.perf_counter()
                answer = call()
                assert answer.status_code == 200 and time.perf_counter() - started < 0.5
            assert [p["sku"] for p in answer.json()["data"]["rows"]] == ["SKU-1"]
            deadline = time.monotonic() + 10
            while len(_attempts(mock)) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            first, second = _attempts(mock)[:2]
            assert (first["attempt"], first["status"], first["outcome"]) == (1, None, "retrying")
            assert "Timeout" in first["error"] and "Timeout" in second["error"]
            # The next attempt is due 1 s after the end of the timed-out one, not 1 s after its start.
            assert first["nextAttemptAt"] >= first["time"] + 0.6 + 1
            assert second["time"] >= first["nextAttemptAt"]
            delivery = next(iter(mock.backend.deliveries.values()))
            assert delivery["status"] in ("PENDING", "SENDING") and delivery["attempt"] >= 2
        finally:
            mock.reset()  # the worker lets the forgotten delivery go


def test_on_a_real_clock_the_worker_runs_batches_and_sends_with_no_request():
    app = create_app(clock=Clock())
    api, mock = Api(app), Mock.of(app)
    received = threading.Event()
    hook = Flask("hook")

    @hook.post("/toco/events")
    def events():
        received.set()
        return "", 204

    mock.backend.webhook_session.mount("http://hooks/", WSGIAdapter(hook))
    mock.update_settings({"webhook_url": HOOK, "processing_delay_seconds": 0.1})
    request_id = api.sync([product(1)]).json()["requestId"]
    assert received.wait(5)  # nobody asked: the worker processed the batch, then sent
    deadline = time.monotonic() + 5
    while not _attempts(mock) and time.monotonic() < deadline:
        time.sleep(0.01)
    (attempt,) = _attempts(mock)
    assert (attempt["requestId"], attempt["outcome"]) == (request_id, "delivered")
    assert mock.backend.jobs[request_id]["status"] == "COMPLETED"


def test_on_a_virtual_clock_a_request_sends_nothing_and_jobs_run_sends_what_is_due(api, mock):
    sent: list[bytes] = []
    hook = Flask("hook")

    @hook.post("/toco/events")
    def events():
        sent.append(b"")
        return "", 204

    mock.backend.webhook_session.mount("http://hooks/", WSGIAdapter(hook))
    mock.update_settings({"webhook_url": HOOK, "processing_delay_seconds": 0})
    request_id = api.sync([product(1)]).json()["requestId"]
    assert mock.backend.jobs[request_id]["status"] == "COMPLETED" and sent == []  # due, not sent in there
    assert mock.backend.run_jobs() == {"ran": 0, "webhooks": 1} and len(sent) == 1


class SlowFailingReceiver:
    """Takes `seconds` of the shared virtual clock to answer 500."""

    def __init__(self, clock: Clock, seconds: float) -> None:
        self.times: list[float] = []
        app = Flask("slow")

        @app.post("/toco/events")
        def events():
            self.times.append(clock.now())
            clock.advance(seconds)
            return "", 500

        self.app = app


def test_backoff_counts_from_the_end_of_the_previous_attempt():
    app = create_app(clock=Clock(virtual=True))
    mock = Mock.of(app)
    receiver = SlowFailingReceiver(mock.clock, 3)
    mock.backend.webhook_session.mount("http://hooks/", WSGIAdapter(receiver.app))
    mock.update_settings({"webhook_url": HOOK})
    Api(app).sync([product(1)])
    mock.backend.run_jobs()
    start = receiver.times[0]
    mock.clock.advance(0.999)  # 1 s after the end is start + 4
    assert len(receiver.times) == 1
    mock.clock.advance(0.001)
    assert receiver.times[1] == pytest.approx(start + 4)
    first, second = _attempts(mock)
    assert first["nextAttemptAt"] == pytest.approx(start + 4) and second["attempt"] == 2


class Exploding(BaseAdapter):
    def send(self, *args, **kwargs):
        raise RuntimeError("the adapter broke")

    def close(self) -> None:
        pass


def test_an_exception_in_an_attempt_is_a_failed_journaled_attempt(api, mock):
    mock.backend.webhook_session.mount("http://hooks/", Exploding())
    mock.update_settings({"webhook_url": HOOK})
    api.sync([product(1)])
    mock.backend.run_jobs()
    (attempt,) = _attempts(mock)
    assert (attempt["status"], attempt["outcome"]) == (None, "retrying")
    assert attempt["error"] == "RuntimeError: the adapter broke"
    (delivery,) = mock.backend.deliveries.values()
    assert (delivery["status"], delivery["attempt"]) == ("PENDING", 1)  # never stuck in SENDING
    mock.clock.advance(1)
    assert [a["attempt"] for a in _attempts(mock)] == [1, 2]


def _complete(api, mock, n: int) -> list[str]:
    ids = [api.sync([product(i)]).json()["requestId"] for i in range(n)]
    mock.backend.run_jobs()
    return ids


def test_finished_jobs_and_deliveries_are_kept_by_count(api, mock):
    mock.backend.webhook_session.mount("http://hooks/", WSGIAdapter(Flask("ok")))  # 404: fails for good
    mock.update_settings({"webhook_url": HOOK, "retention": {"max_count": 3, "max_age_seconds": None}})
    ids = _complete(api, mock, 5)
    for _ in range(6):
        mock.clock.advance(16)  # every retry, until each delivery gave up
    api.list()  # a request lets the oldest go
    assert list(mock.backend.jobs) == ids[2:]
    assert len(mock.backend.deliveries) == 3
    assert {d["requestId"] for d in mock.backend.deliveries.values()} == set(ids[2:])
    gone = api.status(ids[0])
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "RES_001"
    assert api.status(ids[4]).json()["data"]["status"] == "COMPLETED"


def test_finished_jobs_are_kept_by_age_and_pending_ones_always(api, mock):
    mock.update_settings({"retention": {"max_count": None, "max_age_seconds": 60}})
    done = _complete(api, mock, 2)
    mock.update_settings({"processing_delay_seconds": 1000})
    pending = api.sync([product(9)]).json()["requestId"]
    mock.clock.advance(59)
    api.list()
    assert set(mock.backend.jobs) == {*done, pending}
    mock.clock.advance(2)
    api.list()
    assert set(mock.backend.jobs) == {pending}  # still pending after 61 s: kept


def test_retention_applies_to_a_restored_state(api, mock):
    _complete(api, mock, 4)
    state = mock.snapshot()
    state["settings"]["retention"] = {"max_count": 1, "max_age_seconds": None}
    mock.restore(state)
    assert len(mock.backend.jobs) == 4
    api.list()
    assert len(mock.backend.jobs) == 1


@pytest.mark.parametrize(
    "value",
    [{"max_count": 0}, {"max_count": "9"}, {"max_age_seconds": -1}, {"keep": 1}, [], None],
)
def test_a_bad_retention_setting_is_refused(app, mock, value):
    answer = in_process_session(app).put("http://mock/__mock__/settings", json={"retention": value})
    assert answer.status_code == 400 and answer.json()["error"].startswith("retention: must be")
    assert mock.settings["retention"] == {"max_count": 1000, "max_age_seconds": 86400}


def test_replay_cache_refuses_within_the_window_and_forgets_after_it():
    cache = ReplayCache()
    now = 1000.0
    assert cache.admit("a", now + 300, now)
    assert not cache.admit("a", now + 300, now + 299.9)
    assert cache.admit("a", now + 300 + 300.5, now + 300.5)  # expired: admitted again
    for i in range(20_000):
        cache.admit(f"s{i}", now + 301 + i * 0.01, now + 301)
    assert len(cache) == 20_001
    assert not cache.admit("s19999", now + 1000, now + 500)
    cache.admit("late", now + 2000, now + 1900)  # everything earlier left in time order
    assert len(cache) == 1


def test_replay_still_refused_through_the_api_and_forgotten_after_the_window(api, mock):
    body = {"products": [product(1)]}
    headers = api.headers("POST", "/partner/stores/catalog/sync", signing.canonical_json(body))
    assert api.call("POST", "/partner/stores/catalog/sync", body, headers=headers).status_code == 202
    again = api.call("POST", "/partner/stores/catalog/sync", body, headers=headers)
    assert again.json()["error"]["code"] == "AUTH_004"
    mock.clock.advance(301)  # now the timestamp itself is stale: AUTH_003, before any replay check
    stale = api.call("POST", "/partner/stores/catalog/sync", body, headers=headers)
    assert stale.json()["error"]["code"] == "AUTH_003"
    assert api.list().status_code == 200
    assert len(mock.backend.replay) == 1  # only the new request's signature is held


def test_the_store_index_follows_batches_and_seeds(api, mock):
    mock.backend.seed("str_test", [{"id": "p-1", "sku": "SEEDED", "name": "S", "externalId": ["odd"]}])
    assert api.sync([product(1)]).json()["data"]["errors"] == []  # builds the index
    mock.backend.run_jobs()
    codes = [e["code"] for e in api.sync([product(1), product(2, sku="SEEDED")]).json()["data"]["errors"]]
    assert codes == ["SKU_ALREADY_EXISTS", "SKU_ALREADY_EXISTS"]  # created by a batch; seeded
    mock.backend.seed("str_test", [{"id": "p-1", "sku": "RENAMED", "name": "S"}])
    assert api.sync([product(3, sku="SEEDED")]).json()["data"]["errors"] == []


def test_over_sockets_a_hanging_receiver_and_a_latency_fault_hold_up_no_other_request(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from mocks import shipstation
    from mocks.kit.dispatch import Mounts
    from mocks.kit.server import ServerThread

    monkeypatch.setattr(webhooks, "TIMEOUT", 2.0)
    toco, ship = create_app(clock=Clock()), shipstation.create_app(clock=Clock())
    toco_mock, ship_mock = Mock.of(toco), Mock.of(ship)
    ship_mock.backend.seed("test-key", [{"sku": "A", "name": "A"}])
    ship_mock.install_faults([{"method": "GET", "path": "^/products/1$", "effect": "latency", "latency": 2}])
    signer = Api(toco)
    path = "/partner/stores/catalog/sync"
    with (
        silent_receiver() as (url, accepted),
        ServerThread(Mounts({"/tocobagus": toco, "/shipstation": ship})) as server,
        ThreadPoolExecutor(1) as pool,
    ):
        toco_mock.update_settings({"webhook_url": url, "processing_delay_seconds": 0})
        try:
            body = signing.canonical_json({"products": [product(1)]})
            started = time.perf_counter()
            sent = requests.post(
                f"{server.base_url}/tocobagus/api/v1{path}",
                data=body,
                headers=signer.headers("POST", path, body),
            )
            assert sent.status_code == 202 and time.perf_counter() - started < 0.5
            assert accepted.wait(5)  # a webhook attempt now hangs
            slow = pool.submit(
                requests.get, f"{server.base_url}/shipstation/products/1", auth=("test-key", "test-secret")
            )
            time.sleep(0.1)  # the latency fault is being held
            for _ in range(3):
                started = time.perf_counter()
                listed = requests.get(
                    f"{server.base_url}/shipstation/products", auth=("test-key", "test-secret")
                )
                assert listed.status_code == 200 and time.perf_counter() - started < 0.5
                list_path = "/partner/stores/products"
                started = time.perf_counter()
                answer = requests.get(
                    f"{server.base_url}/tocobagus/api/v1{list_path}",
                    headers=signer.headers("GET", list_path, b""),
                )
                assert answer.status_code == 200 and time.perf_counter() - started < 0.5
            assert slow.result(10).status_code == 200
        finally:
            toco_mock.reset()
