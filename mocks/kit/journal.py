"""A bounded ring buffer of request/response pairs and side effects, newest last.

Credentials never enter it: sensitive headers keep only their scheme ("Basic ***"), and JSON body
keys such as "password" are masked.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from typing import Any

REDACTED = "***"
BODY_PREVIEW_BYTES = 64 * 1024
DEFAULT_SENSITIVE_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
DEFAULT_SENSITIVE_KEYS = frozenset({"password", "secret", "token", "api_key", "apikey"})


def redact_header(value: str) -> str:
    scheme, sep, _ = value.partition(" ")
    return f"{scheme} {REDACTED}" if sep and scheme.isalpha() else REDACTED


def _redact_json(value: Any, keys: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if k.lower() in keys else _redact_json(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v, keys) for v in value]
    return value


def body_preview(raw: bytes, content_type: str | None, keys: frozenset[str]) -> str | None:
    """Readable, bounded, credential-free text of a body."""
    if not raw:
        return None
    if len(raw) > BODY_PREVIEW_BYTES:
        return f"<{len(raw)} bytes, not kept>"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(raw)} bytes, not UTF-8>"
    # Parse only when a sensitive key may be present: most bodies carry none, and parsing costs.
    if content_type and "json" in content_type and any(key in text.lower() for key in keys):
        try:
            return json.dumps(_redact_json(json.loads(text), keys), ensure_ascii=False)
        except (ValueError, RecursionError):  # deeply nested JSON must not turn into a 500
            return text
    return text


class Journal:
    def __init__(
        self,
        maxlen: int = 10_000,
        sensitive_headers: frozenset[str] = frozenset(),
        sensitive_keys: frozenset[str] = DEFAULT_SENSITIVE_KEYS,
    ) -> None:
        self._entries: deque[dict] = deque(maxlen=maxlen)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self.sensitive_headers = DEFAULT_SENSITIVE_HEADERS | {h.lower() for h in sensitive_headers}
        self.sensitive_keys = sensitive_keys

    def next_seq(self) -> int:
        return next(self._seq)

    def redact_headers(self, headers: Any) -> dict[str, str]:
        sensitive = self.sensitive_headers
        return {k: redact_header(v) if k.lower() in sensitive else v for k, v in headers.items()}

    def append(self, entry: dict) -> None:
        with self._lock:
            self._entries.append(entry)

    def side_effect(self, kind: str, time: float, request_seq: int | None = None, **detail: Any) -> dict:
        entry = {
            "seq": self.next_seq(),
            "type": "side_effect",
            "kind": kind,
            "time": time,
            "request_seq": request_seq,
            **detail,
        }
        self.append(entry)
        return entry

    def entries(self, limit: int | None = None) -> list[dict]:
        with self._lock:
            items = sorted(self._entries, key=lambda e: e["seq"])
        return items[-limit:] if limit else items

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
