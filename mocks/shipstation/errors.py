"""ShipStation V1 errors, with the message texts the V1 documentation lists (vendor-notes §2.4, §7)."""

from __future__ import annotations

from mocks.kit.core import MockError


class ShipStationError(MockError):
    message = "Invalid request parameters"

    def __init__(self, message: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__({"message": message or self.message}, headers=headers)


class InvalidRequest(ShipStationError):
    status = 400


class Unauthorized(MockError):
    """Plain text, as V1 answers a bad key pair; quirk `json_401` gives the JSON the V1 OpenAPI lists."""

    status = 401
    content_type = "text/plain"

    def __init__(self, json_body: bool = False) -> None:
        if json_body:
            super().__init__({"message": "Invalid API credentials"})
            self.content_type = "application/json"
        else:
            super().__init__("401 Unauthorized")
        self.headers["WWW-Authenticate"] = 'Basic realm="ShipStation"'


class NotFound(ShipStationError):
    status = 404
    message = "Resource not found"


class MethodNotAllowed(ShipStationError):
    status = 405


class PayloadTooLarge(ShipStationError):
    status = 413
    message = "Request entity too large"


class TooManyRequests(ShipStationError):
    status = 429
    message = "Too Many Requests"


class InternalError(ShipStationError):
    status = 500
    message = "An internal error occurred"


def http_error(status: int, description: str) -> MockError:
    """A failure outside the vendor's handlers (routing, body parsing, crashes), in V1's shape."""
    if status == 404:
        return NotFound()
    if status == 405:
        return MethodNotAllowed("The requested resource does not support this http method.")
    if status == 413:
        return PayloadTooLarge()
    if status >= 500:
        error = InternalError()
        error.status = status
        return error
    if status == 429:
        return TooManyRequests()
    error = InvalidRequest()
    error.status = status if status in (400, 401, 403, 409, 415, 422) else 400
    return error
