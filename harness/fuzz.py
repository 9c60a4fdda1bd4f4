"""A raw-request fuzzer for the mocks: hostile bytes at every route of a vendor and of its control API.

Requests are generated from a seeded `random.Random` (harness.hostile), so one integer replays a case:
hypothesis draws the seeds in the test suite (its per-draw cost made structured strategies ~10 ms a case,
too slow for 100,000), and bench/fuzz.py walks seeds in a loop.

Requests are built as WSGI environs (the path as a server would decode it, any body bytes, any content
type) and sent to the app in process, authenticated as the vendor's default account so that the input
reaches the vendor's parsing rather than stopping at its 401. `classify` names what came back; only
`2xx`, `3xx` and `4xx` are good outcomes. Used by tests/mocks/test_fuzz.py and bench/fuzz.py.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

from mocks.kit.core import Mock

from .hostile import CONTROL_PREFIX, RawRequest, raw_request, route_templates
from .vendors import VendorHarness

GOOD = ("2xx", "3xx", "4xx")


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    outcome: str = field(init=False)

    def __post_init__(self) -> None:
        self.outcome = classify(self.status, self.content_type, self.body)


def classify(status: int, content_type: str, body: bytes) -> str:
    """`5xx`, `html`, `not-json` (a JSON content type with a body that does not parse) or the status class."""
    if status >= 500:
        return "5xx"
    lowered = body[:512].lower()
    if "html" in content_type or b"<html" in lowered or b"<!doctype" in lowered or b"<title>" in lowered:
        return "html"
    if "json" in content_type:
        try:
            json.loads(body)
        except ValueError:
            return "not-json"
    return f"{status // 100}xx"


def send(app: Flask, req: RawRequest, headers: dict[str, str] | None = None) -> Answer:
    """One raw request through the WSGI app: PATH_INFO as a server decodes it (unquoted, latin-1)."""
    from urllib.parse import unquote_to_bytes

    all_headers = dict(req.headers)
    all_headers.update(headers or {})
    builder = EnvironBuilder(method=req.method, headers=list(all_headers.items()), data=req.body)
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    environ["PATH_INFO"] = unquote_to_bytes(req.path).decode("latin-1")
    environ["RAW_URI"] = environ["REQUEST_URI"] = req.path.decode("latin-1")
    environ["QUERY_STRING"] = req.query.decode("latin-1")
    if req.content_type is None:
        environ.pop("CONTENT_TYPE", None)
    else:
        environ["CONTENT_TYPE"] = req.content_type
    app_iter, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    try:
        body = b"".join(app_iter)
    finally:
        getattr(app_iter, "close", lambda: None)()
    return Answer(int(status.split(" ", 1)[0]), response_headers.get("Content-Type", ""), body)


def wsgi_path(req: RawRequest) -> str:
    """`request.path` as Flask will see it, for signers."""
    from urllib.parse import unquote_to_bytes

    return unquote_to_bytes(req.path).decode("utf-8", "replace")


# -- the vendor routes' seeds and probes are each vendor's (VendorHarness.fuzz_*); the control API's: ---
CONTROL_PROBES = [
    ("GET", "/__mock__/state"),
    ("GET", "/__mock__/journal"),
    ("GET", "/__mock__/products"),
    ("POST", "/__mock__/jobs/run"),
    ("GET", "/__mock__/settings"),
    ("GET", "/__mock__/faults"),
]
CONTROL_TEMPLATES: list[Any] = [
    {"products": [{"sku": "A-1", "name": "Apple"}]},
    {"rules": [{"method": "GET", "path": "^/x$", "effect": "respond", "status": 503}]},
    {"mode": "virtual", "now": 1767225600},
    {"advance": 1},
    {"quirks": {}},
    {"backend": {}, "settings": {}, "faults": []},
]


@dataclass
class Target:
    vendor: str
    app: Flask
    harness: VendorHarness
    _serial: int = 0

    @property
    def templates(self) -> list[Any]:
        return self.harness.fuzz_templates

    @property
    def mock(self) -> Any:
        return Mock.of(self.app)

    def auth(self, req: RawRequest) -> dict[str, str]:
        """The default account's credentials for this request (Tocobagus: signed over this body)."""
        import base64

        creds = self.mock.spec.credentials
        if self.vendor == "shipstation":
            token = base64.b64encode(f"{creds['api_key']}:{creds['api_secret']}".encode()).decode()
            return {"Authorization": "Basic " + token}
        if self.vendor == "shiptheory":
            from mocks.shiptheory.models import mint_token

            return {"Authorization": "Bearer " + mint_token(creds["email"], self.mock.clock.now())}
        if self.vendor == "tocobagus":
            from mocks.tocobagus.signing import signed_headers

            self._serial += 1  # a fresh timestamp each time: identical requests are not replays
            return signed_headers(
                creds["partner_secret"],
                req.method,
                wsgi_path(req),
                req.body,
                partner_client_id=creds["partner_client_id"],
                timestamp_ms=int(self.mock.clock.now() * 1000) + self._serial % 100_000,
                store_client_id=creds["store_client_id"],
                store_token=creds["store_token"],
            )
        return {header: creds[key] for header, key in self.harness.key_headers.items()}

    def send(self, req: RawRequest, authenticated: bool = True) -> Answer:
        return send(self.app, req, self.auth(req) if authenticated else None)

    def request(self, seed: int, control: bool = False) -> RawRequest:
        """The hostile request number `seed` (the same every time) for the vendor or its control API."""
        rng = random.Random(seed)
        routes = route_templates(self.app, control)
        return raw_request(rng, routes, CONTROL_TEMPLATES if control else self.templates)

    def case(self, seed: int, control: bool = False) -> tuple[RawRequest, Answer, list[str]]:
        """Send hostile request `seed`; the problems: a bad outcome, a badly shaped control error, or a
        refused request that changed something (vendor routes: the account's products; control: state)."""
        self._tick()
        req = self.request(seed, control)
        before = self._observed(control)
        answer = self.send(req)
        found = [] if answer.outcome in GOOD else [f"{answer.outcome} ({answer.status})"]
        if 400 <= answer.status < 500:
            if self._observed(control) != before:
                found.append("a refused request changed the state")
            if control and req.path.startswith(CONTROL_PREFIX.encode()):
                found += _control_error_problems(answer.body)
        return req, answer, found

    def _tick(self) -> None:
        """A second passes between requests, so per-second rate limits meet the input, not a 429."""
        clock = self.mock.clock
        if not clock.virtual:
            clock.set_virtual()
        clock.advance(1.0)

    def _observed(self, control: bool) -> Any:
        if not control:
            return self.mock.backend.products(self.mock.backend.default_account)
        snapshot = self.mock.snapshot()
        snapshot.pop("clock")
        for name in self.harness.fuzz_volatile:
            snapshot["backend"].pop(name, None)
        return json.dumps(snapshot, sort_keys=True, default=repr)

    def intact(self) -> list[str]:
        """Reads that must still work after any input: listing, export, state, journal, jobs."""
        problems = []
        for method, raw_path in self.harness.fuzz_probes + CONTROL_PROBES:
            self._tick()
            path, _, query = raw_path.partition("?")
            req = RawRequest(method, path.encode(), query.encode())
            answer = self.send(req)
            if answer.outcome not in ("2xx",):
                problems.append(f"{method} {raw_path} -> {answer.status} {answer.body[:200]!r}")
        try:
            json.dumps(self.mock.snapshot(), allow_nan=False).encode("utf-8")
        except (ValueError, TypeError) as exc:
            problems.append(f"the state cannot be written as JSON: {exc}")
        return problems


def _control_error_problems(body: bytes) -> list[str]:
    try:
        error = json.loads(body)
    except ValueError:
        error = None
    if not (isinstance(error, dict) and list(error) == ["error"] and isinstance(error["error"], str)):
        return ["control error is not {'error': '<message>'}"]
    if error["error"].startswith(("{", "[")):
        return ["control error is a Python repr"]
    return []


def target(vendor: str) -> Target:
    """A fresh mock of `vendor` on a virtual clock, rate limits out of the way, a few products seeded."""
    from harness import vendors
    from mocks.kit.clock import Clock

    harness = vendors.get(vendor)
    app = harness.create_app(clock=Clock(virtual=True), settings=harness.contract_settings)
    found = Target(vendor, app, harness)
    if harness.contract_seed:
        found.mock.backend.seed(found.mock.backend.default_account, harness.contract_seed)
    return found
