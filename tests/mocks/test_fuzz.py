"""Hostile raw requests at every route of every vendor and of the control API (harness/fuzz.py).

No answer is a 5xx, HTML or a JSON type with a body that does not parse; a control error is
{"error": "<message>"}; a refused request changes nothing; and afterwards every read still works.
Hypothesis draws the seeds (a failing seed replays the same request); 200 cases per surface.
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import fuzz, vendors


@functools.cache
def _target(vendor: str) -> fuzz.Target:
    return fuzz.target(vendor)


@pytest.mark.parametrize("control", [False, True], ids=["vendor", "control"])
@pytest.mark.parametrize("vendor", vendors.names())
def test_no_hostile_request_gets_a_5xx_html_or_a_half_change(vendor: str, control: bool) -> None:
    target = _target(vendor)

    @settings(max_examples=200, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(st.integers(0, 2**32 - 1))
    def one(seed: int) -> None:
        req, answer, problems = target.case(seed, control)
        assert not problems, (req, answer.status, answer.body[:300], problems)

    one()
    assert target.intact() == []
