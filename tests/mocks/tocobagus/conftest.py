import itertools
from typing import Any

import pytest

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.transport import in_process_session
from mocks.tocobagus import CREDENTIALS, create_app, signing

BASE = "http://mock/api/v1"


class Api:
    """Signs every call as the default partner and store, with the mock's (virtual) clock."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.mock = Mock.of(app)
        self.session = in_process_session(app)
        self._ms = itertools.count()  # distinct timestamps, so no two calls share a signature

    def headers(self, method: str, path: str, body: bytes, **overrides: Any) -> dict[str, str]:
        stamp = overrides.pop("timestamp_ms", int(self.mock.clock.now() * 1000) + next(self._ms))
        secret = overrides.pop("secret", CREDENTIALS["partner_secret"])
        kwargs = {
            "partner_client_id": CREDENTIALS["partner_client_id"],
            "store_client_id": CREDENTIALS["store_client_id"],
            "store_token": CREDENTIALS["store_token"],
        }
        kwargs.update(overrides)
        return signing.signed_headers(secret, method, path, body, timestamp_ms=stamp, **kwargs)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        **overrides: Any,
    ):
        data = raw if raw is not None else (b"" if body is None else signing.canonical_json(body))
        sent = headers if headers is not None else self.headers(method, path, data, **overrides)
        return self.session.request(
            method, BASE + path, data=data, headers={"Content-Type": "application/json", **sent}
        )

    def sync(self, products: list[dict], **kw: Any):
        return self.call("POST", "/partner/stores/catalog/sync", {"products": products}, **kw)

    def status(self, request_id: str):
        return self.call("GET", f"/partner/stores/catalog/{request_id}")

    def list(self, query: str = ""):
        return self.call("GET", "/partner/stores/products" + (f"?{query}" if query else ""))


@pytest.fixture
def app():
    return create_app(clock=Clock(virtual=True))


@pytest.fixture
def mock(app):
    return Mock.of(app)


@pytest.fixture
def api(app):
    return Api(app)


def product(n: int = 1, **fields: Any) -> dict:
    """A valid catalog-sync row."""
    row = {
        "externalId": f"ext-{n}",
        "name": f"Product {n}",
        "sku": f"SKU-{n}",
        "price": 100000 + n,
        "weight": 250,
        "dimensions": {"length": 12, "width": 12, "height": 10},
        "condition": "NEW",
        "categoryId": "2fde2994-28a8-4d09-a128-6d744b9e1323",
    }
    row.update(fields)
    return {k: v for k, v in row.items() if v is not None}
