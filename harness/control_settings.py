"""contracts/control.yaml's Settings schema, generated from the settings schemas the mocks check against.

The kit states its own settings (quirks, rate_limit); each vendor states its own in
`mocks/<vendor>/settings.py`. control.yaml's `Settings.properties` is their union, between its
`# settings:start` and `# settings:end` lines: `python -m harness.vendor_docs` rewrites it and a test
compares the two. A setting two vendors share (ShipStation's and Shiptheory's `accounts`) is one schema when
they agree, else either's (`anyOf`). `x-` keys (a mock's own wording) stay with the mocks.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import yaml

import contracts

from . import vendors

# The kit's own settings (mocks/kit/settings.py checks them), as the contract describes them.
KIT: dict[str, dict] = {
    "quirks": {
        "type": "object",
        "description": "Quirk name: its value, true|false, or one of its named readings (e.g. signing_path: "
        "with_query); `catalog-harness quirks` lists them",
        "additionalProperties": {"type": ["boolean", "string"]},
    },
    "rate_limit": {"type": "integer", "minimum": 1},
}
BLOCK = re.compile(
    r"(?P<indent>[ ]*)# settings:start[^\n]*\n(?P<body>.*?)^(?P=indent)# settings:end", re.S | re.M
)


def _public(schema: Any) -> Any:
    """The schema as the contract shows it: without the mock's own `x-` keys."""
    if isinstance(schema, dict):
        return {k: _public(v) for k, v in schema.items() if not str(k).startswith("x-")}
    if isinstance(schema, list):
        return [_public(v) for v in schema]
    return schema


def _merged(schemas: list[dict]) -> dict:
    """One schema for a setting several vendors have: theirs when they agree, else any of theirs."""
    described = [s["description"] for s in schemas if "description" in s]
    bare: list[dict] = []
    for schema in schemas:
        rest = {k: v for k, v in schema.items() if k != "description"}
        if rest not in bare:
            bare.append(rest)
    merged = bare[0] if len(bare) == 1 else {"anyOf": bare}
    if described:
        merged = {**merged, "description": "; ".join(dict.fromkeys(described))}
    return merged


def settings_properties() -> dict[str, dict]:
    """What control.yaml's Settings.properties must be: the kit's, then each registered vendor's."""
    found: dict[str, list[dict]] = {}
    for name in vendors.names():
        spec = importlib.import_module(f"mocks.{name}").SPEC
        for key, schema in spec.settings_schema.items():
            found.setdefault(key, []).append(_public(schema))
    return {**KIT, **{key: _merged(schemas) for key, schemas in found.items()}}


def in_contract() -> dict[str, dict]:
    """What control.yaml's Settings.properties is now."""
    document = yaml.safe_load(contracts.path("control").read_text(encoding="utf-8"))
    return document["components"]["schemas"]["Settings"]["properties"]


def rewritten(text: str) -> str:
    """control.yaml's text with its settings block regenerated."""
    found = BLOCK.search(text)
    if found is None:
        raise ValueError("control.yaml has no '# settings:start' ... '# settings:end' block")
    indent = found.group("indent")
    dumped = yaml.safe_dump(
        settings_properties(), default_flow_style=None, sort_keys=False, width=100, allow_unicode=True
    )
    body = "".join(f"{indent}{line}\n" for line in dumped.splitlines())
    start = text[found.start() : found.start("body")]
    return text[: found.start()] + start + body + text[found.start("body") + len(found.group("body")) :]
