"""`catalog-harness record`: a recording reverse proxy that writes every exchange to a HAR 1.2 cassette.

Point a client (your own, or `catalog-harness contract --base-url`) at the proxy; it forwards each
request to the upstream and answers with what the upstream said, byte for byte. Every exchange goes into
the cassette, which browsers' devtools and most HTTP tools open. Credentials never touch the disk:
auth headers, Tocobagus signatures and store tokens, Shiptheory passwords and tokens in bodies, and any
later appearance of a value once seen as a secret (a vendor echoing a token in an error) are replaced
with "[redacted]" before the cassette is written. An upstream that can't be reached is recorded as an
entry with status 0 and `_error`.
"""

from __future__ import annotations

import base64
import bisect
import datetime as dt
import itertools
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

REDACTED = "[redacted]"
CREATOR = {"name": "catalog-harness", "version": "0.1"}
# Request and response headers that carry credentials, for every vendor (names compared lower-case).
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "starshipit-api-key",
        "ocp-apim-subscription-key",
        "x-store-token",
        "x-signature",
        "x-partner-secret",
        "x-api-key",
    }
)
# JSON keys and query parameters whose values are secrets wherever they appear (Shiptheory's
# {"email", "password"} login and {"data": {"token"}} answer; anything alike).
SECRET_KEY = re.compile(r"(?i)^(password|passwd|secret|.*_secret|token|access_token|refresh_token|api_?key)$")
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length"}  # requests sets both for the upstream
MIN_SECRET = 4  # shorter values would scrub ordinary text


