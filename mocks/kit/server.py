"""The one HTTP server core for both socket modes: `ServerThread` (verify, the pytest plugin) and `serve`.

An asyncio server on httptools' C parser owns the sockets, so connection faults are real: it reads what
the WSGI app decided (`mockkit.*` keys in the environ) and drops, resets, cuts, dribbles or holds the
answer. No request waits on another: a latency fault is a timer on the loop, not a sleep in a handler,
and a request with a large body runs on a worker thread. Small requests run inline on the loop thread:
handing each one to a thread costs more than the handler itself (measured in bench/).

HTTP/1.1 as clients use it: keep-alive, pipelining (answers in order), `Expect: 100-continue`, chunked
request bodies. The body cap applies to chunked bodies too (413, never a silent cut). Oversized URLs and
headers and malformed requests reach the app as `mockkit.reject`, so the vendor renders its own error.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import signal
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote

import httptools

DEFAULT_MAX_BODY = 1024 * 1024
MAX_URL = 8 * 1024  # bytes of request target (414 beyond)
MAX_HEADER_BYTES = 32 * 1024  # names and values together (431 beyond)
MAX_HEADERS = 100
INLINE_BODY = 64 * 1024  # larger bodies (CSV imports, big batches) are handled on a worker thread
MAX_PIPELINE = 32  # parsed requests waiting on one connection before reading pauses
LINGER = 2.0  # seconds to keep reading (and discarding) after refusing a request, so the client reads it
SLOW_BODY_TICK = 0.1  # a slow body is written in ten pieces a second
_REJECT_REASONS = {
    400: "The browser (or proxy) sent a request that this server could not understand.",
    413: "The data value transmitted exceeds the capacity limit.",
    414: "The length of the requested URL exceeds the capacity limit for this server.",
    431: "One or more header fields exceeds the maximum size.",
}
_STATUS_TEXT = {100: b"Continue"}
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class PortInUse(OSError):
    """The port is taken. No SO_REUSEPORT: a second server must not share it."""


def body_cap(app: Any, path: str) -> int:
    """The app's request body cap for this path (mock apps and the `serve` dispatcher say; else 1 MiB)."""
    cap = getattr(app, "max_body", None)
    return cap(path) if cap is not None else DEFAULT_MAX_BODY


class _Request:
    __slots__ = ("body", "expect", "headers", "keep_alive", "method", "reject", "size", "url")

    def __init__(self) -> None:
        self.url = b""
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


