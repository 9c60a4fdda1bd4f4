"""A raw-request fuzzer for the mocks: hostile bytes at every route of a vendor and of its control API.

Requests are generated from a seeded `random.Random`, so one integer replays a case: hypothesis draws
the seeds in the test suite (its per-draw cost made structured strategies ~10 ms a case, too slow for
100,000), and bench/fuzz.py walks seeds in a loop.

Requests are built as WSGI environs (the path as a server would decode it, any body bytes, any content
type) and sent to the app in process, authenticated as the vendor's default account so that the input
reaches the vendor's parsing rather than stopping at its 401. `classify` names what came back; only
`2xx`, `3xx` and `4xx` are good outcomes. Used by tests/mocks/test_fuzz.py and bench/fuzz.py.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

from mocks.kit.core import Mock

CONTROL_PREFIX = "/__mock__"
GOOD = ("2xx", "3xx", "4xx")


@dataclass(frozen=True)
class RawRequest:
    method: str
    path: bytes  # as on the wire, percent-escapes and all
    query: bytes = b""
    content_type: str | None = None
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


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


# -- values that have broken parsers before -------------------------------------------------------------
EVIL_JSON_TEXT = [
    '"X\\ud800"',  # a lone surrogate
    '"\\udc00tail"',
    '"a\\u0000b"',  # NUL
    "1" * 5000,  # over Python's int-from-string limit
    "1e400",  # a float that overflows to inf
    "-1e400",
    "NaN",
    "Infinity",
    "9" * 30,
    "-0",
    "1.5",
    "true",
    "null",
    "[]",
    "{}",
    '"' + "x" * 70_000 + '"',
    "[" * 1000 + "]" * 1000,  # nesting past the recursion limit
    '{"a":' * 600 + "1" + "}" * 600,
    '"0001-01-01T00:00:00Z"',
    '"9999-12-31T23:59:59-12:00"',
    '"\\u202e\\ufeff"',
]
EVIL_RAW = [
    b"",
    b"\xff\xfe\xfd",
    b"\xed\xa0\x80",  # a UTF-8-encoded surrogate: invalid UTF-8
    b'{"sku": "\xff"}',
    b"\x00",
    b"{",
    b'{"a": 1',
    b"[1,]",
    b"\xef\xbb\xbf{}",  # a BOM
    b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\nsku\r\n--x--",
    b"sku,name\n\xff,\x00\n",
]
EVIL_QUERY_VALUES = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59%2B14:00",
    "0000-00-00",
    "-1",
    "0",
    "1" * 400,
    "1e400",
    "NaN",
    "%00",
    "%ff%fe",
    "%ed%a0%80",
    "true",
    "",
    "A%0Ab",
]
QUERY_NAMES = [
    "sku", "name", "startDate", "endDate", "page", "pageSize", "sortBy", "sortDir", "showInactive",
    "page_number", "page_size", "skip_records", "sort_column", "sort_direction", "search_term", "limit",
    "sort", "direction", "q", "isArchived", "sortBy", "order", "account", "productCategoryId", "tagId",
]  # fmt: skip
SEGMENT_VALUES = [
    "1",
    "0",
    "-1",
    "999999999999999999999999",
    "%00",
    "%ff",
    "%ed%a0%80",
    "a%2Fb",
    "",
    "x" * 300,
]
KEYS = [
    "sku", "name", "title", "id", "productId", "product", "products", "price", "weight", "qty", "email",
    "password", "reference", "rules", "backend", "settings", "mode", "advance", "path", "effect", "quirks",
    "product_ids", "webhook_url", "accounts", "latency", "clock", "faults", "status", "jobs",
]  # fmt: skip
CONTENT_TYPES = [
    None,
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin-1",
    "text/plain",
    "text/csv",
    "multipart/form-data; boundary=x",
    "multipart/form-data",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "a/b;;;=",
]


def json_text(rng: random.Random, depth: int = 2) -> str:
    """JSON text: evil scalars, and objects/arrays of them with keys the vendors read."""
    kind = rng.randrange(4) if depth else 0
    if kind == 0:
        return rng.choice(EVIL_JSON_TEXT)
    if kind == 1:
        return json.dumps(_text(rng), ensure_ascii=rng.random() < 0.5)
    if kind == 2:
        items = [
            f"{json.dumps(rng.choice(KEYS))}:{json_text(rng, depth - 1)}" for _ in range(rng.randrange(6))
        ]
        return "{" + ",".join(items) + "}"
    return "[" + ",".join(json_text(rng, depth - 1) for _ in range(rng.randrange(4))) + "]"


def _text(rng: random.Random) -> str:
    """Short text from awkward parts of Unicode (controls, surrogates, RTL marks, astral, wide forms)."""
    ranges = [
        (0x20, 0x7E),
        (0x00, 0x1F),
        (0xD800, 0xDFFF),
        (0x202A, 0x202E),
        (0x1F600, 0x1F64F),
        (0xFF01, 0xFF5E),
    ]
    return "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randrange(12)))


def mutated(rng: random.Random, template: Any) -> str:
    """A valid body with one value (at the top or one level down) swapped for an evil one."""
    if not isinstance(template, dict) or not template:
        return json_text(rng)
    value = json_text(rng, 1)
    key = rng.choice([*template, *KEYS])
    inner = template.get(key)
    if isinstance(inner, dict) and inner and rng.random() < 0.6:
        value = mutated(rng, inner)
    elif isinstance(inner, list) and inner and isinstance(inner[0], dict) and rng.random() < 0.6:
        value = "[" + ",".join([json.dumps(item) for item in inner[1:]] + [mutated(rng, inner[0])]) + "]"
    parts = [f"{json.dumps(k)}:{json.dumps(v)}" for k, v in template.items() if k != key]
    parts.append(f"{json.dumps(key)}:{value}")
    return "{" + ",".join(parts) + "}"


def body(rng: random.Random, templates: list[Any]) -> bytes:
    roll = rng.random()
    if roll < 0.45 and templates:
        return mutated(rng, rng.choice(templates)).encode("utf-8", "surrogatepass")
    if roll < 0.75:
        return json_text(rng).encode("utf-8", "surrogatepass")
    if roll < 0.9:
        return rng.choice(EVIL_RAW)
    return rng.randbytes(rng.randrange(64))


def route_templates(app: Flask, control: bool) -> list[tuple[str, str]]:
    """(method, path template with <params>) for every rule of the vendor, or of the control API."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith(CONTROL_PREFIX) != control:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, rule.rule))
    return sorted(routes)


