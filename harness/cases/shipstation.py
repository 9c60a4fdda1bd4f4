"""ShipStation V1 error cases (mocks/shipstation/errors.py; vendor-notes §2 and §7)."""

from __future__ import annotations

import time

from mocks.shipstation import CREDENTIALS

from ..clients.shipstation import basic_auth
from .arm import seed_owned
from .control import ArmError, Control, Owns
from .core import Case, Channel, Context, Profile

KEY, SECRET = CREDENTIALS["api_key"], CREDENTIALS["api_secret"]
ANY_API = (None, r"^/products")
ONE_PRODUCT = r"^/products/[0-9]+$"

# A product with many fields set, so a full-replace PUT visibly loses some.
MUG = {
    "sku": "MUG-01",
    "name": "Enamel mug",
    "price": 12.5,
    "defaultCost": 4.0,
    "weightOz": 9.5,
    "length": 4.0,
    "width": 4.0,
    "height": 4.0,
    "warehouseLocation": "Bin 22",
    "internalNotes": "fragile",
    "customsDescription": "Enamel mug",
    "customsValue": 12.5,
    "customsCountryCode": "US",
    "active": True,
}
# What a client that "only changes the price" sends.
PRICE_ONLY = {"productId": 1, "sku": "MUG-01", "name": "Enamel mug", "price": 14.0}


def _auth(ch: Channel, method: str, path: str, body: bytes) -> dict[str, str]:
    return {"Authorization": basic_auth(KEY, SECRET)}


PROFILE = Profile("shipstation", _auth)


def _bad_auth(header: str | None) -> dict[str, str]:
    return {} if header is None else {"Authorization": header}


# -- scenarios --------------------------------------------------------------------------------------------
def auth_missing(ctx: Context) -> None:
    ctx.trigger("GET", "/products", auth=False)


def auth_wrong_secret(ctx: Context) -> None:
    ctx.trigger("GET", "/products", auth=False, headers=_bad_auth(basic_auth(KEY, "wrong-secret")))


def auth_json_401(ctx: Context) -> None:
    ctx.settings(quirks={"json_401": True})
    ctx.trigger("GET", "/products", auth=False, headers=_bad_auth(basic_auth("no-such-key", SECRET)))


def rate_limit(ctx: Context) -> None:
    for _ in range(40):
        ctx.send("GET", "/products")
    ctx.trigger("GET", "/products")


def not_found(ctx: Context) -> None:
    ctx.trigger("GET", "/products/999")


def partial_put(ctx: Context) -> None:
    ctx.seed([MUG])
    ctx.trigger("PUT", "/products/1", json=PRICE_ONLY)
    ctx.follow("GET", "/products/1")


def reject_partial(ctx: Context) -> None:
    ctx.settings(quirks={"reject_partial_updates": True})
    ctx.seed([MUG])
    ctx.trigger("PUT", "/products/1", json=PRICE_ONLY)


def id_mismatch(ctx: Context) -> None:
    ctx.seed([MUG])
    ctx.trigger("PUT", "/products/1", json={**MUG, "productId": 2})


def wrong_type(ctx: Context) -> None:
    ctx.seed([MUG])
    ctx.trigger("PUT", "/products/1", json={**MUG, "productId": 1, "weightOz": "9.5 oz"})


def malformed_json(ctx: Context) -> None:
    ctx.seed([MUG])
    ctx.trigger("PUT", "/products/1", data=b'{"productId": 1, "sku": "MUG-01",')


def page_size(ctx: Context) -> None:
    ctx.trigger("GET", "/products?pageSize=501")


def no_create(ctx: Context) -> None:
    ctx.trigger("POST", "/products", json={"sku": "NEW-1", "name": "New product"})


# -- arming by state --------------------------------------------------------------------------------------
def _exhaust(control: Control, case: Case) -> list[str]:
    """Use up the default key pair's window with real requests: the 429s that follow are the mock's own."""
    settings = control.call("GET", "/settings")
    key, secret = next(iter(settings["accounts"].items()))
    headers = {"Authorization": basic_auth(key, secret)}
    sent, response = 0, None
    for _ in range(2):  # a second go if the window was about to roll over
        for _ in range(settings["rate_limit"] + 1):
            response = control.http.get(f"{control.base}/products?pageSize=1", headers=headers, timeout=30)
            sent += 1
            if response.status_code == 429:
                break
        reset = int(response.headers.get("X-Rate-Limit-Reset", "0")) if response is not None else 0
        if response is not None and response.status_code == 429 and reset > 2:
            break
        time.sleep(reset)
    if response is None or response.status_code != 429:
        raise ArmError(f"{sent} requests did not use up the rate limit at {control.base}")
    return [
        f"armed {case.id} on {control.base}: sent {sent} x GET /products with key pair {key!r}",
        f"  every request with that key pair gets 429 for the next {reset} s (X-Rate-Limit-Reset)",
    ]


def _seed_for_put(control: Control, case: Case, reject: bool) -> list[str]:
    control.call("PUT", "/settings", {"quirks": {"reject_partial_updates": reject}})
    stored = seed_owned(control, MUG, "productId")
    pid = stored["productId"]
    then = (
        "400 listing the missing fields"
        if reject
        else f"200, and GET /products/{pid} shows every omitted field as null"
    )
    return [
        f"armed {case.id} on {control.base}: quirk reject_partial_updates={str(reject).lower()} "
        f"and seeded product {pid} ({MUG['sku']}, {len(MUG)} fields set)",
        f"  a PUT /products/{pid} with only some fields gets {then}",
    ]


