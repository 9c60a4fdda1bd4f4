"""verify keeps a bounded head and tail of a command's output, and passes all of it through."""

from __future__ import annotations

import io
import sys

from harness.output import BoundedOutput
from harness.verify import run_command


def test_bounded_output_keeps_head_and_tail_and_says_what_it_left_out():
    kept = BoundedOutput(head_bytes=10, tail_bytes=10)
    for n in range(100):
        kept.append(f"{n:04d}\n")
    assert kept.text() == "0000\n0001\n... 480 characters of output not kept ...\n0098\n0099\n"


def test_a_chatty_command_is_echoed_whole_and_kept_bounded():
    script = "import sys\nfor n in range(300_000): sys.stdout.write(f'line {n:07d} ' + 'x' * 30 + '\\n')\n"
    echo = io.StringIO()
    run = run_command([sys.executable, "-c", script], {}, timeout=60, echo=echo)
    assert run.exit_code == 0
    assert echo.getvalue().count("\n") == 300_000  # ~13 MB passed through
    assert len(run.output) < 9 * 1024 * 1024
    assert run.output.startswith("line 0000000 ") and run.output.endswith("line 0299999 " + "x" * 30 + "\n")
    assert "characters of output not kept" in run.output
