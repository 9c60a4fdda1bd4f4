import pytest

from mocks.kit.faults import FaultRule, FaultRuleError, FaultSet
from mocks.kit.journal import Journal, body_preview, redact_header


def test_times_limits_how_often_a_rule_fires_and_method_and_path_must_match():
    faults = FaultSet()
    faults.install([{"method": "put", "path": r"^/products/\d+$", "times": 2, "status": 503}])
    assert faults.match("GET", "/products/1") is None
    assert faults.match("PUT", "/products") is None
    fired = [faults.match("PUT", "/products/7") for _ in range(3)]
    assert [r is not None for r in fired] == [True, True, False]
    assert faults.describe()[0]["fired"] == 2


def test_probability_is_seeded_so_runs_repeat():
    def pattern(seed):
        faults = FaultSet()
        faults.install([{"probability": 0.5, "seed": seed}])
        return [faults.match("GET", "/x") is not None for _ in range(40)]

    assert pattern(7) == pattern(7)
    assert 5 < sum(pattern(7)) < 35
    assert pattern(7) != pattern(8)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"effect": "explode"}, "invalid 'effect'"),
        ({"status": 99}, "invalid 'status'"),
        ({"times": -1}, "invalid 'times'"),
        ({"probability": 2}, "invalid 'probability'"),
        ({"path": "("}, "invalid 'path' regex"),
        ({"colour": "red"}, "unknown field 'colour'"),
        ("nope", "must be an object"),
    ],
)
def test_bad_rules_are_refused_by_name_and_nothing_is_installed(rule, message):
    faults = FaultSet()
    faults.install([{"status": 500}])
    with pytest.raises(FaultRuleError, match=message):
        faults.install([{"status": 502}, rule])
    assert [r["status"] for r in faults.describe()] == [500]


def test_journal_is_a_bounded_ring_newest_last():
    journal = Journal(maxlen=3)
    for i in range(5):
        journal.append({"seq": journal.next_seq(), "i": i})
    assert [e["i"] for e in journal.entries()] == [2, 3, 4]
    assert [e["i"] for e in journal.entries(limit=2)] == [3, 4]


def test_credentials_never_reach_the_journal():
    journal = Journal(sensitive_headers=frozenset({"X-Api-Key"}))
    headers = journal.redact_headers(
        {"Authorization": "Basic dGVzdDp0ZXN0", "x-api-key": "k", "Accept": "*/*"}
    )
    assert headers == {"Authorization": "Basic ***", "x-api-key": "***", "Accept": "*/*"}
    assert redact_header("sekrit") == "***"
    body = body_preview(
        b'{"email": "a@b", "password": "hunter2", "nested": [{"token": "t"}]}',
        "application/json",
        journal.sensitive_keys,
    )
    assert "hunter2" not in body and '"token": "***"' in body and '"email": "a@b"' in body


def test_body_preview_is_bounded_and_survives_binary():
    assert body_preview(b"\xff\xfe", "application/json", frozenset()) == "<2 bytes, not UTF-8>"
    assert body_preview(b"x" * 100_000, "text/plain", frozenset()) == "<100000 bytes, not kept>"
    assert body_preview(b"", None, frozenset()) is None


def test_rule_describe_round_trips_through_parse():
    rule = FaultRule.parse({"method": "GET", "effect": "latency", "latency": 2, "when": "after"})
    again = FaultRule.parse({k: v for k, v in rule.describe().items() if k != "fired"})
    assert again.describe() == rule.describe()


def test_environ_headers_are_werkzeugs_headers_redacted():
    from werkzeug.datastructures import EnvironHeaders

    journal = Journal(sensitive_headers=frozenset({"X-Api-Key"}))
    environ = {
        "PATH": "/usr/bin",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "",
        "HTTP_AUTHORIZATION": "Basic dGVzdDp0ZXN0",
        "HTTP_X_API_KEY": "k",
        "HTTP_CONTENT_TYPE": "ignored",
        "HTTP_ACCEPT": "*/*",
        "wsgi.input_terminated": True,
    }
    for _ in range(2):  # the second time from the remembered plan
        assert journal.environ_headers(environ) == journal.redact_headers(EnvironHeaders(environ))
        assert list(journal.environ_headers(environ)) == [
            "Content-Type",
            "Authorization",
            "X-Api-Key",
            "Accept",
        ]
    environ["CONTENT_LENGTH"] = "3"
    assert journal.environ_headers(environ)["Content-Length"] == "3"


def test_exchanges_are_packed_and_read_back_with_masked_bodies():
    journal = Journal()
    entry = {"seq": journal.next_seq(), "type": "request", "body": None, "status": 200, "response_body": None}
    journal.exchange(entry, (b'{"password": "hunter2"}', "application/json"), (b"ok", "text/plain"))
    journal.side_effect("thing.done", 1.0)
    journal.exchange(
        {"seq": journal.next_seq(), "body": None, "response_body": None}, (b"x" * 70_000, None), None
    )
    first, effect, big = journal.entries()
    assert first == {
        "seq": 1,
        "type": "request",
        "body": '{"password": "***"}',
        "status": 200,
        "response_body": "ok",
    }
    assert effect["kind"] == "thing.done"
    assert big == {"seq": 3, "body": "<70000 bytes, not kept>", "response_body": None}
    assert journal.entries(limit=1) == [big]
    assert "hunter2" not in repr(journal.entries())


def test_journal_stays_under_its_byte_budget_dropping_the_oldest():
    journal = Journal(maxlen=10_000, max_bytes=200_000, preview_bytes=64 * 1024)
    body = b'{"notes": "' + b"x" * 60_000 + b'"}'
    for _ in range(50):
        entry = {"seq": journal.next_seq(), "type": "request", "body": None, "response_body": None}
        journal.exchange(entry, (body, "application/json"), (b"{}", "application/json"))
    assert journal.bytes <= 200_000
    kept = journal.entries()
    assert 2 <= len(kept) <= 4 and kept[-1]["seq"] == 50  # the newest are the ones kept
    assert kept[-1]["body"] == body.decode()


def test_bodies_over_the_preview_size_are_noted_not_kept():
    journal = Journal(preview_bytes=1000)
    entry = {"seq": journal.next_seq(), "type": "request", "body": None, "response_body": None}
    journal.exchange(entry, (b"y" * 1001, "text/plain"), (b"ok", "text/plain"))
    assert journal.entries()[0]["body"] == "<1001 bytes, not kept>"
    assert journal.entries()[0]["response_body"] == "ok"


def test_journal_pages_forward_after_a_seq():
    journal = Journal()
    for i in range(7):
        journal.append({"seq": journal.next_seq(), "i": i})
    assert [e["seq"] for e in journal.entries(limit=3, after=0)] == [1, 2, 3]
    assert [e["seq"] for e in journal.entries(limit=3, after=3)] == [4, 5, 6]
    assert [e["seq"] for e in journal.entries(after=6)] == [7]
    assert [e["seq"] for e in journal.entries(limit=2)] == [6, 7]  # without after: the newest, as before
