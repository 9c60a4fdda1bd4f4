"""The /__mock__/ control API, the same on every mock (see contracts/control.yaml).

Errors here are the harness's own `{"error": "..."}`, never a vendor's shape: a test that gets one
made a mistake in its setup, not in its client.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, jsonify, request

from .access import control_refusal, control_token
from .atomic import StateError, all_or_nothing
from .body import BodyError, read_json
from .errors import MockError, SettingsError
from .faults import FaultRuleError

if TYPE_CHECKING:
    from .core import Mock

VERSION = "0.1.0"


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def control_blueprint(mock: Mock) -> Blueprint:
    bp = Blueprint("mock_control", __name__, url_prefix="/__mock__")
    token = control_token()  # read once: a running mock's token does not change

    @bp.before_request
    def only_loopback_or_token() -> None:
        refused = control_refusal(request.remote_addr, request.headers.get("Authorization"), token)
        if refused:
            raise ControlError(refused, 401 if token else 403)

    @bp.errorhandler(ControlError)
    def control_error(exc: ControlError) -> Response:
        return _error(str(exc), exc.status)

    @bp.errorhandler(SettingsError)
    @bp.errorhandler(FaultRuleError)
    @bp.errorhandler(StateError)
    def settings_error(exc: ValueError) -> Response:
        return _error(str(exc), 400)

    @bp.errorhandler(MockError)
    def seed_error(exc: MockError) -> Response:
        return _error(readable(exc.body), 400)

    _state_routes(bp, mock)
    _journal_fault_clock_routes(bp, mock)
    if mock.spec.control_routes is not None:
        mock.spec.control_routes(mock, bp)
    return bp


def _state_routes(bp: Blueprint, mock: Mock) -> None:
    """Health, reset, products and the whole state."""

    @bp.get("/health")
    def health() -> Response:
        return jsonify(vendor=mock.spec.name, version=VERSION)

    @bp.post("/reset")
    def reset() -> Response:
        mock.reset()
        return jsonify(reset=True)

    @bp.get("/products")
    def products() -> Response:
        return jsonify(products=mock.backend.products(_account(mock)))

    @bp.post("/products")
    def seed() -> Response:
        data = _body()
        if not isinstance(data, dict) or not isinstance(data.get("products"), list):
            raise ControlError('the body must be {"products": [...]}')
        key, products = _account(mock), data["products"]
        return jsonify(
            products=all_or_nothing(mock.backend, "products", lambda: mock.backend.seed(key, products))
        )

    @bp.get("/state")
    def state() -> Response:
        return jsonify(mock.snapshot())

    @bp.put("/state")
    def restore() -> Response:
        mock.restore(_body())
        return jsonify(mock.snapshot())


def _journal_fault_clock_routes(bp: Blueprint, mock: Mock) -> None:
    """The journal, fault rules, the clock, settings and background jobs."""

    @bp.get("/journal")
    def journal() -> Response:
        """Streamed, one entry at a time. `limit`: the newest N; with `after=SEQ`: the N after that seq."""
        limit, after = _positive("limit", minimum=1), _positive("after", minimum=0)
        entries = mock.journal.iter_entries(limit, after)
        return Response(_json_entries(entries), mimetype="application/json")

    @bp.delete("/journal")
    def clear_journal() -> Response:
        mock.journal.clear()
        return jsonify(entries=[])

    @bp.get("/faults")
    def faults() -> Response:
        return jsonify(rules=mock.faults.describe())  # with how often each has fired

    @bp.put("/faults")
    def install_faults() -> Response:
        data = _body()
        rules = data.get("rules") if isinstance(data, dict) else data
        if not isinstance(rules, list):
            raise ControlError('the body must be {"rules": [...]} or a list of rules')
        return jsonify(rules=mock.install_faults(rules))

    @bp.delete("/faults")
    def clear_faults() -> Response:
        mock.faults.clear()
        return jsonify(rules=[])

    @bp.delete("/rate-limits")
    def clear_rate_limits() -> Response:
        """A used-up window undone without a reset: `reproduce --disarm` keeps the user's catalogue."""
        mock.limiter.reset()
        return jsonify(cleared=True)

    @bp.post("/clock")
    def clock() -> Response:
        data = _body()
        if not isinstance(data, dict):
            raise ControlError('the body must be an object: {"mode": ...} or {"advance": seconds}')
        return jsonify(mock.set_clock(data))

    @bp.get("/settings")
    def settings() -> Response:
        return jsonify(mock.settings)

    @bp.put("/settings")
    def update_settings() -> Response:
        return jsonify(mock.update_settings(_body()))

    @bp.post("/jobs/run")
    def run_jobs() -> Response:
        return jsonify(mock.backend.run_jobs())


def _account(mock: Mock) -> str:
    return request.args.get("account") or mock.backend.default_account


def _body() -> Any:
    try:
        return read_json(request)
    except BodyError as exc:
        raise ControlError(f"the body must be JSON: {exc}") from None


def _positive(name: str, minimum: int) -> int | None:
    value = request.args.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 18 and int(value) >= minimum):
        raise ControlError(f"{name} must be an integer of at least {minimum}")
    return int(value)


def _json_entries(entries: Any) -> Any:
    """`{"entries": [...]}` as chunks: the body is never built whole in memory."""
    yield b'{"entries": ['
    for n, entry in enumerate(entries):
        yield (b", " if n else b"") + json.dumps(entry, default=str).encode("ascii")  # \u-escaped: any text
    yield b"]}"


def readable(body: Any) -> str:
    """A vendor error body as one line of words: its texts joined, never a Python repr."""
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    texts: list[str] = []
    stack = [body]
    while stack:
        item = stack.pop(0)
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return "; ".join(dict.fromkeys(texts)) or "invalid request"


def _error(message: str, status: int) -> Response:
    resp = jsonify(error=message)
    resp.status_code = status
    return resp
