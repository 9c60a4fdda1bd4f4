"""The shared client transport on a scripted session and a virtual clock: classification, bounded
retries, back-off, a vendor's 429 wait, one auth refresh, and the request log."""

from __future__ import annotations

from typing import Any

import requests

from harness.clients.transport import Call, Transport, VendorStrategy
from harness.sync import RequestLog
from mocks.kit.clock import Clock


def answer(status: int, **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content = status, b'{"ok": true}'
    response.headers.update(headers)
    return response


class Scripted(requests.Session):
    """Answers (or raises) from a script, and remembers what it was asked and when."""

    def __init__(self, clock: Clock, script: list[Any]) -> None:
        super().__init__()
        self.clock, self.script, self.sent = clock, list(script), []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append((method, url, kwargs.get("headers"), kwargs.get("json"), self.clock.now()))
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


def transport(script: list[Any], strategy: VendorStrategy | None = None) -> tuple[Transport, Scripted]:
    clock = Clock(virtual=True, start=0.0)
    session = Scripted(clock, script)
    log: list[RequestLog] = []
    return Transport(
        "http://v", session, clock, strategy or VendorStrategy(), log, max_retries=3, timeout=5
    ), session


CALL = Call(
    "PUT", "/p/1", "update", payload={"json": {"a": 1}}, logged_body='{"a": 1}', source_id="S", vendor_id=1
)


def test_5xx_and_no_answer_back_off_exponentially_then_the_answer_is_returned():
    t, session = transport(
        [answer(500), requests.ConnectionError("reset"), requests.Timeout("slow"), answer(200)]
    )
    outcome = t.request(CALL)
    assert (outcome.response.status_code, outcome.retries, outcome.exhausted) == (200, 3, False)
    assert [s[4] for s in session.sent] == [0.0, 0.5, 1.5, 3.5]  # 0.5, 1, 2 s on the injected clock
    assert [s[3] for s in session.sent] == [{"a": 1}] * 4
    assert [(e.status, e.retry_count, e.action) for e in t.log] == [
        (500, 0, "update"),
        (None, 1, "update: reset"),
        (None, 2, "update: slow"),
        (200, 3, "update"),
    ]
    assert {(e.source_id, e.vendor_id, e.endpoint, e.method, e.body) for e in t.log} == {
        ("S", 1, "/p/1", "PUT", '{"a": 1}')
    }


def test_retries_are_bounded_and_the_last_answer_is_kept():
    t, session = transport([answer(503)] * 4)
    outcome = t.request(CALL)
    assert (outcome.response.status_code, outcome.retries, outcome.exhausted) == (503, 3, True)
    assert len(session.sent) == 4 and t.clock.now() == 3.5  # no back-off after the last attempt


def test_a_4xx_is_an_answer_not_a_retry():
    t, session = transport([answer(400)])
    assert t.request(CALL).response.status_code == 400 and len(session.sent) == 1


def test_a_429_waits_as_the_strategy_says_instead_of_backing_off():
    waits: list[str] = []
    strategy = VendorStrategy(on_rate_limited=lambda r: waits.append(r.headers["Retry-After"]))
    t, session = transport([answer(429, **{"Retry-After": "7"}), answer(200)], strategy)
    outcome = t.request(CALL)
    assert (outcome.response.status_code, outcome.retries, waits, t.clock.now()) == (200, 1, ["7"], 0.0)
    assert len(session.sent) == 2


def test_a_401_refreshes_auth_once_without_spending_an_attempt():
    tokens = iter(["one", "two", "three"])
    state = {"token": next(tokens)}

    def refresh(_: requests.Response) -> bool:
        state["token"] = next(tokens)
        return True

    strategy = VendorStrategy(headers=lambda call: {"Authorization": state["token"]}, refresh_auth=refresh)
    t, session = transport([answer(401), answer(401)], strategy)
    outcome = t.request(CALL)
    assert (outcome.response.status_code, outcome.retries) == (401, 0)  # the second 401 is the answer
    assert [s[2]["Authorization"] for s in session.sent] == ["one", "two"]
    assert [e.retry_count for e in t.log] == [0, 0]


def test_before_retry_can_settle_a_call_whose_answer_was_lost():
    settled = answer(200)
    t, session = transport([requests.ConnectionError("cut")])
    outcome = t.request(CALL, before_retry=lambda: settled)
    assert outcome.response is settled and len(session.sent) == 1


def test_pacing_runs_before_every_attempt_and_headers_are_made_afresh():
    stamps: list[float] = []
    strategy = VendorStrategy(
        before_send=lambda: stamps.append(t.clock.now()),
        headers=lambda call: {"X-Stamp": str(len(stamps))},
    )
    t, session = transport([answer(502), answer(201)], strategy)
    assert t.request(CALL).response.status_code == 201
    assert stamps == [0.0, 0.5] and [s[2]["X-Stamp"] for s in session.sent] == ["0", "1"]
    assert [e.retry_count for e in t.log] == [0, 1]  # signed afresh, and still counted as a retry
