"""The Python API the README shows: a client whose sync() returns the wrong type gets a failure that
says so, not `ok == False` with an empty list."""

from harness import vendors
from harness.clients.shipstation import ShipStationClient
from harness.runner import property_run


class ReturnsADict(ShipStationClient):
    def sync(self, products):  # type: ignore[override]
        super().sync(products)
        return {"created": []}


def test_a_sync_that_returns_the_wrong_type_is_a_named_failure():
    outcome = property_run(
        vendors.get("shipstation"),
        examples=1,
        client_factory=lambda **kw: ReturnsADict(kw.pop("base_url"), **kw),
    )
    assert not outcome.ok and outcome.error is None
    assert [f.check for f in outcome.failures] == ["client"]
    assert "ReturnsADict.sync() returned dict; it must return a harness.sync.SyncReport" in str(
        outcome.failures[0]
    )
