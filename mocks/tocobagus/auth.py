"""Tocobagus partner auth: HMAC signature, timestamp window, replay, store token (§7 order of checks).

Partners, stores and tokens are settings; the replay cache lives in the shared tables so a reset or a
restore clears it with the rest.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Mapping

from mocks.kit.core import Mock

from . import signing
from .errors import (
    InvalidSignature,
    InvalidStoreToken,
    InvalidTimestamp,
    MissingAuthHeaders,
    ReplayedRequest,
    StoreNotFound,
    UnknownPartner,
)
from .ids import iso_time
from .tables import Tables

TIMESTAMP_WINDOW = 300.0  # seconds either side of the mock's clock (§7)


def store_config(settings: Mapping, store: str) -> dict | None:
    """A store's settings with the app-wide webhook_url and warehouses as defaults; None if unknown."""
    config = settings["stores"].get(store)
    if config is None:
        return None
    return {"webhook_url": settings["webhook_url"], "warehouses": settings["warehouses"], **config}


class Auth:
    def __init__(self, mock: Mock, tables: Tables, lock: threading.RLock) -> None:
        self.mock, self.tables, self._lock = mock, tables, lock

    def authenticate(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, store_scoped: bool = True
    ) -> tuple[str, str | None]:
        """(partner client id, store client id), or the AUTH_xxx error (§7 order of checks)."""
        partner, store, token, timestamp, signature = _required(headers, store_scoped)
        secret = self.mock.settings["partners"].get(partner)
        if secret is None:
            raise UnknownPartner({"partnerClientId": partner})
        now = self.mock.clock.now()
        _check_timestamp(partner, timestamp, now)
        signed = {name: headers[name] for name in signing.SIGNED_HEADERS if headers.get(name) is not None}
        variant = self.mock.quirk("signing_path")
        if not signing.verify(secret, method, path, signed, body, signature, variant):
            raise InvalidSignature({"partnerClientId": partner})
        self._check_replay(signing.parse_signature(signature), int(timestamp) / 1000, now, partner)
        if store is None:
            return partner, None
        self._check_store(partner, store, token, now)
        return partner, store

    def _check_replay(self, signature: str, stamped: float, now: float, partner: str) -> None:
        with self._lock:
            if not self.tables.replay.admit(signature, stamped + TIMESTAMP_WINDOW, now):
                raise ReplayedRequest({"partnerClientId": partner})

    def _check_store(self, partner: str, store: str, token: str | None, now: float) -> None:
        config = store_config(self.mock.settings, store)
        if config is None or config.get("partnerClientId", partner) != partner:
            raise StoreNotFound({"storeClientId": store})
        expires = config.get("expiresAt")
        if (
            config.get("revoked")
            or (expires is not None and now >= expires)
            or not _same(config.get("token", ""), token or "")
        ):
            raise InvalidStoreToken({"storeClientId": store})


def _required(headers: Mapping[str, str], store_scoped: bool) -> tuple[str, str | None, str | None, str, str]:
    """The auth headers, or AUTH_001 naming every one that is missing."""
    partner = headers.get("x-partner-client-id")
    store = headers.get("x-store-client-id")
    token = headers.get("x-store-token")
    timestamp = headers.get("x-timestamp")
    signature = headers.get("x-signature")
    missing = [
        name
        for name, value in (
            ("x-partner-client-id", partner),
            ("x-timestamp", timestamp),
            ("x-signature", signature),
        )
        if not value
    ]
    if store_scoped and not store:
        missing.append("x-store-client-id")
    if store and not token:
        missing.append("x-store-token")  # required whenever x-store-client-id is sent
    if missing:
        raise MissingAuthHeaders({"missingHeaders": missing})
    assert partner and timestamp and signature
    return partner, store, token, timestamp, signature


def _check_timestamp(partner: str, timestamp: str, now: float) -> None:
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 16):
        raise InvalidTimestamp({"partnerClientId": partner, "reason": "malformed"})
    skew = int(timestamp) / 1000 - now
    if abs(skew) > TIMESTAMP_WINDOW:
        raise InvalidTimestamp(
            {
                "partnerClientId": partner,
                "reason": "outside window",
                "serverTime": iso_time(now),
                "skewSeconds": round(skew, 3),
            }
        )


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
