import pytest

from mocks.kit.clock import VIRTUAL_EPOCH, Clock
from mocks.kit.ratelimit import RateLimiter


def test_virtual_clock_stands_still_until_advanced_and_tells_listeners():
    clock = Clock(virtual=True)
    seen = []
    clock.on_advance(seen.append)
    assert clock.now() == VIRTUAL_EPOCH
    clock.sleep(2.5)
    clock.advance(0.5)
    assert clock.now() == VIRTUAL_EPOCH + 3
    assert seen == [VIRTUAL_EPOCH + 2.5, VIRTUAL_EPOCH + 3]
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_real_clock_cannot_be_advanced_but_can_be_frozen():
    clock = Clock()
    with pytest.raises(ValueError, match="virtual"):
        clock.advance(1)
    clock.set_virtual(100.0)
    assert clock.snapshot() == {"mode": "virtual", "now": 100.0}
    clock.set_real()
    assert not clock.virtual


def test_fixed_windows_are_aligned_and_refusals_do_not_use_the_window():
    clock = Clock(virtual=True)
    limiter = RateLimiter(clock, limit=2, period=60)
    clock.advance(50)
    first, second, third = (limiter.hit("k") for _ in range(3))
    assert (first.allowed, first.remaining, first.reset_seconds) == (True, 1, 10)
    assert (second.allowed, second.remaining) == (True, 0)
    assert (third.allowed, third.remaining, third.reset_at) == (False, 0, VIRTUAL_EPOCH + 60)
    assert limiter.hit("other").allowed  # keyed by credential
    clock.advance(10)  # exactly the boundary: a new window
    fresh = limiter.hit("k")
    assert (fresh.allowed, fresh.remaining, fresh.reset_seconds) == (True, 1, 60)


def test_reset_seconds_is_never_zero():
    clock = Clock(virtual=True)
    limiter = RateLimiter(clock, limit=1, period=1)
    clock.advance(0.9999999999)
    assert limiter.hit("k").reset_seconds == 1
