"""Everything that lists the vendors, generated from the registry, so a new vendor is one line to register.

`python -m harness.vendor_docs` rewrites the README's vendor sections (between `<!-- NAME:start -->` and
`<!-- NAME:end -->`, on their own lines or inline in a sentence or a table cell) and control.yaml's
settings (harness.control_settings); `--check` only says what is stale. Each vendor's own section of the
README is `mocks/<vendor>/README.md`, which starts with its title (`### ShipStation (V1)`).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Callable
from pathlib import Path

import contracts

from . import control_settings, markdown, vendors

README = Path(__file__).resolve().parents[1] / "README.md"
STALE = 1


def fragment(name: str) -> str:
    """The vendor's README section, from its mock package."""
    package = Path(importlib.import_module(f"mocks.{name}").__file__ or "").parent
    return (package / "README.md").read_text(encoding="utf-8").strip()


def title(name: str) -> str:
    """How documents name the vendor: the heading of its README section."""
    return fragment(name).splitlines()[0].lstrip("#").strip()


def _listed(items: list[str], last: str = "and") -> str:
    return ", ".join(items) if len(items) < 2 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def _contract_env() -> str:
    rows = []
    for name in vendors.names():
        harness = vendors.get(name)
        env = ", ".join(f"`{variable}`" for variable in harness.env_credentials)
        rows.append([name, env, harness.base_url_example])
    return markdown.table(["vendor", "environment", "base URL example"], rows)


def _credentials() -> str:
    return ", ".join("/".join(f"`{v}`" for v in vendors.get(n).env_credentials) for n in vendors.names())


# section name -> its text (the README holds each between its markers)
SECTIONS: dict[str, Callable[[], str]] = {
    "vendor-names": lambda: _listed([f"**{title(n)}**" for n in vendors.names()]),
    "vendors": lambda: "\n\n".join(fragment(n) for n in vendors.names()),
    "contract-env": _contract_env,
    "vendor-ids": lambda: _listed([f"`{n}`" for n in vendors.names()], "or"),
    "vendor-credentials": _credentials,
    "fixtures": lambda: ", ".join(f"`{n}_mock`" for n in vendors.names()),
}


def sections() -> dict[str, str]:
    return {name: make() for name, make in SECTIONS.items()}


def rewritten(text: str) -> str:
    """The README's text with every vendor section regenerated (a missing marker is an error)."""
    for name, body in sections().items():
        pattern = re.compile(rf"<!-- {name}:start -->(\n?).*?<!-- {name}:end -->", re.S)
        if pattern.search(text) is None:
            raise ValueError(f"README.md has no <!-- {name}:start --> ... <!-- {name}:end --> markers")
        text = pattern.sub(lambda m, name=name, body=body: _filled(m, name, body), text)
    return text


def _filled(found: re.Match, name: str, body: str) -> str:
    """Inline markers take the text as is; markers on their own lines take it as lines at their indent."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if not found.group(1):
        return start + body + end
    indent = found.string[found.string.rfind("\n", 0, found.start()) + 1 : found.start()]
    lines = "".join(f"{indent}{line}\n" if line else "\n" for line in body.splitlines())
    return f"{start}\n{lines}{indent}{end}"


def _targets() -> list[tuple[str, Path, Callable[[str], str]]]:
    """Each generated file: its name in messages, its path, what rewrites its text."""
    return [
        (README.name, README, rewritten),
        ("contracts/control.yaml", contracts.path("control"), control_settings.rewritten),
    ]


def stale() -> list[str]:
    """What `python -m harness.vendor_docs` would rewrite."""
    return [label for label, path, rewrite in _targets() if _new_text(path, rewrite) is not None]


def _new_text(path: Path, rewrite: Callable[[str], str]) -> str | None:
    text = path.read_text(encoding="utf-8")
    new = rewrite(text)
    return None if new == text else new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.vendor_docs", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--check", action="store_true", help="only say which files are stale (exit 1)")
    args = parser.parse_args(argv)
    found = 0
    for label, path, rewrite in _targets():
        new = _new_text(path, rewrite)
        if new is None:
            continue
        found += 1
        if args.check:
            print(f"stale: {label} (regenerate with: python -m harness.vendor_docs)")
        else:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {label}")
    if not found and not args.check:
        print("up to date")
    return STALE if found and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
