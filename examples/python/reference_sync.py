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

from harness.catalog import read_catalog
from harness.clients.shipstation import ShipStationClient
from harness.clients.shiptheory import ShiptheoryClient
from harness.clients.starshipit import StarshipitClient
from harness.clients.tocobagus import TocobagusClient


def client(vendor: str, base_url: str, env: dict[str, str]) -> Any:
    if vendor == "shipstation":
        return ShipStationClient(base_url, env["SHIPSTATION_API_KEY"], env["SHIPSTATION_API_SECRET"])
    if vendor == "starshipit":
        return StarshipitClient(base_url, env["STARSHIPIT_API_KEY"], env["STARSHIPIT_SUBSCRIPTION_KEY"])
    if vendor == "shiptheory":
        return ShiptheoryClient(base_url, env["SHIPTHEORY_EMAIL"], env["SHIPTHEORY_PASSWORD"])
    if vendor == "tocobagus":
        credentials = {
            "partner_client_id": env["TOCOBAGUS_PARTNER_CLIENT_ID"],
            "partner_secret": env["TOCOBAGUS_PARTNER_SECRET"],
            "store_client_id": env["TOCOBAGUS_STORE_CLIENT_ID"],
            "store_token": env["TOCOBAGUS_STORE_TOKEN"],
        }
        # Its webhook receiver lives in-process; the mock delivers to TOCOBAGUS_WEBHOOK_URL, so poll.
        return TocobagusClient(base_url, credentials, webhook_wait=0)
    raise SystemExit(f"unknown vendor {vendor!r}")


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
