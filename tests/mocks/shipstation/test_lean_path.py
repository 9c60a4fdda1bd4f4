"""The lean path (mocks/kit/routes.py) against the Flask path: the same bytes and the same journal.

Two ShipStation mocks on the same virtual clock and state, one with the lean routes and one without, get
the same generated requests: methods, paths near and far from the routes (trailing slashes, letter case,
leading zeros, numbers Python will not read), good, bad and missing credentials, good and broken bodies,
fault rules of every effect before and after, and a limit low enough to reach 429. Every answer (status
line, headers with Date, body), every mockkit.* decision for the server, every journal entry and the
final state must be equal.
"""

from __future__ import annotations

import dataclasses
import io
import json
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.clients.shipstation import basic_auth
from mocks.kit.app import create_app
from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.shipstation import SPEC

PRODUCT = {"sku": "A-1", "name": "Anchor", "price": 10.5, "weightOz": 12, "active": True}

numbers = st.one_of(
    st.integers(0, 5).map(str),
    st.integers(0, 10**6).map(str),
    st.sampled_from(
        ["01", "007", "1" * 5000, "1.0", "-1", "x", "", "\xd9\xa1"]
    ),  # the last: an Arabic-Indic digit, as WSGI spells it
)
GOOD = basic_auth("test-key", "test-secret")
# Weighted towards what the lean path answers: GET and PUT of a product, authenticated.
paths = st.one_of(
    st.integers(0, 4).map(lambda n: f"/products/{n}"),
    st.integers(0, 4).map(lambda n: f"/products/{n}"),
    numbers.map(lambda n: f"/products/{n}"),
    st.sampled_from(["/products", "/products/", "/Products/1", "/products/1/", "/PRODUCTS", "/nowhere"]),
    numbers.map(lambda n: f"/products/{n}/extra"),
)
auths = st.sampled_from([GOOD] * 5 + [basic_auth("test-key", "wrong"), "Basic !!", "Bearer x", None])
bodies = st.one_of(
    st.just(b""),
    st.builds(
        lambda extra: json.dumps({**PRODUCT, **extra}).encode(),
        st.dictionaries(
            st.sampled_from(["productId", "name", "price", "weightOz", "password", "active"]),
            st.one_of(st.integers(-2, 3), st.text(max_size=5), st.none(), st.booleans()),
            max_size=3,
        ),
    ),
    st.sampled_from([b"{not json", b"\xff\xfe", b"[1, 2]", b'"\\ud800"', b"[" * 100 + b"]" * 100]),
)
faults = st.one_of(
    st.none(),
    st.none(),
    st.fixed_dictionaries(
        {
            "effect": st.sampled_from(["respond", "drop", "truncate", "latency", "slow_body", "empty"]),
            "when": st.sampled_from(["before", "after"]),
            "status": st.sampled_from([500, 503, 429]),
            "path": st.sampled_from([".*", "^/products/1$", "^/products$"]),
            "latency": st.sampled_from([0, 2]),
            "times": st.sampled_from([None, 1]),
        },
        optional={"body": st.sampled_from(["busy", {"a": 1}]), "headers": st.just({"Retry-After": "3"})},
    ),
)
exchanges = st.tuples(
    st.sampled_from(["GET", "GET", "PUT", "PUT", "HEAD", "DELETE", "POST"]),
    paths,
    st.sampled_from(["", "sku=A-1", "subscription-key=s"]),
    auths,
    bodies,
    st.sampled_from(["application/json", "text/plain", None]),
)


def environ(
    method: str, path: str, query: str, auth: str | None, body: bytes, ctype: str | None, socket: bool
):
    env = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "mock",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "HTTP_HOST": "mock",
    }
    if socket:  # as the server core builds it: the body is whole
        env["wsgi.input_terminated"] = True
    if body or not socket:
        env["CONTENT_LENGTH"] = str(len(body))
    if ctype is not None:
        env["CONTENT_TYPE"] = ctype
    if auth is not None:
        env["HTTP_AUTHORIZATION"] = auth
    return env


def call(app, env: dict) -> tuple:
    answer: list = []
    body = b"".join(app(env, lambda status, headers, exc_info=None: answer.extend([status, headers])))
    decisions = {k: v for k, v in env.items() if k.startswith("mockkit.")}
    return answer[0], answer[1], body, decisions


def pair(rate_limit: int, rule: dict | None, case_insensitive: bool) -> tuple:
    apps = []
    for spec in (SPEC, dataclasses.replace(SPEC, lean_routes=None)):
        app = create_app(spec, clock=Clock(virtual=True))
        mock = Mock.of(app)
        mock.update_settings(
            {"rate_limit": rate_limit, "quirks": {"case_insensitive_paths": case_insensitive}}
        )
        mock.backend.seed("test-key", [dict(PRODUCT), {**PRODUCT, "sku": "B-2"}])
        if rule is not None:
            mock.install_faults([rule])
        apps.append(app)
    assert apps[0].lean is not None and apps[1].lean is None
    return apps[0], apps[1]


@settings(
    max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
@given(
    st.lists(exchanges, min_size=1, max_size=6),
    st.sampled_from([2, 50]),
    faults,
    st.booleans(),
    st.booleans(),
)
def test_the_lean_path_answers_and_journals_exactly_as_the_flask_path(
    sent, rate_limit, rule, socket, lenient
):
    lean, flask = pair(rate_limit, rule, lenient)
    for exchange in sent:
        assert call(lean, environ(*exchange, socket)) == call(flask, environ(*exchange, socket)), exchange
    lean_mock, flask_mock = Mock.of(lean), Mock.of(flask)
    assert lean_mock.journal.entries() == flask_mock.journal.entries()
    assert lean_mock.snapshot() == flask_mock.snapshot()


def test_the_generated_requests_do_take_the_lean_path():
    """Guard for the test above: a plain GET and PUT of a product are answered without Flask."""
    lean, _ = pair(10, None, True)
    lean.full_dispatch_request = None  # Flask's dispatch would fail if it were reached
    auth = basic_auth("test-key", "test-secret")
    for method, body in (("GET", b""), ("PUT", json.dumps({**PRODUCT, "productId": 1}).encode())):
        status, _, answer, _ = call(
            lean, environ(method, "/products/1", "", auth, body, "application/json", True)
        )
        assert status == "200 OK", answer
