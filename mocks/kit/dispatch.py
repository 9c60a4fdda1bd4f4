"""Several mocks on one port, each under /<name>: the WSGI app `catalog-harness serve` runs.

Like werkzeug's DispatcherMiddleware, plus what the server core asks of an app: each mount's body cap,
and an answer in JSON (never HTML) for requests no mock claims, refused ones included.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from .server import DEFAULT_MAX_BODY


class Mounts:
    def __init__(self, mounts: dict[str, Any]) -> None:
        self.mounts = {prefix.rstrip("/"): app for prefix, app in mounts.items()}
        self._index = json.dumps({"vendors": {p.lstrip("/"): p for p in self.mounts}}).encode()

    def _split(self, path: str) -> tuple[str, str]:
        end = path.find("/", 1)
        return (path, "") if end < 0 else (path[:end], path[end:])

    def max_body(self, path: str) -> int:
        prefix, rest = self._split(path)
        app = self.mounts.get(prefix)
        cap = getattr(app, "max_body", None)
        return cap(rest) if cap is not None else DEFAULT_MAX_BODY

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        prefix, rest = self._split(environ.get("PATH_INFO", ""))
        app = self.mounts.get(prefix)
        if app is None:
            return self._root(environ, start_response)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
        environ["PATH_INFO"] = rest
        return app(environ, start_response)

    def _root(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        reject = environ.get("mockkit.reject")
        if reject is not None:
            status = f"{reject[0]} {HTTPStatus(reject[0]).phrase}"
            body = json.dumps({"error": reject[1]}).encode()
        else:
            status, body = "404 NOT FOUND", self._index
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
