"""One HTTP/1.1 client connection of the server core: parse, refuse, answer in order, spoil on request.

httptools (the C parser uvicorn uses) reads the requests. Each is answered by the WSGI app, in order
(keep-alive, pipelining), and the answer goes out as the app's fault decision says (`mockkit.*` keys in
the environ): whole, held (latency), cut (truncate), dribbled (slow_body), never (drop, empty) or reset.
Limits are checked while reading: an oversized URL or header block, a malformed request or a body over
the app's cap (chunked too) reaches the app as `mockkit.reject`, so the vendor renders its own error.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import Any, Protocol
from urllib.parse import unquote

import httptools

from .clock import http_date

DEFAULT_MAX_BODY = 1024 * 1024
MAX_URL = 8 * 1024  # bytes of request target (414 beyond)
MAX_HEADER_BYTES = 32 * 1024  # names and values together (431 beyond)
MAX_HEADERS = 100
INLINE_BODY = 64 * 1024  # larger bodies (CSV imports, big batches) are handled on a worker thread
# The control API (journal reads, state snapshots, jobs/run) can take long and is never the hot path.
OFFLOADED_PATH = b"/__mock__/"
MAX_PIPELINE = 32  # parsed requests waiting on one connection before reading pauses
LINGER = 2.0  # seconds to keep reading (and discarding) after refusing a request, so the client reads it
SLOW_BODY_TICK = 0.1  # a slow body is written in ten pieces a second
_REJECT_REASONS = {
    400: "The browser (or proxy) sent a request that this server could not understand.",
    413: "The data value transmitted exceeds the capacity limit.",
    414: "The length of the requested URL exceeds the capacity limit for this server.",
    431: "One or more header fields exceeds the maximum size.",
}
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
# (environ, status line, seconds from the app's call to the answer going out) for each answered request
RequestLog = Callable[[dict, str, float], None]


def body_cap(app: Any, path: str) -> int:
    """The app's request body cap for this path (mock apps and the `serve` dispatcher say; else 1 MiB)."""
    cap = getattr(app, "max_body", None)
    return cap(path) if cap is not None else DEFAULT_MAX_BODY


class Request:
    __slots__ = ("body", "expect", "headers", "keep_alive", "method", "path", "reject", "size", "url")

    def __init__(self) -> None:
        self.url = b""
        self.path: str | None = None  # path_of(url), once the head is read
        self.method = "GET"
        self.headers: list[tuple[bytes, bytes]] = []
        self.size = 0  # header bytes, then body bytes
        self.body = bytearray()
        self.keep_alive = True
        self.reject: tuple[int, str] | None = None
        self.expect = False


