"""Run a mock on a real port (0 picks a free one) in a background thread, and shut it down cleanly."""

from __future__ import annotations

import socket
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real vendor APIs and client libraries use

    def setup(self) -> None:
        super().setup()
        # Without this, small answers on loopback wait ~40 ms for Nagle and delayed ACKs.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ["mockkit.drop"] = self._drop
        return environ

    def _drop(self) -> None:
        """Cut the connection as a dying proxy would: the client reads a reset or a short body."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass  # the journal is the access log

    def log_error(self, *args: Any) -> None:
        pass


class ServerThread:
    """`with ServerThread(app) as server: requests.get(server.base_url + "/...")`"""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=_Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"mock-server-{self.port}",
            daemon=True,
        )

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
