"""ShipStation V1 Basic auth: API key and secret from the Authorization header, checked against the
`accounts` setting. A refusal is a 401 (plain text, or JSON with quirk json_401)."""

from __future__ import annotations

import base64
import binascii
import hmac

from mocks.kit.core import Mock

from .errors import Unauthorized

DECODED_MAX = 256  # bounded: clients with many keys only lose the shortcut


class BasicAuth:
    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        # Authorization header -> (API key, secret as sent): decoding is done once per header value. The
        # secret is still compared, in constant time, with the account's current one on every request.
        self._decoded: dict[str, tuple[str, bytes]] = {}

    def authenticate(self, header: str) -> str:
        """The API key of a valid Basic Authorization header, or Unauthorized."""
        credentials = self._decoded.get(header)
        if credentials is None:
            credentials = _decode_basic(header)
            if credentials is None:
                raise Unauthorized(self.mock.quirk("json_401"))
            if len(self._decoded) >= DECODED_MAX:
                self._decoded.clear()
            self._decoded[header] = credentials
        key, secret = credentials
        expected = self.mock.settings["accounts"].get(key)
        if expected is None or not hmac.compare_digest(expected.encode(), secret):
            raise Unauthorized(self.mock.quirk("json_401"))
        return key


def _decode_basic(header: str) -> tuple[str, bytes] | None:
    """(API key, secret) from a Basic Authorization header, or None when it is not one."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        key, _, secret = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return key, secret.encode()
