"""The client's webhook receiver: a small Flask app, so it runs in-process or behind a real port alike."""

from __future__ import annotations

import json
import threading

from flask import Flask, request

from mocks.kit.clock import Clock
from mocks.tocobagus import signing


class WebhookReceiver:
    """A small receiver: verifies the signature (±300 s on the client's clock), dedupes by requestId."""

    def __init__(self, secret: str, clock: Clock, path: str = "/hooks/tocobagus") -> None:
        self.secret, self.clock, self.path = secret, clock, path
        self.deliveries: list[dict] = []
        self.events: dict[str, dict] = {}  # requestId -> the first verified event
        self._lock = threading.Lock()
        app = Flask("tocobagus-receiver")

        @app.post(path)
        def receive() -> tuple[str, int]:
            body = request.get_data()
            ok = self.verify({k.lower(): v for k, v in request.headers.items()}, body)
            record = {
                "verified": ok,
                "delivery": request.headers.get("x-webhook-delivery"),
                "attempt": request.headers.get("x-webhook-attempt"),
            }
            with self._lock:
                self.deliveries.append(record)
                if ok:
                    event = json.loads(body)
                    record["requestId"] = event.get("requestId")
                    self.events.setdefault(event.get("requestId"), event)
            return ("", 204) if ok else ("invalid signature", 401)

        @app.get(path)
        def events() -> dict:
            """What arrived so far, so a one-shot command can wait for its summary here instead of polling."""
            with self._lock:
                return {"events": list(self.events.values()), "deliveries": list(self.deliveries)}

        self.app = app

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        stamp = headers.get("x-timestamp", "")
        if not stamp.isdigit() or abs(int(stamp) / 1000 - self.clock.now()) > 300:
            return False
        signed = {k: headers[k] for k in ("x-partner-client-id", "x-timestamp") if k in headers}
        return signing.verify(self.secret, "POST", self.path, signed, body, headers.get("x-signature", ""))
