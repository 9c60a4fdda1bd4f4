"""The app factory: one Flask app per vendor mock, built from the vendor's spec, blueprint and backend.

The kit owns everything that is the same for every vendor: the clock, the journal, fault injection,
rate-limit counters, settings and quirks, the body cap and rendering errors in the vendor's own shape.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import FunctionType
from typing import Any, Protocol

from flask import Blueprint, Flask, Response, abort, g, request
from werkzeug.exceptions import HTTPException

from .atomic import all_or_nothing, check_shape
from .clock import Clock
from .faults import CONNECTION_EFFECTS, FaultRule, FaultSet
from .journal import Journal
from .quirks import Quirk
from .quirks import defaults as quirk_defaults
from .ratelimit import Decision, RateLimiter

CONTROL_PREFIX = "/__mock__"
DEFAULT_MAX_BODY = 1024 * 1024


class MockError(Exception):
    """A vendor error: raised anywhere in a mock, rendered once by the app."""

    status = 400
    content_type = "application/json"

    def __init__(self, body: Any = None, status: int | None = None, headers: dict[str, str] | None = None):
        super().__init__(body)
        self.body = body
        if status is not None:
            self.status = status
        self.headers = headers or {}

    def response(self) -> Response:
        if isinstance(self.body, str | bytes):
            data, mimetype = self.body, "text/plain" if self.content_type == "application/json" else None
        else:
            data, mimetype = json.dumps(self.body), None
        resp = Response(data, status=self.status, mimetype=mimetype or self.content_type)
        for name, value in self.headers.items():
            resp.headers[name] = value
        return resp


class Backend(Protocol):
    """What the control API needs from a vendor backend (models.py). No Flask in here."""

    default_account: str

    def reset(self) -> None: ...
    def products(self, account: str) -> list[dict]: ...
    def seed(self, account: str, products: list[Any]) -> list[dict]: ...
    def snapshot(self) -> dict: ...
    def restore(self, state: dict) -> None: ...
    def run_jobs(self) -> dict: ...


@dataclass
class VendorSpec:
    name: str
    version: str
    make_backend: Callable[[Mock], Backend]
    make_blueprint: Callable[[Mock], Blueprint]
    # Renders a non-vendor failure (400 malformed, 404 no route, 405, 413, 415, 500) in the vendor's shape.
    http_error: Callable[[int, str], MockError]
    credentials: dict[str, str]
    rate_limit: int
    rate_period: float
    quirks: dict[str, Any] = field(default_factory=dict)  # name -> default; filled from quirk_decls
    quirk_decls: tuple[Quirk, ...] = ()
    extra_settings: dict[str, Any] = field(default_factory=dict)
    validate_setting: Callable[[str, Any], str | None] | None = None  # returns a problem, or None
    sensitive_headers: frozenset[str] = frozenset()
    sensitive_params: frozenset[str] = frozenset()  # query parameters that carry credentials
    max_body_bytes: int = DEFAULT_MAX_BODY
    # Adds vendor-specific read-only routes to the control blueprint (what the vendor's documents
    # don't show but a test needs to see, DESIGN rule 10). Called once with the mock and the blueprint.
    control_routes: Callable[[Mock, Blueprint], None] | None = None
    # Whether the vendor's front server reads //a//b as /a/b (the same resource). Otherwise such a path
    # is the vendor's 404. Never werkzeug's 308 HTML redirect: no vendor sends one.
    merge_slashes: bool = False
    # JSON Schema of the backend part of a state document, checked whole before a restore changes
    # anything (for backends whose restore does not already rebuild through validated seeding).
    state_schema: dict | None = None
    # The account and rate-limit keys are credentials (an API key): the journal shows them redacted,
    # stably ("***" and a hash prefix), except the documented test defaults.
    secret_ids: bool = False

    def __post_init__(self) -> None:
        if self.quirk_decls:
            self.quirks = quirk_defaults(self.quirk_decls)

    def quirk_values(self, name: str) -> tuple[Any, ...]:
        for decl in self.quirk_decls:
            if decl.name == name:
                return decl.values
        return (False, True)


class SettingsError(ValueError):
    pass


class Mock:
    """Everything one running mock holds. The control API and the pytest fixtures both drive this."""

    def __init__(
        self,
        spec: VendorSpec,
        clock: Clock | None = None,
        journal_size: int = 10_000,
        journal_bytes: int | None = None,
    ) -> None:
        self.spec = spec
        self._default_ids = frozenset(spec.credentials.values())  # documented defaults stay readable
        self.clock = clock or Clock()
        self._initial_clock = self.clock.snapshot()
        self.journal = Journal(journal_size, spec.sensitive_headers, max_bytes=journal_bytes)
        self.faults = FaultSet()
        self.limiter = RateLimiter(self.clock, spec.rate_limit, spec.rate_period)
        self.settings = self._default_settings()
        self.backend = spec.make_backend(self)

    def _default_settings(self) -> dict[str, Any]:
        return {
            "quirks": dict(self.spec.quirks),
            "rate_limit": self.spec.rate_limit,
            **copy.deepcopy(self.spec.extra_settings),
        }

    def quirk(self, name: str) -> bool:
        return self.settings["quirks"][name]

    # -- rate limits -------------------------------------------------------------------------------------
    def rate_limit(self, key: str) -> Decision:
        """Count a request against `key`; the decision goes into this request's journal entry."""
        decision = self.limiter.hit(key)
        g.rate_limit = decision.as_journal(self.public_id(key))
        return decision

    def public_id(self, value: Any) -> Any:
        """How the journal names an account or rate-limit key: as is, or redacted when it is a secret."""
        if not self.spec.secret_ids or not isinstance(value, str) or value in self._default_ids:
            return value
        return "***" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:8]

    def side_effect(self, kind: str, **detail: Any) -> dict:
        """Journal something the mock did besides answering (a webhook attempt, a background batch)."""
        request_seq = g.get("seq") if _in_request() else None
        return self.journal.side_effect(kind, self.clock.now(), request_seq, **detail)

    # -- control -----------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.backend.reset()
        self.limiter.reset()
        self.journal.clear()
        self.faults.clear()
        self.settings = self._default_settings()
        self.limiter.limit = self.spec.rate_limit
        self.set_clock(self._initial_clock)

    def set_clock(self, command: Any) -> dict:
        """{"mode": "virtual"|"real", "now": epoch?} and/or {"advance": seconds}."""
        _validate_clock_command(command)
        mode, now, seconds = command.get("mode"), command.get("now"), command.get("advance")
        if mode == "virtual":
            self.clock.set_virtual(now)
        elif mode == "real":
            self.clock.set_real()
        if seconds is not None:
            if not self.clock.virtual:
                self.clock.set_virtual()  # advancing a real clock freezes it at "now", then moves it
            self.clock.advance(seconds)
        return self.clock.snapshot()

    def update_settings(self, changes: Any) -> dict:
        if not isinstance(changes, dict):
            raise SettingsError("settings must be a JSON object")
        merged = copy.deepcopy(self.settings)
        for key, value in changes.items():
            if key == "quirks":
                if not isinstance(value, dict):
                    raise SettingsError("quirks must be an object of name: true|false")
                for name, on in value.items():
                    if name not in self.spec.quirks:
                        raise SettingsError(f"unknown quirk {name!r}; known: {sorted(self.spec.quirks)}")
                    allowed = self.spec.quirk_values(name)
                    if not any(on is v or (type(on) is type(v) and on == v) for v in allowed):
                        shown = " or ".join(json.dumps(v) for v in allowed)
                        raise SettingsError(f"quirk {name!r} must be {shown}")
                    merged["quirks"][name] = on
            elif key == "rate_limit":
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    raise SettingsError("rate_limit must be a positive integer (requests per window)")
                merged[key] = value
            elif key in self.spec.extra_settings:
                problem = self.spec.validate_setting(key, value) if self.spec.validate_setting else None
                if problem:
                    raise SettingsError(f"{key}: {problem}")
                merged[key] = value
            else:
                known = ["quirks", "rate_limit", *self.spec.extra_settings]
                raise SettingsError(f"unknown setting {key!r}; known: {known}")
        self.settings = merged
        self.limiter.limit = merged["rate_limit"]
        return self.settings

    def install_faults(self, rules: list[Any]) -> list[dict]:
        self.faults.install(rules)
        return self.faults.describe()

    def snapshot(self) -> dict:
        return {
            "vendor": self.spec.name,
            "clock": self.clock.snapshot(),
            "settings": copy.deepcopy(self.settings),
            "faults": self.faults.describe(),
            "backend": self.backend.snapshot(),
        }

    def restore(self, state: Any) -> None:
        """Restore a snapshot. Everything is validated first: a bad document changes nothing."""
        if not isinstance(state, dict) or not isinstance(state.get("backend"), dict):
            raise SettingsError("state must be an object with a 'backend' object, as GET state returns")
        if state.get("vendor", self.spec.name) != self.spec.name:
            raise SettingsError(f"state is for vendor {state['vendor']!r}, not {self.spec.name!r}")
        current = self.settings
        self.settings = self._default_settings()
        try:
            settings = self.update_settings(state.get("settings", {}))
        finally:
            self.settings = current
        faults = state.get("faults", [])
        if not isinstance(faults, list):
            raise SettingsError("faults must be a list of fault rules")
        rules = [
            FaultRule.parse({k: v for k, v in r.items() if k != "fired"} if isinstance(r, dict) else r, i)
            for i, r in enumerate(faults)
        ]
        clock = state.get("clock")
        if clock is not None:
            if not isinstance(clock, dict) or not {"mode", "now"} <= set(clock):
                raise SettingsError("clock must be an object like {'mode': 'virtual', 'now': 1767225600}")
            _validate_clock_command(clock)
        backend_state = state["backend"]
        if self.spec.state_schema is not None:
            check_shape(backend_state, self.spec.state_schema, "backend")
        all_or_nothing(self.backend, "backend", lambda: self.backend.restore(backend_state))
        self.settings = settings
        self.limiter.limit = settings["rate_limit"]
        self.faults.clear()
        for rule in rules:
            self.faults.add(rule)
        if clock:
            self.set_clock({k: v for k, v in clock.items() if k in ("mode", "now")})


