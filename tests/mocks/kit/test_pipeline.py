"""The kit's request pipeline (mocks/kit/pipeline.py): its steps and their order, on the tiny vendor."""

from __future__ import annotations

import dataclasses
import socket

import pytest
from flask import Response
from hypothesis import given, settings
from hypothesis import strategies as st

from mocks.kit.app import create_app
from mocks.kit.clock import VIRTUAL_EPOCH, Clock
from mocks.kit.core import Caller, Mock
from mocks.kit.routes import Answer
from mocks.kit.server import ServerThread
from mocks.kit.transport import in_process_session

from .conftest import SPEC, TinyError

BASE = "http://mock"
EPOCH_DATE = "Thu, 01 Jan 2026 00:00:00 GMT"  # VIRTUAL_EPOCH


def session(spec=SPEC, key="alpha"):
    app = create_app(spec, clock=Clock(virtual=True))
    s = in_process_session(app)
    s.headers["X-Key"] = key
    return app, s


def requests_of(app) -> list[dict]:
    return [e for e in Mock.of(app).journal.entries() if e["type"] == "request"]


def test_date_is_the_mocks_clock_on_vendor_and_control_answers_and_in_the_journal():
    app, s = session()
    assert s.get(f"{BASE}/items").headers["Date"] == EPOCH_DATE
    assert s.get(f"{BASE}/items", headers={"X-Key": "nope"}).headers["Date"] == EPOCH_DATE  # an error too
    s.post(f"{BASE}/__mock__/clock", json={"advance": 86_400 + 61})
    assert s.get(f"{BASE}/__mock__/health").headers["Date"] == "Fri, 02 Jan 2026 00:01:01 GMT"
    assert s.get(f"{BASE}/items").headers["Date"] == "Fri, 02 Jan 2026 00:01:01 GMT"
    assert requests_of(app)[-1]["response_headers"]["Date"] == "Fri, 02 Jan 2026 00:01:01 GMT"


def test_date_on_the_wire_is_the_virtual_clock_and_sent_once():
    app = create_app(SPEC, clock=Clock(virtual=True))
    with ServerThread(app) as server, socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /items HTTP/1.1\r\nHost: x\r\nX-Key: alpha\r\nConnection: close\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head = raw.split(b"\r\n\r\n")[0].decode().lower()
    assert head.startswith("http/1.1 200") and head.count("\r\ndate: ") == 1
    assert f"date: {EPOCH_DATE}".lower() in head


def test_a_fault_before_answers_ahead_of_auth_and_the_server_refusal_ahead_of_auth():
    app, s = session(key="nope")
    s.put(
        f"{BASE}/__mock__/faults", json=[{"path": "^/items$", "status": 503, "body": {"busy": 1}, "times": 1}]
    )
    r = s.get(f"{BASE}/items")
    assert (r.status_code, r.json()) == (503, {"busy": 1})  # no 401: the request never reached auth
    assert s.put(f"{BASE}/items", data=b"x" * 5000).status_code == 413  # bigger than max_body_bytes
    entries = requests_of(app)
    assert [(e["status"], e["fault"], e["rate_limit"]) for e in entries] == [
        (503, "respond", None),
        (413, None, None),
    ]


def test_auth_runs_for_routed_paths_only_unless_the_vendor_authenticates_before_routing():
    _, s = session(key="nope")
    r = s.get(f"{BASE}/nowhere")
    assert r.status_code == 404 and "not found" in r.json()["problem"]
    _, gated = session(dataclasses.replace(SPEC, auth_before_routing=True), key="nope")
    r = gated.get(f"{BASE}/nowhere")
    assert (r.status_code, r.json()) == (401, {"problem": "bad key"})


def test_a_gateway_counts_a_request_before_the_service_refuses_it():
    def auth(mock, req):
        key = req.headers.get("X-Key")
        return Caller(rate_key="gateway", refused=None if key == "alpha" else TinyError(401, "bad key"))

    app, s = session(dataclasses.replace(SPEC, authenticate=auth), key="nope")
    assert [s.get(f"{BASE}/items").status_code for _ in range(4)] == [401, 401, 401, 429]  # limit 3
    assert [e["rate_limit"]["remaining"] for e in requests_of(app)] == [2, 1, 0, 0]
    assert requests_of(app)[0]["account"] is None


def test_the_limit_in_force_is_read_from_the_settings_and_never_written_by_a_request():
    seen = []

    def limit_for(mock):
        seen.append(mock.settings["rate_limit"])
        return mock.settings["rate_limit"] * 2

    app, s = session(dataclasses.replace(SPEC, rate_limit_for=limit_for))
    s.put(f"{BASE}/__mock__/settings", json={"rate_limit": 2})
    assert [s.get(f"{BASE}/items").status_code for _ in range(5)] == [200, 200, 200, 200, 429]
    assert seen == [2] * 5
    mock = Mock.of(app)
    assert mock.limiter.limit == SPEC.rate_limit  # the counters' default, untouched
    assert requests_of(app)[-1]["rate_limit"]["limit"] == 4


def test_the_journal_names_the_account_the_auth_step_found_and_the_time_it_came(tiny_app, tiny):
    tiny.post(f"{BASE}/__mock__/clock", json={"advance": 5})
    tiny.get(f"{BASE}/items")
    entry = requests_of(tiny_app)[-1]
    assert (entry["account"], entry["time"], entry["rate_limit"]["key"]) == (
        "alpha",
        VIRTUAL_EPOCH + 5,
        "alpha",
    )


header_ops = st.lists(
    st.tuples(
        st.sampled_from(["update", "set", "contains"]),
        st.sampled_from(["Date", "date", "X-Rate-Limit-Limit", "x-rate-limit-limit", "Retry-After"]),
        st.text("abc 0123", max_size=5),
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    st.binary(max_size=50),
    st.sampled_from([200, 201, 202, 400, 404, 429, 500]),
    header_ops,
    st.booleans(),
)
def test_an_answer_is_on_the_wire_what_a_flask_response_of_the_same_bytes_is(body, status, ops, head):
    """The lean path's Answer against the flask.Response the handlers built before: status line, headers
    after the pipeline's updates, body, HEAD."""
    answer, response = Answer(body, status), Response(body, status, mimetype="application/json")
    for op, name, value in ops:
        for headers in (answer.headers, response.headers):
            if op == "update":
                headers.update({name: value})
            elif op == "set":
                headers[name] = value
        assert (name in answer.headers) == (name in response.headers)
    assert answer.headers.to_wsgi_list() == response.headers.to_wsgi_list()
    assert (answer.status_code, answer.get_data(), answer.content_type) == (
        response.status_code,
        response.get_data(),
        response.content_type,
    )
    environ = {"REQUEST_METHOD": "HEAD" if head else "GET"}
    sent: list = []
    assert b"".join(answer(environ, lambda *a: sent.append(a[:2]))) == b"".join(
        response(environ, lambda *a: sent.append(a[:2]))
    )
    assert sent[0] == sent[1]


def test_an_answer_refuses_a_status_that_carries_no_body():
    for status in (101, 204, 304):
        with pytest.raises(ValueError):
            Answer(b"", status)
