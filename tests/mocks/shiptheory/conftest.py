from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.transport import in_process_session
from mocks.shiptheory import CREDENTIALS, create_app

BASE = "http://mock"
DOCS = Path(__file__).parents[2] / "data" / "shiptheory"  # the documentation's example bodies


def doc_example(name: str) -> Any:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


def booking(reference: str, products: list[dict[str, Any]] | None = None, **overrides: Any) -> dict:
    """The documentation's Book example with another reference and, where given, other lines."""
    body = doc_example("book.json")
    body["reference"] = reference
    if products is not None:
        body["products"] = products
    return {**body, **overrides}


def line(sku: str, name: str = "item", value: float = 1, weight: float = 1, **extra: Any) -> dict:
    """A shipment line with the documented required fields (name, sku, value, weight)."""
    return {"name": name, "sku": sku, "value": value, "weight": weight, **extra}


class Api:
    """An in-process Shiptheory session on a virtual clock that steps 1 s per call (the rate limit)."""

    def __init__(self, settings: dict | None = None) -> None:
        self.clock = Clock(virtual=True)
        self.app = create_app(clock=self.clock, settings=settings)
        self.mock = Mock.of(self.app)
        self.session = in_process_session(self.app)
        self.token = self.login().json()["data"]["token"]

    def login(self, email: str = CREDENTIALS["email"], password: str = CREDENTIALS["password"]) -> Any:
        return self.session.post(f"{BASE}/v1/token", json={"email": email, "password": password})

    def call(
        self, method: str, path: str, *, token: str | None = None, step: float = 1.0, **kwargs: Any
    ) -> requests.Response:
        self.clock.advance(step)
        headers = {"Authorization": f"Bearer {token or self.token}", **kwargs.pop("headers", {})}
        return self.session.request(method, BASE + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, json=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("PUT", path, json=body, **kwargs)

    def settings(self, **changes: Any) -> dict:
        response = self.session.put(f"{BASE}/__mock__/settings", json=changes)
        assert response.status_code == 200, response.text
        return response.json()

    def book(self, reference: str, products: list[dict[str, Any]] | None = None, **kw: Any) -> Any:
        return self.post("/v1/shipments", booking(reference, products, **kw))

    def lines(self, reference: str) -> list[dict]:
        """Each line's effective values, from the control API (no documented route shows them)."""
        response = self.session.get(f"{BASE}/__mock__/shipments/{reference}")
        assert response.status_code == 200, response.text
        return response.json()["shipment"]["products"]

    def products(self) -> list[dict]:
        return self.session.get(f"{BASE}/__mock__/products").json()["products"]

    def effects(self, kind: str) -> list[dict]:
        return [e for e in self.mock.journal.entries() if e["type"] == "side_effect" and e["kind"] == kind]

    def requests(self) -> list[dict]:
        return [e for e in self.mock.journal.entries() if e["type"] == "request"]


@pytest.fixture
def api() -> Api:
    return Api()
