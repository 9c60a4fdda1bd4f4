"""`python -m mocks.new_vendor NAME [--title TITLE] [--root DIR]`: scaffold a vendor (see the package)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import ROOT, ScaffoldError, next_steps, scaffold

USAGE_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mocks.new_vendor", description=__doc__)
    parser.add_argument("name", metavar="NAME", help="the vendor's name: lowercase letters and digits")
    parser.add_argument("--title", help="how documents name it (default: NAME capitalised)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to write into (default: this)")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"error: --root {args.root} is not a directory", file=sys.stderr)
        return USAGE_ERROR
    try:
        written = scaffold(args.name, args.root, args.title)
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    print(f"wrote {len(written)} files for {args.name}:")
    for path in written:
        print(f"  {path}")
    print(next_steps(args.name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
