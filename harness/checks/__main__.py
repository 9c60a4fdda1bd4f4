"""`python -m harness.checks`: the README's table of checks (between its checks markers)."""

from __future__ import annotations

from .readme import readme_table


def main() -> int:
    print(readme_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
