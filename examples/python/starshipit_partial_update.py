"""A Starshipit sync client that is right under the mock's defaults and fragile under one guessed
behaviour: it updates a product by sending only the fields it owns. If Starshipit's update replaces the
whole product (quirk update_replaces_whole_product, a tolerable quirk), every other field is cleared.

    catalog-harness verify starshipit --quirk-matrix -- python examples/python/starshipit_partial_update.py

The quirk matrix passes the default column and fails `nothing_lost` under
update_replaces_whole_product=true, naming the variant.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from harness.catalog import Product, read_catalog
from harness.clients.starshipit import ADAPTER, StarshipitClient, to_vendor
from harness.sync import SyncReport, plan_sync


class PartialUpdateClient(StarshipitClient):
    """The reference client, except that an update carries only the source's own fields."""

    def sync(self, source: list[Product]) -> SyncReport:
        report = SyncReport(log=self.log)
        plan = plan_sync(source, self.list_all(), ADAPTER)
        report.unchanged = [p.sku for p in plan.unchanged]
        for product in plan.create:
            self._write_one(product, {**to_vendor(product), "sku": product.sku}, None, report)
        for product, listed in plan.update:
            owned = {"id": listed["id"], **to_vendor(product), "sku": listed["sku"]}  # nothing else
            self._write_one(product, owned, listed["id"], report)
        return report


def main() -> int:
    env = os.environ
    client = PartialUpdateClient(
        env["HARNESS_BASE_URL"], env["STARSHIPIT_API_KEY"], env["STARSHIPIT_SUBSCRIPTION_KEY"], use_csv=False
    )
    report = client.sync(read_catalog(env["HARNESS_CATALOG"]))
    for sku, reason in report.errors.items():
        print(f"error: {sku}: {reason}")
    Path(env["HARNESS_REPORT"]).write_text(
        json.dumps({"created": report.created, "updated": report.updated, "errors": report.errors})
    )
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
