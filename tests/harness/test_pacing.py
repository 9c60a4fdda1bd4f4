"""Pacing to a vendor's limit on a fake clock: the window, the answers' hints and the request budget."""

import pytest

from harness.pacing import BudgetExhausted, PacePolicy, Pacer, policy_for


class FakeClock:
    def __init__(self):
        self.t = 1000.0
        self.slept = []

    def now(self):
        return self.t

    def sleep(self, seconds):
        self.slept.append(round(seconds, 3))
        self.t += seconds


def pacer(policy, **kwargs):
    clock = FakeClock()
    waits = []
    p = Pacer(policy, now=clock.now, sleep=clock.sleep, on_wait=lambda s, r: waits.append(r), **kwargs)
    return p, clock, waits


def test_policies_come_from_the_mocks_metadata():
    assert policy_for("shipstation") == PacePolicy(40, 60.0, reads_headers=True)
    assert policy_for("starshipit") == PacePolicy(2, 1.0, reads_headers=False)
    assert policy_for("starshipit", "production").limit == 20
    assert policy_for("shiptheory") == PacePolicy(1, 1.0, reads_headers=False)
    assert policy_for("tocobagus") == PacePolicy(600, 60.0, reads_headers=False)
    with pytest.raises(KeyError, match="unknown tier 'gold'"):
        policy_for("starshipit", "gold")


def test_no_more_than_the_limit_goes_out_in_any_window():
    p, clock, waits = pacer(PacePolicy(2, 1.0, reads_headers=False))
    for _ in range(6):
        p.before()
    sent = list(p.sent)
    assert clock.slept == [1.05, 1.05]
    assert all(later - earlier >= 1.0 for earlier, later in zip(sent, sent[2:], strict=False))
    assert waits and all(r == "pacing to 2 requests per 1s" for r in waits)


def test_shipstation_waits_for_the_reset_when_nothing_remains():
    p, clock, waits = pacer(policy_for("shipstation"))
    p.before()
    p.after(200, {"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "12", "X-Rate-Limit-Limit": "40"})
    p.before()
    assert clock.slept == [12.0] and waits == ["X-Rate-Limit-Remaining: 0, X-Rate-Limit-Reset: 12"]
    p.after(200, {"X-Rate-Limit-Remaining": "5", "X-Rate-Limit-Reset": "30"})
    p.before()
    assert clock.slept == [12.0]


def test_retry_after_is_honoured_and_a_bare_429_backs_off_one_window():
    p, clock, waits = pacer(PacePolicy(100, 1.0, reads_headers=False))
    p.before()
    p.after(429, {"Retry-After": "3"})
    p.before()
    p.after(429, {})
    p.before()
    assert clock.slept == [3.0, 1.0]
    assert waits == ["Retry-After: 3", "429 without Retry-After: one window (1s)"]


def test_the_budget_caps_the_run():
    p, _, _ = pacer(PacePolicy(100, 1.0, reads_headers=False), max_requests=2)
    p.before()
    p.before()
    with pytest.raises(BudgetExhausted, match="--max-requests 2"):
        p.before()
    assert p.requests == 2 and p.exhausted
