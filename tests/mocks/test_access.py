"""Safe off loopback: the control API needs a token from other machines, webhooks go only where allowed,
fault patterns match in linear time, latency is capped."""

from __future__ import annotations

import json
import time

import pytest

from harness import fuzz
from mocks.kit.access import CONTROL_TOKEN_ENV, WEBHOOK_HOSTS_ENV, control_refusal, webhook_url_problem
from mocks.kit.faults import FaultRule, FaultRuleError


def _control(target: fuzz.Target, remote: str, authorization: str | None = None) -> fuzz.Answer:
    headers = {"Authorization": authorization} if authorization else {}
    app = target.app
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    environ = EnvironBuilder(path="/__mock__/settings", headers=headers).get_environ()
    environ["REMOTE_ADDR"] = remote
    app_iter, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    return fuzz.Answer(int(status.split()[0]), response_headers.get("Content-Type", ""), b"".join(app_iter))


def test_control_api_answers_other_machines_only_with_the_token(monkeypatch):
    open_mock = fuzz.target("shipstation")
    assert _control(open_mock, "127.0.0.1").status == 200
    refused = _control(open_mock, "192.0.2.7")
    assert refused.status == 403 and "--control-token" in json.loads(refused.body)["error"]
    assert "test-secret" not in refused.body.decode()
    monkeypatch.setenv(CONTROL_TOKEN_ENV, "s3cret-token")
    guarded = fuzz.target("shipstation")
    assert _control(guarded, "192.0.2.7").status == 401
    assert _control(guarded, "192.0.2.7", "Bearer wrong").status == 401
    assert _control(guarded, "192.0.2.7", "Bearer s3cret-token").status == 200
    assert _control(guarded, "::1").status == 200  # loopback needs no token


def test_refusal_reasons():
    assert control_refusal(None, None, None) is None  # in process
    assert control_refusal("10.0.0.1", "bearer tok", "tok") is None
    assert "loopback" in control_refusal("10.0.0.1", None, None)


def test_webhook_url_must_be_loopback_unless_allowed(monkeypatch):
    mock = fuzz.target("tocobagus").mock
    mock.update_settings({"webhook_url": "http://127.0.0.1:9/hook"})
    mock.update_settings({"webhook_url": "http://localhost:9/hook"})
    for url in ("http://169.254.169.254/latest", "http://example.com/hook", "http://10.1.2.3/x"):
        with pytest.raises(ValueError, match="not loopback"):
            mock.update_settings({"webhook_url": url})
    assert mock.settings["webhook_url"] == "http://localhost:9/hook"
    monkeypatch.setenv(WEBHOOK_HOSTS_ENV, "hooks.example.com")
    assert webhook_url_problem("http://hooks.example.com/x") is None


def test_a_webhook_to_a_host_not_allowed_is_a_failed_attempt_never_a_packet():
    target = fuzz.target("tocobagus")
    mock = target.mock
    mock.update_settings({"webhook_url": "http://intranet-box/hook", "processing_delay_seconds": 0})
    body = b'{"products": [{"externalId": "e1", "sku": "W-1", "name": "n", "price": 1, "stock": 1}]}'
    target._tick()
    answer = target.send(
        fuzz.RawRequest("POST", b"/api/v1/partner/stores/catalog/sync", b"", "application/json", body)
    )
    assert answer.status == 202, answer.body
    mock.backend.run_jobs()
    attempts = [e for e in mock.journal.entries() if e.get("kind") == "webhook.attempt"]
    assert attempts and attempts[0]["status"] is None and "not allowed" in attempts[0]["error"]
    assert all(d["status"] != "SENDING" for d in mock.backend.deliveries.values())


def test_catastrophic_patterns_match_in_linear_time():
    rule = FaultRule.parse({"path": "^/(a+)+$"})
    started = time.perf_counter()
    assert not rule.matches("GET", "/" + "a" * 5000 + "b")
    assert time.perf_counter() - started < 0.5  # Python's re takes longer than the universe here
    with pytest.raises(FaultRuleError, match="RE2 syntax"):
        FaultRule.parse({"path": "^/v1/(?!token$)"})


def test_latency_is_capped(monkeypatch):
    with pytest.raises(FaultRuleError, match="latency"):
        FaultRule.parse({"effect": "latency", "latency": 300})
    monkeypatch.setenv("CATALOG_HARNESS_MAX_LATENCY", "400")
    assert FaultRule.parse({"effect": "latency", "latency": 300}).latency == 300


def test_serve_off_loopback_warns_and_says_how_to_set_the_token(monkeypatch):
    import io
    from types import SimpleNamespace

    from rich.console import Console

    from harness import exposure

    monkeypatch.delenv(CONTROL_TOKEN_ENV, raising=False)
    monkeypatch.delenv(WEBHOOK_HOSTS_ENV, raising=False)
    out = io.StringIO()
    exposure.prepare(
        SimpleNamespace(host="0.0.0.0", control_token=None, allow_webhook_host=("h.test",)), Console(file=out)
    )
    assert "--control-token TOKEN" in out.getvalue() and CONTROL_TOKEN_ENV in out.getvalue()
    assert webhook_url_problem("http://h.test/x") is None
    quiet = io.StringIO()
    local = SimpleNamespace(host="127.0.0.1", control_token="t", allow_webhook_host=())
    exposure.prepare(local, Console(file=quiet))
    assert quiet.getvalue() == "" and control_refusal("10.0.0.1", "Bearer t", "t") is None
