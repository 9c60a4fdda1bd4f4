"""Starshipit error cases: the APIM gateway's and the application's (mocks/starshipit/errors.py; §1, §7)."""

from __future__ import annotations

from mocks.starshipit import CREDENTIALS, HEADERS

from .arm import replay, seed_owned
from .control import Control, Owns
from .core import Case, Channel, Context, Profile

ANY_API = (None, r"^/api/")
MUG = {
    "sku": "MUG-01",
    "title": "Enamel mug",
    "weight": 0.35,
    "length": 0.1,
    "price": 12.5,
    "hs_code": "7323.94",
}


def _headers(api_key: str | None, subscription_key: str | None) -> dict[str, str]:
    pairs = ((HEADERS["api_key"], api_key), (HEADERS["subscription_key"], subscription_key))
    return {name: value for name, value in pairs if value is not None}


def _auth(ch: Channel, method: str, path: str, body: bytes) -> dict[str, str]:
    return _headers(CREDENTIALS["api_key"], CREDENTIALS["subscription_key"])


# Developer tier: 2 requests a second; half a second apart keeps setup under it.
PROFILE = Profile("starshipit", _auth, pace=0.5)


def missing_subscription(ctx: Context) -> None:
    ctx.trigger("GET", "/api/products", auth=False, headers=_headers(CREDENTIALS["api_key"], None))


def invalid_api_key(ctx: Context) -> None:
    bad = _headers("not-a-key", CREDENTIALS["subscription_key"])
    ctx.trigger("GET", "/api/products", auth=False, headers=bad)


def rate_limit(ctx: Context) -> None:
    ctx.send("GET", "/api/products", pace=False)
    ctx.send("GET", "/api/products", pace=False)
    ctx.trigger("GET", "/api/products", pace=False)


def production_tier(ctx: Context) -> None:
    ctx.settings(tier="production")
    for _ in range(20):
        ctx.send("GET", "/api/products", pace=False)
    ctx.trigger("GET", "/api/products", pace=False)


def missing_title(ctx: Context) -> None:
    ctx.trigger("POST", "/api/products", json={"product": {"sku": "MUG-01", "weight": 0.35}})


def grams_as_kg(ctx: Context) -> None:
    ctx.settings(quirks={"strict_units": True})
    ctx.trigger("POST", "/api/products", json={"product": {**MUG, "weight": 1500}})


def duplicate_sku(ctx: Context) -> None:
    ctx.seed([MUG])
    ctx.trigger("POST", "/api/products", json={"product": {"sku": "MUG-01", "title": "Another mug"}})


def update_not_found(ctx: Context) -> None:
    ctx.trigger("PUT", "/api/products/update", json={"id": 999, "product": {**MUG, "id": 999}})


def update_id_mismatch(ctx: Context) -> None:
    ctx.seed([MUG])
    ctx.trigger("PUT", "/api/products/update", json={"id": 1, "product": {**MUG, "id": 2}})


def update_clears(ctx: Context) -> None:
    ctx.settings(quirks={"update_replaces_whole_product": True})
    ctx.seed([MUG])
    ctx.trigger(
        "PUT", "/api/products/update", json={"id": 1, "product": {"id": 1, "sku": "MUG-01", "title": "Mug"}}
    )
    ctx.follow("GET", "/api/products?search_term=MUG-01")


def delete_unknown(ctx: Context) -> None:
    ctx.seed([MUG])
    ctx.trigger("DELETE", "/api/products/delete", json={"product_ids": [1, 999], "all_products": False})


def import_bad_header(ctx: Context) -> None:
    csv = b"sku,title,weight\r\nMUG-01,Enamel mug,0.35\r\n"
    ctx.trigger("POST", "/api/products/import", data=csv, content_type="text/csv")


def malformed_json(ctx: Context) -> None:
    ctx.trigger("POST", "/api/products", data=b'{"product": {"sku": "MUG-01",')


def page_size(ctx: Context) -> None:
    ctx.trigger("GET", "/api/products?page_size=5")


def _seed_for_update(control: Control, case: Case) -> list[str]:
    """Real state: the quirk on and a full product to update."""
    control.call("PUT", "/settings", {"quirks": {"update_replaces_whole_product": True}})
    pid = seed_owned(control, MUG, "id")["id"]
    return [
        f"armed {case.id} on {control.base}: quirk update_replaces_whole_product=true "
        f"and seeded product {pid} ({MUG['sku']}, with weight, price and hs_code)",
        f"  an update of product {pid} with only sku and title gets 200 and clears the other fields",
    ]


def _production_tier(control: Control, case: Case) -> list[str]:
    """The tier is real state; the 429 itself is replayed (a one-second window outlives no CLI call)."""
    control.call("PUT", "/settings", {"tier": "production"})
    return [
        f"set tier=production on {control.base} (20 requests a second per subscription key)",
        *replay(control, case, PROFILE, "one-second windows cannot be held open on a running mock"),
    ]