CASES = [
    Case(
        "shipstation.auth.missing",
        "shipstation",
        "No Authorization header: 401 plain text",
        "A request without Basic auth gets V1's plain-text `401 Unauthorized` (not JSON) with a "
        "WWW-Authenticate challenge; a client that parses every error as JSON breaks here.",
        auth_missing,
        401,
        "401 Unauthorized",
        {"WWW-Authenticate": "Basic", "Content-Type": "text/plain"},
        arm_match=ANY_API,
    ),
    Case(
        "shipstation.auth.wrong-secret",
        "shipstation",
        "Wrong API secret: 401 plain text",
        "A known API key with the wrong secret is refused exactly like a missing header.",
        auth_wrong_secret,
        401,
        "401 Unauthorized",
        {"WWW-Authenticate": 'Basic realm="ShipStation"'},
        arm_match=ANY_API,
    ),
    Case(
        "shipstation.auth.json-401",
        "shipstation",
        "Unknown key with quirk json_401: 401 JSON",
        "With quirk `json_401` the mock answers bad credentials with the JSON the V1 OpenAPI lists, "
        '`{"message": "Invalid API credentials"}`, instead of plain text.',
        auth_json_401,
        401,
        '"message": "Invalid API credentials"',
        {"Content-Type": "application/json"},
        arm_match=ANY_API,
    ),
    Case(
        "shipstation.rate-limit",
        "shipstation",
        "41st request in a minute: 429 with X-Rate-Limit-* headers",
        "40 requests per minute per key pair, fixed windows. The 41st gets 429 "
        '`{"message": "Too Many Requests"}`; X-Rate-Limit-Remaining is 0 and X-Rate-Limit-Reset says '
        "how many seconds until the window resets.",
        rate_limit,
        429,
        '"message": "Too Many Requests"',
        {"X-Rate-Limit-Limit": "40", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "60"},
        arm_with=_exhaust,
        arm_expect="Too Many Requests",
        arm_owns=Owns(rate_limit=True),
    ),
    Case(
        "shipstation.not-found",
        "shipstation",
        "Unknown productId: 404",
        'GET /products/{id} for an id the account does not have: 404 `{"message": "Resource not found"}`.',
        not_found,
        404,
        '"message": "Resource not found"',
        arm_match=("GET", ONE_PRODUCT),
    ),
    Case(
        "shipstation.put.partial-data-loss",
        "shipstation",
        "PUT with some fields: 200, and the rest are wiped",
        "V1's PUT replaces the whole product: a client that sends only the fields it changed gets 200, "
        "and every writable field it left out is now null (see the GET after it).",
        partial_put,
        200,
        "The requested product has been updated",
        evidence='"weightOz": null',
        arm_with=lambda control, case: _seed_for_put(control, case, reject=False),
        arm_owns=Owns({"quirks": {"reject_partial_updates": False}}, skus=(MUG["sku"],)),
        probe=lambda ch: _put_then_get(ch),
        arm_expect='"weightOz": null',
    ),
    Case(
        "shipstation.put.reject-partial",
        "shipstation",
        "PUT with some fields, quirk reject_partial_updates: 400",
        "With quirk `reject_partial_updates` a PUT that omits writable fields is refused with 400 "
        "naming them, instead of nulling them.",
        reject_partial,
        400,
        "The entire resource must be provided. Missing fields: aliases, defaultCost",
        arm_with=lambda control, case: _seed_for_put(control, case, reject=True),
        arm_owns=Owns({"quirks": {"reject_partial_updates": True}}, skus=(MUG["sku"],)),
    ),
    Case(
        "shipstation.put.id-mismatch",
        "shipstation",
        "PUT body productId differs from the path: 400",
        'A body `productId` other than the one in the URL: 400 `{"message": "Invalid request parameters"}`.',
        id_mismatch,
        400,
        '"message": "Invalid request parameters"',
        arm_match=("PUT", ONE_PRODUCT),
    ),
    Case(
        "shipstation.put.wrong-type",
        "shipstation",
        "PUT with a field of the wrong type: 400",
        'A string where V1 wants a number (`"weightOz": "9.5 oz"`): 400 "Invalid request parameters", '
        "with no hint which field.",
        wrong_type,
        400,
        '"message": "Invalid request parameters"',
        arm_match=("PUT", ONE_PRODUCT),
    ),
    Case(
        "shipstation.put.malformed-json",
        "shipstation",
        "PUT with a body that is not JSON: 400",
        "A cut-off JSON body: 400 in V1's usual envelope.",
        malformed_json,
        400,
        '"message": "Invalid request parameters"',
        arm_match=("PUT", ONE_PRODUCT),
    ),
    Case(
        "shipstation.list.page-size",
        "shipstation",
        "List with pageSize over 500: 400",
        "pageSize is capped at 500; a larger one is refused rather than clamped.",
        page_size,
        400,
        '"message": "Invalid request parameters"',
        arm_match=("GET", r"^/products$"),
    ),
    Case(
        "shipstation.products.no-create",
        "shipstation",
        "POST /products (V1 has no create): 405",
        "V1 products cannot be created through the API: POST /products is 405 with V1's message.",
        no_create,
        405,
        "does not support this http method",
        arm_match=("POST", r"^/products$"),
    ),
]


def _put_then_get(ch: Channel) -> tuple[int, str]:
    put = ch.send("PUT", "/products/1", json=PRICE_ONLY)
    if put.status != 200:
        return put.status, put.text
    get = ch.send("GET", "/products/1")
    return put.status, put.text + "\n" + get.text
