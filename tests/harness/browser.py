"""Headless Chromium for the page tests: one-shot runs (--dump-dom, --screenshot), a DevTools session over
a pipe (no websocket library: Chromium's --remote-debugging-pipe speaks NUL-terminated JSON on fds 3 and
4), and the screenshot check (a PNG reader small enough to keep Pillow out of the dependencies)."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import struct
import subprocess
import threading
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium binary on PATH (Debian: apt-get install -y chromium)"
)


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    command = [
        CHROMIUM,
        *CHROMIUM_FLAGS,
        "--virtual-time-budget=2000",
        f"--user-data-dir={profile}",
        *extra,
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


# -- screenshots: a PNG reader small enough to keep Pillow out of the dependencies --------------------------
def png_rows(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows (RGB) of an 8-bit, non-interlaced RGB or RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    pos, idat, header = 8, bytearray(), None
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(bytes(idat)), width * bpp
    rows, previous = [], bytes(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = previous[i], previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        previous = bytes(line)
        rows.append(previous if bpp == 3 else bytes(v for i, v in enumerate(previous) if i % 4 != 3))
    return width, height, rows


def colours(path: Path) -> Counter:
    """How many pixels of each RGB colour the screenshot holds."""
    _, _, rows = png_rows(path)
    counts: Counter = Counter()
    for row in rows:
        counts.update(zip(row[0::3], row[1::3], row[2::3], strict=True))
    return counts


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def assert_rendered(shot: Path, *fills: str) -> None:
    """Not blank and not unstyled: many colours, none taking the whole page, and each expected fill
    (the matrix's pass and fail cells, say) painted over a real area."""
    counts = colours(shot)
    total = sum(counts.values())
    assert len(counts) > 50, f"{shot.name}: {len(counts)} colours: a blank or broken page"
    assert counts.most_common(1)[0][1] < 0.97 * total, f"{shot.name}: one flat colour"
    for fill in fills:
        assert counts[rgb(fill)] > 200, f"{shot.name}: no area painted {fill}"


# -- a DevTools session over a pipe ------------------------------------------------------------------------
class DevTools:
    """One headless Chromium and one page in it, driven over --remote-debugging-pipe.

    `problems` collects every console message, uncaught exception and log entry of level warning or
    error the page produces (the pages under test never log, so any is a problem)."""

    def __init__(self, tmp_path: Path) -> None:
        assert CHROMIUM is not None
        to_chrome, self._write = os.pipe()
        self._read, from_chrome = os.pipe()
        # Chromium reads commands on fd 3 and writes answers on fd 4; bash puts the pipes there, from
        # numbers above 9 so that neither is 3 or 4 already (dash takes no fd above 9).
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome, from_chrome)]
        for fd in (to_chrome, from_chrome):
            os.close(fd)
        profile = tmp_path / "chromium-devtools-profile"
        script = f'exec "$0" "$@" 3<&{ends[0]} 4>&{ends[1]}'
        args = [*CHROMIUM_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"]
        self.process = subprocess.Popen(
            ["bash", "-c", script, CHROMIUM, *args],
            pass_fds=tuple(ends),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in ends:
            os.close(fd)
        self._next = 0
        self._answers: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self.problems: list[str] = []
        threading.Thread(target=self._reader, daemon=True).start()
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self.send(f"{domain}.enable", session=self.session)

    def _reader(self) -> None:
        buffer = b""
        while chunk := os.read(self._read, 1 << 16):
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                self._dispatch(json.loads(raw))

    def _dispatch(self, message: dict) -> None:
        if "id" in message:
            with self._lock:
                waiting = self._answers.get(message["id"])
            if waiting is not None:
                waiting.put(message)
            return
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            texts = [str(a.get("value", a.get("description", ""))) for a in params.get("args", [])]
            self.problems.append(f"console.{params.get('type')}: {' '.join(texts)}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.problems.append(f"Uncaught {details.get('exception', {}).get('description') or details}")
        elif method == "Log.entryAdded" and params["entry"].get("level") in ("warning", "error"):
            self.problems.append(f"log {params['entry'].get('source')}: {params['entry'].get('text')}")

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        with self._lock:
            self._next += 1
            ident, answer = self._next, queue.Queue()
            self._answers[ident] = answer
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        reply = answer.get(timeout=60)
        assert "error" not in reply, f"{method}: {reply['error']}"
        return reply["result"]

    def open(self, url: str) -> None:
        """Navigate and wait until the new document has been parsed (its inline scripts have run)."""
        self.send("Page.navigate", {"url": url}, self.session)
        self.wait_for(f"location.href === {json.dumps(url)} && document.readyState !== 'loading'")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (awaited when it is a promise)."""
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        result = self.send("Runtime.evaluate", params, self.session)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        """Evaluate until the value is truthy (the page polls its server once a second)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value or time.monotonic() > deadline:
                assert value, f"still falsy after {timeout} s: {expression}"
                return value
            time.sleep(0.1)

    def screenshot(self, path: Path, width: int = 1100, height: int = 1300) -> Path:
        """At half scale, as `screenshot` below: the same layout in a quarter of the pixels."""
        metrics = {"width": width, "height": height, "deviceScaleFactor": 0.5, "mobile": False}
        self.send("Emulation.setDeviceMetricsOverride", metrics, self.session)
        data = self.send("Page.captureScreenshot", {"format": "png"}, self.session)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        with contextlib.suppress(OSError):  # no answer awaited: the browser may be gone before it sends one
            os.write(self._write, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._write)
