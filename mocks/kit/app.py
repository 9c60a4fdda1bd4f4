"""The app factory: one Flask app per vendor mock, built from the vendor's spec, blueprint and backend.

The kit owns everything that is the same for every vendor: the clock, the journal, fault injection,
rate-limit counters, settings and quirks, the body cap and rendering errors in the vendor's own shape.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Callable, Iterable
from types import FunctionType
from typing import Any

from flask import Flask, Response, abort, g, has_request_context, request
from werkzeug.exceptions import HTTPException

from .clock import Clock
from .control import control_blueprint
from .core import CONTROL_PREFIX, Backend, Mock, RequestContext, VendorSpec
from .errors import ErrorContext, MockError, SettingsError
from .faults import CONNECTION_EFFECTS, FaultRule

__all__ = [
    "CONTROL_PREFIX",
    "Backend",
    "ErrorContext",
    "Mock",
    "MockError",
    "SettingsError",
    "VendorSpec",
    "create_app",
    "error_response",
]


def error_response(exc: MockError, mock: Mock | None = None, path: str = "") -> Response:
    """A vendor error as a Flask response, rendered from the mock's time and ids and the request path."""
    out = exc.render(mock.error_context(path) if mock is not None else ErrorContext(path))
    resp = Response(out.data, status=out.status, mimetype=out.content_type)
    for name, value in out.headers.items():
        resp.headers[name] = value
    return resp


def _current_request() -> RequestContext | None:
    """The core's view of the request being answered (kept in `g` by the hooks below), if any."""
    return g.get("request") if has_request_context() else None


class MockFlask(Flask):
    """Flask, remembering which hooks and views are plain functions instead of asking `inspect` every call."""

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self._sync_functions: set[Callable] = set()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if func in self._sync_functions:
            return func
        synced = super().ensure_sync(func)
        if synced is func and type(func) is FunctionType:  # bound methods are new objects each time
            self._sync_functions.add(func)
        return synced

    def max_body(self, path: str) -> int:
        """The request body cap the server enforces before this app sees a request (chunked or not)."""
        return self.config["MAX_CONTENT_LENGTH"]


def create_app(
    spec: VendorSpec,
    *,
    clock: Clock | None = None,
    settings: dict | None = None,
    journal_size: int = 10_000,
    journal_bytes: int | None = None,
) -> Flask:
    mock = Mock(spec, clock, journal_size, journal_bytes)
    if settings:
        mock.update_settings(settings)
    app = MockFlask(f"mocks.{spec.name}")
    app.url_map.merge_slashes = False  # before any rule is added: rules read it when they are bound
    app.config["MAX_CONTENT_LENGTH"] = spec.max_body_bytes
    app.json.sort_keys = False
    mock.attach(app)
    mock.current_request = _current_request
    app.register_blueprint(control_blueprint(mock))

    _handle_errors(app, mock)
    _kit_hooks(app, mock)

    # After the kit's hooks, so a vendor's app-wide hooks run once the request has its journal entry.
    app.register_blueprint(spec.make_blueprint(mock))
    if spec.merge_slashes:
        app.wsgi_app = MergeSlashes(app.wsgi_app)  # type: ignore[method-assign]
    return app


def _handle_errors(app: Flask, mock: Mock) -> None:
    """Every failure in the vendor's shape, except on the control API, which answers {"error"}."""
    spec = mock.spec

    @app.errorhandler(MockError)
    def vendor_error(exc: MockError) -> Response:
        return error_response(exc, mock, request.path)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if request.path.startswith(CONTROL_PREFIX):
            return Response(json.dumps({"error": exc.description}), exc.code, mimetype="application/json")
        resp = error_response(spec.http_error(exc.code or 500, exc.description or ""), mock, request.path)
        if exc.code == 405:
            resp.headers["Allow"] = exc.get_response().headers.get("Allow", "")
        return resp

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        g.error = "".join(traceback.format_exception(exc))[-4000:]
        if request.path.startswith(CONTROL_PREFIX):  # the harness's own shape: not the vendor's fault
            message = f"internal error: {type(exc).__name__}: {exc}"[:500]
            return Response(json.dumps({"error": message}), 500, mimetype="application/json")
        return error_response(spec.http_error(500, "internal error"), mock, request.path)


