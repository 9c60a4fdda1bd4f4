"""Shiptheory v1 error cases (mocks/shiptheory/errors.py and models.py; vendor-notes §3 and §7)."""

from __future__ import annotations

from mocks.shiptheory import CREDENTIALS
from mocks.shiptheory.tokens import TOKEN_LIFETIME

from .arm import replay
from .control import Control, Owns
from .core import Case, Channel, Context, Profile

# Every API path but the login: a client must still be able to get a token to meet the case.
ANY_API = (None, r"^/v1/(products|shipments)")  # every route but /v1/token (RE2 has no lookahead)
MUG = {"sku": "MUG-01", "name": "Enamel mug", "price": 12.5, "weight": 0.35, "barcode": "5012345678900"}
# A booking with the documented required fields (ST-DOCS Book), lines added per case.
BOOKING = {
    "reference2": "ORDER-1001",
    "shipment_detail": {"weight": 0.35, "parcels": 1, "value": 12.5},
    "recipient": {
        "firstname": "William",
        "lastname": "Riker",
        "address_line_1": "123 Southpaw Lane",
        "city": "Bristol",
        "country": "GB",
        "postcode": "BS2 3AP",
    },
}


def _auth(ch: Channel, method: str, path: str, body: bytes) -> dict[str, str]:
    token = ch.memo.get("token")
    if token is None:
        login = ch.send("POST", "/v1/token", json=CREDENTIALS, auth=False)
        token = ch.memo["token"] = login.json()["data"]["token"]
    return {"Authorization": f"Bearer {token}"}


# 1 request per second per account.
PROFILE = Profile(
    "shiptheory",
    _auth,
    pace=1.0,
    note="the Bearer token was issued on the virtual clock the setup freezes (2026-01-01T00:00:00Z); on a "
    "mock running on real time it has expired: log in first (POST /v1/token) and use that token",
)


def bad_credentials(ctx: Context) -> None:
    ctx.trigger("POST", "/v1/token", json={**CREDENTIALS, "password": "wrong-password"}, auth=False)


def missing_token(ctx: Context) -> None:
    ctx.trigger("GET", "/v1/products", auth=False)


def token_expired(ctx: Context) -> None:
    ctx.send("GET", "/v1/products")
    ctx.advance(TOKEN_LIFETIME)
    ctx.trigger("GET", "/v1/products")


def rate_limit(ctx: Context) -> None:
    ctx.send("GET", "/v1/products")
    ctx.trigger("GET", "/v1/products", pace=False)


def sku_required(ctx: Context) -> None:
    ctx.trigger("POST", "/v1/products", json={"name": "Enamel mug", "price": 12.5})


def too_long(ctx: Context) -> None:
    ctx.trigger("POST", "/v1/products", json={**MUG, "barcode": "5012345678900-EXTRA"})


def not_numeric(ctx: Context) -> None:
    ctx.trigger("POST", "/v1/products", json={**MUG, "price": "12.50 GBP"})


def duplicate_sku(ctx: Context) -> None:
    ctx.seed([MUG])
    ctx.trigger("POST", "/v1/products", json={"sku": "MUG-01", "name": "Another mug"})


def not_found(ctx: Context) -> None:
    ctx.trigger("GET", "/v1/products/view/NO-SUCH-SKU")


def page_past_end(ctx: Context) -> None:
    ctx.seed([MUG])
    ctx.trigger("GET", "/v1/products?page=2")


def bad_sort(ctx: Context) -> None:
    ctx.trigger("GET", "/v1/products?sort=colour")


def duplicate_reference(ctx: Context) -> None:
    line = {"sku": "MUG-01", "name": "Enamel mug", "qty": 1, "value": 12.5, "weight": 0.35}
    booking = {"reference": "ORDER-1001", **BOOKING, "products": [line]}
    ctx.send("POST", "/v1/shipments", json=booking)
    ctx.trigger("POST", "/v1/shipments", json=booking)


