"""False failures of the reference clients under 20% random faults (a figure, not a test).

    python bench/fault_plans.py [--runs 200] [VENDOR...]

For each vendor, --runs generated scenarios (catalogue and vendor state as in `check`), each with a
fault plan where every fault target fails 20% of the time (503, dropped or cut answers, or the write
landing before the answer is spoiled), seeded per run. The reference client is meant to pass every
check under such faults, so every failing run is a false failure: the counts by check are printed,
with the first few failures.
"""

from __future__ import annotations

import argparse
import collections
import random
import time

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from harness import vendors
from harness.runner import run_once
from harness.strategies import catalogues, remote_state


def fault_plan(targets: list[tuple[str, str]], seed: int) -> list[dict]:
    rng = random.Random(seed)
    plan = []
    for method, path in targets:
        effect = rng.choice(["respond", "drop", "truncate"])
        rule = {"method": method, "path": path, "effect": effect, "probability": 0.2, "seed": seed}
        rule["when"] = rng.choice(["before", "after"])
        if effect == "respond":
            rule["status"] = rng.choice([500, 502, 503])
        plan.append(rule)
    return plan


def bench(vendor: str, runs: int) -> None:
    harness = vendors.get(vendor)
    adapter = harness.adapter
    counts: collections.Counter[str] = collections.Counter()
    examples: list[str] = []
    started = time.perf_counter()

    @settings(max_examples=runs, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(source=catalogues(max_size=8), data=st.data())
    def one(source, data) -> None:
        remote = data.draw(remote_state(source))
        existing = data.draw(adapter.existing_records(remote))
        counts["runs"] += 1
        faults = fault_plan(adapter.fault_targets, counts["runs"])
        result = run_once(harness, source, existing, faults, None, harness.property_checks)
        failed = sorted(name for name, found in result.failures.items() if found)
        counts["false failures"] += bool(failed)
        for name in failed:
            counts[name] += 1
            if len(examples) < 4:
                examples.append(f"  run {counts['runs']}: {result.failures[name][0]}")

    one()
    by_check = ", ".join(f"{k} {v}" for k, v in counts.items() if k not in ("runs", "false failures"))
    print(
        f"{vendor:<12} runs {counts['runs']:>4}  false failures {counts['false failures']:>3}"
        f"  ({by_check or 'none'})  {time.perf_counter() - started:.0f} s"
    )
    for line in examples:
        print(line[:400])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vendors", nargs="*", default=vendors.names())
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    for vendor in args.vendors:
        bench(vendor, args.runs)


if __name__ == "__main__":
    main()
