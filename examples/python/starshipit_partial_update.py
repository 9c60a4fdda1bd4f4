"""A Starshipit sync client (standard library only) that is right under the mock's defaults and fragile
under one guessed behaviour: it updates a product by sending only the fields it owns. If Starshipit's
update replaces the whole product (quirk update_replaces_whole_product, a tolerable quirk), every other
field (brand, mid, ...) is cleared.

    catalog-harness verify starshipit --quirk-matrix -- python examples/python/starshipit_partial_update.py

The quirk matrix passes the default column and fails `nothing_lost` under
update_replaces_whole_product=true, naming the variant. Send the listed record with your fields merged
in, and it passes every variant.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from typing import Any

ENV = os.environ
HEADERS = {
    "StarShipIT-Api-Key": ENV.get("STARSHIPIT_API_KEY", ""),
    "Ocp-Apim-Subscription-Key": ENV.get("STARSHIPIT_SUBSCRIPTION_KEY", ""),
    "Content-Type": "application/json",
}


def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
    time.sleep(0.55)  # 2 requests a second (developer tier), whatever ran just before this process
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(ENV["HARNESS_BASE_URL"] + path, data, HEADERS, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def cm(value: Any) -> float | None:
    return None if value is None else float(value) / 100


def owned(product: dict) -> dict:
    """The source's own fields in Starshipit's names and units (kg, metres, price = customs value)."""
    number = lambda v: None if v is None else float(v)  # noqa: E731
    return {
        "sku": product["sku"],
        "title": product["name"],
        "description": product.get("description") or None,
        "barcode": product.get("barcode") or None,
        "bin_location": product.get("warehouse_location") or None,
        "weight": number(product.get("weight_kg")),
        "length": cm(product.get("length_cm")),
        "width": cm(product.get("width_cm")),
        "height": cm(product.get("height_cm")),
        "hs_code": product.get("hs_code") or None,
        "country": (product.get("country_of_origin") or "").upper() or None,
        "customs_description": product.get("customs_description") or None,
        "price": number(product.get("customs_value")),
    }


def main() -> int:
    with open(ENV["HARNESS_CATALOG"], encoding="utf-8") as file:
        source = json.load(file)["products"]
    _, listing = call("GET", "/api/products?page_size=2000")
    remote = {p["sku"].strip().casefold(): p for p in listing["data"]["products"]}
    errors: dict[str, str] = {}
    for product in source:
        mine = owned(product)
        listed = remote.get(product["sku"].strip().casefold())
        if listed is None:
            status, answer = call("POST", "/api/products", {"product": mine})
        elif any(listed.get(k) != v for k, v in mine.items() if k != "sku"):
            mine["sku"] = listed["sku"]
            # The fragile part: only the owned fields, not the listed record with them merged in.
            status, answer = call(
                "PUT", "/api/products/update", {"id": listed["id"], "product": {"id": listed["id"], **mine}}
            )
        else:
            continue
        if status != 200:
            errors[product["sku"]] = "; ".join(e.get("message", "") for e in (answer or {}).get("errors", []))
    for sku, reason in errors.items():
        print(f"error: {sku}: {reason}")
    with open(ENV["HARNESS_REPORT"], "w", encoding="utf-8") as file:
        json.dump({"errors": errors}, file)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
