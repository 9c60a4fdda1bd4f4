"""Starshipit errors (vendor-notes §1.4 and §7, Starshipit).

Two layers answer: the Azure APIM gateway in front (`{"statusCode", "message"}`) and the Starshipit
application behind it (`{"success": false, "errors": [{"message", "details"}]}`).
"""

from __future__ import annotations

from mocks.kit.core import MockError

INVALID_SUBSCRIPTION = (
    "Access denied due to invalid subscription key. Make sure to provide a valid key "
    "for an active subscription."
)


class GatewayError(MockError):
    """APIM's own answer: the request never reached Starshipit."""

    message = "Resource not found"

    def __init__(
        self, message: str | None = None, status: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(None, status=status, headers=headers)
        self.body = {"statusCode": self.status, "message": message or self.message}


class InvalidSubscription(GatewayError):
    status = 401
    message = INVALID_SUBSCRIPTION


class RateLimitExceeded(GatewayError):
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Rate limit is exceeded. Try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


class RouteNotFound(GatewayError):
    status = 404


class MethodNotAllowed(GatewayError):
    status = 405
    message = "Method not allowed"


class StarshipitError(MockError):
    """The application envelope; `details` names the field or the cause."""

    status = 400
    message = "The request is invalid."

    def __init__(
        self, details: str = "", message: str | None = None, errors: list[dict] | None = None
    ) -> None:
        errors = errors or [{"message": message or self.message, "details": details}]
        super().__init__({"success": False, "errors": errors})


class ValidationError(StarshipitError):
    status = 400


class InvalidApiKey(StarshipitError):
    status = 401

    def __init__(self) -> None:
        super().__init__("auth", "Invalid key")


class ProductNotFound(StarshipitError):
    status = 404
    message = "Product not found"


class DuplicateSku(StarshipitError):
    status = 409
    message = "A product with this SKU already exists"


class PayloadTooLarge(StarshipitError):
    status = 413
    message = "Request entity too large"


class UnsupportedMediaType(StarshipitError):
    status = 415
    message = "Unsupported media type"


class InternalError(StarshipitError):
    status = 500
    message = "An error has occurred."


def http_error(status: int, description: str) -> MockError:
    """A failure outside the handlers: routing belongs to the gateway, the rest to the application."""
    if status == 404:
        return RouteNotFound()
    if status == 405:
        return MethodNotAllowed()
    if status == 413:
        return PayloadTooLarge("body")
    if status == 415:
        return UnsupportedMediaType("Content-Type")
    if status == 429:
        return RateLimitExceeded(1)
    if status >= 500:
        error = InternalError("server")
        error.status = status
        return error
    error = ValidationError("request")
    error.status = status if status in (400, 401, 403, 409, 422) else 400
    return error
