"""The kit's app and /__mock__/ control API, on a tiny made-up vendor."""

import pytest
import requests

from mocks.kit.clock import VIRTUAL_EPOCH
from mocks.kit.core import Mock

BASE = "http://mock"


def test_vendor_errors_render_in_the_vendor_shape_and_are_journaled(tiny, tiny_app):
    r = tiny.get(f"{BASE}/items", headers={"X-Key": "nope"})
    assert (r.status_code, r.json()) == (401, {"problem": "bad key"})
    entry = tiny.get(f"{BASE}/__mock__/journal").json()["entries"][-1]
    assert entry["status"] == 401 and entry["path"] == "/items"
    assert entry["headers"]["X-Key"] == "***"
    assert entry["response_body"] == '{"problem": "bad key"}'


def test_unexpected_exception_is_the_vendors_500_and_the_journal_keeps_the_traceback(tiny):
    r = tiny.get(f"{BASE}/boom")
    assert r.status_code == 500 and r.json() == {"problem": "internal error"}
    assert "<html" not in r.text.lower()
    entry = tiny.get(f"{BASE}/__mock__/journal?limit=1").json()["entries"][0]
    assert "RuntimeError: a bug in the mock" in entry["error"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("PUT", "/items", {"data": b"{not json"}, 400),
        ("PUT", "/items", {"data": b"\xff\xfe\x00"}, 400),
        ("PUT", "/items", {"json": [1, 2]}, 400),
        ("PUT", "/items", {"data": b"x" * 5000}, 413),
        ("DELETE", "/items", {}, 405),
        ("GET", "/nowhere", {}, 404),
    ],
)
def test_bad_input_gets_a_vendor_shaped_4xx_never_html(tiny, method, path, kwargs, status):
    r = tiny.request(method, BASE + path, **kwargs)
    assert r.status_code == status
    assert r.headers["Content-Type"].startswith("application/json")
    assert set(r.json()) == {"problem"}


