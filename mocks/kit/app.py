"""The app factory: one Flask app per vendor mock, built from the vendor's spec, blueprint and backend.

The kit owns everything that is the same for every vendor: the clock, the journal, fault injection,
rate-limit counters, settings and quirks, the body cap and rendering errors in the vendor's own shape.
Flask matches the routes and runs the views; the steps around them are the kit's pipeline
(mocks/kit/pipeline.py), which `MockFlask.full_dispatch_request` hands every vendor request to. A request
the vendor's lean routes (mocks/kit/routes.py) match exactly goes to the pipeline without Flask.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from types import FunctionType
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from . import pipeline
from .clock import Clock, http_date
from .control import control_blueprint
from .core import CONTROL_PREFIX, Backend, Caller, Mock, RequestContext, VendorSpec
from .errors import ErrorContext, MockError, SettingsError
from .pipeline import error_response
from .routes import Answer, LeanRequest, Routes

__all__ = [
    "CONTROL_PREFIX",
    "Backend",
    "Caller",
    "ErrorContext",
    "Mock",
    "MockError",
    "SettingsError",
    "VendorSpec",
    "create_app",
    "error_response",
]


class MockFlask(Flask):
    """Flask, with vendor requests answered by the kit's pipeline (and the lean routes without Flask), and
    remembering which hooks and views are plain functions instead of asking `inspect` every call."""

    def __init__(self, import_name: str, mock: Mock) -> None:
        super().__init__(import_name)
        self._sync_functions: set[Callable] = set()
        self.mock = mock
        self.lean: Routes | None = None  # the vendor's hot routes, answered without Flask's machinery

    def wsgi_app(self, environ: dict, start_response: Callable) -> Any:
        """A request the lean routes match exactly skips Flask; everything else goes through it."""
        lean = self.lean
        found = lean.match(environ["REQUEST_METHOD"], environ["PATH_INFO"]) if lean is not None else None
        if found is None:
            return super().wsgi_app(environ, start_response)
        handler, args = found
        req = LeanRequest(environ, self.mock.spec.max_body_bytes)
        response = pipeline.handle(self.mock, req, lambda: handler(req, **args), routed=True)
        return response(environ, start_response)

    def full_dispatch_request(self) -> Response:
        """A vendor request goes through the kit's pipeline (mocks/kit/pipeline.py); the control API through
        Flask's own hooks and handlers."""
        req = request._get_current_object()  # type: ignore[attr-defined]
        if req.path.startswith(CONTROL_PREFIX):
            return super().full_dispatch_request()
        reroute = self.mock.spec.reroute
        if reroute is not None:  # the vendor's routing leniency, for what the rule map missed
            reroute(self.mock, req)
        return pipeline.handle(self.mock, req, self._route, routed=req.url_rule is not None)

    def _route(self) -> Response | Answer:
        answer = self.dispatch_request()
        return answer if isinstance(answer, Answer) else self.make_response(answer)

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
    app = MockFlask(f"mocks.{spec.name}", mock)
    app.url_map.merge_slashes = False  # before any rule is added: rules read it when they are bound
    app.config["MAX_CONTENT_LENGTH"] = spec.max_body_bytes
    app.json.sort_keys = False
    mock.attach(app)
    mock.current_request = pipeline.current
    app.register_blueprint(control_blueprint(mock))

    _handle_errors(app, mock)
    app.register_blueprint(spec.make_blueprint(mock))
    if spec.lean_routes is not None:
        app.lean = spec.lean_routes(mock)
    if spec.merge_slashes:
        app.wsgi_app = MergeSlashes(app.wsgi_app)  # type: ignore[method-assign]
    return app


def _handle_errors(app: Flask, mock: Mock) -> None:
    """The control API answers {"error"}, never a vendor's shape: a test that gets one made a mistake in its
    setup. A vendor request renders its failures in the pipeline; these catch only what escapes it."""

    @app.errorhandler(Exception)
    def failed(exc: Exception) -> Response:
        if not request.path.startswith(CONTROL_PREFIX):
            return pipeline.render(mock, request.path, exc, pipeline.current() or RequestContext())
        if isinstance(exc, HTTPException):
            return Response(json.dumps({"error": exc.description}), exc.code, mimetype="application/json")
        message = f"internal error: {type(exc).__name__}: {exc}"[:500]
        return Response(json.dumps({"error": message}), 500, mimetype="application/json")

    @app.after_request
    def date(response: Response) -> Response:
        response.headers["Date"] = http_date(mock.clock.now())
        return response


class MergeSlashes:
    """WSGI wrapper that reads runs of slashes in the path as one, as IIS and nginx do by default."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if "//" in path:
            environ["PATH_INFO"] = re.sub("/{2,}", "/", path)
        return self.app(environ, start_response)
