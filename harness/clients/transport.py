"""The one HTTP layer the reference clients share: send, classify, log, retry, back off.

A request is sent, its outcome classified (an answer, or none: a connection error or timeout), and
every attempt logged as the Starshipit planning guide asks (`RequestLog`). Retries are bounded: 5xx
and no answer back off exponentially on the injected clock, a 429 waits as the vendor says instead,
and a 401 may refresh credentials once without spending an attempt. What differs between vendors
(pacing, rate-limit headers, auth) is a `VendorStrategy` of small callables; the client supplies them
as its own bound methods, so a subclass that overrides one (the checks' deliberately wrong clients)
changes the strategy too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from mocks.kit.clock import Clock

from ..sync import RequestLog


def _nothing(*_: Any) -> None:
    return None


def _no_headers(_: Call) -> dict[str, str]:
    return {}


def _no_refresh(_: requests.Response) -> bool:
    return False


@dataclass(frozen=True)
class Call:
    """One request as the client means it: the wire payload and what the log says about it."""

    method: str
    path: str
    action: str
    payload: dict[str, Any] = field(default_factory=dict)  # requests' json=, data= or files=
    logged_body: str | None = None
    source_id: str | None = None
    vendor_id: Any = None


@dataclass(frozen=True)
class VendorStrategy:
    """The steps a vendor does its own way; the defaults do nothing."""

    before_send: Callable[[], None] = _nothing  # pace, or wait for the announced window
    headers: Callable[[Call], dict[str, str]] = _no_headers  # auth computed per attempt (tokens, signatures)
    on_answer: Callable[[requests.Response], None] = _nothing  # read rate-limit headers off any answer
    on_rate_limited: Callable[[requests.Response], None] = _nothing  # a 429: wait as the vendor says
    refresh_auth: Callable[[requests.Response], bool] = _no_refresh  # a 401: True if a retry may now pass


@dataclass(frozen=True)
class Outcome:
    """The last answer (None: none came), attempts made minus one, and whether retries ran out."""

    response: requests.Response | None
    retries: int
    exhausted: bool


class Transport:
    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        clock: Clock,
        strategy: VendorStrategy,
        log: list[RequestLog],
        *,
        max_retries: int,
        timeout: float,
    ) -> None:
        self.base_url, self.session, self.clock = base_url, session, clock
        self.strategy, self.log = strategy, log
        self.max_retries, self.timeout = max_retries, timeout

    @classmethod
    def for_client(
        cls, client: Any, strategy: VendorStrategy, *, max_retries: int, timeout: float
    ) -> Transport:
        """The transport of a reference client: its base URL, session, clock and request log."""
        return cls(
            client.base_url,
            client.session,
            client.clock,
            strategy,
            client.log,
            max_retries=max_retries,
            timeout=timeout,
        )

    def backoff(self, attempt: int) -> None:
        """Exponential, on the injected clock; none after the last attempt."""
        if attempt < self.max_retries:
            self.clock.sleep(0.5 * 2**attempt)

    def exchange(
        self, call: Call, headers: dict[str, str]
    ) -> tuple[requests.Response | None, requests.RequestException | None]:
        """Pace, send once, classify: an answer, or no answer and the connection error or timeout why."""
        self.strategy.before_send()
        try:
            response = self.session.request(
                call.method,
                self.base_url + call.path,
                headers=headers or None,
                timeout=self.timeout,
                **call.payload,
            )
        except requests.RequestException as exc:
            return None, exc
        return response, None

    def send(self, call: Call, attempt: int = 0) -> requests.Response | None:
        """One attempt, logged; None when no answer came (dropped, cut, timed out)."""
        response, error = self.exchange(call, self.strategy.headers(call))
        self.log.append(
            RequestLog.of(
                response,
                method=call.method,
                path=call.path,
                body=call.logged_body,
                attempt=attempt,
                now=self.clock.now(),
                action=call.action,
                error=error,
                source_id=call.source_id,
                vendor_id=call.vendor_id,
            )
        )
        if response is not None:
            self.strategy.on_answer(response)
        return response

    def request(
        self, call: Call, before_retry: Callable[[], requests.Response | None] | None = None
    ) -> Outcome:
        """Send once, plus bounded retries for 429, 5xx and no answer, and one auth refresh on a 401.

        `before_retry` runs before each retry; an answer from it settles the call (the earlier attempt
        took effect and only its answer was lost)."""
        response: requests.Response | None = None
        refreshed = False
        attempt = 0
        while attempt <= self.max_retries:
            if attempt and before_retry is not None and (settled := before_retry()) is not None:
                return Outcome(settled, attempt, False)
            response = self.send(call, attempt)
            status = None if response is None else response.status_code
            if status == 401 and not refreshed and self.strategy.refresh_auth(response):
                refreshed = True  # fresh credentials: the same attempt again
                continue
            if status == 429:
                self.strategy.on_rate_limited(response)  # the vendor's wait replaces the back-off
            elif status is not None and status < 500:
                return Outcome(response, attempt, False)
            else:
                self.backoff(attempt)
            attempt += 1
        return Outcome(response, self.max_retries, True)
