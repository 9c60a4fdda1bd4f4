"""One backend protocol, proved on every registered vendor with no HTTP at all: the kit's `Mock` and the
vendor backend are driven directly (seed, snapshot, restore, reset, accounts, control errors)."""

from __future__ import annotations

import copy
import importlib
import json
from typing import Any

import pytest

from harness import vendors
from mocks.kit.atomic import StateError
from mocks.kit.clock import Clock
from mocks.kit.control import readable
from mocks.kit.core import Mock, MockError, SettingsError
from mocks.kit.faults import FaultRuleError

OTHER_ACCOUNT = "second-account"
CONTROL_ERRORS = (MockError, SettingsError, StateError, FaultRuleError)


def _message(exc: Exception) -> str:
    """The `{"error": ...}` text the control API answers for this exception."""
    return readable(exc.body) if isinstance(exc, MockError) else str(exc)


@pytest.fixture(params=vendors.names())
def mock(request: pytest.FixtureRequest) -> Mock:
    spec = importlib.import_module(f"mocks.{request.param}").SPEC
    return Mock(spec, Clock(virtual=True))


def _samples(mock: Mock) -> list[dict]:
    """The vendor's two sample products (SKUs A-1 and B-2), fresh each time: seeding may keep them."""
    return copy.deepcopy(vendors.get(mock.spec.name).sample_products)


def _seeded(mock: Mock) -> Mock:
    mock.backend.seed(mock.backend.default_account, _samples(mock))
    mock.backend.seed(OTHER_ACCOUNT, _samples(mock)[:1])
    return mock


def _skus(products: list[dict]) -> list[str]:
    return sorted(p["sku"] for p in products)


def test_seed_snapshot_restore_round_trips(mock: Mock) -> None:
    _seeded(mock)
    flipped = {
        name: next(v for v in mock.spec.quirk_values(name) if v != on)
        for name, on in mock.spec.quirks.items()
    }
    mock.update_settings({"quirks": flipped})
    mock.install_faults([{"method": "GET", "path": "^/x$", "effect": "respond", "status": 503, "times": 1}])
    snapshot = json.loads(json.dumps(mock.snapshot()))  # as it travels over the control API
    mock.reset()
    assert mock.backend.products(mock.backend.default_account) == []
    mock.restore(snapshot)
    assert mock.snapshot() == snapshot
    assert _skus(mock.backend.products(mock.backend.default_account)) == ["A-1", "B-2"]


def _bad_documents(mock: Mock) -> list[Any]:
    """Documents no backend may take: the issue's two, wrong shapes everywhere, a good part before a bad."""
    backend = mock.snapshot()["backend"]
    docs: list[Any] = [
        {"backend": {"jobs": [1]}},
        {"backend": {"accounts": {"a": {"products": [{"sku": "fine"}]}, "b": {"products": [1]}}}},
        {"backend": {"stores": {"a": [{"sku": "fine", "name": "x"}], "b": [1]}}},
        {"backend": backend, "settings": {"no_such_setting": 1}},
        {"backend": backend, "settings": {"quirks": {"no_such_quirk": True}}},
        {"backend": backend, "faults": [{"effect": "explode"}]},
        {"backend": backend, "clock": {"mode": "sideways", "now": 1}},
        {"backend": backend, "vendor": "someone-else"},
        {"backend": "not an object"},
        [],
    ]
    for key, value in backend.items():
        for wrong in (1, "x", [1], {"x": [1]}, [[]], None):
            if not isinstance(value, type(wrong)) or value == wrong:
                docs.append({"backend": {**backend, key: wrong}})
    return docs


def test_a_bad_restore_changes_nothing(mock: Mock) -> None:
    _seeded(mock)
    for doc in _bad_documents(mock):
        before = json.dumps(mock.snapshot(), sort_keys=True)
        try:
            mock.restore(copy.deepcopy(doc))
        except CONTROL_ERRORS as exc:
            assert json.dumps(mock.snapshot(), sort_keys=True) == before, doc
            message = _message(exc)
            assert message and not message.startswith(("{", "[")) and "Traceback" not in message, message
        else:  # taken: then it was a state the mock can hold and work from
            json.dumps(mock.snapshot(), allow_nan=False)
            mock.backend.products(mock.backend.default_account)
            mock.backend.run_jobs()
            mock.restore(json.loads(before))


def test_a_bad_seed_stores_nothing(mock: Mock) -> None:
    from mocks.kit.atomic import all_or_nothing

    _seeded(mock)
    before = mock.snapshot()
    good = _samples(mock)[:1]
    good[0]["sku"] = "NEW-1"
    with pytest.raises(CONTROL_ERRORS) as caught:
        all_or_nothing(
            mock.backend, "products", lambda: mock.backend.seed(mock.backend.default_account, [*good, 1])
        )
    assert mock.snapshot() == before
    assert not _message(caught.value).startswith(("{", "["))


def test_reset_empties_everything(mock: Mock) -> None:
    fresh = Mock(mock.spec, Clock(virtual=True)).snapshot()
    _seeded(mock)
    mock.update_settings({"rate_limit": 7})
    mock.reset()
    assert mock.snapshot() == fresh
    assert mock.backend.products(mock.backend.default_account) == []
    assert mock.backend.products(OTHER_ACCOUNT) == []


def test_accounts_are_isolated(mock: Mock) -> None:
    _seeded(mock)
    default, other = mock.backend.default_account, OTHER_ACCOUNT
    assert _skus(mock.backend.products(default)) == ["A-1", "B-2"]
    assert _skus(mock.backend.products(other)) == ["A-1"]
    mock.backend.seed(other, _samples(mock)[1:])
    assert _skus(mock.backend.products(default)) == ["A-1", "B-2"]
    assert _skus(mock.backend.products(other)) == ["A-1", "B-2"]
    assert mock.backend.products("nobody") == []