class _Connection(asyncio.Protocol):
    """One client connection: parse requests, answer them one at a time and in order."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.loop = server.loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.current = _Request()
        self.cap = DEFAULT_MAX_BODY
        self.queue: deque[_Request] = deque()
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
        self.current = _Request()

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
        self.cap = body_cap(self.server.app, _path_of(req.url))
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
        self.current = _Request()
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
        if len(req.body) > INLINE_BODY:
            future = self.loop.run_in_executor(self.server.executor, _call, self.server.app, environ)
            future.add_done_callback(lambda f: self._answer(req, environ, *f.result()))
        else:
            self._answer(req, environ, *_call(self.server.app, environ))

    def _answer(self, req: _Request, environ: dict, status: str, headers: list, body: bytes) -> None:
        if self.transport is None:
            return
        hold = environ.get("mockkit.hold", 0)
        if hold:
            self.loop.call_later(hold, self._send, req, environ, status, headers, body)
        else:
            self._send(req, environ, status, headers, body)

    def _send(self, req: _Request, environ: dict, status: str, headers: list, body: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
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


def _call(app: WSGIApp, environ: dict) -> tuple[str, list, bytes]:
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


def _path_of(url: bytes) -> str:
    path = url.split(b"?", 1)[0]
    if path.startswith((b"http://", b"https://")):
        path = b"/" + path.split(b"/", 3)[-1] if path.count(b"/") >= 3 else b"/"
    return unquote(path.decode("latin-1"), "latin-1") or "/"


_date_cache: list[Any] = [0, b""]


def _date() -> bytes:
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[:] = [now, time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now)).encode()]
    return _date_cache[1]


def _head(status: str, headers: list[tuple[str, str]], length: int, keep_alive: bool) -> bytes:
    lines = [b"HTTP/1.1 ", status.encode("latin-1"), b"\r\n"]
    has_length = False
    for name, value in headers:
        if len(name) == 14 and name.lower() == "content-length":
            has_length = True
        lines += (name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n")
    if not has_length:
        lines += (b"Content-Length: ", str(length).encode(), b"\r\n")
    lines += (b"Date: ", _date(), b"\r\n")
    if not keep_alive:
        lines.append(b"Connection: close\r\n")
    lines.append(b"\r\n")
    return b"".join(lines)


class Server:
    """The loop-side server: listening socket, connections, the WSGI app and its worker threads."""

    def __init__(self, app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.connections: set[_Connection] = set()
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mock-worker")
        self._server: asyncio.Server | None = None
        self._base: dict[str, Any] = {}

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        sock = bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._base = {
            "SCRIPT_NAME": "",
            "SERVER_NAME": self.host,
            "SERVER_PORT": str(self.port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,  # the whole body is read (and capped) before the app runs
        }
        self._server = await self.loop.create_server(lambda: _Connection(self), sock=sock, backlog=1024)

    def environ(self, req: _Request, peer: tuple) -> dict[str, Any]:
        url = req.url
        path, _, query = url.partition(b"?")
        environ = self._base.copy()
        environ["REQUEST_METHOD"] = req.method
        environ["PATH_INFO"] = _path_of(path)
        environ["QUERY_STRING"] = query.decode("latin-1")
        environ["REQUEST_URI"] = environ["RAW_URI"] = url.decode("latin-1")
        environ["REMOTE_ADDR"] = peer[0]
        environ["REMOTE_PORT"] = str(peer[1])
        environ["wsgi.input"] = io.BytesIO(req.body)
        for name, value in req.headers:
            key = name.decode("latin-1").upper().replace("-", "_")
            text = value.decode("latin-1")
            if key == "CONTENT_TYPE" or key == "CONTENT_LENGTH":
                environ[key] = text
                continue
            key = "HTTP_" + key
            environ[key] = f"{environ[key]},{text}" if key in environ else text
        if req.reject is not None:
            environ["mockkit.reject"] = req.reject
            environ["CONTENT_LENGTH"] = "0"
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        elif "HTTP_TRANSFER_ENCODING" in environ:
            environ["CONTENT_LENGTH"] = str(len(req.body))  # de-chunked: the app sees a plain body
            del environ["HTTP_TRANSFER_ENCODING"]
        return environ

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            if conn.transport is not None:
                conn.transport.close()
        if self._server is not None:
            await self._server.wait_closed()
        self.executor.shutdown(wait=False, cancel_futures=True)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or PortInUse. SO_REUSEADDR only (TIME_WAIT), never SO_REUSEPORT."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno in (98, 48):  # EADDRINUSE on Linux, macOS
            raise PortInUse(exc.errno, f"port {port} on {host} is already in use") from None
        raise
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def new_loop() -> asyncio.AbstractEventLoop:
    """uvloop where installed (faster I/O), else asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class ServerThread:
    """`with ServerThread(app) as server: requests.get(server.base_url + "/...")`

    The same server core as `serve`, on its own event loop in a background thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.server = Server(app, host, port)
        self.loop = new_loop()
        self.thread = threading.Thread(target=self._run, name="mock-server", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.server.start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.server.close())
        self.loop.close()

    def start(self) -> ServerThread:
        self.thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(app: Any, host: str, port: int, on_ready: Callable[[int], None]) -> None:
    """Serve in this thread until SIGINT or SIGTERM; `on_ready(port)` once the port is listening.

    Raises PortInUse before anything is served when the port is taken."""
    loop = new_loop()
    asyncio.set_event_loop(loop)
    server = Server(app, host, port)
    try:
        loop.run_until_complete(server.start())
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        on_ready(server.port)
        loop.run_until_complete(stop.wait())
        loop.run_until_complete(server.close())
    finally:
        loop.close()
