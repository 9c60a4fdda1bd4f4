"""-q/--quiet and -v/--verbose on every command, through the real command line (output piped).

-q: only the verdict and errors. -v: more detail. What each adds or leaves out is in the command's --help.
"""

import json
import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from harness import vendors
from harness.record import serve as record_proxy
from harness.report import Result, to_json
from mocks.kit.core import Mock
from mocks.kit.server import ServerThread

CLI = [sys.executable, "-m", "harness.cli"]


def run_cli(*argv: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "60"},
        check=False,
    )


def test_check(tmp_path):
    small = ["check", "shipstation", "--workers", "1", "--examples", "1", "--contract-examples", "1"]
    quiet = run_cli(*small, "-q")
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    assert len(quiet.stdout.splitlines()) == 1 and " passed, 0 failed in " in quiet.stdout
    verbose = run_cli(*small, "--verbose")
    assert verbose.returncode == 0, verbose.stderr
    assert "shipstation: contract: 6/6 ok" in verbose.stderr  # the progress lines stay
    assert "every result" in verbose.stdout and "GET /products/{productId} [negative]" in verbose.stdout


@pytest.fixture
def files(tmp_path):
    catalog, state = tmp_path / "c.json", tmp_path / "s.json"
    catalog.write_text(json.dumps({"products": [{"sku": "A-1", "name": "Apple"}]}))
    state.write_text(json.dumps({"products": [{"sku": "A-1", "name": "Old"}]}))
    return ["--catalog", str(catalog), "--state", str(state)]


# A sync that only lists the products (and is refused: no credentials): one request a run, no writes.
LISTS = (
    "import os, urllib.request as u\n"
    "try: u.urlopen(os.environ['HARNESS_BASE_URL'] + '/products')\n"
    "except OSError: pass"
)


def test_verify(files):
    command = ["verify", "shipstation", *files, "--", sys.executable, "-c", f"print('said'); {LISTS}"]
    quiet = run_cli(*command[:-4], "-q", *command[-4:])
    assert quiet.returncode == 1
    assert quiet.stderr.split("\n")[0].startswith("in ")  # no intro line
    assert "said" not in quiet.stdout and "convergence" in quiet.stdout
    assert "idempotence" not in quiet.stdout.split("failed")[0]  # passing checks are left out
    verbose = run_cli(*command[:-4], "-v", *command[-4:])
    name = os.path.basename(sys.executable)
    assert verbose.returncode == 1 and f"  {name} | said" in verbose.stdout
    lines = verbose.stdout.splitlines()
    assert "── requests, first run ──" in lines and "── requests, second run ──" in lines
    assert lines.count("GET /products 401") == 2


# Prints one long line (a pipe's atomic write is 4 KiB: whole lines must not rely on it) and a short one.
SAYS = "import os; print('said', os.getpid(), 'x' * 9000); print('done', os.getpid())\n" + LISTS


def test_verify_on_workers_passes_the_command_output_through_whole_lines(files):
    from harness.shards import BLOCK_EXAMPLES

    command = ["verify", "shipstation", "--examples", str(BLOCK_EXAMPLES + 1), "--workers", "2",
               "--shrink-seconds", "0", "--", sys.executable, "-c", SAYS]  # fmt: skip
    shown = run_cli(*command)
    assert shown.returncode == 1, shown.stderr  # two blocks, each stopped by its first failure
    name = re.escape(os.path.basename(sys.executable))
    relayed = re.compile(rf"  \[(w[12])\] {name} \| (said|done) (\d+)( x{{9000}})?")
    output = [line for line in shown.stdout.splitlines() if " | " in line]
    found = [relayed.fullmatch(line) for line in output]
    assert output and all(found), output  # every line whole, marked with its worker and the command
    said = {(m[1], m[3]) for m in found if m and m[2] == "said" and m[4]}
    assert said == {(m[1], m[3]) for m in found if m and m[2] == "done"}  # each run's lines, same worker
    examples = re.findall(r"\[w[12]\] shipstation block \d example \d+: ", shown.stderr)
    assert len(said) == 2 * len(examples) >= 4  # two runs an example, in both blocks
    quiet = run_cli(*command[:2], "-q", *command[2:])
    assert quiet.returncode == 1 and " | said " not in quiet.stdout + quiet.stderr  # (the replay line has it)


def test_contract():
    quiet = run_cli("contract", "shipstation", "--examples", "1", "--workers", "1", "-q")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout.startswith("shipstation contract at http://127.0.0.1:")
    assert quiet.stdout.rstrip().endswith(": 4 passed, 0 failed") and len(quiet.stdout.splitlines()) == 1
    verbose = run_cli("contract", "shipstation", "--examples", "1", "--workers", "1", "-v")
    assert verbose.returncode == 0
    operations = [line for line in verbose.stderr.splitlines() if line.startswith("  ok ")]
    assert len(operations) == 4 and all(re.search(r" 1 examples in \d+\.\d\ds$", o) for o in operations)