def test_rate_limit_is_counted_per_credential_and_journaled(tiny):
    statuses = [tiny.get(f"{BASE}/items").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert tiny.get(f"{BASE}/items", headers={"X-Key": "beta"}).status_code == 200
    last_alpha = [
        e for e in tiny.get(f"{BASE}/__mock__/journal").json()["entries"] if e["account"] == "alpha"
    ][-1]
    assert last_alpha["rate_limit"] == {
        "key": "alpha",
        "limit": 3,
        "remaining": 0,
        "reset_at": VIRTUAL_EPOCH + 1,
        "allowed": False,
    }
    tiny.post(f"{BASE}/__mock__/clock", json={"advance": 1})
    assert tiny.get(f"{BASE}/items").status_code == 200


def test_seed_products_state_and_reset(tiny):
    seeded = tiny.post(f"{BASE}/__mock__/products?account=beta", json={"products": [{"sku": "B1"}]})
    assert seeded.json() == {"products": [{"sku": "B1"}]}
    assert tiny.get(f"{BASE}/__mock__/products").json() == {"products": []}  # default account: alpha
    assert tiny.get(f"{BASE}/__mock__/products?account=beta").json() == {"products": [{"sku": "B1"}]}
    bad = tiny.post(f"{BASE}/__mock__/products", json={"products": [{"sku": 5}]})
    assert (bad.status_code, bad.json()) == (400, {"error": "sku must be text"})
    snapshot = tiny.get(f"{BASE}/__mock__/state").json()
    assert snapshot["backend"] == {"accounts": {"beta": {"B1": {"sku": "B1"}}}}
    assert tiny.post(f"{BASE}/__mock__/reset").json() == {"reset": True}
    assert tiny.get(f"{BASE}/__mock__/products?account=beta").json() == {"products": []}
    restored = tiny.put(f"{BASE}/__mock__/state", json=snapshot)
    assert restored.status_code == 200
    assert tiny.get(f"{BASE}/__mock__/products?account=beta").json() == {"products": [{"sku": "B1"}]}


def test_a_bad_state_document_changes_nothing(tiny):
    tiny.post(f"{BASE}/__mock__/products", json={"products": [{"sku": "A1"}]})
    for bad in (
        {"backend": {"accounts": []}},
        {"backend": {}, "settings": {"colour": "green"}},
        {"backend": {}, "faults": [{"status": 1}]},
        {"backend": {}, "clock": {"mode": "sideways"}},
        {"vendor": "other", "backend": {}},
        [],
    ):
        r = tiny.put(f"{BASE}/__mock__/state", json=bad)
        assert r.status_code == 400 and r.json()["error"]
    assert tiny.get(f"{BASE}/__mock__/products").json() == {"products": [{"sku": "A1"}]}
    assert tiny.get(f"{BASE}/__mock__/settings").json()["colour"] == "blue"


def test_settings_merge_and_refuse_unknowns_by_name(tiny, tiny_app):
    r = tiny.put(
        f"{BASE}/__mock__/settings", json={"quirks": {"loud": True}, "rate_limit": 9, "colour": "red"}
    )
    assert r.json() == {"quirks": {"loud": True}, "rate_limit": 9, "colour": "red"}
    assert Mock.of(tiny_app).rate_limit("alpha").limit == 9  # the limit a request reads
    for bad, message in (
        ({"quirks": {"quiet": True}}, "unknown quirk 'quiet'"),
        ({"rate_limit": 0}, "rate_limit must be a positive integer"),
        ({"colour": "green"}, "colour: must be blue or red"),
        ({"flavour": 1}, "unknown setting 'flavour'"),
    ):
        r = tiny.put(f"{BASE}/__mock__/settings", json=bad)
        assert r.status_code == 400 and message in r.json()["error"]
    assert tiny.get(f"{BASE}/__mock__/settings").json()["colour"] == "red"


def test_clock_control(tiny):
    assert tiny.post(f"{BASE}/__mock__/clock", json={"advance": 5}).json() == {
        "mode": "virtual",
        "now": VIRTUAL_EPOCH + 5,
    }
    assert tiny.post(f"{BASE}/__mock__/clock", json={"mode": "real"}).json()["mode"] == "real"
    frozen = tiny.post(f"{BASE}/__mock__/clock", json={"mode": "virtual", "now": 1000}).json()
    assert frozen == {"mode": "virtual", "now": 1000}
    assert tiny.post(f"{BASE}/__mock__/clock", json={"advance": -1}).status_code == 400
    tiny.post(f"{BASE}/__mock__/reset")
    assert tiny.get(f"{BASE}/__mock__/state").json()["clock"] == {"mode": "virtual", "now": VIRTUAL_EPOCH}


def test_health_and_jobs(tiny):
    assert tiny.get(f"{BASE}/__mock__/health").json() == {"vendor": "tiny", "version": "0.1.0"}
    assert tiny.post(f"{BASE}/__mock__/jobs/run").json() == {"ran": 0}


def test_side_effects_are_linked_to_their_request(tiny):
    tiny.put(f"{BASE}/items", json={"sku": "S1"})
    request_entry, effect = tiny.get(f"{BASE}/__mock__/journal").json()["entries"]
    assert effect["type"] == "side_effect" and effect["kind"] == "tiny.stored" and effect["sku"] == "S1"
    assert effect["request_seq"] == request_entry["seq"] and request_entry["type"] == "request"
    assert tiny.delete(f"{BASE}/__mock__/journal").json() == {"entries": []}


def test_status_fault_before_never_reaches_the_backend(tiny):
    tiny.put(f"{BASE}/__mock__/faults", json={"rules": [{"method": "PUT", "times": 1, "status": 503}]})
    r = tiny.put(f"{BASE}/items", json={"sku": "F1"})
    assert (r.status_code, r.json()) == (503, {"problem": "injected fault"})
    assert tiny.get(f"{BASE}/__mock__/products").json() == {"products": []}
    assert tiny.get(f"{BASE}/__mock__/journal?limit=1").json()["entries"][0]["fault"] == "respond"
    assert tiny.put(f"{BASE}/items", json={"sku": "F1"}).status_code == 200  # times: 1
    (rule,) = tiny.get(f"{BASE}/__mock__/faults").json()["rules"]
    assert (rule["method"], rule["status"], rule["times"], rule["fired"]) == ("PUT", 503, 1, 1)


def test_fault_after_lets_the_write_land_then_spoils_the_answer(tiny):
    tiny.put(
        f"{BASE}/__mock__/faults",
        json=[
            {
                "method": "PUT",
                "when": "after",
                "status": 502,
                "body": {"custom": True},
                "headers": {"X-Fault": "yes"},
            }
        ],
    )
    r = tiny.put(f"{BASE}/items", json={"sku": "F2"})
    assert (r.status_code, r.json(), r.headers["X-Fault"]) == (502, {"custom": True}, "yes")
    assert tiny.get(f"{BASE}/__mock__/products").json() == {"products": [{"sku": "F2"}]}


def test_connection_faults_in_process_raise_what_requests_raises(tiny):
    tiny.put(
        f"{BASE}/__mock__/faults",
        json=[
            {"path": "^/items$", "method": "GET", "effect": "drop", "times": 1},
            {"method": "PUT", "effect": "truncate", "when": "after", "times": 1},
        ],
    )
    with pytest.raises(requests.ConnectionError, match="dropped"):
        tiny.get(f"{BASE}/items")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        tiny.put(f"{BASE}/items", json={"sku": "T1"})
    assert tiny.get(f"{BASE}/__mock__/products").json() == {"products": [{"sku": "T1"}]}


def test_latency_advances_a_virtual_clock_and_times_out_a_short_timeout(tiny):
    tiny.put(f"{BASE}/__mock__/faults", json=[{"effect": "latency", "latency": 7, "times": 2}])
    assert tiny.get(f"{BASE}/items").status_code == 200
    assert tiny.get(f"{BASE}/__mock__/state").json()["clock"]["now"] == VIRTUAL_EPOCH + 7
    with pytest.raises(requests.exceptions.ReadTimeout):
        tiny.get(f"{BASE}/items", timeout=(1, 5))


def test_reset_empty_and_slow_body_in_process_raise_what_requests_raises(tiny):
    tiny.put(
        f"{BASE}/__mock__/faults",
        json=[
            {"method": "GET", "effect": "drop", "rst": True, "times": 1},
            {"method": "PUT", "effect": "empty", "when": "after", "times": 1},
            {"method": "GET", "effect": "slow_body", "bandwidth": 10, "when": "after", "times": 2},
        ],
    )
    with pytest.raises(requests.ConnectionError, match="reset"):
        tiny.get(f"{BASE}/items")
    with pytest.raises(requests.ConnectionError, match="dropped"):
        tiny.put(f"{BASE}/items", json={"sku": "E1"})
    assert tiny.get(f"{BASE}/__mock__/products").json() == {"products": []}  # empty: never reached the vendor
    assert tiny.get(f"{BASE}/items").status_code == 200  # a slow body still arrives whole
    with pytest.raises(requests.exceptions.ReadTimeout):
        tiny.get(f"{BASE}/items", timeout=(1, 0.05))
    faults = [
        e["fault"] for e in tiny.get(f"{BASE}/__mock__/journal").json()["entries"] if e["type"] == "request"
    ]
    assert faults == ["drop", "empty", "slow_body", "slow_body"]


def test_truncate_after_keeps_the_vendors_status_in_the_journal(tiny):
    tiny.put(f"{BASE}/__mock__/faults", json=[{"method": "PUT", "effect": "truncate", "when": "after"}])
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        tiny.put(f"{BASE}/items", json={"sku": "T2"})
    entries = tiny.get(f"{BASE}/__mock__/journal").json()["entries"]
    entry = [e for e in entries if e["type"] == "request"][-1]
    assert (entry["status"], entry["fault"], entry["response_body"]) == (200, "truncate", '{"stored": "T2"}')


def test_fault_rules_validate_the_new_fields(tiny):
    for bad in (
        {"effect": "drop", "rst": "yes"},
        {"effect": "slow_body", "bandwidth": 0},
        {"effect": "explode"},
    ):
        r = tiny.put(f"{BASE}/__mock__/faults", json=[bad])
        assert r.status_code == 400 and "fault rule 0" in r.json()["error"]


def test_a_crash_on_a_control_route_is_the_harness_error_not_the_vendors(tiny, tiny_app):
    def boom():
        raise RuntimeError("a bug in the backend")

    Mock.of(tiny_app).backend.run_jobs = boom
    answer = tiny.post(f"{BASE}/__mock__/jobs/run")
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal error: RuntimeError: a bug in the backend"}


def test_a_half_good_seed_stores_nothing(tiny):
    bad = tiny.post(f"{BASE}/__mock__/products", json={"products": [{"sku": "A1"}, {"sku": 5}]})
    assert (bad.status_code, bad.json()) == (400, {"error": "sku must be text"})
    assert tiny.get(f"{BASE}/__mock__/products").json() == {"products": []}


def test_journal_over_the_control_api_streams_and_pages(tiny):
    for sku in ("A", "B", "C"):
        tiny.put(f"{BASE}/items", json={"sku": sku})
    first = tiny.get(f"{BASE}/__mock__/journal?after=0&limit=2").json()["entries"]
    assert [(e["seq"], e.get("body")) for e in first] == [
        (1, '{"sku": "A"}'),
        (2, None),
    ]  # 2: its side effect
    rest = tiny.get(f"{BASE}/__mock__/journal?after={first[-1]['seq']}&limit=2").json()["entries"]
    assert [e["seq"] for e in rest] == [3, 4] and rest[0]["body"] == '{"sku": "B"}'
    assert len(tiny.get(f"{BASE}/__mock__/journal?limit=1").json()["entries"]) == 1
    bad = tiny.get(f"{BASE}/__mock__/journal?after=-1")
    assert (bad.status_code, bad.json()) == (400, {"error": "after must be an integer of at least 0"})
