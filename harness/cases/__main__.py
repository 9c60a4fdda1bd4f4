"""`python -m harness.cases --markdown`: the README's table of cases (between its cases markers)."""

from __future__ import annotations

import argparse

from . import markdown_table


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.cases", description=__doc__)
    parser.add_argument("--markdown", action="store_true", help="print the cases as a Markdown table")
    parser.parse_args()
    print(markdown_table())  # the table is the only output there is; --markdown says so explicitly
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
