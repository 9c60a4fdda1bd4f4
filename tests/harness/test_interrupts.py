"""Ctrl-C and SIGTERM stop a long run even when Python swallows the first KeyboardInterrupt."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import command
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


def _gone(pid: int, patience: float = 10.0) -> bool:
    """Dead or a zombie within `patience` seconds (SIGKILL is delivered asynchronously)."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.02)
    return False


def test_a_signal_while_the_command_is_still_starting_kills_its_group(tmp_path, monkeypatch):
    """Under load the command runs (and spawns) before Popen has returned to run_command: a SIGTERM then
    used to escape before the `finally` that kills the group, and the command's children outlived verify
    (the flaky tests/cli/test_usage.py::test_a_signal_to_verify_kills_the_command_and_exits_128_plus_it)."""
    pids, popen = tmp_path / "pids", subprocess.Popen

    def popen_then_signal(*args, **kwargs):  # the signal lands between the start and Popen's return
        process = popen(*args, **kwargs)
        deadline = time.monotonic() + 30
        while not (pids.exists() and pids.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.01)
        signal.raise_signal(signal.SIGTERM)
        return process

    monkeypatch.setattr(command.subprocess, "Popen", popen_then_signal)
    sleeper = ["sh", "-c", 'sleep 300 & echo $! >> "$PIDS"; wait']
    started = time.monotonic()
    with Interrupts(), pytest.raises(Interrupted) as stopped:
        command.run_command(sleeper, {"PIDS": str(pids)}, timeout=60)
    assert stopped.value.exit_code == 143 and time.monotonic() - started < 30  # not held to the timeout
    assert _gone(int(pids.read_text().split()[0]))


WORKER = """
import os, signal, subprocess, sys, time
from pathlib import Path
from harness import command

pids, popen = Path(sys.argv[1]), subprocess.Popen

def popen_then_signal(*args, **kwargs):  # the pool's SIGTERM lands while the command is starting
    process = popen(*args, **kwargs)
    while not (pids.exists() and pids.read_text().strip()):
        time.sleep(0.01)
    signal.raise_signal(signal.SIGTERM)
    return process

command.subprocess.Popen = popen_then_signal
command.DieOnSigterm().__enter__()  # as a pool worker does (harness.workers)
try:
    command.run_command(["sh", "-c", 'sleep 300 & echo $! >> "$PIDS"; wait'], {"PIDS": str(pids)}, 60)
except KeyboardInterrupt as stop:
    print("unwound", flush=True)
    os._exit(stop.exit_code)
"""


def test_a_worker_stopped_while_its_command_starts_kills_the_command_first(tmp_path):
    """A worker dies at once on SIGTERM; a command still starting is not yet known to kill_running, so the
    signal waits for run_command's checkpoint, which kills the group before the worker exits."""
    pids = tmp_path / "pids"
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(pids)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 143 and done.stdout == "unwound\n", done.stderr
    assert _gone(int(pids.read_text().split()[0]))
