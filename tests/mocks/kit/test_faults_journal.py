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
