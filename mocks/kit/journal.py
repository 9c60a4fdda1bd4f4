"""A bounded ring buffer of request/response pairs and side effects, newest last.

Credentials never leave it: sensitive headers keep only their scheme ("Basic ***") from the moment a
request is recorded, and JSON body keys such as "password" are masked in every body preview.

A request/response pair is recorded on the hot path by `exchange()`: headers already redacted, bodies as raw
bytes (at most BODY_PREVIEW_BYTES; a larger body keeps only its "not kept" note), the whole packed into one
`marshal` blob. `entries()`, the only way out, unpacks it and renders the body previews (key masking
included), so every read sees the redacted, masked form. One immutable blob per request instead of a few
dicts keeps the ring out of the garbage collector's way: with 10,000 live entries the collector's passes over
them were the server's latency tail.
"""

from __future__ import annotations

import itertools
import json
import marshal
import threading
from collections import deque
from operator import itemgetter
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


def _bounded_body(raw: bytes) -> bytes | str | None:
    """What the journal keeps of a body until it is read: the bytes, or its preview when that is fixed."""
    if not raw:
        return None
    if len(raw) > BODY_PREVIEW_BYTES:
        return f"<{len(raw)} bytes, not kept>"
    return raw


def _preview(kept: bytes | str | None, content_type: str | None, keys: frozenset[str]) -> str | None:
    return kept if kept is None or isinstance(kept, str) else body_preview(kept, content_type, keys)


_NOT_A_HEADER = ("", False)
_MAX_HEADER_PLANS = 64


class Journal:
    def __init__(
        self,
        maxlen: int = 10_000,
        sensitive_headers: frozenset[str] = frozenset(),
        sensitive_keys: frozenset[str] = DEFAULT_SENSITIVE_KEYS,
    ) -> None:
        # A side effect's dict, or a packed exchange; with each entry's seq in step beside it.
        self._entries: deque[dict | bytes] = deque(maxlen=maxlen)
        self._seqs: deque[int] = deque(maxlen=maxlen)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self.sensitive_headers = DEFAULT_SENSITIVE_HEADERS | {h.lower() for h in sensitive_headers}
        self.sensitive_keys = sensitive_keys
        # An environ's keys, in order -> its headers: (environ key, name as werkzeug spells it, sensitive?).
        self._header_plans: dict[tuple[str, ...], tuple[tuple[str, str, bool], ...]] = {}

    def next_seq(self) -> int:
        return next(self._seq)

    def redact_headers(self, headers: Any) -> dict[str, str]:
        sensitive = self.sensitive_headers
        return {k: redact_header(v) if k.lower() in sensitive else v for k, v in headers.items()}

    def environ_headers(self, environ: dict[str, Any]) -> dict[str, str]:
        """`redact_headers(EnvironHeaders(environ))`: the request's headers, redacted, cheaply.

        Servers copy the process environment into every environ (granian: ~40 keys), and a client sends the
        same headers each time, so the environ keys that are headers are worked out once per key sequence."""
        keys = tuple(environ)
        plan = self._header_plans.get(keys)
        if plan is None:
            plan = tuple((key, *self._header_name(key)) for key in keys if self._header_name(key)[0])
            if len(self._header_plans) >= _MAX_HEADER_PLANS:  # a client inventing headers cannot grow this
                self._header_plans.clear()
            self._header_plans[keys] = plan
        headers: dict[str, str] = {}
        for key, name, sensitive in plan:
            value = environ[key]
            if not value and (key == "CONTENT_TYPE" or key == "CONTENT_LENGTH"):
                continue
            headers[name] = redact_header(value) if sensitive else value
        return headers

    def _header_name(self, key: str) -> tuple[str, bool]:
        # The names werkzeug's EnvironHeaders yields (and only those).
        if key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            name = key[5:].replace("_", "-").title()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.replace("_", "-").title()
        else:
            return _NOT_A_HEADER
        return name, name.lower() in self.sensitive_headers

    def append(self, entry: dict) -> None:
        with self._lock:
            self._entries.append(entry)
            self._seqs.append(entry["seq"])

    def exchange(
        self,
        entry: dict[str, Any],
        body: tuple[bytes, str | None],
        response_body: tuple[bytes, str | None] | None,
    ) -> None:
        """Record a request/response pair. `entry` is its journal dict, headers already redacted, with the two
        body previews still to fill in from (raw bytes, content type); `response_body` None: not kept."""
        entry["body"] = _bounded_body(body[0])
        entry["_content_type"] = body[1]
        if response_body is not None:
            entry["response_body"] = _bounded_body(response_body[0])
            entry["_response_content_type"] = response_body[1]
        try:
            packed: dict | bytes = marshal.dumps(entry)
        except ValueError:  # a value marshal cannot hold (a vendor's own type): keep the rendered dict
            packed = _render(entry, self.sensitive_keys)
        with self._lock:
            self._entries.append(packed)
            self._seqs.append(entry["seq"])

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
            items = sorted(zip(self._seqs, self._entries, strict=True), key=itemgetter(0))
        if limit:
            items = items[-limit:]
        keys = self.sensitive_keys
        return [_render(marshal.loads(e), keys) if type(e) is bytes else e for _, e in items]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._seqs.clear()


def _render(entry: dict[str, Any], keys: frozenset[str]) -> dict:
    """An exchange as recorded -> its journal dict: the bodies become their credential-free previews."""
    entry["body"] = _preview(entry["body"], entry.pop("_content_type"), keys)
    if "_response_content_type" in entry:
        entry["response_body"] = _preview(entry["response_body"], entry.pop("_response_content_type"), keys)
    return entry
