"""RSS of `catalog-harness serve` while the journal fills with large bodies.

    python bench/journal_rss.py [--puts 12000] [--body-kb 60] [--journal-bytes N]

Starts `serve shipstation` on a free port, seeds one product, sends PUTs whose body carries a
`internalNotes` of --body-kb KB, then reads the whole journal once. Prints the server's RSS before,
after the PUTs, after the journal read, and its peak (VmHWM). --journal-bytes sets the journal's byte
budget for the server (CATALOG_HARNESS_JOURNAL_BYTES); a huge value shows the old count-only cap.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import requests


def _tree(pid: int) -> list[int]:
    """The process and its descendants (granian serves from a child process)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in os.listdir(f"/proc/{current}/task"):
            with open(f"/proc/{current}/task/{task}/children") as children:
                todo += [int(c) for c in children.read().split()]
    return found


def rss(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) in MB, summed over the server's process tree."""
    fields = {"VmRSS": 0.0, "VmHWM": 0.0}
    for member in _tree(pid):
        with open(f"/proc/{member}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in fields:
                    fields[name] += int(value.split()[0]) / 1024
    return fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--puts", type=int, default=12_000)
    parser.add_argument("--body-kb", type=int, default=60)
    parser.add_argument("--journal-bytes", type=int, default=None)
    args = parser.parse_args()
    env = dict(os.environ)
    if args.journal_bytes:
        env["CATALOG_HARNESS_JOURNAL_BYTES"] = str(args.journal_bytes)
    server = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve", "shipstation", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())["vendors"]["shipstation"]
        base, control = info["api_url"].rstrip("/"), info["control_url"].rstrip("/")
        session = requests.Session()
        session.auth = ("test-key", "test-secret")
        session.put(f"{control}/settings", json={"rate_limit": 10**9}).raise_for_status()
        product = session.post(f"{control}/products", json={"products": [{"sku": "A-1", "name": "A"}]}).json()
        product = product["products"][0]
        time.sleep(0.5)
        before = rss(server.pid)
        notes = "x" * (args.body_kb * 1024)
        start = time.perf_counter()
        for _ in range(args.puts):
            session.put(f"{base}/products/{product['productId']}", json={**product, "internalNotes": notes})
        elapsed = time.perf_counter() - start
        after_puts = rss(server.pid)
        journal = session.get(f"{control}/journal")
        entries = len(journal.json()["entries"])
        after_read = rss(server.pid)
        print(
            f"{args.puts} PUTs of {args.body_kb} KB in {elapsed:.1f} s; journal read: {entries} entries, "
            f"{len(journal.content) / 2**20:.1f} MB"
        )
        print(
            f"RSS before {before['VmRSS']:.0f} MB, after the PUTs {after_puts['VmRSS']:.0f} MB, "
            f"after the journal read {after_read['VmRSS']:.0f} MB, peak {after_read['VmHWM']:.0f} MB"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
