"""The SKU index stays in step with every write: a SKU freed by an update, a delete or a re-seed is free."""

from mocks.starshipit.csv_template import COLUMNS


def _csv(*rows: tuple[str, str]) -> bytes:
    lines = [",".join(COLUMNS)] + [",".join([sku, title] + [""] * (len(COLUMNS) - 2)) for sku, title in rows]
    return ("\n".join(lines) + "\n").encode()


def test_freed_skus_can_be_taken_again(ssit):
    first = ssit.create(sku="A")
    body = {"id": first["id"], "product": {"id": first["id"], "sku": "B", "title": "T"}}
    renamed = ssit.call("PUT", "/update", json=body)
    assert renamed.status_code == 200
    assert ssit.create(sku="A")["sku"] == "A"  # "A" was freed by the rename
    taken = ssit.call("POST", json={"product": {"title": "T", "sku": "B"}})
    assert taken.status_code == 409
    ssit.call("DELETE", "/delete", json={"product_ids": [first["id"]]})
    assert ssit.create(sku="B")["sku"] == "B"  # freed by the delete


def test_reseeding_an_id_with_another_sku_frees_the_old_one(ssit):
    backend = ssit.mock.backend
    backend.seed("test-api-key", [{"id": 7, "sku": "OLD", "title": "T"}])
    backend.seed("test-api-key", [{"id": 7, "sku": "NEW", "title": "T"}])
    assert ssit.create(sku="OLD")["sku"] == "OLD"
    assert ssit.call("POST", json={"product": {"title": "T", "sku": "NEW"}}).status_code == 409


def test_import_upserts_through_the_index_and_restore_rebuilds_it(ssit):
    ssit.create(sku="KEEP", title="Old")
    result = ssit.mock.backend.import_csv("test-api-key", _csv(("KEEP", "New"), ("ADD", "Added")))
    assert (result["created"], result["updated"]) == (1, 1)
    ssit.mock.restore(ssit.mock.snapshot())
    again = ssit.mock.backend.import_csv("test-api-key", _csv(("KEEP", "New"), ("ADD", "Added")))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert sorted(p["sku"] for p in ssit.mock.backend.products("test-api-key")) == ["ADD", "KEEP"]
