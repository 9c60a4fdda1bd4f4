from dataclasses import dataclass
from typing import Any

import pytest
import requests

from mocks import starshipit
from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.transport import in_process_session

HEADERS = {"StarShipIT-Api-Key": "test-api-key", "Ocp-Apim-Subscription-Key": "test-subscription-key"}
BASE = "http://mock/api/products"


@dataclass
class Ssit:
    app: Any
    http: requests.Session

    @property
    def mock(self) -> Any:
        return Mock.of(self.app)

    def call(
        self, method: str, path: str = "", headers: dict | None = None, **kwargs: Any
    ) -> requests.Response:
        return self.http.request(
            method, BASE + path, headers=HEADERS if headers is None else headers, **kwargs
        )

    def create(self, **product: Any) -> dict:
        response = self.call("POST", json={"product": {"title": "Thing", **product}})
        assert response.status_code == 200, response.text
        return response.json()["product"]

    def requests(self) -> list[dict]:
        return [e for e in self.mock.journal.entries() if e["type"] == "request"]

    def effects(self, kind: str) -> list[dict]:
        return [e for e in self.mock.journal.entries() if e["type"] == "side_effect" and e["kind"] == kind]


@pytest.fixture
def ssit() -> Ssit:
    """In process, virtual clock (so the 2/s window never moves by itself), a limit high enough to ignore."""
    app = starshipit.create_app(clock=Clock(virtual=True), settings={"rate_limit": 10_000})
    return Ssit(app, in_process_session(app))


@pytest.fixture
def limited() -> Ssit:
    """The default 2 requests/second, on a virtual clock."""
    app = starshipit.create_app(clock=Clock(virtual=True))
    return Ssit(app, in_process_session(app))
