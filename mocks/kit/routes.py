"""A vendor's hot routes, declared once and served two ways: as Flask rules, and on the lean path.

The lean path answers a request these routes match exactly (method, and a path whose parameters are
ASCII digits) through the same pipeline with a plain werkzeug `Request`, skipping Flask's request context,
URL adapter, hooks and dispatch, which were about half of a request's CPU time. Whatever it does not match
exactly (another method, a trailing slash, letter case, a number Python will not read) goes to Flask,
which answers it as before. tests/mocks/kit/test_lean_path.py proves both paths give the same bytes and
journal entries for generated requests, faults and auth failures included.

A handler takes the request and the path's parameters and returns a response; it reads the caller with
`pipeline.account()`, never Flask's `request` or `g`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import Any

from flask import Blueprint, Response, request
from werkzeug.sansio.utils import get_content_length
from werkzeug.wrappers import Request

Handler = Callable[..., Any]  # returns an Answer or a Response
_PARAM = re.compile(r"<int:([a-z_]+)>")


class Routes:
    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self._rules: list[tuple[str, str, Handler]] = []  # (method, Flask rule, handler)
        self._lean: dict[str, list[tuple[re.Pattern[str], tuple[str, ...], Handler]]] = {}

    def route(self, method: str, rule: str) -> Callable[[Handler], Handler]:
        """Declare `handler` for `method` and a Flask rule whose only converters are `<int:name>`."""

        def declare(handler: Handler) -> Handler:
            parts = _PARAM.split(self.prefix + rule)  # literal, name, literal, name, ..., literal
            literals, names = parts[0::2], tuple(parts[1::2])
            if any("<" in literal for literal in literals):
                raise ValueError(f"{rule}: only <int:name> parameters are served on the lean path")
            pattern = re.compile("([0-9]+)".join(re.escape(literal) for literal in literals) + r"\Z")
            self._rules.append((method, rule, handler))
            self._lean.setdefault(method, []).append((pattern, names, handler))
            return handler

        return declare

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, Any]] | None:
        """The handler and its parameters for an exact match, or None (Flask answers)."""
        for pattern, names, handler in self._lean.get(method, ()):
            found = pattern.match(path)
            if found is not None:
                try:
                    return handler, {
                        name: int(value) for name, value in zip(names, found.groups(), strict=True)
                    }
                except ValueError:  # more digits than Python reads: werkzeug's converter refuses it too
                    return None
        return None

    def blueprint(self, name: str) -> Blueprint:
        """The same routes as a Flask blueprint (the views hand Flask's request to the handlers)."""
        bp = Blueprint(name, __name__, url_prefix=self.prefix or None)
        for method, rule, handler in self._rules:
            bp.add_url_rule(rule, handler.__name__, _view(handler), methods=[method])
        return bp


def _view(handler: Handler) -> Callable[..., Any]:
    def view(**args: Any) -> Any:
        return handler(request._get_current_object(), **args)  # type: ignore[attr-defined]

    view.__name__ = handler.__name__
    return view


class LeanRequest(Request):
    """A werkzeug request with the mock's body cap, as Flask's request has it from MAX_CONTENT_LENGTH, and its
    Content-Length worked out once (the pipeline asks three times); both it and Content-Type read from the
    environ directly, as werkzeug's EnvironHeaders would."""

    def __init__(self, environ: dict, max_content_length: int) -> None:
        super().__init__(environ)
        self.max_content_length = max_content_length  # type: ignore[misc]

    @cached_property
    def content_length(self) -> int | None:  # type: ignore[override]
        # werkzeug's own rule, read from the environ as its EnvironHeaders would (not through them).
        environ = self.environ
        return get_content_length(environ.get("CONTENT_LENGTH"), environ.get("HTTP_TRANSFER_ENCODING"))

    @property
    def content_type(self) -> str | None:  # type: ignore[override]
        return self.environ.get("CONTENT_TYPE")  # what werkzeug's header property reads, directly


_STATUS: dict[int, str] = {}


class Answer:
    """A handler's answer, built without werkzeug's Response machinery: the same status line and headers
    (Content-Type, Content-Length, then what the pipeline adds) and the same body a `flask.Response` of
    these bytes gives (tests/mocks/kit/test_pipeline.py). The pipeline reads and extends it as it does a
    Response. The content type goes out as given: werkzeug would add a charset to a text/* one."""

    direct_passthrough = False

    def __init__(self, body: bytes, status: int = 200, content_type: str = "application/json") -> None:
        if status < 200 or status in (204, 304):
            raise ValueError(f"an Answer has a body; status {status} has none (use a Response)")
        self.status_code = status
        self.body = body
        self.content_type = content_type
        self.headers = AnswerHeaders([("Content-Type", content_type), ("Content-Length", str(len(body)))])

    def get_data(self) -> bytes:
        return self.body

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        status = _STATUS.get(self.status_code)
        if status is None:
            status = _STATUS[self.status_code] = Response(status=self.status_code).status
        start_response(status, self.headers.to_wsgi_list())
        if environ["REQUEST_METHOD"] == "HEAD":
            return []  # as werkzeug sends none
        return [self.body]


class AnswerHeaders:
    """The part of werkzeug's `Headers` the pipeline uses, with its semantics (case-insensitive names;
    `set` replaces the first of a name in place and drops the rest). The lower-cased names are kept beside
    the list: the pipeline mostly adds names not there yet."""

    __slots__ = ("_list", "_names")

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._list = items
        self._names = {name.lower() for name, _ in items}

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._names

    def __setitem__(self, name: str, value: str) -> None:
        lower, items = name.lower(), self._list
        if lower not in self._names:
            self._names.add(lower)
            items.append((name, value))
            return
        for i, (key, _) in enumerate(items):
            if key.lower() == lower:
                items[i] = (name, value)
                items[i + 1 :] = [item for item in items[i + 1 :] if item[0].lower() != lower]
                return

    def update(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            self[name] = value

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        return self._list
