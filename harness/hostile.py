"""Hostile requests for the fuzzer (harness.fuzz): values that have broken parsers before, and a
generator that aims them at a vendor's routes from a seeded `random.Random` (one integer replays a case).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from typing import Any

from flask import Flask

CONTROL_PREFIX = "/__mock__"


@dataclass(frozen=True)
class RawRequest:
    method: str
    path: bytes  # as on the wire, percent-escapes and all
    query: bytes = b""
    content_type: str | None = None
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


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