def path(rng: random.Random, template: str) -> bytes:
    """The route's path with hostile parameters, and now and then doubled, encoded or extra slashes."""
    value = re.sub(r"<[^>]+>", lambda _: rng.choice(SEGMENT_VALUES), template)
    mutation = rng.choice(["none", "none", "none", "double", "trailing", "encoded", "prefix", "nul", "case"])
    if mutation == "double":
        value = value.replace("/", "//")
    elif mutation == "trailing":
        value += "/"
    elif mutation == "encoded":
        value = "/" + value[1:].replace("/", "%2F")
    elif mutation == "prefix":
        value = "/" + value
    elif mutation == "nul":
        value += "%00"
    elif mutation == "case":
        value = value.upper()
    return value.encode("latin-1")


def query(rng: random.Random) -> bytes:
    pairs = [(rng.choice(QUERY_NAMES), rng.choice(EVIL_QUERY_VALUES)) for _ in range(rng.randrange(5))]
    return "&".join(f"{k}={v}" for k, v in pairs).encode("latin-1")


def raw_request(rng: random.Random, routes: list[tuple[str, str]], templates: list[Any]) -> RawRequest:
    """One hostile request at one of `routes` (now and then with another method than the route's)."""
    method, template = rng.choice(routes)
    if rng.random() < 0.15:
        method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH"])
    return RawRequest(
        method, path(rng, template), query(rng), rng.choice(CONTENT_TYPES), body(rng, templates)
    )


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


# -- the four vendors: an app with generous limits, how to authenticate, and valid bodies to spoil -------
TEMPLATES: dict[str, list[Any]] = {
    "shipstation": [{"productId": 1, "sku": "A-1", "name": "Apple", "price": 1.5, "weightOz": 2}],
    "starshipit": [
        {"product": {"sku": "A-1", "title": "Apple", "price": 1.5, "weight": 0.2}},
        {"id": 1, "product": {"id": 1, "sku": "A-1", "title": "Apple"}},
        {"product_ids": [1, 2]},
    ],
    "shiptheory": [
        {"sku": "A-1", "name": "Apple", "price": 1.5, "weight": 0.2},
        {"email": "test@example.com", "password": "test-password"},
        {"reference": "R-1", "products": [{"sku": "A-1", "qty": 1}]},
    ],
    "tocobagus": [{"products": [{"sku": "A-1", "name": "Apple", "price": 1.5, "stock": 1}]}],
}
# Backend parts that change on any answer and hold no data: Tocobagus numbers every response's requestId.
VOLATILE = {"tocobagus": ("ids",)}
PROBES: dict[str, list[tuple[str, str]]] = {
    "shipstation": [("GET", "/products"), ("GET", "/products?startDate=2020-01-01&sortBy=ModifyDate")],
    "starshipit": [
        ("GET", "/api/products"),
        ("GET", "/api/products/export"),
        ("GET", "/api/products/template"),
    ],
    "shiptheory": [("GET", "/v1/products?limit=100")],
    "tocobagus": [("GET", "/api/v1/partner/stores/products"), ("GET", "/api/v1/partner/stores/products?q=a")],
}
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
    templates: list[Any]
    _serial: int = 0

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
        if self.vendor == "starshipit":
            return {
                "StarShipIT-Api-Key": creds["api_key"],
                "Ocp-Apim-Subscription-Key": creds["subscription_key"],
            }
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
        return {}

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
        for name in VOLATILE.get(self.vendor, ()):
            snapshot["backend"].pop(name, None)
        return json.dumps(snapshot, sort_keys=True, default=repr)

    def intact(self) -> list[str]:
        """Reads that must still work after any input: listing, export, state, journal, jobs."""
        problems = []
        for method, raw_path in PROBES.get(self.vendor, []) + CONTROL_PROBES:
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
    found = Target(vendor, app, TEMPLATES.get(vendor, []))
    if harness.contract_seed:
        found.mock.backend.seed(found.mock.backend.default_account, harness.contract_seed)
    return found
