"""Ctrl-C and SIGTERM stop a long run even when Python swallows the first KeyboardInterrupt."""

import signal

import pytest

from harness.interrupts import Interrupted, Interrupts


class SignalsWhenCollected:
    def __del__(self) -> None:
        signal.raise_signal(signal.SIGTERM)  # the handler's exception is raised inside a finaliser


def test_an_interrupt_swallowed_in_a_finaliser_is_raised_at_the_next_checkpoint(capsys):
    previous = signal.getsignal(signal.SIGTERM)
    with Interrupts() as interrupts:
        SignalsWhenCollected()  # collected at once; Python reports the exception as unraisable
        with pytest.raises(Interrupted) as stopped:
            interrupts.checkpoint()
    assert stopped.value.exit_code == 143
    assert capsys.readouterr().err == ""  # no "Exception ignored in …" noise
    assert signal.getsignal(signal.SIGTERM) is previous


def test_a_checkpoint_without_a_signal_does_nothing():
    with Interrupts() as interrupts:
        interrupts.checkpoint(1, "any", "arguments")
