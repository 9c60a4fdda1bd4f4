"""Tocobagus (Omni) errors in the documented envelope (vendor-notes §4.5 and §7).

{"success": false, "error": {"code", "message", "details": {"timestamp", "hint", "context"}}, "requestId"}

Only AUTH_010 and VAL_001 are documented; the other codes and texts are the mock's choices (§7) and
are listed in contracts/tocobagus.yaml. `details.timestamp` and `requestId` are filled in when the
error is rendered, from the time and the request id the adapter gives it (the mock's clock and ids).
"""

from __future__ import annotations

from typing import Any

from mocks.kit.errors import ErrorContext, MockError

from .ids import iso_time


class TocobagusError(MockError):
    code = "SYS_001"
    message = "Internal server error"
    hint = "Please try again later"

    def __init__(
        self,
        context: dict[str, Any] | None = None,
        *,
        message: str | None = None,
        hint: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(None, status=status, headers=headers)
        self.context = context or {}
        if message is not None:
            self.message = message
        if hint is not None:
            self.hint = hint

    def envelope(self, now: float, request_id: str) -> dict[str, Any]:
        return {
            "success": False,
            "error": {
                "code": self.code,
                "message": self.message,
                "details": {"timestamp": iso_time(now), "hint": self.hint, "context": self.context},
            },
            "requestId": request_id,
        }

    def body_for(self, context: ErrorContext) -> dict[str, Any]:
        return self.envelope(context.now, context.next_request_id())


# -- authentication (§7: 401 unless said) -------------------------------------------------------------
class MissingAuthHeaders(TocobagusError):
    status, code = 401, "AUTH_001"
    message, hint = "Missing authentication headers", "Send x-partner-client-id, x-timestamp and x-signature"


class UnknownPartner(TocobagusError):
    status, code = 401, "AUTH_002"
    message, hint = "Invalid partner credentials", "Check x-partner-client-id"


class InvalidTimestamp(TocobagusError):
    status, code = 401, "AUTH_003"
    message, hint = (
        "Invalid or expired timestamp",
        "x-timestamp must be UNIX epoch milliseconds within 300 seconds",
    )


class ReplayedRequest(TocobagusError):
    status, code = 401, "AUTH_004"
    message, hint = "Request already processed", "Sign every request with a fresh x-timestamp"


class StoreNotFound(TocobagusError):
    status, code = 404, "AUTH_005"
    message, hint = "Store not found", "Check x-store-client-id"


class InvalidStoreToken(TocobagusError):
    status, code = 403, "AUTH_006"
    message, hint = "Invalid store token", "The store token is invalid, revoked or expired"


class InvalidSignature(TocobagusError):
    status, code = 401, "AUTH_010"
    message, hint = "Invalid signature", "Invalid HMAC signature"  # verbatim from the sync page


# -- requests ------------------------------------------------------------------------------------------
class ValidationFailed(TocobagusError):
    status, code = 400, "VAL_001"
    message, hint = "Validation failed", "Please check your request data and try again"  # verbatim

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__({"validationErrors": errors})


class NotFound(TocobagusError):
    status, code = 404, "RES_001"
    message, hint = "Resource not found", "Check the path and the id"


class MethodNotAllowed(TocobagusError):
    status, code = 405, "REQ_001"
    message, hint = "Method not allowed", "Check the HTTP method for this path"


class PayloadTooLarge(TocobagusError):
    status, code = 413, "REQ_002"
    message, hint = "Payload too large", "Send fewer products per request"


class TooManyRequests(TocobagusError):
    status, code = 429, "RATE_001"
    message, hint = "Too many requests", "Wait for Retry-After seconds before sending again"


class InternalError(TocobagusError):
    status, code = 500, "SYS_001"


def http_error(status: int, description: str) -> MockError:
    """A failure outside the vendor's handlers (routing, body size, crashes) in the same envelope."""
    if status == 404:
        return NotFound({"reason": "route"})
    if status == 405:
        return MethodNotAllowed()
    if status == 413:
        return PayloadTooLarge()
    if status == 429:
        return TooManyRequests()
    if status >= 500:
        return InternalError(status=status)
    return ValidationFailed({"body": description or "Bad request"})
