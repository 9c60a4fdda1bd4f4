"""Tocobagus (Omni partner API): signing for contract runs, canonical ↔ vendor mapping, reference client."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import schemathesis
from schemathesis.core import NOT_SET

from mocks import tocobagus as mock
from mocks.tocobagus import signing

from ..vendors import VendorHarness

CREDENTIALS = dict(mock.CREDENTIALS)


@schemathesis.serializer("application/json")
def _canonical_json(ctx: Any, value: Any) -> bytes:
    """The bytes sent are the bytes signed (tooling-notes §1.4); raw bytes pass through (G9)."""
    return signing.wire_bytes(value)


class _Stamps:
    """Strictly increasing millisecond timestamps: two identical cases never share a signature (AUTH_004)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self, now_ms: int) -> int:
        with self._lock:
            self._last = max(now_ms, self._last + 1)
            return self._last


_stamps = _Stamps()
_counter = itertools.count()


def _contract_auth(case: Any) -> dict[str, str]:
    """Sign one generated case at generation time; the path is relative to /api/v1 already."""
    body = b"" if case.body is NOT_SET or case.body is None else signing.wire_bytes(case.body)
    stamp = _stamps.next(int(time.time() * 1000))
    return signing.signed_headers(
        CREDENTIALS["partner_secret"],
        case.method,
        case.formatted_path,
        body,
        partner_client_id=CREDENTIALS["partner_client_id"],
        store_client_id=CREDENTIALS["store_client_id"],
        store_token=CREDENTIALS["store_token"],
        timestamp_ms=stamp,
    )


HARNESS = VendorHarness(
    name="tocobagus",
    create_app=mock.create_app,
    credentials=CREDENTIALS,
    contract_auth=_contract_auth,
    contract_settings={"rate_limit": 1_000_000_000, "processing_delay_seconds": 0},
    env_credentials={
        "TOCOBAGUS_PARTNER_CLIENT_ID": "partner_client_id",
        "TOCOBAGUS_PARTNER_SECRET": "partner_secret",
        "TOCOBAGUS_STORE_CLIENT_ID": "store_client_id",
        "TOCOBAGUS_STORE_TOKEN": "store_token",
    },
)
