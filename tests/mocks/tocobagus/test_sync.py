"""Catalog sync: class-validator VAL_001, 202 with row errors, batches on the clock, allocation, reads."""

import json

import pytest

from mocks.tocobagus.models import allocate

from .conftest import BASE, product

SYNC = "/partner/stores/catalog/sync"


def _val(r) -> dict:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["error"]["code"] == "VAL_001" and body["error"]["message"] == "Validation failed"
    assert body["error"]["details"]["hint"] == "Please check your request data and try again"
    return body["error"]["details"]["context"]["validationErrors"]


def test_documented_example_is_accepted_with_the_documented_body(api, mock):
    rows = [product(1, sku="TSHIRT001"), product(2, sku="BAG002"), product(3, sku="MUG003", minOrder=2)]
    r = api.sync(rows)
    assert r.status_code == 202
    body = r.json()
    assert (body["success"], body["message"], body["meta"]["dispatch"]) == (
        True,
        "Catalog sync request accepted",
        True,
    )
    assert body["data"] == {
        "summary": {"total": 3, "failed": 0, "pending": 3},
        "errors": [],
        "acceptedRows": [
            {"rowIndex": i, "externalId": f"ext-{i + 1}", "sku": s}
            for i, s in enumerate(["TSHIRT001", "BAG002", "MUG003"])
        ],
    }
    assert mock.backend.products("str_test") == []  # nothing is created before the batch runs
    kinds = [e.get("kind") for e in mock.journal.entries()]
    assert "catalog.sync.accepted" in kinds


def test_class_validator_messages_joined_and_nested(api, mock):
    bad = [
        product(1, weightx=1, externalId=7),
        product(2, dimensions={"length": "12", "width": 1, "depth": 2}),
        product(3, warehouses=[{"clientId": "", "stock": -1}, 5], price=True),
        {"name": ""},
    ]
    errors = _val(api.sync(bad))
    assert errors["products"]["0"] == {
        "weightx": "property weightx should not exist",
        "externalId": "externalId must be shorter than or equal to 255 characters, "
        "externalId must be a string",
    }
    assert errors["products"]["1"] == {
        "dimensions": {
            "depth": "property depth should not exist",
            "length": "length must not be less than 0, length must be an integer number",
            "height": "height must not be less than 0, height must be an integer number",
        }
    }
    assert (
        errors["products"]["2"]["price"] == "price must not be less than 0, price must be an integer number"
    )
    assert errors["products"]["2"]["warehouses"] == {
        "0": {"clientId": "clientId should not be empty", "stock": "stock must not be less than 0"},
        "1": "each value in nested property warehouses must be either object or array",
    }
    assert errors["products"]["3"]["name"] == "name should not be empty"
    assert errors["products"]["3"]["sku"] == (
        "sku must be shorter than or equal to 100 characters, sku should not be empty, sku must be a string"
    )
    assert mock.backend.jobs == {}  # a VAL_001 queues nothing


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("externalId", "x" * 256, "externalId must be shorter than or equal to 255 characters"),
        ("categoryId", "not-a-uuid", "categoryId must be a UUID"),
        ("photos", ["ftp://x"], "each value in photos must be a URL address"),
        ("hashtags", "tag", "hashtags must be an array"),
        ("condition", "MINT", "condition must be one of the following values: NEW, USED"),
        ("isArchived", "false", "isArchived must be a boolean value"),
        ("minOrder", 0, "minOrder must not be less than 1"),
        ("stock", 1.5, "stock must be an integer number"),
        ("dimensions", [1, 2], "nested property dimensions must be either object or array"),
    ],
)
def test_one_rule_each(api, field, value, message):
    assert _val(api.sync([product(1, **{field: value})]))["products"]["0"] == {field: message}


def test_array_rules_and_the_1000_cap(api):
    assert _val(api.sync([])) == {"products": "products must contain at least 1 elements"}
    many = [{"externalId": str(i), "name": "n", "sku": str(i), "price": 1} for i in range(1001)]
    assert _val(api.sync(many)) == {"products": "products must contain no more than 1000 elements"}
    assert _val(api.call("POST", SYNC, {"items": []})) == {
        "items": "property items should not exist",
        "products": "products must contain no more than 1000 elements, "
        "products must contain at least 1 elements, products must be an array",
    }
    assert api.sync(many[:1000]).status_code == 202


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"products": [NaN]}',
        b"\xff\xfe{}",
        b"[1, 2]",
        b"42",
        b'{"products": "x"}',
        b"[" * 5000,
    ],
)
def test_bad_bodies_are_val_001_never_500(api, raw):
    r = api.call("POST", SYNC, raw=raw)
    assert r.status_code == 400 and r.json()["error"]["code"] == "VAL_001"