CASES = [
    Case(
        "starshipit.auth.missing-subscription-key",
        "starshipit",
        "No Ocp-Apim-Subscription-Key: 401 from the gateway",
        "Azure APIM in front of Starshipit refuses a missing or unknown subscription key in its own "
        'shape, `{"statusCode": 401, "message": "Access denied due to invalid subscription key..."}`, '
        "not Starshipit's errors array.",
        missing_subscription,
        401,
        '"statusCode": 401, "message": "Access denied due to invalid subscription key.',
        arm_match=ANY_API,
    ),
    Case(
        "starshipit.auth.invalid-api-key",
        "starshipit",
        "Valid subscription key, unknown StarShipIT-Api-Key: 401",
        "The gateway lets it through; Starshipit answers 401 in its application envelope, "
        '`{"success": false, "errors": [{"message": "Invalid key", "details": "auth"}]}`.',
        invalid_api_key,
        401,
        '"errors": [{"message": "Invalid key", "details": "auth"}]',
        arm_match=ANY_API,
    ),
    Case(
        "starshipit.rate-limit",
        "starshipit",
        "Third request in a second (developer tier): 429 + Retry-After",
        "The developer tier allows 2 requests a second per subscription key; the gateway's 429 says "
        '"Rate limit is exceeded. Try again in N seconds." and sends Retry-After: N.',
        rate_limit,
        429,
        '"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."',
        {"Retry-After": "1"},
        arm_match=ANY_API,
    ),
    Case(
        "starshipit.rate-limit.production-tier",
        "starshipit",
        "21st request in a second (production tier): 429 + Retry-After",
        "Setting `tier` to production raises the limit to 20 requests a second; the 21st gets the same "
        "gateway 429 with Retry-After.",
        production_tier,
        429,
        "Rate limit is exceeded. Try again in 1 seconds.",
        {"Retry-After": "1"},
        arm_match=ANY_API,
        arm_with=_production_tier,
        arm_owns=Owns({"tier": "production"}),
    ),
    Case(
        "starshipit.validation.required-field",
        "starshipit",
        "Create without a title: 400 listing the field",
        "sku and title are required; the 400 lists every problem as {message, details=field}.",
        missing_title,
        400,
        '"errors": [{"message": "The title field is required.", "details": "title"}]',
        arm_match=("POST", r"^/api/products$"),
    ),
    Case(
        "starshipit.validation.units",
        "starshipit",
        "Weight in grams where kilograms are due, quirk strict_units: 400",
        "With quirk strict_units (default off) a weight over 1000 kg or a dimension over 10 m is refused: "
        "it is almost surely grams or centimetres sent by mistake.",
        grams_as_kg,
        400,
        "The weight field is in kilograms and must not exceed 1000.",
        arm_match=("POST", r"^/api/products$"),
    ),
    Case(
        "starshipit.duplicate-sku",
        "starshipit",
        "Create with a SKU the catalogue has: 409",
        "SKUs are unique per account; a second create with the same SKU is 409 in the application envelope.",
        duplicate_sku,
        409,
        '"message": "A product with this SKU already exists", "details": "sku"',
        arm_match=("POST", r"^/api/products$"),
    ),
    Case(
        "starshipit.update.not-found",
        "starshipit",
        "Update an unknown id: 404",
        "PUT /api/products/update with an id the account does not have: 404 Product not found.",
        update_not_found,
        404,
        '"message": "Product not found", "details": "id"',
        arm_match=("PUT", r"^/api/products/update$"),
    ),
    Case(
        "starshipit.update.id-mismatch",
        "starshipit",
        "Update whose product.id differs from id: 400",
        "The id goes both at the top level and inside product; when they differ the update is refused.",
        update_id_mismatch,
        400,
        "The product id must match the id of the request.",
        arm_match=("PUT", r"^/api/products/update$"),
    ),
    Case(
        "starshipit.update.clears-omitted",
        "starshipit",
        "Update with some fields, quirk update_replaces_whole_product: 200, and the rest are cleared",
        "With quirk update_replaces_whole_product (default off) an update replaces the product: fields "
        "the product object leaves out (weight, price, hs_code...) come back null.",
        update_clears,
        200,
        '"weight": null',
        evidence='"hs_code": null',
        arm_with=_seed_for_update,
        arm_owns=Owns({"quirks": {"update_replaces_whole_product": True}}, skus=(MUG["sku"],)),
    ),
    Case(
        "starshipit.delete.unknown-ids",
        "starshipit",
        "Delete known and unknown ids: 200 with per-id errors",
        "Unknown ids do not fail the request: the known ones are deleted and each unknown one is listed "
        "in errors, so a client that only checks the status misses them.",
        delete_unknown,
        200,
        '"deleted": 1, "errors": [{"message": "Product not found", "details": "product id 999"}]',
        arm_match=("DELETE", r"^/api/products/delete$"),
    ),
    Case(
        "starshipit.import.bad-header",
        "starshipit",
        "CSV import without the template's header: 400",
        "Only files in the template's columns are accepted; any other header row refuses the whole file.",
        import_bad_header,
        400,
        "The file's header row is not the template's: SKU,Title,Description",
        arm_match=("POST", r"^/api/products/import$"),
    ),
    Case(
        "starshipit.malformed-json",
        "starshipit",
        "Create with a body that is not JSON: 400",
        'A cut-off body: 400 `{"message": "The request body is not valid JSON.", "details": "body"}`.',
        malformed_json,
        400,
        "The request body is not valid JSON.",
        arm_match=("POST", r"^/api/products$"),
    ),
    Case(
        "starshipit.list.page-size",
        "starshipit",
        "List with page_size under 10: 400",
        "page_size must be between 10 and 2000; smaller or larger is refused, not clamped.",
        page_size,
        400,
        "The page_size parameter must be an integer between 10 and 2000.",
        arm_match=("GET", r"^/api/products$"),
    ),
]