def _kit_hooks(app: Flask, mock: Mock) -> None:
    """Before a request: its journal number and any fault rule. After it: the fault's effect, the journal."""

    # The hooks below look `request` and `g` up once each: every attribute access through Flask's proxies
    # costs a context-variable lookup.
    @app.before_request
    def before() -> Response | None:
        req, ctx = request._get_current_object(), g._get_current_object()  # type: ignore[attr-defined]
        environ = req.environ
        control = req.path.startswith(CONTROL_PREFIX)
        if control:
            ctx.skip = True
        else:
            ctx.request = RequestContext(mock.journal.next_seq(), mock.clock.now())
        # The server refused it (size limits, malformed): the vendor says so, after any fault rule that
        # answers first, as when the app itself found the body too large.
        reject = environ.get("mockkit.reject")
        rule = None if control or not mock.faults else mock.faults.match(req.method, req.path)
        if rule is None:
            if reject is not None:
                abort(reject[0], reject[1])
            return None
        ctx.fault = rule
        if rule.latency:
            # Scheduled, never slept here (DESIGN rule 11): the server holds the answer on its loop's
            # timer. A virtual clock moves instead, as a client sharing it would see.
            if mock.clock.virtual:
                mock.clock.advance(rule.latency)
            else:
                environ["mockkit.hold"] = rule.latency
        if rule.effect == "empty" or (rule.when == "before" and rule.effect != "latency"):
            return _fault_response(rule, mock, req.path)
        if reject is not None:
            abort(reject[0], reject[1])
        return None

    @app.after_request
    def after(response: Response) -> Response:
        ctx = g._get_current_object()  # type: ignore[attr-defined]
        values = ctx.__dict__
        if values.get("skip"):
            return response
        req = request._get_current_object()  # type: ignore[attr-defined]
        rule: FaultRule | None = values.get("fault")
        if rule is not None:
            effect = rule.effect
            # After the vendor acted, a drop still journals the rule's answer (nothing went out); a cut or
            # slow answer is the vendor's real one, whatever its status.
            if rule.when == "after" and effect in ("respond", "drop"):
                response = _fault_response(rule, mock, req.path)
            environ = req.environ
            environ["mockkit.fault"] = effect  # for the server's request log (`serve --log`)
            if effect in CONNECTION_EFFECTS:
                environ["mockkit.action"] = effect
                environ["mockkit.rst"] = rule.rst
                environ["mockkit.bandwidth"] = rule.bandwidth
            if rule.latency:
                environ["mockkit.latency"] = rule.latency
        _journal_exchange(mock, req, values, response, rule)
        return response


def _fault_response(rule: FaultRule, mock: Mock, path: str) -> Response:
    if rule.effect in CONNECTION_EFFECTS and rule.body is None:
        # The body a cut or slow answer carries: whatever the vendor would say for this status.
        return error_response(mock.spec.http_error(rule.status, "injected fault"), mock, path)
    if rule.body is None:
        resp = error_response(mock.spec.http_error(rule.status, "injected fault"), mock, path)
    elif isinstance(rule.body, str):
        resp = Response(rule.body, rule.status, mimetype="text/plain")
    else:
        resp = Response(json.dumps(rule.body), rule.status, mimetype="application/json")
    for name, value in rule.headers.items():
        resp.headers[name] = value
    return resp


def _journal_exchange(
    mock: Mock, req: Any, values: dict[str, Any], response: Response, rule: FaultRule | None
) -> None:
    """Record the exchange cheaply: headers redacted now, body previews rendered when the journal is read."""
    journal = mock.journal
    passthrough = response.direct_passthrough
    context: RequestContext = values["request"]
    journal.exchange(
        {
            "seq": context.seq,
            "type": "request",
            "time": context.time,
            "method": req.method,
            "path": req.path,
            "query": _redacted_query(req.query_string.decode("latin-1"), mock.spec.sensitive_params),
            "account": mock.public_id(values.get("account")),
            "headers": journal.environ_headers(req.environ),
            "body": None,
            "status": response.status_code,
            "response_headers": _headers_dict(response.headers.to_wsgi_list()),
            "response_body": None,
            "rate_limit": context.rate_limit,
            "fault": rule.effect if rule is not None else None,
            "error": values.get("error"),
        },
        (_request_body(mock, req), req.content_type),
        None if passthrough else (response.get_data(), response.content_type),
    )


def _redacted_query(query: str, sensitive: frozenset[str]) -> str:
    """The raw query with the values of credential parameters replaced, so no key reaches the journal."""
    if not sensitive or not query:
        return query
    parts = []
    for part in query.split("&"):
        name, eq, _ = part.partition("=")
        parts.append(f"{name}=[redacted]" if eq and name.lower() in sensitive else part)
    return "&".join(parts)


def _headers_dict(items: list[tuple[str, str]]) -> dict[str, str]:
    """`dict(werkzeug Headers)`: each name as listed, with the first value its name has case-insensitively."""
    first: dict[str, str] = {}
    for name, value in items:
        first.setdefault(name.lower(), value)
    return {name: first[name.lower()] for name, _ in items}


def _request_body(mock: Mock, req: Any) -> bytes:
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


class MergeSlashes:
    """WSGI wrapper that reads runs of slashes in the path as one, as IIS and nginx do by default."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if "//" in path:
            environ["PATH_INFO"] = re.sub("/{2,}", "/", path)
        return self.app(environ, start_response)
