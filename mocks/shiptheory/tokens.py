"""Shiptheory login tokens: HS256 JWTs ("jwt-like" in the documents), signed by the mock so a harness can
mint one for a contract run without a login round trip."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from .catalogue import is_number

TOKEN_LIFETIME = 60 * 60  # "Authentication tokens expire after 60 minutes" [ST-DOCS]
# Signs the mock's tokens, so a harness can mint one for a contract run without a login round trip.
TOKEN_SECRET = b"catalog-harness shiptheory mock token key"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_TOKEN_HEADER = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())


def mint_token(email: str, issued_at: float, serial: int = 0) -> str:
    """An HS256 JWT as the real API issues ("jwt-like"); valid until issued_at + 60 minutes."""
    payload = {"sub": email, "iat": issued_at, "exp": issued_at + TOKEN_LIFETIME, "jti": serial}
    signing_input = f"{_TOKEN_HEADER}.{_b64(json.dumps(payload, separators=(',', ':')).encode())}"
    signature = hmac.new(TOKEN_SECRET, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def read_token(token: str) -> dict[str, Any] | None:
    """The token's claims if this mock signed it, else None (expiry is checked by the caller)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        expected = hmac.new(TOKEN_SECRET, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(parts[2])):
            return None
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeError):
        return None
    if (
        not isinstance(claims, dict)
        or not isinstance(claims.get("sub"), str)
        or not is_number(claims.get("exp"))
    ):
        return None
    return claims
