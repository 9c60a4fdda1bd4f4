"""Basic auth (plain-text 401, quirk json_401) and 40 requests/minute with X-Rate-Limit-* headers."""

import base64

import pytest

from mocks.kit.clock import VIRTUAL_EPOCH

URL = "http://mock/products"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Basic " + base64.b64encode(b"test-key:wrong").decode(),
        "Basic " + base64.b64encode(b"nobody:test-secret").decode(),
        "Basic !!!notbase64",
        "Bearer test-key",
        "Basic " + base64.b64encode(b"\xff").decode(),
    ],
)
def test_bad_credentials_get_plain_text_401(api, header):
    headers = {"Authorization": header} if header else {}
    api.headers.pop("Authorization")
    r = api.get(URL, headers=headers)
    assert (r.status_code, r.text) == (401, "401 Unauthorized")
    assert r.headers["Content-Type"].startswith("text/plain")
    # "All responses will include headers" (vendor-notes §7, 2026-12-01): a refused login counts nothing.
    assert (r.headers["X-Rate-Limit-Limit"], r.headers["X-Rate-Limit-Remaining"]) == ("40", "40")
    assert r.headers["X-Rate-Limit-Reset"] == "60"


def test_scheme_matches_case_insensitively(api):
    api.headers["Authorization"] = api.headers["Authorization"].replace("Basic", "basic")
    assert api.get(URL).status_code == 200


def test_quirk_json_401(api, mock):
    mock.update_settings({"quirks": {"json_401": True}})
    r = api.get(URL, auth=("test-key", "nope"))
    assert (r.status_code, r.json()) == (401, {"message": "Invalid API credentials"})


def test_every_answer_carries_the_rate_limit_headers_and_the_41st_is_429(api, mock):
    mock.clock.advance(15)
    headers = [api.get(URL).headers for _ in range(40)]
    assert [h["X-Rate-Limit-Remaining"] for h in headers[:3]] == ["39", "38", "37"]
    assert {h["X-Rate-Limit-Limit"] for h in headers} == {"40"}
    assert headers[-1]["X-Rate-Limit-Reset"] == "45"
    refused = api.get(f"{URL}/1")
    assert (refused.status_code, refused.json()) == (429, {"message": "Too Many Requests"})
    assert (refused.headers["X-Rate-Limit-Remaining"], refused.headers["X-Rate-Limit-Reset"]) == ("0", "45")
    entry = mock.journal.entries()[-1]
    assert entry["status"] == 429 and entry["rate_limit"]["reset_at"] == VIRTUAL_EPOCH + 60
    mock.clock.advance(45)
    again = api.get(URL)
    assert again.status_code == 200 and again.headers["X-Rate-Limit-Remaining"] == "39"


def test_errors_count_too_and_carry_the_headers(api):
    r = api.get(f"{URL}/12345")
    assert r.status_code == 404 and r.headers["X-Rate-Limit-Remaining"] == "39"


def test_rate_limit_setting_and_separate_key_pairs(api, mock):
    mock.update_settings({"rate_limit": 2, "accounts": {"test-key": "test-secret", "k2": "s2"}})
    answers = [api.get(URL) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert [r.headers["X-Rate-Limit-Limit"] for r in answers] == ["2", "2", "2"]
    other = api.get(URL, auth=("k2", "s2"))
    assert (other.status_code, other.headers["X-Rate-Limit-Remaining"]) == (200, "1")
    k2 = "***" + __import__("hashlib").sha256(b"k2").hexdigest()[:8]  # not the default: redacted
    assert [e["account"] for e in mock.journal.entries()] == ["test-key"] * 3 + [k2]


def test_journal_redacts_the_basic_credentials(api, mock):
    api.get(URL)
    entry = mock.journal.entries()[-1]
    assert entry["headers"]["Authorization"] == "Basic ***"
    assert "test-secret" not in str(mock.journal.entries())


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", "/nothing/here", 404, {"message": "Resource not found"}),
        ("POST", "/products", 405, {"message": "The requested resource does not support this http method."}),
        (
            "DELETE",
            "/products/1",
            405,
            {"message": "The requested resource does not support this http method."},
        ),
    ],
)
def test_unknown_paths_and_methods_carry_the_headers_too(api, mock, method, path, status, body):
    r = api.request(method, "http://mock" + path)
    assert (r.status_code, r.json()) == (status, body)
    assert (r.headers["X-Rate-Limit-Limit"], r.headers["X-Rate-Limit-Remaining"]) == ("40", "39")
    assert mock.journal.entries()[-1]["response_headers"]["X-Rate-Limit-Remaining"] == "39"