def test_two_megabyte_body_is_413_in_the_envelope(api, mock):
    raw = b'{"products": [' + b'"' + b"x" * (2 * 1024 * 1024) + b'"]}'
    r = api.call("POST", SYNC, raw=raw)
    assert r.status_code == 413 and r.json()["error"]["code"] == "REQ_002"
    assert mock.journal.entries()[-1]["status"] == 413


def test_unknown_route_and_method_use_the_envelope(api):
    r = api.session.get("http://mock/api/v1/partner/nothing")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "RES_001")
    r = api.session.delete(BASE + SYNC)
    assert (r.status_code, r.json()["error"]["code"]) == (405, "REQ_001")


def test_row_rules_go_to_data_errors(api, mock):
    mock.backend.seed("str_test", [{"sku": "OLD", "name": "Old", "externalId": "ext-old"}])
    rows = [
        product(1),
        product(2, sku="OLD"),
        product(3, externalId="ext-old"),
        product(4, sku="SKU-1"),
        product(5, externalId="ext-1"),
        product(6, stock=1, warehouses=[]),
        product(7, warehouses=[]),
    ]
    body = api.sync(rows).json()
    assert body["data"]["summary"] == {"total": 7, "failed": 6, "pending": 1}
    assert [(e["rowIndex"], e["code"]) for e in body["data"]["errors"]] == [
        (1, "SKU_ALREADY_EXISTS"),
        (2, "EXTERNAL_ID_ALREADY_EXISTS"),
        (3, "DUPLICATE_IN_REQUEST"),
        (4, "DUPLICATE_IN_REQUEST"),
        (5, "STOCK_AND_WAREHOUSES"),
        (6, "STORE_HAS_NO_WAREHOUSES"),
    ]
    assert body["data"]["errors"][0] == {
        "rowIndex": 1,
        "externalId": "ext-2",
        "sku": "OLD",
        "code": "SKU_ALREADY_EXISTS",
        "message": "Product with sku OLD already exists",
    }


def test_unknown_warehouse_client_id(api, mock):
    mock.update_settings({"warehouses": [{"clientId": "wh-1", "name": "Jakarta"}]})
    errors = api.sync([product(1, warehouses=[{"clientId": "wh-9", "stock": 1}])]).json()["data"]["errors"]
    assert (errors[0]["code"], errors[0]["message"]) == ("WAREHOUSE_NOT_FOUND", "Warehouse wh-9 not found")


def test_resend_while_pending_is_refused_so_nothing_is_created_twice(api, mock):
    assert api.sync([product(1)]).json()["data"]["summary"]["pending"] == 1
    again = api.sync([product(1)]).json()["data"]
    assert again["errors"][0]["code"] == "SKU_ALREADY_EXISTS"
    mock.backend.run_jobs()
    assert len(mock.backend.products("str_test")) == 1


def test_quirk_off_accepts_the_resend_and_fails_it_at_processing(api, mock):
    mock.update_settings({"quirks": {"reserve_pending_rows": False}})
    first, second = api.sync([product(1)]).json(), api.sync([product(1)]).json()
    assert second["data"]["summary"]["pending"] == 1
    mock.backend.run_jobs()
    assert len(mock.backend.products("str_test")) == 1
    rows = api.status(second["requestId"]).json()["data"]["rows"]
    assert rows[0]["status"] == "FAILED" and rows[0]["error"]["code"] == "SKU_ALREADY_EXISTS"
    assert api.status(first["requestId"]).json()["data"]["rows"][0]["status"] == "SUCCEEDED"


def test_batches_run_on_the_clock_and_status_follows(api, mock):
    mock.update_settings({"batch_size": 2, "processing_delay_seconds": 10})
    request_id = api.sync([product(i) for i in range(5)]).json()["requestId"]
    data = api.status(request_id).json()["data"]
    assert data["status"] == "PENDING" and [b["size"] for b in data["batches"]] == [2, 2, 1]
    assert data["summary"] == {"total": 5, "pending": 5, "succeeded": 0, "failed": 0}
    mock.clock.advance(10)
    data = api.status(request_id).json()["data"]
    assert data["status"] == "PROCESSING" and data["summary"]["succeeded"] == 2
    assert [b["status"] for b in data["batches"]] == ["COMPLETED", "PENDING", "PENDING"]
    mock.clock.advance(20)
    data = api.status(request_id).json()["data"]
    assert data["status"] == "COMPLETED" and data["completedAt"] is not None
    assert all(r["status"] == "SUCCEEDED" and len(r["productId"]) == 36 for r in data["rows"])
    batches = [e for e in mock.journal.entries() if e.get("kind") == "catalog.batch.processed"]
    sync_seq = next(e["seq"] for e in mock.journal.entries() if e.get("method") == "POST")
    assert len(batches) == 3 and {b["request_seq"] for b in batches} == {sync_seq}


