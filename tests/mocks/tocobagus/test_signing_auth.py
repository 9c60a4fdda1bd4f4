"""HMAC partner auth: the fixed vector, every AUTH code in the documented envelope, window and replay."""

import hashlib
import hmac

import pytest

from mocks.kit.clock import VIRTUAL_EPOCH
from mocks.tocobagus import signing

from .conftest import product

# Fixed vector, computed independently with openssl (see the test's docstring), never with our code.
VECTOR_BODY = b'{"products":[{"externalId":"e-1","name":"Mug","price":45000,"sku":"MUG003"}]}'
VECTOR_HEADERS = {
    "x-partner-client-id": "ptnr_test",
    "x-store-client-id": "str_test",
    "x-store-token": "stkn_test",
    "x-timestamp": "1767225600000",
}
VECTOR_SIGNATURE = "cea1066479e83cbb155bfa14459fecbd0b04a3df53505d2a2ccda7eeaffd15fb"
VECTOR_BASE = (
    "POST\n/partner/stores/catalog/sync\nx-partner-client-id:ptnr_test\nx-store-client-id:str_test\n"
    "x-store-token:stkn_test\nx-timestamp:1767225600000\n"
    "6d5bbb0338f8f7008d9ccd1ec936dab88927aea2b82d18a9d30efc036547cdf7"
)


def test_fixed_vector():
    """printf '%s' "$BASE" | openssl dgst -sha256 -hmac test-partner-secret"""
    path = "/api/v1/partner/stores/catalog/sync?ignored=1"  # prefix and query are not signed
    assert signing.base_string("POST", signing.signing_path(path), VECTOR_HEADERS, VECTOR_BODY) == VECTOR_BASE
    assert signing.sign("test-partner-secret", "POST", path, VECTOR_HEADERS, VECTOR_BODY) == VECTOR_SIGNATURE
    upper = {k.upper(): v for k, v in VECTOR_HEADERS.items()}  # names are case-insensitive
    assert signing.verify(
        "test-partner-secret", "post", path, upper, VECTOR_BODY, "sha256=" + VECTOR_SIGNATURE
    )
    assert signing.verify("test-partner-secret", "POST", path, VECTOR_HEADERS, VECTOR_BODY, VECTOR_SIGNATURE)
    assert not signing.verify(
        "test-partner-secret", "POST", path, VECTOR_HEADERS, VECTOR_BODY + b" ", VECTOR_SIGNATURE
    )


def test_guide_get_example_signs_the_empty_body_hash():
    """The auth guide's GET example (secret invented): the last line is SHA-256 of ""."""
    headers = {
        "x-partner-client-id": "ptnr_1s4UqMnO64",
        "x-store-client-id": "str_TGIxyboe7-Rz",
        "x-store-token": "stkn_1G_R3r_5QTvwr_0O",
        "x-timestamp": "1709024577000",
    }
    got = signing.sign(
        "secret-key-demo", "GET", "/partner/stores/catalog/02b65657-bfcd-47ba-9f91-ec67e7b5913e", headers, b""
    )
    assert got == "743d4328ff8ad665bcc72401ae872af15c427bee92b44fd5b840a60a841e052c"


def test_valid_request_is_accepted_with_prefix_or_bare_hex(api):
    assert api.list().status_code == 200
    body = b""
    headers = api.headers("GET", "/partner/stores/products", body)
    headers["x-signature"] = headers["x-signature"].removeprefix("sha256=")
    assert api.call("GET", "/partner/stores/products", headers=headers).status_code == 200


