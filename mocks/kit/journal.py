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
import os
import re
import sys
import threading
from collections import deque
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

REDACTED = "***"
BODY_PREVIEW_BYTES = 64 * 1024
# The whole journal stays under this many bytes (DESIGN rule 8): the oldest entries go first.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
MAX_BYTES_ENV = "CATALOG_HARNESS_JOURNAL_BYTES"


def default_max_bytes() -> int:
    """The byte budget: $CATALOG_HARNESS_JOURNAL_BYTES when it is a positive integer, else 64 MB."""
    value = os.environ.get(MAX_BYTES_ENV, "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_BYTES


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


def body_preview(
    raw: bytes, content_type: str | None, keys: frozenset[str], preview_bytes: int = BODY_PREVIEW_BYTES
) -> str | None:
    """Readable, bounded, credential-free text of a body."""
    if not raw:
        return None
    if len(raw) > preview_bytes:
        return f"<{len(raw)} bytes, not kept>"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(raw)} bytes, not UTF-8>"
    # Only when a sensitive key may be present: most bodies carry none, and parsing costs. Whatever the
    # Content-Type says: vendors read JSON sent as text/plain or with none, and forms (password=...).
    lowered = text.lower()
    if any(key in lowered for key in keys):
        try:
            return json.dumps(_redact_json(json.loads(text), keys), ensure_ascii=False)
        except (ValueError, RecursionError):  # not JSON (or too deep): mask key=value and "key": value
            return _redact_text(text, keys)
    return text


def _redact_text(text: str, keys: frozenset[str]) -> str:
    names = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    pattern = rf'(?i)("?(?:{names})"?\s*[=:]\s*)("(?:[^"\\]|\\.)*"|[^&\s,;}}]*)'
    return re.sub(
        pattern, lambda m: m.group(1) + (f'"{REDACTED}"' if m.group(2).startswith('"') else REDACTED), text
    )


def _bounded_body(raw: bytes, preview_bytes: int) -> bytes | str | None:
    """What the journal keeps of a body until it is read: the bytes, or its preview when that is fixed."""
    if not raw:
        return None
    if len(raw) > preview_bytes:
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
        max_bytes: int | None = None,
        preview_bytes: int = BODY_PREVIEW_BYTES,
    ) -> None:
        # A side effect's dict, or a packed exchange; with each entry's seq and size in step beside it.
        self._entries: deque[dict | bytes] = deque()
        self._seqs: deque[int] = deque()
        self._sizes: deque[int] = deque()
        self.maxlen = maxlen
        self.max_bytes = max_bytes or default_max_bytes()
        self.preview_bytes = min(preview_bytes, self.max_bytes)
        self.bytes = 0  # what the kept entries weigh, as packed
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
        self._keep(entry, entry["seq"], _dict_size(entry))

    def _keep(self, packed: dict | bytes, seq: int, size: int) -> None:
        """Add an entry, then drop the oldest until both the count and the byte budget hold."""
        with self._lock:
            self._entries.append(packed)
            self._seqs.append(seq)
            self._sizes.append(size)
            self.bytes += size
            while len(self._entries) > self.maxlen or (
                self.bytes > self.max_bytes and len(self._entries) > 1
            ):
                self._entries.popleft()
                self._seqs.popleft()
                self.bytes -= self._sizes.popleft()

    def exchange(
        self,
        entry: dict[str, Any],
        body: tuple[bytes, str | None],
        response_body: tuple[bytes, str | None] | None,
    ) -> None:
        """Record a request/response pair. `entry` is its journal dict, headers already redacted, with the two
        body previews still to fill in from (raw bytes, content type); `response_body` None: not kept."""
        entry["body"] = _bounded_body(body[0], self.preview_bytes)
        entry["_content_type"] = body[1]
        if response_body is not None:
            entry["response_body"] = _bounded_body(response_body[0], self.preview_bytes)
            entry["_response_content_type"] = response_body[1]
        try:
            packed: dict | bytes = marshal.dumps(entry)
            size = len(packed) + _BYTES_OVERHEAD
        except ValueError:  # a value marshal cannot hold (a vendor's own type): keep the rendered dict
            packed = _render(entry, self.sensitive_keys)
            size = _dict_size(packed)
        self._keep(packed, entry["seq"], size)

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

    def entries(self, limit: int | None = None, after: int | None = None) -> list[dict]:
        return list(self.iter_entries(limit, after))

    def iter_entries(self, limit: int | None = None, after: int | None = None) -> Iterator[dict]:
        """Entries oldest first, rendered one at a time (a reader never holds the whole journal rendered).

        Without `after`: the newest `limit` (all when None). With `after`: the oldest `limit` whose seq is
        greater, so a reader pages forward with the last seq it saw."""
        with self._lock:
            items = sorted(zip(self._seqs, self._entries, strict=True), key=itemgetter(0))
        if after is not None:
            items = [item for item in items if item[0] > after][:limit]
        elif limit:
            items = items[-limit:]
        keys = self.sensitive_keys
        for _, e in items:
            yield _render(marshal.loads(e), keys) if type(e) is bytes else e

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._seqs.clear()
            self._sizes.clear()
            self.bytes = 0


_BYTES_OVERHEAD = sys.getsizeof(b"")  # a bytes object's header, beside its data


def _dict_size(entry: dict) -> int:
    """About what a side effect's dict weighs: its marshalled size (a fifth of the cost of its JSON text,
    and a PUT journals one), or its JSON text when it holds a value marshal cannot."""
    try:
        return len(marshal.dumps(entry)) * 2 + 200
    except ValueError:
        return len(json.dumps(entry, default=str)) * 2 + 200


def _render(entry: dict[str, Any], keys: frozenset[str]) -> dict:
    """An exchange as recorded -> its journal dict: the bodies become their credential-free previews."""
    entry["body"] = _preview(entry["body"], entry.pop("_content_type"), keys)
    if "_response_content_type" in entry:
        entry["response_body"] = _preview(entry["response_body"], entry.pop("_response_content_type"), keys)
    return entry
