"""Signed catalog.sync.completed webhooks: payload, signature, §7 backoff on the clock, journal, faults."""

from pathlib import Path

import jsonschema_rs
import pytest
import yaml
from flask import Flask, request

from mocks.kit.transport import WSGIAdapter
from mocks.tocobagus import signing

from .conftest import product

HOOK = "http://hooks/toco/events"
CONTRACT = yaml.safe_load((Path(__file__).parents[3] / "contracts" / "tocobagus.yaml").read_text())


class Receiver:
    """A webhook endpoint in process: records each delivery and answers from a script of statuses."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.statuses: list[int] = []
        app = Flask("receiver")

        @app.post("/toco/events")
        def events():
            self.received.append({"headers": dict(request.headers), "body": request.get_data()})
            return "", self.statuses.pop(0) if self.statuses else 204

        self.app = app


@pytest.fixture
def receiver(mock):
    rec = Receiver()
    mock.backend.webhook_session.mount("http://hooks/", WSGIAdapter(rec.app))
    mock.update_settings({"webhook_url": HOOK, "processing_delay_seconds": 1})
    return rec


def _verify(delivery: dict) -> bool:
    headers = {k.lower(): v for k, v in delivery["headers"].items()}
    return signing.verify(
        "test-partner-secret", "POST", "/toco/events", headers, delivery["body"], headers["x-signature"]
    )


def _attempts(mock) -> list[dict]:
    return [e for e in mock.journal.entries() if e.get("kind") == "webhook.attempt"]


def test_completion_sends_one_signed_webhook_matching_the_contract(api, mock, receiver):
    mock.backend.seed("str_test", [{"sku": "OLD", "name": "Old"}])
    accepted = api.sync([product(1), product(2, sku="OLD")]).json()
    assert receiver.received == []
    mock.clock.advance(1)
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    assert _verify(delivery)
    assert delivery["headers"]["X-Signature"].startswith("sha256=")
    assert delivery["headers"]["X-Webhook-Event"] == "catalog.sync.completed"
    payload = __import__("json").loads(delivery["body"])
    schema = {**CONTRACT["components"]["schemas"]["SyncCompletedEvent"], "components": CONTRACT["components"]}
    jsonschema_rs.validator_for(schema).validate(payload)
    assert payload["requestId"] == accepted["requestId"]
    assert payload["summary"] == {"total": 2, "succeeded": 1, "failed": 1}
    assert [(r["rowIndex"], r["status"]) for r in payload["rows"]] == [(0, "SUCCEEDED"), (1, "FAILED")]
    assert payload["rows"][1]["error"]["code"] == "SKU_ALREADY_EXISTS"
    (attempt,) = _attempts(mock)
    sync_seq = next(e["seq"] for e in mock.journal.entries() if e.get("method") == "POST")
    assert (attempt["request_seq"], attempt["attempt"], attempt["status"], attempt["outcome"]) == (
        sync_seq,
        1,
        204,
        "delivered",
    )


def test_a_tampered_webhook_does_not_verify(api, mock, receiver):
    api.sync([product(1)])
    mock.backend.run_jobs()
    delivery = dict(receiver.received[0])
    delivery["body"] = delivery["body"].replace(b"SUCCEEDED", b"FAILED")
    assert not _verify(delivery)


def test_retries_follow_the_backoff_on_the_clock_and_give_up_after_six(api, mock, receiver):
    receiver.statuses = [500] * 10
    api.sync([product(1)])
    mock.backend.run_jobs()
    times = [0.0]
    for wait in (1, 2, 4, 8, 16):
        mock.clock.advance(wait - 0.001)
        assert len(receiver.received) == len(times)  # not a moment early
        mock.clock.advance(0.001)
        times.append(times[-1] + wait)
    attempts = _attempts(mock)
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4, 5, 6]
    assert [round(a["time"] - attempts[0]["time"], 3) for a in attempts] == times
    assert [a["outcome"] for a in attempts] == ["retrying"] * 5 + ["gave_up"]
    mock.clock.advance(3600)
    assert len(receiver.received) == 6
    assert all(_verify(d) for d in receiver.received)  # each attempt signed with its own timestamp
    assert len({d["headers"]["X-Timestamp"] for d in receiver.received}) == 6


def test_a_retry_that_succeeds_stops(api, mock, receiver):
    receiver.statuses = [503]
    api.sync([product(1)])
    mock.backend.run_jobs()
    mock.clock.advance(1)
    mock.clock.advance(100)
    assert [a["outcome"] for a in _attempts(mock)] == ["retrying", "delivered"]


def test_unreachable_url_is_an_attempt_with_an_error(api, mock):
    mock.update_settings({"webhook_url": "http://127.0.0.1:9/none"})
    api.sync([product(1)])
    mock.backend.run_jobs()
    (attempt,) = _attempts(mock)
    assert attempt["status"] is None and "ConnectionError" in attempt["error"]


def test_fault_drop(api, mock, receiver):
    mock.update_settings({"webhook_faults": [{"effect": "drop"}]})
    api.sync([product(1)])
    api.sync([product(2)])
    mock.backend.run_jobs()
    assert len(receiver.received) == 1  # the first was dropped, the rule fired once
    assert [e["kind"] for e in mock.journal.entries() if e.get("kind", "").startswith("webhook")] == [
        "webhook.dropped",
        "webhook.attempt",
    ]


def test_a_spent_fault_stays_spent_across_unrelated_settings_changes(api, mock, receiver):
    mock.update_settings({"webhook_faults": [{"effect": "drop"}]})
    api.sync([product(1)])
    mock.backend.run_jobs()
    mock.update_settings({"processing_delay_seconds": 2})  # copies every setting, webhook_faults too
    api.sync([product(2)])
    mock.backend.run_jobs()
    kinds = [e["kind"] for e in mock.journal.entries() if e.get("kind", "").startswith("webhook")]
    assert kinds == ["webhook.dropped", "webhook.attempt"] and len(receiver.received) == 1


def test_fault_delay(api, mock, receiver):
    mock.update_settings({"webhook_faults": [{"effect": "delay", "seconds": 30}]})
    api.sync([product(1)])
    mock.backend.run_jobs()
    assert receiver.received == []
    mock.clock.advance(30)
    assert len(receiver.received) == 1 and _attempts(mock)[0]["delayed"] == 30


def test_fault_duplicate(api, mock, receiver):
    mock.update_settings({"webhook_faults": [{"effect": "duplicate"}]})
    api.sync([product(1)])
    mock.backend.run_jobs()
    assert len(receiver.received) == 2
    bodies = {d["body"] for d in receiver.received}
    assert len(bodies) == 1 and [a["duplicate"] for a in _attempts(mock)] == [False, True]


def test_per_store_webhook_url_and_warehouses(api, mock, receiver):
    mock.update_settings(
        {
            "webhook_url": None,
            "stores": {
                "str_test": {
                    "partnerClientId": "ptnr_test",
                    "token": "stkn_test",
                    "webhook_url": HOOK,
                    "warehouses": [{"clientId": "w1", "name": "A"}],
                }
            },
        }
    )
    api.sync([product(1, stock=4)])
    mock.backend.run_jobs()
    assert len(receiver.received) == 1
    assert mock.backend.products("str_test")[0]["warehouses"] == [{"clientId": "w1", "name": "A", "stock": 4}]


def test_every_background_effect_names_the_request_that_started_it(api, mock, receiver):
    """Batches, completion, a dropped and a sent webhook are journaled alike (jobs.journal_job): tied to
    the sync request's seq, naming its requestId; a job's entries name the store, a delivery's its id and
    URL."""
    mock.update_settings({"webhook_faults": [{"effect": "duplicate"}, {"effect": "drop"}]})
    first = api.sync([product(1)]).json()["requestId"]
    second = api.sync([product(2)]).json()["requestId"]
    mock.backend.run_jobs()
    entries = mock.journal.entries()
    seqs = [e["seq"] for e in entries if e.get("method") == "POST"]
    by_request = {first: seqs[0], second: seqs[1]}
    background = ("catalog.batch.processed", "catalog.sync.completed", "webhook.attempt", "webhook.dropped")
    effects = [e for e in entries if e.get("kind") in background]
    kinds = {(e["kind"], e["requestId"]) for e in effects}
    assert kinds == {
        ("catalog.batch.processed", first),
        ("catalog.sync.completed", first),
        ("webhook.attempt", first),  # twice: the duplicate
        ("catalog.batch.processed", second),
        ("catalog.sync.completed", second),
        ("webhook.dropped", second),
    }
    for effect in effects:
        assert effect["request_seq"] == by_request[effect["requestId"]], effect
        if effect["kind"].startswith("catalog."):
            assert effect["store"] == "str_test" and "deliveryId" not in effect
        else:
            assert effect["url"] == HOOK and len(effect["deliveryId"]) == 36 and "store" not in effect
    attempts = [e for e in effects if e["kind"] == "webhook.attempt"]
    assert len({a["deliveryId"] for a in attempts}) == 2 and len(receiver.received) == 2
