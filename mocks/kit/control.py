"""The /__mock__/ control API, the same on every mock (see contracts/control.yaml).

Errors here are the harness's own `{"error": "..."}`, never a vendor's shape: a test that gets one
made a mistake in its setup, not in its client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, jsonify, request

from .atomic import StateError, all_or_nothing
from .body import BodyError, read_json
from .faults import FaultRuleError

if TYPE_CHECKING:
    from .app import Mock

VERSION = "0.1.0"


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def control_blueprint(mock: Mock) -> Blueprint:
    from .app import MockError, SettingsError

    bp = Blueprint("mock_control", __name__, url_prefix="/__mock__")

    def account() -> str:
        return request.args.get("account") or mock.backend.default_account

    def body() -> Any:
        try:
            return read_json(request)
        except BodyError as exc:
            raise ControlError(f"the body must be JSON: {exc}") from None

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

    @bp.get("/health")
    def health() -> Response:
        return jsonify(vendor=mock.spec.name, version=VERSION)

    @bp.post("/reset")
    def reset() -> Response:
        mock.reset()
        return jsonify(reset=True)

    @bp.get("/products")
    def products() -> Response:
        return jsonify(products=mock.backend.products(account()))

    @bp.post("/products")
    def seed() -> Response:
        data = body()
        if not isinstance(data, dict) or not isinstance(data.get("products"), list):
            raise ControlError('the body must be {"products": [...]}')
        key, products = account(), data["products"]
        return jsonify(
            products=all_or_nothing(mock.backend, "products", lambda: mock.backend.seed(key, products))
        )

    @bp.get("/state")
    def state() -> Response:
        return jsonify(mock.snapshot())

    @bp.put("/state")
    def restore() -> Response:
        mock.restore(body())
        return jsonify(mock.snapshot())

    @bp.get("/journal")
    def journal() -> Response:
        limit = request.args.get("limit")
        if limit is not None and not (limit.isdigit() and int(limit) > 0):
            raise ControlError("limit must be a positive integer")
        return jsonify(entries=mock.journal.entries(int(limit) if limit else None))

    @bp.delete("/journal")
    def clear_journal() -> Response:
        mock.journal.clear()
        return jsonify(entries=[])

    @bp.get("/faults")
    def faults() -> Response:
        return jsonify(rules=mock.faults.describe())  # with how often each has fired

    @bp.put("/faults")
    def install_faults() -> Response:
        data = body()
        rules = data.get("rules") if isinstance(data, dict) else data
        if not isinstance(rules, list):
            raise ControlError('the body must be {"rules": [...]} or a list of rules')
        return jsonify(rules=mock.install_faults(rules))

    @bp.delete("/faults")
    def clear_faults() -> Response:
        mock.faults.clear()
        return jsonify(rules=[])

    @bp.post("/clock")
    def clock() -> Response:
        data = body()
        if not isinstance(data, dict):
            raise ControlError('the body must be an object: {"mode": ...} or {"advance": seconds}')
        return jsonify(mock.set_clock(data))

    @bp.get("/settings")
    def settings() -> Response:
        return jsonify(mock.settings)

    @bp.put("/settings")
    def update_settings() -> Response:
        return jsonify(mock.update_settings(body()))

    @bp.post("/jobs/run")
    def run_jobs() -> Response:
        return jsonify(mock.backend.run_jobs())

    if mock.spec.control_routes is not None:
        mock.spec.control_routes(mock, bp)
    return bp


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
