"""In-process transport: a `requests` adapter that calls a WSGI app directly, no sockets.

Mount it on a session (`session.mount("http://mock/", WSGIAdapter(app))`) and a client written for
the real vendor runs unchanged against the mock, in microseconds per call. Connection faults surface
as the exceptions `requests` raises for the real thing.
"""

from __future__ import annotations

import io
import sys
import time
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers


class WSGIAdapter(BaseAdapter):
    def __init__(self, app: Any) -> None:
        super().__init__()
        self.app = app

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        environ = _environ(request)
        status_line: list[str] = []
        header_list: list[tuple[str, str]] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            status_line[:] = [status]
            header_list[:] = headers

        app_iter = self.app(environ, start_response)
        try:
            content = b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
        read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
        hold = environ.get("mockkit.hold", 0)  # a latency fault on a real clock: the answer comes late
        if hold:
            time.sleep(hold if read_timeout is None else min(hold, read_timeout))
        _raise_connection_fault(environ, request, read_timeout)
        latency = environ.get("mockkit.latency", 0)
        if read_timeout is not None and latency > read_timeout:
            raise requests.exceptions.ReadTimeout(
                f"read timed out after {read_timeout} s (injected latency {latency} s)", request=request
            )
        return self._response(request, status_line[0], header_list, content)

    def _response(
        self, request: requests.PreparedRequest, status: str, headers: list[tuple[str, str]], content: bytes
    ) -> requests.Response:
        response = requests.Response()
        code, _, reason = status.partition(" ")
        response.status_code, response.reason = int(code), reason
        merged: dict[str, str] = {}
        for name, value in headers:
            merged[name] = f"{merged[name]}, {value}" if name in merged else value
        response.headers = CaseInsensitiveDict(merged)
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = content
        response.url = request.url
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass


def _environ(request: requests.PreparedRequest) -> dict[str, Any]:
    """The WSGI environ a server would build for this request."""
    url = urlsplit(request.url)
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):
        body = body.read() if hasattr(body, "read") else b"".join(body)
    environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(url.path, "latin-1") or "/",
        "QUERY_STRING": url.query,
        "SERVER_NAME": url.hostname or "mock",
        "SERVER_PORT": str(url.port or 80),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key != "CONTENT_LENGTH":
            environ[f"HTTP_{key}"] = value
    return environ


def _raise_connection_fault(environ: dict, request: requests.PreparedRequest, read_timeout: Any) -> None:
    """What `requests` raises when the server spoils the connection this way."""
    action = environ.get("mockkit.action")
    if action is None or (action == "slow_body" and (read_timeout is None or read_timeout >= 0.1)):
        return  # a slow body sends a piece every 0.1 s: only a shorter read timeout expires
    if action == "slow_body":
        raise requests.exceptions.ReadTimeout(
            f"read timed out after {read_timeout} s (injected slow body)", request=request
        )
    if action == "truncate":
        raise requests.exceptions.ChunkedEncodingError(
            "connection cut mid-body by an injected fault", request=request
        )
    what = "reset" if environ.get("mockkit.rst") else "dropped"
    raise requests.exceptions.ConnectionError(f"connection {what} by an injected fault", request=request)


def in_process_session(app: Any, base_url: str = "http://mock") -> requests.Session:
    session = requests.Session()
    # No proxies or .netrc in process: skipping requests' environment scan halves the cost of a call.
    session.trust_env = False
    session.mount(base_url.rstrip("/") + "/", WSGIAdapter(app))
    return session
