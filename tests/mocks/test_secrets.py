"""No credential in clear in any artefact the mocks produce: each vendor's (non-default) credentials are
sent in every form the vendor accepts, then the journal, and the reports rendered from it, are searched."""

from __future__ import annotations

import base64
import json

import requests

from harness import vendors
from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.transport import in_process_session
from mocks.tocobagus.signing import signed_headers

BASE = "http://mock"


def _session(vendor: str, settings: dict) -> tuple[requests.Session, object]:
    app = vendors.get(vendor).create_app(clock=Clock(virtual=True), settings=settings)
    return in_process_session(app), Mock.of(app)


def _everything(session: requests.Session, mock) -> str:
    """The artefacts: the journal over the control API and the journal's JSON as reports embed it."""
    mock.clock.advance(3600)
    journal = session.get(f"{BASE}/__mock__/journal").text
    return journal + json.dumps(mock.journal.entries(), default=str)


def test_shipstation_key_and_secret_never_in_clear():
    key, secret = "live-key-1234", "live-secret-5678"
    session, mock = _session("shipstation", {"accounts": {key: secret}})
    for scheme in ("Basic", "basic"):
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        assert session.get(f"{BASE}/products", headers={"Authorization": f"{scheme} {token}"}).ok
    session.get(f"{BASE}/products", auth=(key, secret + "-wrong"))
    text = _everything(session, mock)
    assert key not in text and secret not in text and token not in text


def test_starshipit_keys_never_in_clear():
    api_key, sub_key = "live-api-key-9876", "live-sub-key-5432"
    session, mock = _session("starshipit", {"api_keys": [api_key], "subscription_keys": [sub_key]})
    headers = {"StarShipIT-Api-Key": api_key, "Ocp-Apim-Subscription-Key": sub_key}
    assert session.get(f"{BASE}/api/products", headers=headers).ok
    assert session.get(f"{BASE}/api/products", headers={k.lower(): v for k, v in headers.items()}).ok
    session.get(
        f"{BASE}/api/products",
        headers={"StarShipIT-Api-Key": api_key + "x", "Ocp-Apim-Subscription-Key": sub_key},
    )
    text = _everything(session, mock)
    assert api_key not in text and sub_key not in text
    entries = [e for e in mock.journal.entries() if e["type"] == "request"]
    assert entries[0]["account"].startswith("***") and entries[0]["rate_limit"]["key"].startswith("***")
    assert entries[0]["account"] == entries[1]["account"]  # stable: the same key reads the same


def test_shiptheory_password_and_token_never_in_clear():
    email, password = "ops@shop.test", "pw-live-xyz-123"
    session, mock = _session("shiptheory", {"accounts": {email: password}, "rate_limit": 1000})
    body = json.dumps({"email": email, "password": password})
    tokens = []
    for content_type in ("application/json", "text/plain", None, "application/x-www-form-urlencoded"):
        data = (
            body
            if content_type != "application/x-www-form-urlencoded"
            else f"email={email}&password={password}"
        )
        headers = {"Content-Type": content_type} if content_type else {}
        answer = session.post(f"{BASE}/v1/token", data=data.encode(), headers=headers)
        if answer.ok:
            tokens.append(answer.json()["data"]["token"])
        mock.clock.advance(2)
    assert tokens  # JSON at least
    session.get(f"{BASE}/v1/products", headers={"Authorization": f"Bearer {tokens[0]}"})
    text = _everything(session, mock)
    assert password not in text and all(token not in text for token in tokens)


def test_tocobagus_secret_and_store_token_never_in_clear():
    secret, token = "partner-secret-live-42", "stkn-live-77"
    settings = {
        "partners": {"ptnr_live": secret},
        "stores": {"str_live": {"partnerClientId": "ptnr_live", "token": token, "revoked": False}},
    }
    session, mock = _session("tocobagus", settings)
    path = "/api/v1/partner/stores/products"
    for stamp in (0, 1):
        headers = signed_headers(
            secret, "GET", path, b"", partner_client_id="ptnr_live", store_client_id="str_live",
            store_token=token, timestamp_ms=int(mock.clock.now() * 1000) + stamp,
        )  # fmt: skip
        assert session.get(f"{BASE}{path}", headers=headers).ok
    text = _everything(session, mock)
    assert secret not in text and token not in text
