"""The vendors the harness knows, and what the harness needs to know about each.

Each vendor's `harness/clients/<vendor>.py` defines `HARNESS = VendorHarness(...)`. Modules are
imported on first use, so `catalog-harness serve shipstation` never imports the other vendors.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from . import checks

# name -> module defining HARNESS: registering a vendor is one line here (`python -m mocks.new_vendor`
# writes the rest). Everything listing vendors (README sections, control.yaml's settings) reads this.
REGISTRY: dict[str, str] = {
    "shipstation": "harness.clients.shipstation",
    "tocobagus": "harness.clients.tocobagus",
    "starshipit": "harness.clients.starshipit",
    "shiptheory": "harness.clients.shiptheory",
}


@dataclass(frozen=True)
class VendorHarness:
    name: str
    create_app: Callable[..., Flask]
    credentials: dict[str, str]
    # Headers that authenticate one generated contract case (signature schemes get the whole case).
    contract_auth: Callable[[Any], dict[str, str]]
    # Settings for contract runs, e.g. a rate limit high enough that fuzzing meets the API, not 429s.
    contract_settings: dict[str, Any] = field(default_factory=dict)
    # schemathesis check name -> why it is excluded for this vendor (printed in reports).
    excluded_checks: dict[str, str] = field(default_factory=dict)
    # Seeds the mock with products before a contract run so reads and updates meet real data.
    contract_seed: list[dict] = field(default_factory=list)
    # Environment variable name -> credentials key, for `contract --base-url` against a real API.
    env_credentials: dict[str, str] = field(default_factory=dict)
    # (credentials, base URL) -> contract auth for that account: how `contract --base-url` authenticates.
    contract_auth_for: Callable[[dict[str, str], str], Callable[[Any], dict[str, str]]] | None = None
    # The property-run adapter (harness.properties.VendorAdapter), set by vendors that have one.
    adapter: Any = None
    # For vendors that send webhooks: (credentials, clock) -> a receiver with `.app` (WSGI), `.path` and
    # `.deliveries`, and the environment variable `verify` puts its URL in.
    webhook_receiver: Callable[[dict[str, str], Any], Any] | None = None
    webhook_env: str | None = None
    # Products the mock's seed takes, with SKUs A-1 and B-2 (tests/mocks/test_backend_protocol.py seeds them).
    sample_products: list[dict] = field(default_factory=list)
    # (base URL, credentials keyed as env_credentials names them) -> the reference sync client, for a
    # user's command (examples/python/reference_sync.py). None: the vendor has no reference client yet.
    reference_client: Callable[[str, dict[str, str]], Any] | None = None
    # Where the real API is, as the README's `contract --base-url` table shows it.
    base_url_example: str = ""
    # -- what `contract --base-url`, `drift` and `fuzz` need to know of the vendor's wire ----------------
    # One cheap authenticated read (path and query after the base URL): the gate's preflight.
    preflight: str = ""
    # Header names (lower-case) that carry credentials: a failure's curl line puts them back from the
    # environment. Schemes that sign or exchange (Basic, a token, a signature) say how in harness/gate.py.
    auth_headers: frozenset[str] = frozenset()
    # Header name -> credentials key, for vendors whose credentials go as they are in headers (an API key):
    # the fuzzer, `drift`'s re-authentication and the curl line (via env_credentials) all read it.
    key_headers: dict[str, str] = field(default_factory=dict)
    # (method, path pattern, dotted path into the JSON answer, "": the answer) of reads that list products:
    # what a cassette shows the vendor held, which `drift` seeds the mock with.
    product_reads: list[tuple[str, str, str]] = field(default_factory=list)
    # Valid request bodies the fuzzer spoils, reads that must still work after any input, and backend
    # parts that change on every answer and hold no data.
    fuzz_templates: list[Any] = field(default_factory=list)
    fuzz_probes: list[tuple[str, str]] = field(default_factory=list)
    fuzz_volatile: tuple[str, ...] = ()

    @property
    def property_checks(self) -> dict[str, checks.CheckFunction]:
        """The checks this vendor adds to the six, from the check registry (its package registered them
        when it was imported, which is where this object comes from)."""
        return checks.vendor_checks(self.name)


# The control API's contract is generic; what a valid seed, state or setting is depends on the vendor.
CONTROL_EXCLUDED_CHECKS = {
    "positive_data_acceptance": "control.yaml cannot say which products, settings or states a given vendor "
    "accepts (they are vendor-specific), so schema-valid bodies are rightly refused with 400 at times",
}


def names() -> list[str]:
    return list(REGISTRY)


def register(name: str, module: str) -> None:
    """Add a vendor for this process only (a test's scaffolded vendor); shipped vendors are in REGISTRY."""
    REGISTRY[name] = module


def get(name: str) -> VendorHarness:
    if name not in REGISTRY:
        raise KeyError(f"unknown vendor {name!r}; known: {', '.join(REGISTRY)}")
    return importlib.import_module(REGISTRY[name]).HARNESS


def api_path(name: str) -> str:
    """Where the vendor API starts on a mock: the path of its contract's server URL (Tocobagus: /api/v1)."""
    import re
    from urllib.parse import urlsplit

    import yaml

    import contracts

    text = contracts.path(name).read_text()
    # Only the top-level `servers:` block: parsing a whole contract takes ~0.25 s (serve --json).
    block = re.search(r"^servers:\n(?:[ -].*\n)+", text, re.MULTILINE)
    document = yaml.safe_load(block.group(0) if block else text) or {}
    servers = document.get("servers") or [{"url": ""}]
    return urlsplit(servers[0]["url"]).path.rstrip("/")