def _envelope(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["success"] is False and body["error"]["code"] == code
    details = body["error"]["details"]
    assert set(details) == {"timestamp", "hint", "context"} and details["hint"]
    assert details["timestamp"].startswith("2026-01-01T00:0")  # the mock's virtual clock, not the wall's
    assert len(body["requestId"]) == 36
    return body


def test_signing_with_the_api_v1_prefix_is_auth_010(api):
    headers = api.headers("GET", "/partner/stores/products", b"")
    base = signing.base_string("GET", "/api/v1/partner/stores/products", headers, b"")
    headers["x-signature"] = (
        "sha256=" + hmac.new(b"test-partner-secret", base.encode(), hashlib.sha256).hexdigest()
    )
    body = _envelope(api.call("GET", "/partner/stores/products", headers=headers), 401, "AUTH_010")
    assert body["error"]["message"] == "Invalid signature"
    assert body["error"]["details"]["hint"] == "Invalid HMAC signature"
    assert body["error"]["details"]["context"] == {"partnerClientId": "ptnr_test"}


@pytest.mark.parametrize("offset_s", [-301, 301, -3600])
def test_stale_or_future_timestamp_is_auth_003(api, offset_s):
    r = api.call("GET", "/partner/stores/products", timestamp_ms=int((VIRTUAL_EPOCH + offset_s) * 1000))
    body = _envelope(r, 401, "AUTH_003")
    assert body["error"]["details"]["context"]["reason"] == "outside window"


def test_timestamp_at_the_window_edge_is_accepted(api):
    assert api.call("GET", "/partner/stores/products", timestamp_ms=int((VIRTUAL_EPOCH - 300) * 1000)).ok


@pytest.mark.parametrize(
    "stamp", ["1767225600", "abc", "1.7e12", "-1767225600000", "\uff11\uff17\uff16\uff17"]
)
def test_malformed_timestamp_is_auth_003(api, stamp):
    headers = api.headers("GET", "/partner/stores/products", b"")
    headers["x-timestamp"] = stamp  # seconds instead of ms lands 55 years off; the others are malformed
    _envelope(api.call("GET", "/partner/stores/products", headers=headers), 401, "AUTH_003")


@pytest.mark.parametrize(
    "missing", ["x-partner-client-id", "x-timestamp", "x-signature", "x-store-client-id", "x-store-token"]
)
def test_missing_header_is_auth_001(api, missing):
    headers = api.headers("GET", "/partner/stores/products", b"")
    del headers[missing]
    body = _envelope(api.call("GET", "/partner/stores/products", headers=headers), 401, "AUTH_001")
    assert missing in body["error"]["details"]["context"]["missingHeaders"]


def test_header_names_match_case_insensitively(api):
    headers = {k.upper(): v for k, v in api.headers("GET", "/partner/stores/products", b"").items()}
    assert api.call("GET", "/partner/stores/products", headers=headers).status_code == 200


def test_unknown_partner_is_auth_002(api):
    _envelope(api.call("GET", "/partner/stores/products", partner_client_id="ptnr_nobody"), 401, "AUTH_002")


def test_wrong_secret_or_tampered_body_is_auth_010(api):
    _envelope(api.call("GET", "/partner/stores/products", secret="not-the-secret"), 401, "AUTH_010")
    body = {"products": [product()]}
    headers = api.headers("POST", "/partner/stores/catalog/sync", signing.canonical_json(body))
    tampered = signing.canonical_json({"products": [product(2)]})
    _envelope(
        api.call("POST", "/partner/stores/catalog/sync", raw=tampered, headers=headers), 401, "AUTH_010"
    )
    assert api.mock.backend.jobs == {}


def test_replayed_request_is_auth_004(api):
    headers = api.headers(
        "POST", "/partner/stores/catalog/sync", signing.canonical_json({"products": [product()]})
    )
    first = api.call("POST", "/partner/stores/catalog/sync", {"products": [product()]}, headers=headers)
    assert first.status_code == 202
    _envelope(
        api.call("POST", "/partner/stores/catalog/sync", {"products": [product()]}, headers=headers),
        401,
        "AUTH_004",
    )
    assert len(api.mock.backend.jobs) == 1  # the replay queued nothing


def test_unknown_store_is_auth_005_404(api):
    body = _envelope(
        api.call("GET", "/partner/stores/products", store_client_id="str_other"), 404, "AUTH_005"
    )
    assert body["error"]["details"]["context"] == {"storeClientId": "str_other"}


def test_store_of_another_partner_is_auth_005(api, mock):
    mock.update_settings(
        {
            "partners": {"ptnr_test": "test-partner-secret", "ptnr_b": "b-secret"},
            "stores": {**mock.settings["stores"], "str_b": {"partnerClientId": "ptnr_b", "token": "stkn_b"}},
        }
    )
    _envelope(
        api.call("GET", "/partner/stores/products", store_client_id="str_b", store_token="stkn_b"),
        404,
        "AUTH_005",
    )
    ok = api.call(
        "GET",
        "/partner/stores/products",
        partner_client_id="ptnr_b",
        secret="b-secret",
        store_client_id="str_b",
        store_token="stkn_b",
    )
    assert ok.status_code == 200


def test_wrong_revoked_or_expired_store_token_is_auth_006_403(api, mock):
    _envelope(api.call("GET", "/partner/stores/products", store_token="stkn_wrong"), 403, "AUTH_006")
    mock.update_settings(
        {"stores": {"str_test": {"partnerClientId": "ptnr_test", "token": "stkn_test", "revoked": True}}}
    )
    _envelope(api.list(), 403, "AUTH_006")
    mock.update_settings(
        {
            "stores": {
                "str_test": {
                    "partnerClientId": "ptnr_test",
                    "token": "stkn_test",
                    "expiresAt": VIRTUAL_EPOCH + 60,
                }
            }
        }
    )
    assert api.list().status_code == 200
    mock.clock.advance(60)
    _envelope(api.list(), 403, "AUTH_006")


def test_auth_failures_are_journaled_with_the_store_token_redacted(api, mock):
    api.call("GET", "/partner/stores/products", store_token="stkn_wrong")
    entry = mock.journal.entries()[-1]
    assert entry["status"] == 403 and entry["headers"]["X-Store-Token"] == "***"


def test_rate_limit_is_per_partner_with_retry_after(api, mock):
    mock.update_settings({"rate_limit": 2})
    assert [api.list().status_code for _ in range(2)] == [200, 200]
    r = api.list()
    _envelope(r, 429, "RATE_001")
    assert r.headers["Retry-After"] == "60"


def test_signing_path_variants():
    path = "/api/v1/partner/stores/products?page=2&limit=5"
    assert [signing.signing_path(path, v) for v in signing.VARIANTS] == [
        "/partner/stores/products",
        "/partner/stores/products?page=2&limit=5",
        "/api/v1/partner/stores/products",
        "/api/v1/partner/stores/products?page=2&limit=5",
    ]
    assert (
        signing.signing_path("/api/v1/partner/stores/products?", "with_query") == "/partner/stores/products"
    )
    with pytest.raises(ValueError, match="signing path variant"):
        signing.signing_path(path, "with_fragment")


@pytest.mark.parametrize("quirk", signing.VARIANTS)
def test_quirk_signing_path_accepts_exactly_its_reading(api, mock, quirk):
    """vendor-notes §7, 2026-12-01: the guide's sentence about the path is cut off; each reading is a
    variant of quirk signing_path, and the mock accepts only the one it is set to (an exclusive quirk)."""
    mock.update_settings({"quirks": {"signing_path": quirk}})
    full = "/api/v1/partner/stores/products?page=1&limit=5"
    accepted = {}
    for variant in signing.VARIANTS:
        stamp = int(mock.clock.now() * 1000) + len(accepted)
        headers = signing.signed_headers(
            "test-partner-secret",
            "GET",
            full,
            b"",
            partner_client_id="ptnr_test",
            store_client_id="str_test",
            store_token="stkn_test",
            timestamp_ms=stamp,
            variant=variant,
        )
        response = api.session.get("http://mock" + full, headers=headers)
        accepted[variant] = response.status_code
        if response.status_code != 200:
            assert response.json()["error"]["code"] == "AUTH_010"
    assert accepted == {v: 200 if v == quirk else 401 for v in signing.VARIANTS}
    refused = mock.update_settings
    with pytest.raises(ValueError, match="signing_path"):
        refused({"quirks": {"signing_path": "with_fragment"}})
