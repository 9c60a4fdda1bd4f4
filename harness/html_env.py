"""The Jinja2 environment of the HTML report and the live view: one loader, autoescape on, strict."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

_PLURALS = {"retry": "retries", "entry": "entries", "side effect": "side effects"}


def counted(n: int, word: str) -> str:
    """'1 retry', '2 retries', '0 failures': the number with the word in the right number."""
    return f"{n} {word if n == 1 else _PLURALS.get(word, word + 's')}"


def breakable(name: str) -> Markup:
    """A check name that may wrap after its underscores (the matrix's headers stay narrow)."""
    return Markup("_<wbr>").join(escape(part) for part in str(name).split("_"))


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("harness", "templates"),
        autoescape=select_autoescape(["html.j2"], default_for_string=True),
        undefined=StrictUndefined,  # a typo in a template fails the render, not the reader
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["counted"] = counted
    env.filters["breakable"] = breakable
    # CSS and script go in verbatim, not parsed as templates (a "{#" in them would start a comment).
    env.globals["inline"] = lambda name: Markup(env.loader.get_source(env, name)[0])  # type: ignore[union-attr]
    return env
