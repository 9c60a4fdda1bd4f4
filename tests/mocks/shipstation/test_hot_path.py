"""The shortcuts of the product routes' hot path give what the plain computation gives.

Get Product's JSON is encoded once per stored version of a product: after every kind of write (PUT, seed,
restore, reset) it must be the bytes of `json.dumps` of the product as stored. The date stamp keeps its
text up to the second: it must equal `datetime.fromtimestamp` formatted, at any instant (rounding that
carries into the next second, DST changes, before 1970). The one-pass field check refuses what checking each
field refuses. Numeric text is converted only when there is some.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.shipstation import create_app
from mocks.shipstation.fields import (
    WRITABLE,
    _reference_format_date,
    format_date,
    has_type_problem,
    numbers_from_strings,
    type_problem,
)

from .conftest import AUTH

KEY = "test-key"
# 2026 DST changes in Los Angeles (10:00 UTC on 8 March, 09:00 UTC on 1 November), a second's last
# microsecond, half a microsecond (rounds to even), and before the epoch.
EDGES = [1772964000.0, 1772963999.9995, 1793523600.0, 1793523599.9999996, 0.0, -0.5, -1e-7, 0.0005, 2.5e-7]


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.sampled_from(EDGES),
        st.floats(-2e9, 4e9, allow_nan=False),
        st.builds(lambda s, f: s + f, st.integers(-(10**9), 4 * 10**9), st.sampled_from(EDGES)),
    )
)
def test_the_date_stamp_is_datetimes(epoch: float) -> None:
    assert format_date(epoch) == _reference_format_date(epoch)


def test_the_date_stamp_after_its_cached_second() -> None:
    second = 1772963999.0
    assert [format_date(second + f) for f in (0.1, 0.9995, 0.2)] == [
        _reference_format_date(second + f) for f in (0.1, 0.9995, 0.2)
    ]


def test_get_product_sends_the_stored_version_after_every_write() -> None:
    app = create_app(clock=Clock(virtual=True))
    mock = Mock.of(app)
    client = app.test_client()
    backend = mock.backend

    def fetched() -> bytes:
        response = client.get("/products/1", headers={"Authorization": AUTH})
        assert response.status_code == 200
        return response.data

    def stored() -> bytes:
        return json.dumps(backend.get_product(KEY, 1)).encode()

    backend.seed(KEY, [{"productId": 1, "sku": "A-1", "name": "Anchor", "price": 10.5}])
    first = fetched()
    assert first == stored() and json.loads(first)["name"] == "Anchor"
    assert fetched() == first  # the kept encoding

    put = client.put("/products/1", headers={"Authorization": AUTH}, json={"sku": "A-1", "name": "Buoy"})
    assert put.get_json() == {"success": True, "message": "The requested product has been updated"}
    assert json.loads(fetched())["name"] == "Buoy" and fetched() == stored()

    backend.seed(KEY, [{"productId": 1, "sku": "A-1", "name": "Chain", "tags": [{"tagId": 1, "name": "t"}]}])
    assert json.loads(fetched())["tags"] == [{"tagId": 1, "name": "t"}] and fetched() == stored()

    snapshot = json.loads(json.dumps(backend.snapshot()))
    client.put("/products/1", headers={"Authorization": AUTH}, json={"sku": "B-2", "name": "Dock"})
    assert json.loads(fetched())["name"] == "Dock"
    backend.restore(snapshot)
    assert json.loads(fetched())["name"] == "Chain" and fetched() == stored()

    backend.reset()
    assert client.get("/products/1", headers={"Authorization": AUTH}).status_code == 404


def test_numeric_text_is_converted_only_when_there_is_some() -> None:
    body = {"sku": "12", "price": 10.5, "weightOz": None, "name": "x"}
    assert numbers_from_strings(body) is body
    converted = numbers_from_strings({"productId": "7", "price": " 1.50 ", "weightOz": "12", "sku": "3"})
    assert converted == {"productId": 7, "price": 1.5, "weightOz": 12, "sku": "3"}
    assert type(converted["weightOz"]) is int
    assert numbers_from_strings({"productId": "7.5", "price": "1e999"}) == {
        "productId": "7.5",
        "price": "1e999",
    }


class Text(str):
    """A str subclass: the one-pass check's shortcut is for exact types only."""


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=3),
    st.builds(Text, st.text(max_size=2)),
    st.sampled_from(["none", "delivery", "adult_signature"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(
        st.sampled_from(["categoryId", "tagId", "name"]),
        st.one_of(st.integers(), st.text(max_size=2), st.none(), st.booleans()),
        max_size=2,
    ),
    st.lists(
        st.dictionaries(st.sampled_from(["tagId", "name"]), st.one_of(st.integers(), st.none()), max_size=2),
        max_size=2,
    ),
)


@settings(max_examples=1000, deadline=None)
@given(st.dictionaries(st.sampled_from([*WRITABLE, "productId", "createDate"]), values, max_size=6))
def test_the_one_pass_field_check_refuses_what_each_field_check_refuses(body: dict) -> None:
    expected = any(name in WRITABLE and type_problem(name, value) for name, value in body.items())
    assert has_type_problem(body) == expected
