"""The indexed `GET /products` answers byte for byte like a naive pass over the whole catalogue, for
generated catalogues, edits (full replaces, re-seeds, a restore) and queries."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.shipstation import create_app
from mocks.shipstation.fields import WRITABLE
from mocks.shipstation.listing import SORT_KEYS, ListQuery, sort_text

KEY = "test-key"
SKUS = ["A-1", "a-1", "B-2", "b-2", "C", "Ǳ", "ǲ", "Straße", "STRASSE", ""]

sku = st.none() | st.sampled_from(SKUS)
active = st.sampled_from([True, False, None])
record = st.fixed_dictionaries(
    {"sku": sku, "name": st.sampled_from(["Apple", "apricot", "Box"]), "active": active},
    optional={"productId": st.integers(1, 40)},
)
edit = st.one_of(
    st.tuples(st.just("put"), st.integers(1, 40), sku, active),
    st.tuples(st.just("seed"), st.lists(record, max_size=5)),
    st.tuples(st.just("restore")),
)
query = st.fixed_dictionaries(
    {},
    optional={
        "sku": st.sampled_from([*SKUS, "A-1 ", "missing", "strasse"]),
        "showInactive": st.sampled_from(["true", "false", "TRUE"]),
        "sortDir": st.sampled_from(["ASC", "DESC", "desc"]),
        "page": st.integers(1, 6).map(str),
        "pageSize": st.integers(1, 12).map(str),
        "sortBy": st.sampled_from(["SKU", "ModifyDate", "CreateDate"]),
        "name": st.sampled_from(["ap", "x"]),
    },
)


def naive(backend: Any, query: dict[str, str]) -> dict:
    """The listing as it was before the indexes: filter and sort every product."""
    filters = ListQuery.parse(query)
    account = backend._account(KEY)
    found = [p for p in account.products.values() if filters.matches(p, account.product_types)]
    if filters.sort_by:
        name = SORT_KEYS[filters.sort_by]
        found.sort(
            key=lambda p: (p[name] is None, sort_text(p[name]), p["productId"]), reverse=filters.descending
        )
    else:
        found.sort(key=lambda p: p["productId"], reverse=filters.descending)
    start = (filters.page - 1) * filters.page_size
    return {
        "products": [dict(p) for p in found[start : start + filters.page_size]],
        "total": len(found),
        "page": filters.page,
        "pages": math.ceil(len(found) / filters.page_size),
    }


def apply(mock: Any, step: tuple) -> None:
    backend = mock.backend
    if step[0] == "put":
        _, product_id, new_sku, on = step
        if product_id in backend._account(KEY).products:
            body = {name: None for name in WRITABLE} | {"sku": new_sku, "name": "Edited", "active": on}
            backend.update_product(KEY, product_id, body)
    elif step[0] == "seed":
        backend.seed(KEY, step[1])
    else:
        mock.restore(mock.snapshot())


APP = create_app(clock=Clock(virtual=True))


@settings(max_examples=60)
@given(
    catalogue=st.lists(record, max_size=30),
    edits=st.lists(edit, max_size=6),
    queries=st.lists(query, min_size=1, max_size=6),
)
def test_indexed_listing_is_byte_identical_to_a_full_pass(catalogue, edits, queries):
    mock = Mock.of(APP)
    mock.reset()
    mock.set_clock({"mode": "virtual"})
    mock.backend.seed(KEY, catalogue)
    for step in edits:
        mock.clock.advance(1)
        apply(mock, step)
    for q in queries:
        assert json.dumps(mock.backend.list_products(KEY, q)) == json.dumps(naive(mock.backend, q))
