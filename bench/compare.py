"""`catalog-harness serve` side by side with Prism and WireMock, on the same ShipStation workload.

    python bench/compare.py                    # serve, and each peer found on PATH
    DURATION=10 CONNECTIONS=16 python bench/compare.py
    PRISM="npx prism" WIREMOCK="npx wiremock" python bench/compare.py

The workload: 1,000 ShipStation products; wrk (apt-get install wrk) GETs `/products/{id}` and PUTs the
whole product back, cycling over the ids, with Basic auth. Each server runs alone, started fresh:
- `serve`: `catalog-harness serve shipstation` with auth, rate-limit accounting (limit raised so nothing is
  refused), journal and validation all on, as in normal use. `SERVE="python -m harness.cli serve"` swaps
  the command (to measure another checkout).
- Prism (`npm i -g @stoplight/prism-cli`): `prism mock contracts/shipstation.yaml`, static answers from
  the contract, request validation on.
- WireMock (`npm i -g wiremock`, Java 17): defaults, one stub per product for GET and one pattern stub
  for PUT (`WIREMOCK_STUBS=pattern`: one pattern stub for GET too, answering one product: WireMock's best
  case, as it matches a request against every stub in turn).

Printed per server: GET/s and PUT/s, p50/p99, CPU µs per request (utime+stime of the server's whole
process tree over the run / requests), RSS of the tree, and time from start to the first answer; then
ratios of serve to each peer. wrk runs on the same machine and takes a core of its own: on a shared
machine the figures are indicative, compare them within one run.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = 1000
DURATION = int(os.environ.get("DURATION", "8"))
WARMUP = int(os.environ.get("WARMUP", "2"))  # seconds of load before each measured run (JITs, caches)
CONNECTIONS = int(os.environ.get("CONNECTIONS", "16"))
AUTH = "Basic " + base64.b64encode(b"test-key:test-secret").decode()
TICK = os.sysconf("SC_CLK_TCK")


def product(i: int) -> dict:
    return {
        "productId": i,
        "sku": f"SKU-{i:04d}",
        "name": f"Bench product {i}",
        "price": 10.5,
        "defaultCost": 4.25,
        "length": 10.0,
        "width": 5.0,
        "height": 2.0,
        "weightOz": 12.0,
        "internalNotes": "bench",
        "fulfillmentSku": None,
        "active": True,
        "productCategory": None,
        "productType": None,
        "warehouseLocation": "A-1",
        "defaultCarrierCode": None,
        "defaultServiceCode": None,
        "defaultPackageCode": None,
        "defaultIntlCarrierCode": None,
        "defaultIntlServiceCode": None,
        "defaultIntlPackageCode": None,
        "defaultConfirmation": None,
        "defaultIntlConfirmation": None,
        "customsDescription": "Widget",
        "customsValue": 10.5,
        "customsTariffNo": None,
        "customsCountryCode": "US",
        "noCustoms": None,
        "tags": None,
    }


WRK_SCRIPT = """
local bodies, i = {}, 0
local method = "%(method)s"
function init(args)
  for id = 1, %(n)d do bodies[id] = string.format('%(body)s', id, id, id) end
end
function request()
  i = i %% %(n)d + 1
  local headers = {["Authorization"] = "%(auth)s", ["Content-Type"] = "application/json"}
  if method == "PUT" then
    return wrk.format("PUT", "%(prefix)s/products/" .. i, headers, bodies[i])
  end
  return wrk.format("GET", "%(prefix)s/products/" .. i, headers)
