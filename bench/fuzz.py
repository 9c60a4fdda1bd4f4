"""Fuzz every vendor mock and its control API with hostile raw requests; print the outcomes.

    python bench/fuzz.py [--cases 100000] [--seed 0]

The cases are split evenly over the four vendors' routes and their control APIs, sent in process
(harness/fuzz.py). Prints, per surface, how many answers were 2xx/3xx/4xx, 5xx, HTML or broken JSON,
how many refused requests changed state, and whether every read still works afterwards. The goal is
0 in every column after 4xx.
"""

from __future__ import annotations

import argparse
import collections
import time

from harness import fuzz, vendors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    surfaces = [(vendor, control) for vendor in vendors.names() for control in (False, True)]
    per_surface = -(-args.cases // len(surfaces))
    columns = ["2xx", "3xx", "4xx", "5xx", "html", "not-json", "other problem", "intact after"]
    print(f"{'surface':<22}" + "".join(f"{c:>14}" for c in columns) + f"{'ms/case':>10}")
    total = 0
    bad = 0
    for vendor, control in surfaces:
        target = fuzz.target(vendor)
        counts: collections.Counter[str] = collections.Counter()
        examples: list[str] = []
        start = time.perf_counter()
        for seed in range(args.seed, args.seed + per_surface):
            req, answer, problems = target.case(seed, control)
            counts[answer.outcome] += 1
            other = [p for p in problems if not p.startswith(("5xx", "html", "not-json"))]
            counts["other problem"] += bool(other)
            if problems and len(examples) < 3:
                examples.append(f"  seed {seed}: {req.method} {req.path!r} -> {answer.status} {problems}")
        elapsed = time.perf_counter() - start
        broken = target.intact()
        counts["intact after"] = 0 if not broken else len(broken)
        name = f"{vendor}{' control' if control else ''}"
        print(
            f"{name:<22}"
            + "".join(
                f"{counts[c] if c != 'intact after' else ('yes' if not broken else 'NO'):>14}"
                for c in columns
            )
            + f"{elapsed / per_surface * 1000:>10.2f}"
        )
        for line in examples + [f"  broken afterwards: {b}" for b in broken]:
            print(line)
        total += per_surface
        bad += counts["5xx"] + counts["html"] + counts["not-json"] + counts["other problem"] + len(broken)
    print(f"{total} cases, {bad} problems")


if __name__ == "__main__":
    main()
