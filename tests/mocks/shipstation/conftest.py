import pytest

from harness.clients.shipstation import basic_auth
from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.transport import in_process_session
from mocks.shipstation import create_app

AUTH = basic_auth("test-key", "test-secret")


@pytest.fixture
def app():
    return create_app(clock=Clock(virtual=True))


@pytest.fixture
def mock(app):
    return Mock.of(app)


@pytest.fixture
def api(app):
    """A session on the ShipStation mock, authenticated as the default key pair."""
    session = in_process_session(app)
    session.headers["Authorization"] = AUTH
    return session


@pytest.fixture
def seeded(mock):
    return mock.backend.seed(
        "test-key",
        [
            {
                "sku": "BEAU-000",
                "name": "Beautiful",
                "price": 10.5,
                "weightOz": 12,
                "internalNotes": "fragile",
                "tags": [{"tagId": 9180, "name": "APItest"}],
                "productCategory": {"categoryId": 9999, "name": "Doors"},
                "productType": "Hardware",
            },
            {
                "sku": "door-closer",
                "name": "Door Closer",
                "active": False,
                "createDate": "2014-09-04T09:18:01.293",
            },
            {
                "sku": "Widget",
                "name": "Blue widget",
                "warehouseLocation": "Bin 22",
                "createDate": "2020-01-01T00:00:00.000",
            },
        ],
    )