end
"""


@dataclass
class Row:
    name: str
    first_answer: float = 0.0
    rss_mb: float = 0.0
    runs: dict[str, dict] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def cpu_seconds(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def rss_mb(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+)", status)
        total += int(match.group(1)) if match else 0
    return total / 1024


def wait_answer(url: str, started: float, patience: float = 60.0) -> float:
    while time.perf_counter() - started < patience:
        try:
            requests.get(url, timeout=1)
            return time.perf_counter() - started
        except requests.RequestException:
            time.sleep(0.005)
    raise RuntimeError(f"no answer from {url} in {patience} s")


def wrk(port: int, prefix: str, method: str, workdir: Path, seconds: int = DURATION) -> dict:
    body = json.dumps(product(0)).replace("0,", "%d,", 1).replace("SKU-0000", "SKU-%04d")
    body = body.replace("Bench product 0", "Bench product %d")
    script = workdir / f"{method}.lua"
    script.write_text(
        WRK_SCRIPT % {"method": method, "n": PRODUCTS, "body": body, "auth": AUTH, "prefix": prefix}
    )
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    requests_done = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1)),
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1)),
        "requests": requests_done,
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measure(row: Row, process: subprocess.Popen, port: int, prefix: str, workdir: Path) -> Row:
    for method in ("GET", "PUT"):
        if WARMUP:
            wrk(port, prefix, method, workdir, WARMUP)
        before = cpu_seconds(process.pid)
        result = wrk(port, prefix, method, workdir)
        used = cpu_seconds(process.pid) - before
        result["cpu_us"] = used * 1e6 / max(result["requests"], 1)
        row.runs[method] = result
    row.rss_mb = rss_mb(process.pid)
    return row


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def start(command: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, **kwargs
    )


def bench_serve(workdir: Path) -> Row:
    port = free_port()
    command = shlex.split(os.environ.get("SERVE", f"{sys.executable} -m harness.cli serve"))
    started = time.perf_counter()
    process = start([*command, "shipstation", "--port", str(port)])
    base = f"http://127.0.0.1:{port}/shipstation"
    try:
        row = Row("serve", first_answer=wait_answer(f"{base}/__mock__/health", started))
        requests.put(f"{base}/__mock__/settings", json={"rate_limit": 10**9}, timeout=10).raise_for_status()
        products = [product(i) for i in range(1, PRODUCTS + 1)]
        requests.post(f"{base}/__mock__/products", json={"products": products}, timeout=30).raise_for_status()
        return measure(row, process, port, "/shipstation", workdir)
    finally:
        stop(process)


def bench_prism(command: list[str], workdir: Path) -> Row:
    port = free_port()
    started = time.perf_counter()
    process = start([*command, "mock", str(ROOT / "contracts" / "shipstation.yaml"), "-p", str(port)])
    try:
        row = Row("Prism", first_answer=wait_answer(f"http://127.0.0.1:{port}/products/1", started))
        return measure(row, process, port, "", workdir)
    finally:
        stop(process)


def bench_wiremock(command: list[str], workdir: Path) -> Row:
    port = free_port()
    started = time.perf_counter()
    process = start([*command, "--port", str(port), "--root-dir", str(workdir / "wiremock")])
    base = f"http://127.0.0.1:{port}"
    try:
        name = "WireMock" + (" (1 stub)" if os.environ.get("WIREMOCK_STUBS") == "pattern" else "")
        row = Row(name, first_answer=wait_answer(f"{base}/__admin/health", started))
        pattern = os.environ.get("WIREMOCK_STUBS") == "pattern"
        mappings = [
            {
                "request": {"method": "GET", "urlPathPattern": "/products/[0-9]+"}
                if pattern
                else {"method": "GET", "url": f"/products/{i}"},
                "response": {
                    "status": 200,
                    "jsonBody": product(i),
                    "headers": {"Content-Type": "application/json"},
                },
            }
            for i in range(1, 2 if pattern else PRODUCTS + 1)
        ]
        mappings.append(
            {
                "request": {"method": "PUT", "urlPathPattern": "/products/[0-9]+"},
                "response": {
                    "status": 200,
                    "jsonBody": {"success": True, "message": "The requested product has been updated"},
                    "headers": {"Content-Type": "application/json"},
                },
            }
        )
        imported = requests.post(f"{base}/__admin/mappings/import", json={"mappings": mappings}, timeout=60)
        imported.raise_for_status()
        return measure(row, process, port, "", workdir)
    finally:
        stop(process)


def peer(env: str, binary: str) -> list[str] | None:
    if os.environ.get(env):
        return shlex.split(os.environ[env])
    path = shutil.which(binary)
    return [path] if path else None


def main() -> None:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)")
        return
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "wiremock" / "mappings").mkdir(parents=True)
        rows.append(bench_serve(workdir))
        prism = peer("PRISM", "prism")
        if prism:
            rows.append(bench_prism(prism, workdir))
        else:
            print("Prism not found (npm i -g @stoplight/prism-cli, or PRISM=command)")
        wiremock = peer("WIREMOCK", "wiremock")
        if wiremock:
            rows.append(bench_wiremock(wiremock, workdir))
        else:
            print("WireMock not found (npm i -g wiremock, or WIREMOCK=command)")
    print(
        f"ShipStation workload, {PRODUCTS} products, wrk 1 thread x {CONNECTIONS} connections, "
        f"{DURATION} s per run, on {os.cpu_count()} cores (wrk included)"
    )
    print(
        f"{'server':18} {'GET/s':>8} {'p50/p99 ms':>12} {'µs CPU':>7} {'PUT/s':>8} {'p50/p99 ms':>12} "
        f"{'µs CPU':>7} {'RSS MB':>7} {'1st answer s':>12} {'non-2xx':>8}"
    )
    for row in rows:
        g, p = row.runs["GET"], row.runs["PUT"]
        print(
            f"{row.name:18} {g['rps']:8.0f} {g['p50']:5.2f}/{g['p99']:<6.2f} {g['cpu_us']:7.0f} "
            f"{p['rps']:8.0f} {p['p50']:5.2f}/{p['p99']:<6.2f} {p['cpu_us']:7.0f} {row.rss_mb:7.0f} "
            f"{row.first_answer:12.2f} {g['errors'] + p['errors']:8d}"
        )
    serve = rows[0]
    for other in rows[1:]:
        ratios = "  ".join(f"{m} {serve.runs[m]['rps'] / other.runs[m]['rps']:.2f}x" for m in ("GET", "PUT"))
        print(f"serve / {other.name}: {ratios}")


if __name__ == "__main__":
    main()
