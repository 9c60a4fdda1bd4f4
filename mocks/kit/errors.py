"""Errors of the kit, with no Flask in them: a vendor error renders from data it is given."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ZERO_REQUEST_ID = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class ErrorContext:
    """What an error may show besides its own data: the request path, the mock's time, a request id."""

    path: str = ""
    now: float = 0.0
    # A fresh id for an envelope that carries one (it advances the vendor's id sequence, so it is called
    # only by an error that shows it). None: no vendor ids (rendered with no mock, in unit tests).
    request_id: Callable[[], str] | None = None

    def next_request_id(self) -> str:
        return self.request_id() if self.request_id is not None else ZERO_REQUEST_ID


@dataclass(frozen=True)
class Rendered:
    """An error as the wire sees it; the adapter turns it into its framework's response."""

    status: int
    data: str | bytes
    content_type: str
    headers: dict[str, str]


class MockError(Exception):
    """A vendor error: raised anywhere in a mock, rendered once by the adapter."""

    status = 400
    content_type = "application/json"

    def __init__(self, body: Any = None, status: int | None = None, headers: dict[str, str] | None = None):
        super().__init__(body)
        self.body = body
        if status is not None:
            self.status = status
        self.headers = headers or {}

    def body_for(self, context: ErrorContext) -> Any:
        """The body on the wire. Vendors whose envelope shows the path, time or an id override this."""
        return self.body

    def render(self, context: ErrorContext = ErrorContext()) -> Rendered:
        body = self.body_for(context)
        if isinstance(body, str | bytes):
            text = self.content_type == "application/json"
            return Rendered(
                self.status, body, "text/plain" if text else self.content_type, dict(self.headers)
            )
        return Rendered(self.status, json.dumps(body), self.content_type, dict(self.headers))


class SettingsError(ValueError):
    pass
