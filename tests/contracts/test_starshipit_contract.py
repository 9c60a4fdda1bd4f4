"""schemathesis, in process, over every Starshipit operation (positive and negative, default checks), plus a
stateful run that follows the contract's links create → list → update → delete."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ensure_resource_availability, positive_data_acceptance

import contracts
from harness import vendors
from harness.conformance import run_contract
from harness.shards import stable_generation
from mocks.kit.core import Mock

OPERATIONS = {
    "GET /api/products",
    "POST /api/products",
    "PUT /api/products/update",
    "DELETE /api/products/delete",
    "GET /api/products/template",
    "POST /api/products/import",
    "GET /api/products/export",
}


@pytest.fixture(scope="module")
def run():
    return run_contract(vendors.get("starshipit"), max_examples=30)


def test_every_operation_was_exercised_in_both_modes(run):
    seen = {(r.operation, r.mode) for r in run.results}
    assert seen == {(op, mode) for op in OPERATIONS for mode in ("positive", "negative")}
    assert all(r.examples > 0 or r.note for r in run.results)


def test_mock_conforms_to_contract(run):
    assert run.excluded_checks == {}  # every default check applies to Starshipit
    failures = [f"{r.operation} [{r.mode}]\n{r.failure}" for r in run.results if not r.ok]
    assert not failures, "\n\n".join(failures)


def test_links_connect_create_list_update_delete():
    schema = schemathesis.openapi.from_path(contracts.path("starshipit"), config=schemathesis.Config())
    links = {}
    for result in schema.get_all_operations():
        op = result.ok()
        for response in op.definition.raw["responses"].values():
            for link in (response.get("links") or {}).values():
                links.setdefault(op.definition.raw["operationId"], set()).add(link["operationId"])
    assert {"listProducts", "updateProduct", "deleteProducts"} <= links["createProduct"]
    assert {"updateProduct", "deleteProducts"} <= links["listProducts"]
    assert "deleteProducts" in links["updateProduct"]


def test_stateful_workflow_in_process():
    harness = vendors.get("starshipit")
    app = harness.create_app(settings=harness.contract_settings)
    schema = schemathesis.openapi.from_path(contracts.path("starshipit"), config=schemathesis.Config())
    schema.app = app
    headers = harness.contract_auth(None)

    @schema.auth()  # an auth provider, so the ignored_auth check can strip or spoil it
    class Keys:
        def get(self, case, ctx):
            return headers

        def set(self, case, data, ctx):
            case.headers = {**(case.headers or {}), **data}

    calls: list[tuple[str, int]] = []

    class Workflow(schema.as_state_machine()):
        def setup(self):
            Mock.of(app).backend.reset()

        def after_call(self, response, case):
            super().after_call(response, case)  # the recorder the stateful checks read
            calls.append((f"{case.method} {case.path}", response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # Top-level id and product.id must be equal (a documented 400 no JSON Schema can express), so a
            # generated pair that differs is rightly refused: positive_data_acceptance cannot judge it.
            body = case.body if isinstance(case.body, dict) else {}
            product = body.get("product") if isinstance(body.get("product"), dict) else {}
            mismatch = case.path == "/api/products/update" and body.get("id") != product.get("id")
            excluded = [positive_data_acceptance] if mismatch else []
            # Products are addressed by an id in the body, which ensure_resource_availability cannot follow:
            # it reads a 404 after a create as the created product gone missing, even when the generated id
            # names no product. A 404 for an id the mock does not hold is right.
            backend = Mock.of(app).backend
            held = {p["id"] for p in backend.products(backend.default_account)}
            if response.status_code == 404 and body.get("id") not in held:
                excluded.append(ensure_resource_availability)
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=excluded or None,
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    # Without the constants hypothesis finds in the project's source: with them, any new module shifted
    # this derandomized run (and twice left it with no successful update). 40: this seed's first update
    # that succeeds comes after 30.
    with stable_generation():
        Workflow.run(
            settings=settings(
                max_examples=40,
                stateful_step_count=6,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
        )
    ok = {call for call, status in calls if status == 200}
    assert {
        "POST /api/products",
        "PUT /api/products/update",
        "DELETE /api/products/delete",
        "GET /api/products",
    } <= ok, sorted(set(calls))
    assert not [c for c in calls if c[1] >= 500]
