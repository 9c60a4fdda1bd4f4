"""Scale-out figures: `check` and `verify` with --workers 2 against 1, and two shards against one run.

    python bench/scale_out.py                    # all four, as issue 16 asks (several minutes)
    python bench/scale_out.py --only phases      # CPU seconds of each vendor's contract, control, property
    python bench/scale_out.py --verify-examples 40 --union-examples 40     # quicker

Prints wall-clock seconds per run; `check` is timed warm (one untimed run first), --workers 2 and 1
alternating. The machine's load average is printed too: on a shared machine the figures say more
relative to each other than alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(argv: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, done.returncode


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench_check(repeat: int) -> None:
    """`check` with --workers 1 and 2, warm (one untimed run first), the two alternating."""
    cli = [sys.executable, "-m", "harness.cli", "check"]
    timed([*cli, "--workers", "2"])  # warm: bytecode and the OS page cache
    runs: dict[int, list[tuple[float, int, str]]] = {1: [], 2: []}
    for _ in range(repeat):
        for workers in (2, 1):
            seconds, code = timed([*cli, "--workers", str(workers)])
            runs[workers].append((seconds, code, load()))
    for workers, done in runs.items():
        each = ", ".join(f"{s:.1f}s (load {at})" for s, _, at in done)
        print(
            f"check, all four vendors, --workers {workers}: best {min(s for s, _, _ in done):.1f}s of "
            f"{repeat}: {each} (exit {done[0][1]})"
        )


def bench_phases() -> None:
    """CPU seconds of each unit of `check` in this process, vendor by vendor: where the time goes."""
    from harness import vendors
    from harness.runner import property_run
    from harness.shards import stable_generation
    from harness.workers import Unit, run_unit

    total = 0.0
    for name in vendors.names():
        row = []
        for kind in ("contract", "control contract"):
            began = time.process_time()
            run_unit(Unit(name, kind), 20, 0, None)
            row.append(time.process_time() - began)
        began = time.process_time()
        with stable_generation():
            property_run(vendors.get(name), 25, 0)
        row.append(time.process_time() - began)
        total += sum(row)
        contract, control, prop = (f"{x:.1f}s" for x in row)
        print(f"{name}: contract {contract}, control contract {control}, property run {prop} CPU")
    print(f"all four: {total:.1f}s CPU in one process (load {load()})")


def bench_verify(examples: int) -> None:
    node = shutil.which("node")
    if node is None:
        print("verify: skipped, node is not installed")
        return
    client = str(ROOT / "examples" / "node" / "shipstation-sync.mjs")
    for workers in (1, 2):
        argv = [sys.executable, "-m", "harness.cli", "verify", "shipstation", "--examples", str(examples)]
        seconds, code = timed([*argv, "--workers", str(workers), "--", node, client])
        print(
            f"verify --examples {examples} of the Node example client, --workers {workers}: "
            f"{seconds:.1f}s, {seconds / examples:.2f}s per example (exit {code}; load {load()})"
        )


def bench_union(examples: int) -> None:
    """Two shards of examples/2 against one run of `examples` on two workers, by example ids."""
    from harness import vendors
    from harness.runner import property_run
    from harness.shards import Shard, blocks, stable_generation
    from harness.workers import Unit, merge_property, run_parallel, run_unit

    cut = blocks(examples, 0)
    started = time.perf_counter()
    one = run_parallel(
        [(run_unit, (Unit("starshipit", "property", b), 1, 0, None)) for b in cut], 2, lambda line: None
    )
    merged = merge_property("starshipit", [u.property for u in one if u.property])
    whole = time.perf_counter() - started
    ids: list[list[str]] = []
    with stable_generation():
        for i in (1, 2):
            outcomes = [
                property_run(vendors.get("starshipit"), b.examples, b.seed) for b in Shard(i, 2).take(cut)
            ]
            ids.append([x for o in outcomes for x in o.example_ids])
    same = sorted(ids[0] + ids[1]) == sorted(merged.example_ids)
    print(
        f"starshipit property run of {examples} on 2 workers ({whole:.1f}s) against shards 1/2 "
        f"({len(ids[0])} examples) and 2/2 ({len(ids[1])}): union equal by example ids: {same}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--check-repeat", type=int, default=2)
    parser.add_argument("--verify-examples", type=int, default=200)
    parser.add_argument("--union-examples", type=int, default=200)
    parser.add_argument("--only", choices=("check", "phases", "verify", "union"))
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average {load()}")
    if args.only in (None, "check"):
        bench_check(args.check_repeat)
    if args.only in (None, "phases"):
        bench_phases()
    if args.only in (None, "verify"):
        bench_verify(args.verify_examples)
    if args.only in (None, "union"):
        bench_union(args.union_examples)


if __name__ == "__main__":
    main()
