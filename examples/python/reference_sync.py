"""Run catalog-harness's own reference client as a user's command would run: configured only by the
environment `catalog-harness verify` sets, reporting through HARNESS_REPORT.

    catalog-harness verify starshipit -- python examples/python/reference_sync.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from harness import vendors
from harness.catalog import read_catalog


def client(vendor: str, base_url: str, env: dict[str, str]) -> Any:
    """The vendor's reference client, with the credentials `verify` put in the environment."""
    try:
        harness = vendors.get(vendor)
    except KeyError as exc:
        raise SystemExit(f"error: HARNESS_VENDOR: {exc.args[0]}") from None
    if harness.reference_client is None:
        raise SystemExit(f"error: HARNESS_VENDOR: {vendor} has no reference client yet")
    credentials = {key: env[variable] for variable, key in harness.env_credentials.items()}
    return harness.reference_client(base_url, credentials)


def main() -> int:
    env = dict(os.environ)
    source = read_catalog(env["HARNESS_CATALOG"])
    report = client(env["HARNESS_VENDOR"], env["HARNESS_BASE_URL"], env).sync(source)
    for sku in report.missing_upstream:
        print(f"missing upstream: {sku}")
    for sku, reason in report.errors.items():
        print(f"error: {sku}: {reason}")
    print(json.dumps(report.summary()))
    Path(env["HARNESS_REPORT"]).write_text(
        json.dumps(
            {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "missing_upstream": report.missing_upstream,
                "errors": report.errors,
            }
        )
    )
    return 1 if report.errors or report.missing_upstream else 0


if __name__ == "__main__":
    sys.exit(main())
