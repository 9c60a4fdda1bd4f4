"""The request pipeline: every vendor request takes the same steps, in the order `answer` reads.

    receive ─► fault (before) ─► refused by the server ─► auth ─► rate limit ─► route (404/405, body
    checks, backend) ─► render ─► vendor headers ─► fault (after) ─► Date ─► journal

The steps are the kit's. A vendor supplies only what differs, in its `VendorSpec`: its auth step, its
limit and 429, the headers every answer carries, its routes and error shapes. Nothing here writes the
mock's settings or shared counters' limits: a request reads them. The control API (`/__mock__/`) takes none
of these steps; it is the harness's, not the vendor's.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from flask import Response
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, default_exceptions
from werkzeug.wrappers import Request

from .clock import http_date
from .core import Caller, Mock, RequestContext
from .errors import ErrorContext, MockError
from .faults import CONNECTION_EFFECTS, FaultRule
from .routes import Answer

_current: ContextVar[RequestContext | None] = ContextVar("mock_request", default=None)


def current() -> RequestContext | None:
    """What the pipeline knows of the request being answered on this thread (None outside one)."""
    return _current.get()


def account() -> Any:
    """The account the vendor's auth step found for the request being answered (None: it found none)."""
    context = _current.get()
    caller = context.caller if context is not None else None
    return caller.account if caller is not None else None


def handle(mock: Mock, req: Request, route: Callable[[], Response], routed: bool) -> Response:
    """Answer one vendor request, with its context current on this thread while it is answered."""
    context = RequestContext()
    token = _current.set(context)
    try:
        return answer(mock, req, context, route, routed)
    finally:
        _current.reset(token)


def answer(
    mock: Mock, req: Request, context: RequestContext, route: Callable[[], Response], routed: bool
) -> Response:
    """One vendor request, top to bottom. `route` calls the vendor's handler; it raises 404/405 when
    `routed` is false (no route matched the path)."""
    spec, environ = mock.spec, req.environ
    context.seq, context.time = mock.journal.next_seq(), mock.clock.now()  # receive
    rule = context.fault = fault_before(mock, req.method, req.path, environ)
    reached_auth = False
    if rule is not None and answers_before(rule):
        response = fault_response(rule, mock, req.path)
    else:
        try:
            refused_by_server(mock, req)
            if spec.authenticate is not None and (spec.auth_before_routing or routed):
                reached_auth = True
                context.caller = spec.authenticate(mock, req)
                count(mock, context.caller)
            response = route()
        except Exception as exc:  # every failure in the vendor's shape, a bug included
            response = render(mock, req.path, exc, context)
        if reached_auth and spec.rate_headers is not None:
            response.headers.update(spec.rate_headers(mock, context.decision))
    if rule is not None:
        response = fault_after(rule, mock, req.path, response, environ)
    if "Date" not in response.headers:  # a fault rule may set its own
        response.headers["Date"] = http_date(mock.clock.now())
    journal(mock, req, context, response)
    return response


# -- fault (before) ----------------------------------------------------------------------------------------
def fault_before(mock: Mock, method: str, path: str, environ: dict) -> FaultRule | None:
    """The fault rule this request meets, if any. Its latency is scheduled here, never slept (DESIGN rule
    11): the server holds the answer on its loop's timer; a virtual clock moves instead, as a client
    sharing it would see."""
    rule = mock.faults.match(method, path) if mock.faults else None
    if rule is not None and rule.latency:
        if mock.clock.virtual:
            mock.clock.advance(rule.latency)
        else:
            environ["mockkit.hold"] = rule.latency
    return rule


def answers_before(rule: FaultRule) -> bool:
    """Whether the rule answers instead of the vendor (`empty` never lets the vendor see the request)."""
    return rule.effect == "empty" or (rule.when == "before" and rule.effect != "latency")


def fault_response(rule: FaultRule, mock: Mock, path: str) -> Response:
    if rule.body is None:
        # The vendor's own body for this status (a cut or slow answer carries it too).
        resp = error_response(mock.spec.http_error(rule.status, "injected fault"), mock, path)
        if rule.effect in CONNECTION_EFFECTS:
            return resp
    elif isinstance(rule.body, str):
        resp = Response(rule.body, rule.status, mimetype="text/plain")
    else:
        resp = Response(json.dumps(rule.body), rule.status, mimetype="application/json")
    for name, value in rule.headers.items():
        resp.headers[name] = value
    return resp


# -- refused, auth, rate limit -------------------------------------------------------------------------
def refused_by_server(mock: Mock, req: Request) -> None:
    """The server refused what it received (malformed, a URL, header block or body over its limit): the
    vendor says so in its own shape, after any fault rule that answers first. In process no server reads
    the request: a declared length over the cap is refused here, as the server core does."""
    reject = req.environ.get("mockkit.reject")
    if reject is not None:
        raise default_exceptions[reject[0]](reject[1])
    length = req.content_length
    if length is not None and length > mock.spec.max_body_bytes:
        raise RequestEntityTooLarge()


