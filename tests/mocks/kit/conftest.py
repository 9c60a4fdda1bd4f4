"""A tiny vendor made only for testing the kit: products in a dict, a key header, 3 requests a second."""

from __future__ import annotations

import copy
import json

import pytest
from flask import Blueprint, Response, request

from mocks.kit.app import create_app
from mocks.kit.clock import Clock
from mocks.kit.core import Caller, MockError, VendorSpec
from mocks.kit.pipeline import account
from mocks.kit.transport import in_process_session


class TinyError(MockError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__({"problem": message}, status)


class TinyBackend:
    default_account = "alpha"

    def __init__(self, mock):
        self.mock = mock
        self.accounts: dict[str, dict[str, dict]] = {}

    def reset(self):
        self.accounts.clear()

    def products(self, account):
        return [copy.deepcopy(p) for _, p in sorted(self.accounts.get(account, {}).items())]

    def seed(self, account, products):
        for p in products:
            if not isinstance(p.get("sku"), str):
                raise TinyError(400, "sku must be text")
            self.accounts.setdefault(account, {})[p["sku"]] = dict(p)
        return products

    def put(self, account, product):
        self.accounts.setdefault(account, {})[product["sku"]] = product
        self.mock.side_effect("tiny.stored", sku=product["sku"])

    def snapshot(self):
        return {"accounts": copy.deepcopy(self.accounts)}

    def restore(self, state):
        if not isinstance(state.get("accounts", {}), dict):
            raise TinyError(400, "accounts must be an object")
        self.accounts = copy.deepcopy(state.get("accounts", {}))

    def run_jobs(self):
        return {"ran": 0}


def tiny_auth(mock, req):
    key = req.headers.get("X-Key")
    if key not in ("alpha", "beta"):
        raise TinyError(401, "bad key")
    return Caller(key, key)


def tiny_blueprint(mock):
    bp = Blueprint("tiny", __name__)

    @bp.get("/items")
    def items():
        return Response(json.dumps(mock.backend.products(account())), mimetype="application/json")

    @bp.put("/items")
    def put():
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("sku"), str):
            raise TinyError(400, "need an object with a sku")
        mock.backend.put(account(), body)
        return Response(json.dumps({"stored": body["sku"]}), mimetype="application/json")

    @bp.get("/boom")
    def boom():
        raise RuntimeError("a bug in the mock")

    return bp


SPEC = VendorSpec(
    name="tiny",
    version="1",
    make_backend=TinyBackend,
    make_blueprint=tiny_blueprint,
    http_error=lambda status, description: TinyError(status, description or "error"),
    credentials={"key": "alpha"},
    rate_limit=3,
    rate_period=1.0,
    quirks={"loud": False},
    extra_settings={"colour": "blue"},
    validate_setting=lambda key, value: None if value in ("blue", "red") else "must be blue or red",
    sensitive_headers=frozenset({"X-Key"}),
    max_body_bytes=1000,
    authenticate=tiny_auth,
    rate_limited=lambda decision, caller: TinyError(429, "slow down"),
)


@pytest.fixture
def tiny_spec():
    return SPEC


@pytest.fixture
def tiny_app():
    return create_app(SPEC, clock=Clock(virtual=True))


@pytest.fixture
def tiny(tiny_app):
    session = in_process_session(tiny_app)
    session.headers["X-Key"] = "alpha"
    return session