class Redactor:
    """Replaces secrets in headers, JSON bodies and query strings, and remembers each value it removed so
    a later echo of it anywhere in the cassette is scrubbed too."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._lock = threading.Lock()

    def remember(self, value: str) -> None:
        value = value.strip()
        candidates = {value}
        scheme, _, rest = value.partition(" ")
        if rest and scheme.lower() in ("basic", "bearer", "token"):
            candidates.add(rest.strip())
            if scheme.lower() == "basic":
                try:
                    key, _, secret = base64.b64decode(rest.strip()).decode("utf-8").partition(":")
                    candidates |= {key, secret}
                except (ValueError, UnicodeDecodeError):
                    pass
        if value.lower().startswith("sha256="):
            candidates.add(value[7:])
        with self._lock:
            self.seen |= {c for c in candidates if len(c) >= MIN_SECRET}

    def headers(self, items: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
        out = []
        for name, value in items:
            if name.lower() in SECRET_HEADERS:
                self.remember(value)
                value = REDACTED
            out.append({"name": name, "value": value})
        return out

    def query(self, query: str) -> list[dict[str, str]]:
        out = []
        for name, value in parse_qsl(query, keep_blank_values=True):
            if SECRET_KEY.match(name):
                self.remember(value)
                value = REDACTED
            out.append({"name": name, "value": value})
        return out

    def json_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if isinstance(key, str) and SECRET_KEY.match(key) and isinstance(item, str | int):
                    self.remember(str(item))
                    out[key] = REDACTED
                else:
                    out[key] = self.json_value(item)
            return out
        if isinstance(value, list):
            return [self.json_value(item) for item in value]
        return value

    def body(self, data: bytes, content_type: str) -> dict[str, Any]:
        """A HAR text (or base64) for a body, with secret JSON keys redacted."""
        if not data:
            return {"text": ""}
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return {"text": base64.b64encode(data).decode("ascii"), "encoding": "base64"}
        if "json" in content_type or text.lstrip()[:1] in ("{", "["):
            try:
                parsed = json.loads(text)
            except ValueError:
                return {"text": text}
            redacted = self.json_value(parsed)
            if redacted != parsed:
                text = json.dumps(redacted, ensure_ascii=False, separators=(",", ":"))
        elif "x-www-form-urlencoded" in content_type:
            pairs = self.query(text)
            text = "&".join(f"{p['name']}={p['value']}" for p in pairs)
        return {"text": text}

    def scrub(self, value: Any) -> Any:
        """Every string in an entry, with each remembered secret replaced."""
        if isinstance(value, str):
            for secret in sorted(self.seen, key=len, reverse=True):
                if secret in value:
                    value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        return value


class Cassette:
    """A HAR 1.2 log on disk. It is rewritten atomically (always a valid file), at most once a second while
    traffic flows (a whole rewrite per exchange would be quadratic in a day's traffic) and on `close()`."""

    def __init__(self, path: Path, vendor: str, upstream: str, every: float = 1.0) -> None:
        self.path = path
        self.vendor, self.upstream = vendor, upstream.rstrip("/")
        self.entries: list[dict[str, Any]] = []
        self._order: list[int] = []  # each entry's arrival number: entries stay in request order
        self._lock = threading.Lock()
        self.every = every
        self._written_at = 0.0
        self.write()

    def document(self) -> dict[str, Any]:
        return {
            "log": {
                "version": "1.2",
                "creator": CREATOR,
                "comment": f"catalog-harness record {self.vendor} --upstream {self.upstream}",
                "_vendor": self.vendor,
                "_upstream": self.upstream,
                "entries": self.entries,
            }
        }

    def add(self, entry: dict[str, Any], arrival: int) -> None:
        """Entries are written when their body has passed, which may be after a later request's."""
        with self._lock:
            at = bisect.bisect(self._order, arrival)
            self._order.insert(at, arrival)
            self.entries.insert(at, entry)
            if time.monotonic() - self._written_at >= self.every:
                self.write()

    def close(self) -> None:
        with self._lock:
            self.write()

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(self.document(), out, ensure_ascii=False, indent=1)
        os.replace(temp, self.path)
        self._written_at = time.monotonic()


class RecordingProxy:
    """A WSGI app: forward to the upstream, stream the answer back, record the exchange."""

    blocking_io = True  # every request waits on the upstream: the server core runs them on worker threads

    def __init__(self, vendor: str, upstream: str, cassette: Cassette, timeout: float = 120.0) -> None:
        self.vendor = vendor
        self.upstream = upstream.rstrip("/")
        self.cassette = cassette
        self.redactor = Redactor()
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False  # the upstream named on the command line, never an env proxy
        self._arrivals = itertools.count()
        self._active = 0  # exchanges whose entry is not written yet (a body may still be streaming)
        self._idle = threading.Condition()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Until every exchange in flight is in the cassette: the last chunk can reach the client first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        started = dt.datetime.now(dt.UTC)
        clock = time.perf_counter()
        arrival = next(self._arrivals)
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "") or "/"
        query = environ.get("QUERY_STRING", "")
        url = self.upstream + path + (f"?{query}" if query else "")
        headers = _request_headers(environ)
        body = _read_body(environ)
        forwarded = {k: v for k, v in headers if k.lower() not in NOT_FORWARDED}
        forwarded["Accept-Encoding"] = "identity"  # bodies pass through and are recorded as sent
        request_part = self._request_part(method, url, query, headers, body)
        request_part["_arrival"] = arrival  # taken out again before the entry is written
        with self._idle:
            self._active += 1
        try:
            upstream = self.session.request(
                method,
                url,
                headers=forwarded,
                data=body,
                stream=True,
                allow_redirects=False,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            self._record(started, clock, request_part, None, b"", f"{type(exc).__name__}: {exc}")
            start_response("502 Bad Gateway", [("Content-Type", "text/plain; charset=utf-8")])
            return iter([f"catalog-harness record: upstream unreachable: {type(exc).__name__}".encode()])
        reply = [(k, v) for k, v in upstream.raw.headers.items() if k.lower() not in HOP_BY_HOP]
        start_response(f"{upstream.status_code} {upstream.reason or ''}".strip(), reply)
        return self._relay(started, clock, request_part, upstream)

    def _relay(
        self, started: dt.datetime, clock: float, request_part: dict, upstream: requests.Response
    ) -> Iterator[bytes]:
        """Chunks go to the client as they arrive; the whole body is recorded once it has passed."""
        chunks: list[bytes] = []
        error = None
        try:
            for chunk in upstream.raw.stream(64 * 1024, decode_content=False):
                chunks.append(chunk)
                yield chunk
        except Exception as exc:  # the upstream cut the body short: record what came, then fail the client
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            upstream.close()
            self._record(started, clock, request_part, upstream, b"".join(chunks), error)

    def _request_part(
        self, method: str, url: str, query: str, headers: list[tuple[str, str]], body: bytes
    ) -> dict[str, Any]:
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        part: dict[str, Any] = {
            "method": method,
            "url": url.split("?", 1)[0] + (f"?{query}" if query else ""),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": self.redactor.headers(headers),
            "queryString": self.redactor.query(query),
            "headersSize": -1,
            "bodySize": len(body),
        }
        if body or method in ("POST", "PUT", "PATCH"):
            part["postData"] = {"mimeType": content_type, **self.redactor.body(body, content_type)}
        return part

    def _record(
        self,
        started: dt.datetime,
        clock: float,
        request_part: dict,
        upstream: requests.Response | None,
        body: bytes,
        error: str | None,
    ) -> None:
        elapsed = (time.perf_counter() - clock) * 1000
        if upstream is None:
            response: dict[str, Any] = {
                "status": 0,
                "statusText": "",
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": [],
                "content": {"size": 0, "mimeType": ""},
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": -1,
            }
        else:
            content_type = upstream.headers.get("Content-Type", "")
            response = {
                "status": upstream.status_code,
                "statusText": upstream.reason or "",
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": self.redactor.headers(upstream.raw.headers.items()),
                "content": {
                    "size": len(body),
                    "mimeType": content_type,
                    **self.redactor.body(body, content_type),
                },
                "redirectURL": upstream.headers.get("Location", ""),
                "headersSize": -1,
                "bodySize": len(body),
            }
        arrival = request_part.pop("_arrival")
        entry: dict[str, Any] = {
            "startedDateTime": started.isoformat().replace("+00:00", "Z"),
            "time": round(elapsed, 3),
            "request": request_part,
            "response": response,
            "cache": {},
            "timings": {"send": 0, "wait": round(elapsed, 3), "receive": 0},
        }
        if error:
            entry["_error"] = error
        try:
            self.cassette.add(self.redactor.scrub(entry), arrival)
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()


def _request_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out.append((key[5:].replace("_", "-").title(), value))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            out.append((key.replace("_", "-").title(), value))
    return out


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return stream.read(int(length))
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" or environ.get("wsgi.input_terminated"):
        return stream.read()
    return b""


def load(path: str | Path) -> dict[str, Any]:
    """A cassette's log; raises ValueError naming the file when it is not a HAR document."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from exc
    log = document.get("log") if isinstance(document, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise ValueError(f"{path}: not a HAR file (no log.entries)")
    return log


def upstream_path(url: str, upstream: str) -> str:
    """The path of a recorded URL relative to the upstream it was recorded from."""
    path, base = urlsplit(url).path, urlsplit(upstream).path.rstrip("/")
    return path[len(base) :] or "/" if base and path.startswith(base) else path


def serve(
    vendor: str, upstream: str, out: Path, host: str = "127.0.0.1", port: int = 0, on_request: Any = None
) -> tuple[Any, Cassette]:
    """Start the proxy in a background thread; returns (server with .base_url and .stop(), cassette).
    `on_request(environ, status, seconds)` is called as each answer goes out (`record -v`)."""
    from mocks.kit.server import ServerThread

    class ProxyServer(ServerThread):
        def stop(self) -> None:
            self.app.wait_idle()
            super().stop()
            cassette.close()

    cassette = Cassette(out, vendor, upstream)
    server = ProxyServer(
        RecordingProxy(vendor, upstream, cassette), host=host, port=port, on_request=on_request
    )
    return server.start(), cassette