def test_serve():
    def served(*flags: str) -> tuple[list[str], str]:
        process = subprocess.Popen(
            [*CLI, "serve", "tocobagus", "--port", "0", "--json", *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            base = json.loads(process.stdout.readline())["vendors"]["tocobagus"]["base_url"]
            requests.get(f"{base}/__mock__/health", timeout=5).raise_for_status()
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=15)
        assert process.returncode == 0, err
        return out.splitlines(), err

    out, err = served("-q")
    assert out == [] and err == ""  # nothing but the --json line, read above
    out, err = served("-v")
    assert out[0].startswith("GET /tocobagus/__mock__/health 200 ") and "control API" in err


def test_record(tmp_path):
    app = vendors.get("shipstation").create_app()
    with ServerThread(app) as upstream:
        for flag, expect_line in (("-q", False), ("-v", True)):
            process = subprocess.Popen(
                [*CLI, "record", "shipstation", "--upstream", upstream.base_url, "--port", "0", flag,
                 "--out", str(tmp_path / f"{flag}.har")],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            try:
                port = _port_of(process, flag)
                auth = ("test-key", "test-secret")
                requests.get(f"http://127.0.0.1:{port}/products", auth=auth, timeout=10)
            finally:
                process.send_signal(signal.SIGTERM)
                out, err = process.communicate(timeout=20)
            assert process.returncode == 0, err
            assert ("GET /products 200 " in out) is expect_line, out
            assert "1 exchanges recorded in" in err  # the outcome, even under -q
            assert "recording shipstation" not in err  # -v: the banner was read for the port; -q: none


def _port_of(process, flag):
    """-v says where it listens on stderr; -q says nothing, so find the listening port from /proc."""
    if flag == "-v":
        line = process.stderr.readline()
        return int(line.split("http://127.0.0.1:")[1].split()[0])
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ports = _listening(process.pid)
        if ports:
            return ports[0]
        time.sleep(0.1)
    raise AssertionError("record never listened")


def _listening(pid: int) -> list[int]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = []
    with open("/proc/net/tcp") as table:
        for row in list(table)[1:]:
            parts = row.split()
            if parts[3] == "0A" and parts[9] in inodes:  # LISTEN
                ports.append(int(parts[1].split(":")[1], 16))
    return ports


def test_drift(tmp_path):
    upstream_app = vendors.get("shipstation").create_app()
    Mock.of(upstream_app).install_faults([{"method": "GET", "path": "^/products$", "status": 503}])
    with ServerThread(upstream_app) as upstream:
        proxy, _ = record_proxy("shipstation", upstream.base_url, tmp_path / "c.har")
        try:
            requests.get(f"{proxy.base_url}/products", auth=("test-key", "test-secret"), timeout=10)
        finally:
            proxy.stop()
    quiet = run_cli("drift", "shipstation", str(tmp_path / "c.har"), "-q")
    assert quiet.returncode == 5 and quiet.stderr == ""
    assert quiet.stdout.startswith("shipstation: drift: ") and len(quiet.stdout.splitlines()) == 1
    verbose = run_cli("drift", "shipstation", str(tmp_path / "c.har"), "-v")
    assert verbose.returncode == 5
    assert any(line.startswith("  #1: ") for line in verbose.stdout.splitlines()), verbose.stdout


def test_merge_reports(tmp_path):
    report = tmp_path / "in.json"
    results = [
        Result("shipstation", "contract", "GET /products", True, 1.0),
        Result("shipstation", "property", "convergence", False, 1.0),
    ]
    report.write_text(to_json(results, command="check"))
    quiet = run_cli("merge-reports", str(tmp_path / "out.json"), str(report), "-q")
    assert quiet.returncode == 1 and quiet.stderr == "fail: shipstation · property · convergence\n"
    verbose = run_cli("merge-reports", str(tmp_path / "out.json"), str(report), "-v")
    lines = verbose.stderr.splitlines()
    assert lines[:3] == [
        f"{report}: 2 results",
        "pass: shipstation · contract · GET /products",
        "fail: shipstation · property · convergence",
    ]
    assert lines[3].endswith("2 results from 1 reports: 1 passed, 1 failed, 0 inconclusive")


def test_cases_quirks_and_reproduce():
    quiet = run_cli("cases", "starshipit", "-q")
    assert quiet.returncode == 0 and "starshipit.rate-limit" in quiet.stdout.splitlines()
    assert all(line.startswith("starshipit.") for line in quiet.stdout.splitlines())
    assert "description" in run_cli("cases", "starshipit", "-v").stdout
    quirks = run_cli("quirks", "shipstation", "-q").stdout.splitlines()
    assert quirks and all(line.startswith("shipstation.") and "=" in line for line in quirks)
    assert "other values" in run_cli("quirks", "-v").stdout
    repro = run_cli("reproduce", "starshipit.rate-limit", "-q").stdout
    assert repro.startswith("curl -i -X GET") and repro.rstrip().endswith("HTTP/1.1 429 TOO MANY REQUESTS")
    assert "Retry-After" not in repro
    verbose = run_cli("reproduce", "starshipit.rate-limit", "-v").stdout
    assert "request as the mock received it:\nGET /api/products" in verbose and "response in full:" in verbose