MAX_EPOCH = 4_102_444_800  # 2100-01-01
MAX_ADVANCE = 31_536_000  # a year


def _validate_clock_command(command: Any) -> None:
    if not isinstance(command, dict):
        raise SettingsError("the clock command must be an object")
    if "mode" in command and command["mode"] not in ("virtual", "real"):
        raise SettingsError("mode must be 'virtual' or 'real'")
    if "now" in command and not _number_between(command["now"], 0, MAX_EPOCH):
        raise SettingsError(f"now must be epoch seconds between 0 and {MAX_EPOCH}")
    if "advance" in command and not _number_between(command["advance"], 0, MAX_ADVANCE):
        raise SettingsError(f"advance must be a number of seconds between 0 and {MAX_ADVANCE}")


def _number_between(value: Any, low: float, high: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high


def _in_request() -> bool:
    from flask import has_request_context

    return has_request_context()


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
    from .control import control_blueprint

    mock = Mock(spec, clock, journal_size, journal_bytes)
    if settings:
        mock.update_settings(settings)
    app = MockFlask(f"mocks.{spec.name}")
    app.url_map.merge_slashes = False  # before any rule is added: rules read it when they are bound
    app.config["MAX_CONTENT_LENGTH"] = spec.max_body_bytes
    app.json.sort_keys = False
    app.extensions["mock"] = mock
    app.register_blueprint(control_blueprint(mock))

    @app.errorhandler(MockError)
    def vendor_error(exc: MockError) -> Response:
        return exc.response()

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if request.path.startswith(CONTROL_PREFIX):
            return Response(json.dumps({"error": exc.description}), exc.code, mimetype="application/json")
        resp = spec.http_error(exc.code or 500, exc.description or "").response()
        if exc.code == 405:
            resp.headers["Allow"] = exc.get_response().headers.get("Allow", "")
        return resp

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        g.error = "".join(traceback.format_exception(exc))[-4000:]
        if request.path.startswith(CONTROL_PREFIX):  # the harness's own shape: not the vendor's fault
            message = f"internal error: {type(exc).__name__}: {exc}"[:500]
            return Response(json.dumps({"error": message}), 500, mimetype="application/json")
        return spec.http_error(500, "internal error").response()

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
            ctx.seq = mock.journal.next_seq()
            ctx.time = mock.clock.now()
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
            return _fault_response(rule, spec)
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
                response = _fault_response(rule, spec)
            environ = req.environ
            if effect in CONNECTION_EFFECTS:
                environ["mockkit.action"] = effect
                environ["mockkit.rst"] = rule.rst
                environ["mockkit.bandwidth"] = rule.bandwidth
            if rule.latency:
                environ["mockkit.latency"] = rule.latency
        _journal_exchange(mock, req, values, response, rule)
        return response

    # After the kit's hooks, so a vendor's app-wide hooks run once the request has its journal entry.
    app.register_blueprint(spec.make_blueprint(mock))
    if spec.merge_slashes:
        app.wsgi_app = MergeSlashes(app.wsgi_app)  # type: ignore[method-assign]
    return app


def _fault_response(rule: FaultRule, spec: VendorSpec) -> Response:
    if rule.effect in CONNECTION_EFFECTS and rule.body is None:
        # The body a cut or slow answer carries: whatever the vendor would say for this status.
        return spec.http_error(rule.status, "injected fault").response()
    if rule.body is None:
        resp = spec.http_error(rule.status, "injected fault").response()
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
    journal.exchange(
        {
            "seq": values["seq"],
            "type": "request",
            "time": values["time"],
            "method": req.method,
            "path": req.path,
            "query": _redacted_query(req.query_string.decode("latin-1"), mock.spec.sensitive_params),
            "account": mock.public_id(values.get("account")),
            "headers": journal.environ_headers(req.environ),
            "body": None,
            "status": response.status_code,
            "response_headers": _headers_dict(response.headers.to_wsgi_list()),
            "response_body": None,
            "rate_limit": values.get("rate_limit"),
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