def count(mock: Mock, caller: Caller) -> None:
    """Count the caller against its rate-limit key under the limit in force; over it, the vendor's 429.
    Then any refusal the gateway let through to be counted."""
    if caller.rate_key is not None:
        decision = mock.rate_limit(caller.rate_key)
        if not decision.allowed and mock.spec.rate_limited is not None:
            raise mock.spec.rate_limited(decision, caller)
    if caller.refused is not None:
        raise caller.refused


# -- render ------------------------------------------------------------------------------------------------
def render(mock: Mock, path: str, exc: Exception, context: RequestContext) -> Response:
    """A failure as the vendor's answer: its error, an HTTP error (400, 404, 405, 413, ...) in its shape, or
    its 500 for a bug in the mock (the traceback goes to the journal, never to the client)."""
    if isinstance(exc, MockError):
        return error_response(exc, mock, path)
    if isinstance(exc, HTTPException):
        resp = error_response(mock.spec.http_error(exc.code or 500, exc.description or ""), mock, path)
        if exc.code == 405:
            resp.headers["Allow"] = exc.get_response().headers.get("Allow", "")
        return resp
    context.error = "".join(traceback.format_exception(exc))[-4000:]
    return error_response(mock.spec.http_error(500, "internal error"), mock, path)


def error_response(exc: MockError, mock: Mock | None = None, path: str = "") -> Response:
    """A vendor error as a response, rendered from the mock's time and ids and the request path."""
    out = exc.render(mock.error_context(path) if mock is not None else ErrorContext(path))
    resp = Response(out.data, status=out.status, mimetype=out.content_type)
    for name, value in out.headers.items():
        resp.headers[name] = value
    return resp


# -- fault (after) -----------------------------------------------------------------------------------------
def fault_after(rule: FaultRule, mock: Mock, path: str, response: Response, environ: dict) -> Response:
    """After the vendor acted, a drop still journals the rule's answer (nothing went out); a cut or slow
    answer is the vendor's real one, whatever its status. The server carries the connection effect out."""
    effect = rule.effect
    if rule.when == "after" and effect in ("respond", "drop"):
        response = fault_response(rule, mock, path)
    environ["mockkit.fault"] = effect  # for the server's request log (`serve --log`)
    if effect in CONNECTION_EFFECTS:
        environ["mockkit.action"] = effect
        environ["mockkit.rst"] = rule.rst
        environ["mockkit.bandwidth"] = rule.bandwidth
    if rule.latency:
        environ["mockkit.latency"] = rule.latency
    return response


# -- journal -----------------------------------------------------------------------------------------------
def journal(mock: Mock, req: Request, context: RequestContext, response: Response) -> None:
    """Record the exchange cheaply: headers redacted now, body previews rendered when the journal is read."""
    journal = mock.journal
    caller, rule = context.caller, context.fault
    journal.exchange(
        {
            "seq": context.seq,
            "type": "request",
            "time": context.time,
            "method": req.method,
            "path": req.path,
            "query": redacted_query(req.query_string.decode("latin-1"), mock.spec.sensitive_params),
            "account": mock.public_id(caller.account if caller is not None else None),
            "headers": journal.environ_headers(req.environ),
            "body": None,
            "status": response.status_code,
            "response_headers": response_headers(response),
            "response_body": None,
            "rate_limit": context.rate_limit,
            "fault": rule.effect if rule is not None else None,
            "error": context.error,
        },
        (request_body(mock, req), req.content_type),
        None if response.direct_passthrough else (response.get_data(), response.content_type),
    )


def redacted_query(query: str, sensitive: frozenset[str]) -> str:
    """The raw query with the values of credential parameters replaced, so no key reaches the journal."""
    if not sensitive or not query:
        return query
    parts = []
    for part in query.split("&"):
        name, eq, _ = part.partition("=")
        parts.append(f"{name}=[redacted]" if eq and name.lower() in sensitive else part)
    return "&".join(parts)


def response_headers(response: Response | Answer) -> dict[str, str]:
    items = response.headers.to_wsgi_list()
    return dict(items) if type(response) is Answer else headers_dict(items)  # an Answer's names are unique


def headers_dict(items: list[tuple[str, str]]) -> dict[str, str]:
    """`dict(werkzeug Headers)`: each name as listed, with the first value its name has case-insensitively."""
    first: dict[str, str] = {}
    for name, value in items:
        first.setdefault(name.lower(), value)
    return {name: first[name.lower()] for name, _ in items}


def request_body(mock: Mock, req: Request) -> bytes:
    length = req.content_length
    if length is not None and length > mock.spec.max_body_bytes:
        return b""
    if not length:
        environ = req.environ
        if "wsgi.input_terminated" not in environ:
            return b""  # werkzeug reads nothing here either (no length: its safe empty stream)
        http1 = environ.get("SERVER_PROTOCOL", "").startswith("HTTP/1.")
        if http1 and "HTTP_TRANSFER_ENCODING" not in environ:
            return b""  # HTTP/1 framing: no Content-Length and no Transfer-Encoding is no body (RFC 9112 6.3)
    return req.get_data(cache=True)
