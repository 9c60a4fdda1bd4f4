"""A cassette (the HAR file `record` writes) read as exchanges, and what it shows the vendor held.

`drift` replays these exchanges against a fresh mock seeded with `held_products`.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import vendors
from .record import load, upstream_path


@dataclass
class Exchange:
    index: int
    time: float
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names, as recorded (secrets redacted)
    body: bytes
    status: int
    response_headers: dict[str, str]
    content_type: str
    text: str
    error: str | None = None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}" + (f"?{self.query}" if self.query else "")

    def json(self) -> Any:
        return parsed_json(self.text)


# -- reading the cassette ----------------------------------------------------------------------------------
def read(path: str, vendor: str) -> list[Exchange]:
    """The cassette's exchanges; ValueError (naming the file) when it is not a HAR of this vendor."""
    log = load(path)
    recorded = log.get("_vendor")
    if recorded and recorded != vendor:
        raise ValueError(f"{path}: recorded from {recorded}, not {vendor}")
    upstream = log.get("_upstream") or ""
    prefix = vendors.api_path(vendor)
    exchanges = []
    for index, entry in enumerate(log["entries"], 1):
        try:
            request, response = entry["request"], entry["response"]
            path = upstream_path(request["url"], upstream) if upstream else _path_of(request["url"])
            if prefix and not path.startswith(prefix + "/"):
                path = prefix + path  # recorded against the API root (…/api/v1)
            query = request["url"].partition("?")[2]
            content = response.get("content") or {}
            exchanges.append(
                Exchange(
                    index=index,
                    time=_epoch(entry.get("startedDateTime")),
                    method=request["method"].upper(),
                    path=path,
                    query=query,
                    headers={h["name"].lower(): h["value"] for h in request.get("headers", [])},
                    body=_body_bytes(request.get("postData") or {}),
                    status=int(response.get("status") or 0),
                    response_headers={h["name"].lower(): h["value"] for h in response.get("headers", [])},
                    content_type=content.get("mimeType") or "",
                    text=_text(content),
                    error=entry.get("_error"),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: entry {index} is not a HAR entry ({exc})") from exc
    return exchanges


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def _epoch(value: str | None) -> float:
    if not value:
        return 0.0
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _body_bytes(post: dict[str, Any]) -> bytes:
    text = post.get("text") or ""
    return base64.b64decode(text) if post.get("encoding") == "base64" else text.encode("utf-8")


def _text(content: dict[str, Any]) -> str:
    text = content.get("text") or ""
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return text
    return text


def parsed_json(text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except ValueError:
        return None


# -- seeding -----------------------------------------------------------------------------------------------
def held_products(vendor: str, exchanges: list[Exchange]) -> list[dict]:
    """Products the vendor held before the recorded traffic: each read product at its first-seen value,
    unless a recorded write named its SKU first (the replay of that write makes it)."""
    reads = vendors.get(vendor).product_reads  # where the vendor's reads list products
    written: set[str] = set()
    held: dict[str, dict] = {}
    for ex in exchanges:
        if ex.method in ("POST", "PUT", "PATCH", "DELETE"):
            written |= _skus_in(parsed_json(ex.body.decode("utf-8", "replace"))) | {
                ex.path.rsplit("/", 1)[-1]
            }
            continue
        if not 200 <= ex.status < 300:
            continue
        for method, pattern, where in reads:
            if ex.method == method and re.match(pattern, ex.path):
                found = dig(ex.json(), where)
                for product in found if isinstance(found, list) else [found]:
                    sku = product.get("sku") if isinstance(product, dict) else None
                    if isinstance(sku, str) and sku not in held and sku not in written:
                        held[sku] = product
    return list(held.values())


def dig(value: Any, where: str) -> Any:
    for part in filter(None, where.split(".")):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _skus_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {value["sku"]} if isinstance(value.get("sku"), str) else set()
        return found.union(*(_skus_in(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_skus_in(v) for v in value)) if value else set()
    return set()
