"""pytest fixtures for users' own suites: `<vendor>_mock` for every vendor, e.g. `shipstation_mock`.

Each fixture serves the vendor's mock on an ephemeral 127.0.0.1 port for the session and resets it
before every test. `@pytest.mark.quirk_matrix` runs a test once per quirk variant of the vendor whose
mock it uses (the default, then each quirk's other values; `catalog-harness quirks` lists them), with
the variant's quirks set and `.variant` naming it. The handle it yields gives the base URL, the
credentials, and direct control of state, faults, clock, settings and journal (no HTTP round trip), plus
an in-process session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mocks.kit.core import Mock


class MockHandle:
    def __init__(self, name: str, app: Any, base_url: str, credentials: dict[str, str]) -> None:
        self.name = name
        self.app = app
        self.mock = Mock.of(app)
        self.base_url = base_url
        self.url = base_url
        self.credentials = credentials
        self.variant: Any = None  # the quirk-matrix variant this test runs under, if marked

    # state
    def reset(self) -> None:
        self.mock.reset()

    def seed(self, products: list[dict], account: str | None = None) -> list[dict]:
        return self.mock.backend.seed(account or self.mock.backend.default_account, products)

    def products(self, account: str | None = None) -> list[dict]:
        return self.mock.backend.products(account or self.mock.backend.default_account)

    def state(self) -> dict:
        return self.mock.snapshot()

    def restore(self, state: dict) -> None:
        self.mock.restore(state)

    # behaviour
    def faults(self, *rules: dict) -> list[dict]:
        return self.mock.install_faults(list(rules))

    def settings(self, **changes: Any) -> dict:
        return self.mock.update_settings(changes)

    def quirk(self, name: str, on: bool = True) -> dict:
        return self.mock.update_settings({"quirks": {name: on}})

    @property
    def clock(self) -> Any:
        return self.mock.clock

    def freeze(self) -> None:
        self.mock.set_clock({"mode": "virtual"})

    def advance(self, seconds: float) -> None:
        self.mock.set_clock({"advance": seconds})

    def run_jobs(self) -> dict:
        return self.mock.backend.run_jobs()

    def journal(self, limit: int | None = None) -> list[dict]:
        return self.mock.journal.entries(limit)

    def requests(self) -> list[dict]:
        return [e for e in self.journal() if e["type"] == "request"]

    def session(self) -> requests.Session:
        """A requests session that calls the app in process (base URL http://mock)."""
        from mocks.kit.transport import in_process_session

        return in_process_session(self.app)


def _server_fixture(name: str) -> Any:
    @pytest.fixture(scope="session", name=f"_{name}_server")
    def server() -> Iterator[tuple[Any, Any]]:
        from harness import vendors
        from mocks.kit.server import ServerThread

        harness = vendors.get(name)
        app = harness.create_app()
        with ServerThread(app) as srv:
            yield harness, srv

    return server


def _mock_fixture(name: str) -> Any:
    @pytest.fixture(name=f"{name}_mock")
    def handle(request: pytest.FixtureRequest, quirk_variant: Any) -> MockHandle:
        harness, srv = request.getfixturevalue(f"_{name}_server")
        mock = Mock.of(srv.app)
        mock.reset()
        result = MockHandle(name, srv.app, srv.base_url, dict(harness.credentials))
        if quirk_variant is not None and quirk_variant[0] == name:
            result.variant = quirk_variant[1]
            mock.update_settings({"quirks": result.variant.quirks})
        return result

    handle.__doc__ = f"The {name} mock on a real port, reset for this test: .base_url, .credentials, .seed()…"
    return handle


@pytest.fixture
def quirk_variant() -> Any:
    """(vendor, harness.quirks.Variant) under @pytest.mark.quirk_matrix, else None."""
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "quirk_matrix: run the test once per quirk variant of the vendor mock it uses"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("quirk_matrix") is None:
        return
    from harness.quirks import variants
    from harness.vendors import REGISTRY

    used = [vendor for vendor in REGISTRY if f"{vendor}_mock" in metafunc.fixturenames]
    if len(used) != 1:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: quirk_matrix needs exactly one <vendor>_mock")
    found = variants(used[0])
    metafunc.parametrize("quirk_variant", [(used[0], v) for v in found], ids=[v.name for v in found])


def _install() -> None:
    from harness.vendors import REGISTRY

    for vendor in REGISTRY:
        globals()[f"_{vendor}_server"] = _server_fixture(vendor)
        globals()[f"{vendor}_mock"] = _mock_fixture(vendor)


_install()
