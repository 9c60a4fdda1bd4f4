"""A fifth vendor, scaffolded: `python -m mocks.new_vendor NAME` writes a working vendor from `template/`.

The vendor it writes is the smallest that passes the backend protocol and contract tests: a mock package
(spec, backend, routes, errors, no quirks, settings schema, its README section), a contract, the
harness's `HARNESS` entry and a contract test. Nothing existing is overwritten; registering the vendor is
the one edit left (a line in `harness/vendors.py`), then `python -m harness.vendor_docs` regenerates what
lists vendors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

TEMPLATE = Path(__file__).resolve().parent / "template"
ROOT = TEMPLATE.parents[2]  # the checkout: the folder holding mocks/, contracts/, harness/, tests/
# A Python identifier, a URL path segment and an environment-variable prefix all at once.
NAME = re.compile(r"[a-z][a-z0-9]{1,29}")
# Goes into docstrings, YAML and Markdown unquoted: no quotes, backslashes or markup.
TITLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ().-]{0,59}")


class ScaffoldError(ValueError):
    """A name, title or target the scaffold refuses; the message names which."""


@dataclass(frozen=True)
class Names:
    name: str  # toyvendor: package, module, contract and URL segment
    title: str  # Toy Vendor: what documents call it
    cls: str  # ToyVendor: the prefix of its classes
    env: str  # TOYVENDOR: the prefix of its environment variables

    @classmethod
    def of(cls, name: str, title: str | None = None) -> Names:
        if not NAME.fullmatch(name):
            raise ScaffoldError(f"NAME {name!r} must be 2-30 lowercase letters and digits, a letter first")
        title = title or name.capitalize()
        if not TITLE.fullmatch(title):
            raise ScaffoldError(f"--title {title!r} may hold only letters, digits, spaces and ( ) . -")
        camel = "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", title))
        return cls(name, title, camel if camel[:1].isalpha() else name.capitalize(), name.upper())


def render(names: Names) -> dict[Path, str]:
    """Every file of the new vendor: its path under the checkout -> its text."""
    env = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False)
    files = {}
    for source in sorted(TEMPLATE.rglob("*.j2")):
        relative = source.relative_to(TEMPLATE).with_suffix("")  # drop .j2
        target = Path(*(part.replace("NAME", names.name) for part in relative.parts))
        files[target] = env.from_string(source.read_text(encoding="utf-8")).render(vars(names))
    return files


def scaffold(name: str, root: Path = ROOT, title: str | None = None) -> list[Path]:
    """Write the vendor under `root`; writes nothing when its package or any of its files exists."""
    names = Names.of(name, title)
    files = render(names)
    taken = [p for p in [Path("mocks", name), *files] if (root / p).exists()]
    if taken:
        raise ScaffoldError(f"NAME {name!r} is taken: {taken[0]} exists under {root}")
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return sorted(files)


def next_steps(name: str) -> str:
    return "\n".join(
        [
            "next:",
            f'  1. register it: add "{name}": "harness.clients.{name}", to REGISTRY in harness/vendors.py',
            "  2. regenerate what lists vendors (README sections, control.yaml settings): "
            "python -m harness.vendor_docs",
            "  3. test it: python -m pytest tests/mocks/test_backend_protocol.py "
            f"tests/contracts/test_{name}_contract.py",
            "  4. replace each placeholder with the vendor's documented auth, paths, fields, errors, limits",
        ]
    )