def not_in_catalogue(ctx: Context) -> None:
    ctx.settings(product_updates="use_catalogue", quirks={"create_missing_when_updates_disabled": False})
    line = {"sku": "NEW-SKU", "name": "Not catalogued", "qty": 1, "value": 5, "weight": 0.1}
    booking = {"reference": "ORDER-1002", **BOOKING, "products": [line]}
    ctx.trigger("POST", "/v1/shipments", json=booking)


def booking_incomplete(ctx: Context) -> None:
    line = {"sku": "MUG-01", "qty": 1}
    ctx.trigger("POST", "/v1/shipments", json={"reference": "ORDER-1003", "products": [line]})


def malformed_json(ctx: Context) -> None:
    ctx.trigger("POST", "/v1/products", data=b'{"sku": "MUG-01", "name": ')


def _login(ch: Channel) -> tuple[int, str]:
    """A client logging in with the right password meets the armed 401."""
    answer = ch.send("POST", "/v1/token", json=CREDENTIALS, auth=False)
    return answer.status, answer.text


def _expire_tokens(control: Control, case: Case) -> list[str]:
    """On a virtual clock, expiry is real state: move the clock past every token's lifetime."""
    if control.call("GET", "/state")["clock"]["mode"] == "virtual":
        control.call("POST", "/clock", {"advance": TOKEN_LIFETIME + 1})
        return [
            f"armed {case.id} on {control.base}: virtual clock +{TOKEN_LIFETIME + 1} s",
            "  every token issued so far has expired; the next request with one gets 401",
        ]
    why = "the mock runs on a real clock, which cannot be moved without freezing it"
    return replay(control, case, PROFILE, why)


