"""`reproduce CASE` prints lines that run as printed: every case's setup and request, pasted into a shell
against a real `catalog-harness serve`, get the status and body `reproduce` printed."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from harness import cases
from harness.cli import main

ALL = cases.all_cases()
DEFAULT = "http://127.0.0.1:8080"
pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl binary (CI installs it)")


@pytest.fixture(scope="module")
def serve() -> Iterator[str]:
    """One real `catalog-harness serve` on a free port, for the whole module; its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = json.loads(process.stdout.readline())["port"]
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def printed(case_id: str, capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    assert main(["reproduce", case_id, *flags]) == 0
    return capsys.readouterr().out


def shell_block(text: str, start: str, end: str) -> str:
    """The lines between the `start` heading and the `end` one, as printed."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start)) + 1
    last = next(i for i in range(first, len(lines)) if lines[i] == end)
    return "\n".join(lines[first:last])


def parse_curl_i(raw: bytes) -> tuple[int, bytes]:
    """Status and body of the last response `curl -i` printed (a 100 Continue may come first)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    while re.match(rb"HTTP/1\.1 100", head):
        head, _, body = body.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.id)
def test_printed_setup_and_request_run_as_printed_on_serve(case, serve, capsys, tmp_path):
    text = printed(case.id, capsys, "--body-out", str(tmp_path / f"{case.id}.body"))
    data = json.loads(printed(case.id, capsys, "--json"))
    setup = shell_block(text, "setup (", "")
    request = shell_block(text, "request:", "")
    assert setup.count("curl ") >= 2 and request.startswith("curl -i ")
    notes = [line[2:] for line in setup.splitlines() if line.startswith("# ")]
    assert [f"{s['times']} x {s['note']}" if s["times"] > 1 else s["note"] for s in data["seed"]] == notes
    assert "\n".join(f"# {n}\n{s['curl']}" for n, s in zip(notes, data["seed"], strict=True)) == setup
    script = tmp_path / "lines.sh"
    script.write_text((setup + "\n" + request).replace(DEFAULT, serve) + "\n")
    done = subprocess.run(
        ["bash", "-e", str(script)], cwd=tmp_path, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    status, body = parse_curl_i(done.stdout)
    expected = data["response"]
    assert status == expected["status"], body.decode("utf-8", "replace")
    assert body.decode("utf-8") == expected["body"]
    assert f"HTTP/1.1 {status}" in text
