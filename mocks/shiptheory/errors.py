"""Shiptheory v1 errors (vendor-notes §3.2, §3.5, §7).

Two envelopes: CakePHP's `{"message", "url", "code"}` for everything that is not validation, and
`{"error": {field: {rule: message}}}` for validation failures.
"""

from __future__ import annotations

from typing import Any

from mocks.kit.errors import ErrorContext, MockError


class ShiptheoryError(MockError):
    status = 400
    message = "Bad Request"

    def __init__(self, message: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__({"message": message or self.message, "code": self.status}, headers=headers)

    def body_for(self, context: ErrorContext) -> dict[str, Any]:
        """CakePHP's envelope: `url` is the path the error is about (empty with no request)."""
        return {"message": self.body["message"], "url": context.path, "code": self.body["code"]}


class BadRequest(ShiptheoryError):
    status = 400


class Unauthorized(ShiptheoryError):
    status = 401
    message = "Unauthorized"


class NotFound(ShiptheoryError):
    status = 404
    message = "Not Found"


class MethodNotAllowed(ShiptheoryError):
    status = 405
    message = "Method Not Allowed"


class NotAcceptable(ShiptheoryError):
    status = 406
    message = "Not Acceptable"


class PayloadTooLarge(ShiptheoryError):
    status = 413
    message = "Request Entity Too Large"


class UnsupportedMediaType(ShiptheoryError):
    status = 415
    message = "Unsupported Media Type"


class TooManyRequests(ShiptheoryError):
    status = 429
    message = "Too Many Requests"


class InternalError(ShiptheoryError):
    status = 500
    message = "An Internal Error Has Occurred."


class ValidationFailed(MockError):
    """`{"error": {field: {rule: message}}}`; several fields can fail at once."""

    status = 400

    def __init__(self, errors: dict[str, dict[str, str]]) -> None:
        super().__init__({"error": errors})
        self.errors = errors


# Rule names and texts in CakePHP's validator style, which the documented sku.unique example follows.
MESSAGES: dict[str, str] = {
    "_required": "This field is required",
    "_empty": "This field cannot be left empty",
    "scalar": "The provided value is invalid",
    "numeric": "The provided value must be a number",
    "integer": "The provided value must be an integer",
    "range": "The provided value must be between 0 and 9999999.99",
    "positive": "The provided value must be greater than 0",
    "url": "The provided value must be a jpg, jpeg, png or webp URL",
    "array": "The provided value must be a list",
    "object": "The provided value must be an object",
    "sku_unique": "A product with this SKU already exists",
    "reference_unique": "A shipment with this reference already exists",
}


def max_length_message(limit: int) -> str:
    return f"The provided value must be no more than {limit} characters long"


def rule(name: str, message: Any = None) -> dict[str, str]:
    key = "unique" if name.endswith("_unique") else name
    return {key: message or MESSAGES[name]}


def http_error(status: int, description: str) -> MockError:
    """A failure outside the vendor's handlers (routing, body parsing, crashes), in Shiptheory's shape."""
    by_status: dict[int, type[ShiptheoryError]] = {
        401: Unauthorized,
        404: NotFound,
        405: MethodNotAllowed,
        406: NotAcceptable,
        413: PayloadTooLarge,
        415: UnsupportedMediaType,
        429: TooManyRequests,
    }
    if status in by_status:
        return by_status[status]()
    if status >= 500:
        error = InternalError()
        error.status = status
        error.body["code"] = status
        return error
    error = BadRequest()
    if status in (403, 409, 422):
        error.status = status
        error.body["code"] = status
    return error