CASES = [
    Case(
        "shiptheory.auth.bad-credentials",
        "shiptheory",
        "Login with a wrong password: 401",
        'POST /v1/token with a wrong email or password: 401 `{"message": "Unauthorized", "url": '
        '"/v1/token", "code": 401}`.',
        bad_credentials,
        401,
        '"message": "Unauthorized", "url": "/v1/token", "code": 401',
        arm_match=("POST", r"^/v1/token$"),
        probe=lambda ch: _login(ch),
    ),
    Case(
        "shiptheory.auth.missing-token",
        "shiptheory",
        "No bearer token: 401",
        "Any API call without `Authorization: Bearer <token>` is 401 in CakePHP's envelope.",
        missing_token,
        401,
        '"message": "Unauthorized", "url": "/v1/products", "code": 401',
        arm_match=ANY_API,
    ),
    Case(
        "shiptheory.auth.token-expired",
        "shiptheory",
        "Token older than 60 minutes: 401",
        "Tokens expire 60 minutes after login; the next call with one is 401, the same answer as a "
        "missing token, so a client must log in again and retry.",
        token_expired,
        401,
        '"message": "Unauthorized"',
        arm_match=ANY_API,
        arm_with=_expire_tokens,
        arm_owns=Owns(lasting="on a virtual clock, the clock moved on (it only moves forward): log in again"),
    ),
    Case(
        "shiptheory.rate-limit",
        "shiptheory",
        "Second request in the same second: 429, no Retry-After",
        "1 request per second per account; the second in a second is 429 "
        '`{"message": "Too Many Requests", ...}` with no header saying how long to wait.',
        rate_limit,
        429,
        '"message": "Too Many Requests", "url": "/v1/products", "code": 429',
        arm_match=ANY_API,
    ),
    Case(
        "shiptheory.validation.sku-required",
        "shiptheory",
        "Create without a SKU: 400 field errors",
        'Validation failures use `{"error": {field: {rule: message}}}`: here sku._required.',
        sku_required,
        400,
        '{"error": {"sku": {"_required": "This field is required"}}}',
        arm_match=("POST", r"^/v1/products$"),
    ),
    Case(
        "shiptheory.validation.max-length",
        "shiptheory",
        "Barcode longer than 15 characters: 400",
        "String fields have length limits (barcode 15, sku 100, name 255, ...); over one is maxLength.",
        too_long,
        400,
        '"barcode": {"maxLength": "The provided value must be no more than 15 characters long"}',
        arm_match=("POST", r"^/v1/products$"),
    ),
    Case(
        "shiptheory.validation.numeric",
        "shiptheory",
        "Price that is not a number: 400",
        "A number field given text is refused with the numeric rule.",
        not_numeric,
        400,
        '"price": {"numeric": "The provided value must be a number"}',
        arm_match=("POST", r"^/v1/products$"),
    ),
    Case(
        "shiptheory.duplicate-sku",
        "shiptheory",
        "Create with a SKU the catalogue has: 400 sku.unique",
        "Not a 409: a duplicate SKU is a validation failure, sku.unique, with status 400.",
        duplicate_sku,
        400,
        '{"error": {"sku": {"unique": "A product with this SKU already exists"}}}',
        arm_match=("POST", r"^/v1/products$"),
    ),
    Case(
        "shiptheory.not-found",
        "shiptheory",
        "View an unknown SKU: 404",
        'GET /v1/products/view/{sku} for a SKU the account does not have: 404 `{"message": "Not Found"}`.',
        not_found,
        404,
        '"message": "Not Found", "url": "/v1/products/view/NO-SUCH-SKU", "code": 404',
        arm_match=("GET", r"^/v1/products/view/"),
    ),
    Case(
        "shiptheory.list.page-past-end",
        "shiptheory",
        "List a page past the last: 404",
        "Paging past the last page is 404, not an empty page: a client paging until empty never stops "
        "cleanly.",
        page_past_end,
        404,
        '"message": "Not Found", "url": "/v1/products", "code": 404',
        arm_match=("GET", r"^/v1/products$"),
    ),
    Case(
        "shiptheory.list.bad-sort",
        "shiptheory",
        "List sorted by an unknown field: 400",
        "sort must be one of sku, name, price, weight, created, modified; anything else is a bare 400.",
        bad_sort,
        400,
        '"message": "Bad Request", "url": "/v1/products", "code": 400',
        arm_match=("GET", r"^/v1/products$"),
    ),
    Case(
        "shiptheory.shipment.duplicate-reference",
        "shiptheory",
        "Book a shipment reference twice: 400 reference.unique",
        "A retried booking whose first attempt landed is refused: reference.unique.",
        duplicate_reference,
        400,
        '{"error": {"reference": {"unique": "A shipment with this reference already exists"}}}',
        arm_match=("POST", r"^/v1/shipments$"),
    ),
    Case(
        "shiptheory.shipment.not-in-catalogue",
        "shiptheory",
        "Booking a SKU not in the catalogue (use_catalogue, no create): 400",
        "With product_updates use_catalogue and quirk create_missing_when_updates_disabled off, a "
        "shipment line whose SKU is not in the catalogue is refused.",
        not_in_catalogue,
        400,
        '"products.0.sku": {"exists": "This product is not in the product catalogue"}',
        arm_match=("POST", r"^/v1/shipments$"),
    ),
    Case(
        "shiptheory.shipment.required-fields",
        "shiptheory",
        "Booking without the documented required fields: 400 listing each",
        "Book requires reference2, shipment_detail (weight, parcels, value), the recipient (name, "
        "address_line_1, city, country, postcode) and each line's name, sku, value and weight.",
        booking_incomplete,
        400,
        '"shipment_detail": {"_required": "This field is required"}',
        arm_match=("POST", r"^/v1/shipments$"),
    ),
    Case(
        "shiptheory.malformed-json",
        "shiptheory",
        "Create with a body that is not JSON: 400",
        "A cut-off body: a bare 400 Bad Request, with no field errors.",
        malformed_json,
        400,
        '"message": "Bad Request", "url": "/v1/products", "code": 400',
        arm_match=("POST", r"^/v1/products$"),
    ),
]