def test_jobs_run_finishes_everything_at_once(api, mock, app):
    mock.update_settings({"batch_size": 1, "processing_delay_seconds": 3600})
    request_id = api.sync([product(1), product(2)]).json()["requestId"]
    ran = app.test_client().post("/__mock__/jobs/run").get_json()
    assert ran == {"ran": 2, "webhooks": 0}
    assert api.status(request_id).json()["data"]["status"] == "COMPLETED"


def test_unknown_or_malformed_request_id(api):
    r = api.status("00000000-0000-4000-8000-000000000000")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "RES_001")
    assert _val(api.status("nope")) == {"requestId": "requestId must be a UUID"}


@pytest.mark.parametrize(
    ("warehouses", "row", "expected"),
    [
        ([], {"stock": 7}, []),
        ([("w1", "A")], {"stock": 7}, [("w1", 7)]),
        ([("w1", "A")], {"warehouses": [{"clientId": "w1", "stock": 4}]}, [("w1", 4)]),
        ([("w1", "A"), ("w2", "B"), ("w3", "C")], {"stock": 8}, [("w1", 3), ("w2", 3), ("w3", 2)]),
        ([("w1", "A"), ("w2", "B"), ("w3", "C")], {"stock": 2}, [("w1", 1), ("w2", 1), ("w3", 0)]),
        (
            [("w1", "A"), ("w2", "B"), ("w3", "C")],
            {"warehouses": [{"clientId": "w3", "stock": 5}]},
            [("w3", 5)],
        ),
    ],
)
def test_allocation_rules(warehouses, row, expected):
    store = [{"clientId": c, "name": n} for c, n in warehouses]
    assert [(a["clientId"], a["stock"]) for a in allocate(row, store)] == expected


def test_split_is_stored_and_listed(api, mock):
    mock.update_settings({"warehouses": [{"clientId": "w1", "name": "A"}, {"clientId": "w2", "name": "B"}]})
    api.sync([product(1, stock=5), product(2, warehouses=[{"clientId": "w2", "stock": 9}])])
    mock.backend.run_jobs()
    items = {p["sku"]: p for p in api.list("sortBy=sku&order=asc").json()["data"]["items"]}
    assert items["SKU-1"]["stock"] == 5
    assert items["SKU-1"]["warehouses"] == [
        {"clientId": "w1", "name": "A", "stock": 3},
        {"clientId": "w2", "name": "B", "stock": 2},
    ]
    assert (items["SKU-2"]["stock"], items["SKU-2"]["warehouses"]) == (
        9,
        [{"clientId": "w2", "name": "B", "stock": 9}],
    )


def test_products_list_filters_sorts_and_pages(api, mock):
    mock.backend.seed(
        "str_test",
        [{"sku": f"S{i}", "name": f"Name {i}", "price": 10 - i, "isArchived": i == 3} for i in range(5)],
    )
    page = api.list("limit=2&page=2&sortBy=price&order=asc").json()["data"]
    assert [p["sku"] for p in page["items"]] == ["S2", "S1"]
    assert page["pagination"] == {"page": 2, "limit": 2, "total": 5, "totalPages": 3}
    assert [p["sku"] for p in api.list("q=name%203").json()["data"]["items"]] == ["S3"]
    assert [p["sku"] for p in api.list("isArchived=true").json()["data"]["items"]] == ["S3"]
    assert api.list().json()["data"]["pagination"]["limit"] == 20
    errors = _val(api.list("limit=101&page=0&sortBy=colour&extra=1"))
    assert errors == {
        "extra": "property extra should not exist",
        "page": "page must not be less than 1",
        "limit": "limit must not be greater than 100",
        "sortBy": "sortBy must be one of the following values: createdAt, updatedAt, name, sku, price, stock",
    }


def test_control_api_seeds_and_reads_products_and_state_round_trips(app, api, mock):
    client = app.test_client()
    seeded = client.post(
        "/__mock__/products?account=str_test", json={"products": [{"sku": "A", "name": "a"}]}
    )
    assert seeded.status_code == 200 and seeded.get_json()["products"][0]["sku"] == "A"
    assert client.post("/__mock__/products", json={"products": [1]}).status_code == 400
    api.sync([product(1)])
    state = client.get("/__mock__/state").get_json()
    client.post("/__mock__/reset")
    assert client.get("/__mock__/products").get_json() == {"products": []}
    assert client.put("/__mock__/state", json=state).status_code == 200
    mock.backend.run_jobs()
    assert sorted(p["sku"] for p in mock.backend.products("str_test")) == ["A", "SKU-1"]


@pytest.mark.parametrize(
    "settings",
    [
        {"warehouses": [{"clientId": "a"}, {"clientId": "a"}]},
        {"webhook_url": "ftp://x"},
        {"batch_size": 0},
        {"webhook_faults": [{"effect": "explode"}]},
        {"stores": {"str_test": {"token": 1}}},
    ],
)
def test_bad_settings_are_refused(app, settings):
    r = app.test_client().put("/__mock__/settings", data=json.dumps(settings))
    assert r.status_code == 400 and "error" in r.get_json()