class _Reject(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Host(Protocol):
    """What a connection needs of the server that accepted it (server.py's `Server`)."""

    app: WSGIApp
    loop: asyncio.AbstractEventLoop
    connections: set[Connection]
    offload_all: bool  # every request on the executor (an app that blocks)
    executor: Executor

    def environ(self, req: Request, peer: tuple) -> dict[str, Any]: ...


class Connection(asyncio.Protocol):
    """One client connection: parse requests, answer them one at a time and in order."""

    def __init__(self, server: Host) -> None:
        self.server = server
        self.loop = server.loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.current = Request()
        self.cap = DEFAULT_MAX_BODY
        self.queue: deque[Request] = deque()
        self.busy = False
        self.paused = False
        self.discarding = False  # after a refused request: read and drop until the client goes
        self.half_closed = False  # the client sent FIN: answer what it asked, then close
        self.peer = ("", 0)

    # -- transport events ------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        # Without it, small answers on loopback wait ~40 ms for Nagle and delayed ACKs (DESIGN rule 7).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.peer = transport.get_extra_info("peername") or ("", 0)
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        self.queue.clear()
        self.transport = None

    def eof_received(self) -> bool | None:
        if self.busy or self.queue:
            self.half_closed = True
            return True  # keep the transport open to write the answers still owed
        return None

    def data_received(self, data: bytes) -> None:
        if self.discarding:
            return
        try:
            self.parser.feed_data(data)
        except _Reject as refused:
            self._refuse(refused.status)
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            self._refuse(cause.status if isinstance(cause, _Reject) else 400)
        except httptools.HttpParserUpgrade:
            self._refuse(400)
        except httptools.HttpParserError:
            self._refuse(400)

    # -- parser callbacks ------------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.current = Request()

    def on_url(self, url: bytes) -> None:
        req = self.current
        req.url += url
        if len(req.url) > MAX_URL:
            raise _Reject(414)

    def on_header(self, name: bytes, value: bytes) -> None:
        req = self.current
        req.size += len(name) + len(value)
        req.headers.append((name, value))
        if req.size > MAX_HEADER_BYTES or len(req.headers) > MAX_HEADERS:
            raise _Reject(431)

    def on_headers_complete(self) -> None:
        req = self.current
        req.method = self.parser.get_method().decode("latin-1")
        req.keep_alive = self.parser.should_keep_alive()
        req.size = 0
        req.path = path_of(req.url)
        self.cap = body_cap(self.server.app, req.path)
        for name, value in req.headers:
            lower = name.lower()
            if lower == b"content-length" and value.strip().isdigit() and int(value) > self.cap:
                raise _Reject(413)  # refuse before reading a byte of it
            if lower == b"expect" and value.lower() == b"100-continue":
                req.expect = True
        if req.expect and not self.busy and not self.queue and self.transport is not None:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, chunk: bytes) -> None:
        req = self.current
        req.size += len(chunk)
        if req.size > self.cap:
            raise _Reject(413)  # a chunked body grows past the cap: refused, never cut
        req.body += chunk

    def on_message_complete(self) -> None:
        self.queue.append(self.current)
        self.current = Request()
        if len(self.queue) >= MAX_PIPELINE and self.transport is not None and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        if not self.busy:
            self._next()

    # -- answering -------------------------------------------------------------------------------------
    def _refuse(self, status: int) -> None:
        """Answer the request being read with the vendor's error for `status`, then close."""
        req = self.current
        req.reject = (status, _REJECT_REASONS.get(status, "Bad Request"))
        req.keep_alive = False
        req.body = bytearray()
        with contextlib.suppress(httptools.HttpParserError, ValueError):
            req.method = self.parser.get_method().decode("latin-1")
        self.discarding = True
        self.queue.append(req)
        if not self.busy:
            self._next()

    def _next(self) -> None:
        if not self.queue or self.transport is None:
            return
        req = self.queue.popleft()
        self.busy = True
        if self.paused and len(self.queue) < MAX_PIPELINE // 2:
            self.paused = False
            self.transport.resume_reading()
        environ = self.server.environ(req, self.peer)
        if self.server.on_request is not None:
            environ["mockkit.started"] = time.perf_counter()
        if self.server.offload_all or len(req.body) > INLINE_BODY or OFFLOADED_PATH in req.url:
            future = self.loop.run_in_executor(self.server.executor, call_app, self.server.app, environ)
            future.add_done_callback(lambda f: self._answer(req, environ, *f.result()))
        else:
            self._answer(req, environ, *call_app(self.server.app, environ))

    def _answer(self, req: Request, environ: dict, status: str, headers: list, body: bytes) -> None:
        if self.transport is None:
            return
        hold = environ.get("mockkit.hold", 0)
        if hold:
            self.loop.call_later(hold, self._send, req, environ, status, headers, body)
        else:
            self._send(req, environ, status, headers, body)

    def _send(self, req: Request, environ: dict, status: str, headers: list, body: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if self.server.on_request is not None:
            self.server.on_request(environ, status, time.perf_counter() - environ["mockkit.started"])
        action = environ.get("mockkit.action")
        if action in ("drop", "empty"):
            if environ.get("mockkit.rst"):
                # SO_LINGER 0: close() sends RST, as a crashed peer or a killing proxy does.
                sock = transport.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                transport.abort()
            else:
                transport.close()
            return
        keep_alive = req.keep_alive and action != "truncate"
        head = _head(status, headers, len(body), keep_alive)
        if req.method == "HEAD":
            body = b""
        if action == "truncate":
            transport.write(head + body[: len(body) // 2])
            transport.close()
            return
        if action == "slow_body":
            transport.write(head)
            rate = max(1, int(environ.get("mockkit.bandwidth", 1024) * SLOW_BODY_TICK))
            self._dribble(body, rate, keep_alive)
            return
        transport.write(head + body)
        self._done(keep_alive)

    def _dribble(self, rest: bytes, rate: int, keep_alive: bool) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        transport.write(rest[:rate])
        if len(rest) > rate:
            self.loop.call_later(SLOW_BODY_TICK, self._dribble, rest[rate:], rate, keep_alive)
        else:
            self._done(keep_alive)

    def _done(self, keep_alive: bool) -> None:
        self.busy = False
        transport = self.transport
        if transport is None:
            return
        if self.half_closed and not self.queue:
            transport.close()
            return
        if not keep_alive:
            if self.discarding:
                self._linger_close(transport)
            else:
                transport.close()
            return
        if self.queue:
            self._next()

    def _linger_close(self, transport: asyncio.Transport) -> None:
        # Closing with unread input makes the kernel send RST, and the client may lose the answer: send
        # FIN, keep draining what it still sends, and close once it hangs up or after LINGER seconds.
        if transport.can_write_eof():
            transport.write_eof()
        self.loop.call_later(LINGER, transport.close)


_CRASHED = (
    "500 Internal Server Error",
    [("Content-Type", "application/json")],
    b'{"error": "internal error"}',
)


def call_app(app: WSGIApp, environ: dict) -> tuple[str, list, bytes]:
    """Run the WSGI app to the end: (status, headers, body). The mock apps render their own errors; this
    catches only a crash outside them, so the loop never dies with a request."""
    try:
        return _run_app(app, environ)
    except Exception:
        return _CRASHED


def _run_app(app: WSGIApp, environ: dict) -> tuple[str, list, bytes]:
    answer: list[Any] = []

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        answer[:] = [status, headers]

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return answer[0], answer[1], body


def path_of(url: bytes) -> str:
    path = url.split(b"?", 1)[0]
    if path.startswith((b"http://", b"https://")):
        path = b"/" + path.split(b"/", 3)[-1] if path.count(b"/") >= 3 else b"/"
    return unquote(path.decode("latin-1"), "latin-1") or "/"


def _date() -> str:
    """A Date for an answer whose app gave none: only the `serve` index, which belongs to no mock and so
    has no mock clock. Every mock's answer carries its own clock's Date (pipeline.py)."""
    return http_date(time.time())


def _head(status: str, headers: list[tuple[str, str]], length: int, keep_alive: bool) -> bytes:
    # Built as text and encoded once (latin-1, as WSGI's native strings are).
    lines = ["HTTP/1.1 ", status, "\r\n"]
    has_length = has_date = False
    for name, value in headers:
        size = len(name)
        if size == 14 and name.lower() == "content-length":
            has_length = True
        elif size == 4 and name.lower() == "date":
            has_date = True
        lines += (name, ": ", value, "\r\n")
    if not has_length:
        lines += ("Content-Length: ", str(length), "\r\n")
    if not has_date:
        lines += ("Date: ", _date(), "\r\n")
    if not keep_alive:
        lines.append("Connection: close\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")
