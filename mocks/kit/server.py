"""The one HTTP server core for both socket modes: `ServerThread` (verify, `contract`, the pytest plugin)
and `catalog-harness serve`, so both behave the same (DESIGN rule 4).

An asyncio server (uvloop where installed) owns the sockets; `http1.Connection` speaks HTTP/1.1 on each and
carries out connection faults. No request waits on another: a latency fault is a timer on the loop, not
a sleep in a handler, and a request with a large body or for the control API runs on a worker thread.
Small requests run inline on the loop thread, which saves a thread hand-off per request.
"""

from __future__ import annotations

import asyncio
import io
import signal
import socket
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .http1 import DEFAULT_MAX_BODY, Connection, Request, RequestLog, WSGIApp, body_cap, path_of

__all__ = [
    "DEFAULT_MAX_BODY",
    "PortInUse",
    "RequestLog",
    "Server",
    "ServerThread",
    "bind",
    "body_cap",
    "serve_forever",
]


# A header name as sent -> its environ key without the HTTP_ prefix (clients send the same few names).
_environ_keys: dict[bytes, str] = {}
_MAX_ENVIRON_KEYS = 256


class PortInUse(OSError):
    """The port is taken. No SO_REUSEPORT: a second server must not share it."""


class Server:
    """The loop-side server: listening socket, connections, the WSGI app and its worker threads."""

    def __init__(
        self, app: WSGIApp, host: str = "127.0.0.1", port: int = 0, on_request: RequestLog | None = None
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        # Called on the loop thread as each answer goes out (`serve --log`); None costs nothing per request.
        self.on_request = on_request
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.connections: set[Connection] = set()
        # An app that waits on the network for every request (the recording proxy) says `blocking_io = True`:
        # all its requests run on the worker threads, so one slow upstream answer holds up no other.
        self.offload_all = bool(getattr(app, "blocking_io", False))
        self.executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="mock-worker")
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
        self._server = await self.loop.create_server(lambda: Connection(self), sock=sock, backlog=1024)

    def environ(self, req: Request, peer: tuple) -> dict[str, Any]:
        url = req.url
        path, _, query = url.partition(b"?")
        environ = self._base.copy()
        environ["REQUEST_METHOD"] = req.method
        environ["PATH_INFO"] = req.path if req.path is not None else path_of(path)
        environ["QUERY_STRING"] = query.decode("latin-1")
        environ["REQUEST_URI"] = environ["RAW_URI"] = url.decode("latin-1")
        environ["REMOTE_ADDR"] = peer[0]
        environ["REMOTE_PORT"] = str(peer[1])
        environ["wsgi.input"] = io.BytesIO(req.body)
        keys = _environ_keys
        for name, value in req.headers:
            key = keys.get(name)
            if key is None:
                if len(keys) >= _MAX_ENVIRON_KEYS:  # a client inventing header names cannot grow it
                    keys.clear()
                key = keys[name] = name.decode("latin-1").upper().replace("-", "_")
            text = value.decode("latin-1")
            if key == "CONTENT_TYPE" or key == "CONTENT_LENGTH":
                environ[key] = text
                continue
            key = "HTTP_" + key
            environ[key] = f"{environ[key]},{text}" if key in environ else text
        # The headers stay as sent (the journal shows them). A chunked body is already whole and capped:
        # `wsgi.input_terminated` lets the app read it to the end. A refused request carries no body.
        if req.reject is not None:
            environ["mockkit.reject"] = req.reject
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

    def __init__(
        self, app: Any, host: str = "127.0.0.1", port: int = 0, on_request: RequestLog | None = None
    ) -> None:
        self.app = app
        self.server = Server(app, host, port, on_request)
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


def serve_forever(
    app: Any, host: str, port: int, on_ready: Callable[[int], None], on_request: RequestLog | None = None
) -> None:
    """Serve in this thread until SIGINT or SIGTERM; `on_ready(port)` once the port is listening,
    `on_request(environ, status, seconds)` as each answer goes out.

    Raises PortInUse before anything is served when the port is taken."""
    loop = new_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(_serve_until_signal(Server(app, host, port, on_request), on_ready))
    finally:
        loop.close()


async def _serve_until_signal(server: Server, on_ready: Callable[[int], None]) -> None:
    # All in one running loop: uvloop loses a signal that arrives between two run_until_complete calls
    # (measured: a SIGTERM sent right after the JSON line was never seen).
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    on_ready(server.port)
    await stop.wait()
    await server.close()
