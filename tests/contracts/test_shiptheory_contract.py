"""schemathesis, in process, over every Shiptheory operation (positive and negative, default checks), plus the
contract's links: each resolved against real responses, and a stateful run that follows them token → product →
view/update → shipment → shipment view."""

from urllib.parse import quote, unquote

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ensure_resource_availability, positive_data_acceptance

import contracts
from harness import vendors
from harness.cases.shiptheory import BOOKING as CASE_BOOKING
from harness.conformance import concrete_paths_first, load, run_contract
from mocks.kit.core import Mock

OPERATIONS = {
    "POST /v1/token",
    "GET /v1/products",
    "POST /v1/products",
    "GET /v1/products/view/{sku}",
    "PUT /v1/products/update/{sku}",
    "POST /v1/products/update/{sku}",
    "POST /v1/shipments",
    "GET /v1/shipments/list",
    "GET /v1/shipments/search",
    "GET /v1/shipments/{reference}",
}


@pytest.fixture(scope="module")
def run():
    return run_contract(vendors.get("shiptheory"), max_examples=25)


def test_every_operation_was_exercised_in_both_modes(run):
    seen = {(r.operation, r.mode) for r in run.results}
    assert seen == {(op, mode) for op in OPERATIONS for mode in ("positive", "negative")}
    assert all(r.examples > 0 for r in run.results)


def test_only_justified_checks_are_excluded(run):
    assert set(run.excluded_checks) == {"positive_data_acceptance"}
    assert all(len(why) > 40 for why in run.excluded_checks.values())


def test_mock_conforms_to_contract(run):
    failures = [f"{r.operation} [{r.mode}]\n{r.failure}" for r in run.results if not r.ok]
    assert not failures, "\n\n".join(failures)


def _view_shipment_paths(schema, mode: GenerationMode, examples: int = 100) -> list[str]:
    paths = []

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=schema["/v1/shipments/{reference}"]["GET"].as_strategy(generation_mode=mode))
    def draw(case):
        paths.append(case.formatted_path)

    draw()
    return paths


def test_no_shipment_is_viewed_under_the_list_or_search_path():
    """GET /v1/shipments/list and /search are List and Search Shipments (ST-DOCS; OpenAPI matches concrete
    paths first). The contract excludes those references, and runs drop a case whose URL is another
    operation's: hypothesis drew "list" now and then (from its pool of the project's string literals), and
    negative mode, which negates the exclusion, sends it about half the time; the mock rightly answers the
    list (ST108) or the search's 400 (ST103)."""
    raw = schemathesis.openapi.from_path(contracts.path("shiptheory"), config=schemathesis.Config())
    reference = raw.raw_schema["paths"]["/v1/shipments/{reference}"]["parameters"][0]
    assert reference["schema"]["not"] == {"enum": ["list", "search"]}
    others = {"/v1/shipments/list", "/v1/shipments/search"}
    assert others & set(_view_shipment_paths(raw, GenerationMode.NEGATIVE))  # what the filter is for
    concrete_paths_first(raw)
    for schema in (raw, load("shiptheory")):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            paths = _view_shipment_paths(schema, mode)
            assert len(set(paths)) > 20 and not others & set(paths), mode
    # Seed 115 failed in negative mode (ST108 or ST103) with the exclusion in the contract and no filter.
    only_view = [
        i for i, r in enumerate(raw.get_all_operations()) if r.ok().path == "/v1/shipments/{reference}"
    ]
    seeded = run_contract(vendors.get("shiptheory"), seed=115, operations=lambda i: i in only_view)
    assert [(r.mode, r.ok, r.examples) for r in seeded.results] == [
        ("positive", True, 25),
        ("negative", True, 25),
    ]


def _links(schema) -> set[tuple[str, str, str]]:
    """(source operationId, link name, target operationId) for every link in the contract."""
    found = set()
    for result in schema.get_all_operations():
        raw = result.ok().definition.raw
        for response in raw["responses"].values():
            for name, link in (response.get("links") or {}).items():
                found.add((raw["operationId"], name, link["operationId"]))
    return found


def _only_uniqueness_errors(response) -> bool:
    """A 400 whose only complaints are sku.unique / reference.unique (vendor-notes §7)."""
    if response.status_code != 400:
        return False
    try:
        errors = response.json().get("error")
    except (ValueError, AttributeError):
        return False
    return (
        isinstance(errors, dict)
        and bool(errors)
        and all(field in ("sku", "reference") and set(rules) == {"unique"} for field, rules in errors.items())
    )


def test_links_follow_the_workflow():
    schema = schemathesis.openapi.from_path(contracts.path("shiptheory"), config=schemathesis.Config())
    targets: dict[str, set[str]] = {}
    for source, _, target in _links(schema):
        targets.setdefault(source, set()).add(target)
    assert targets == {
        "getToken": {"listProducts", "addProduct", "bookShipment"},
        "listProducts": {"viewProduct", "updateProduct"},
        "addProduct": {"viewProduct", "updateProduct"},
        "viewProduct": {"updateProduct"},
        "updateProduct": {"viewProduct"},
        "bookShipment": {"viewShipment", "viewProduct", "updateProduct"},
    }


# A booking's documented required fields besides reference and lines (ST-DOCS Book).
BOOKING = {
    **CASE_BOOKING,
    "reference2": "ORDER-1",
    "shipment_detail": {"weight": 1, "parcels": 1, "value": 5},
}
LINE = {"name": "Line", "value": 5, "weight": 1}


# For each link: the request that makes its source answer 200 (after SEED), and what the target needs besides
# the link's values (a booking's own reference; a line's other fields).
SOURCE_CALLS = {
    "getToken": {"body": {"email": "test@example.com", "password": "test-password"}},
    "listProducts": {},
    "addProduct": {"body": {"sku": "/LINK/1", "name": "Linked"}},  # slashes reach the path as %2F
    "viewProduct": {"path_parameters": {"sku": "SEED-1"}},
    "updateProduct": {"path_parameters": {"sku": "SEED-1"}, "body": {"sku": "/SEED/2"}},  # a rename
    "bookShipment": {
        "body": {**BOOKING, "reference": "view/REF-1", "products": [{**LINE, "sku": "SEED-1", "qty": 2}]}
    },
}
TARGET_BASE = {
    "addProduct": {"body": {"sku": "LINK-NEW"}},
    "updateProduct": {"body": {"name": "Updated through a link"}},
    "bookShipment": {"body": {**BOOKING, "reference": "REF-LINKED", "products": [{**LINE, "sku": "LINE-1"}]}},
}


def _merge(base, linked):
    if isinstance(base, dict) and isinstance(linked, dict):
        return {**base, **{k: _merge(base[k], v) if k in base else v for k, v in linked.items()}}
    if isinstance(base, list) and isinstance(linked, list):
        return (
            [_merge(b, v) for b, v in zip(base, linked, strict=False)]
            + base[len(linked) :]
            + linked[len(base) :]
        )
    return linked


def test_every_link_resolves_against_real_responses():
    """Deterministic: each link's expressions, evaluated by schemathesis on a real 200 of its source, give
    values that take its target to a 2xx (the stateful run below explores the same links at random)."""
    from schemathesis.core.result import Ok
    from schemathesis.core.transforms import UNRESOLVABLE
    from schemathesis.generation.stateful.state_machine import StepOutput

    harness = vendors.get("shiptheory")
    app = harness.create_app(settings=harness.contract_settings)
    backend = Mock.of(app).backend
    schema = schemathesis.openapi.from_path(contracts.path("shiptheory"), config=schemathesis.Config())
    schema.app = app
    transitions = schema.as_state_machine()._transitions.operations
    auth = harness.contract_auth(None)
    checked = set()
    for label, entry in transitions.items():
        for link in entry.outgoing:
            backend.reset()
            backend.seed(harness.credentials["email"], SEED)
            source_id = link.source.definition.raw["operationId"]
            call = SOURCE_CALLS[source_id]
            media = {"media_type": "application/json"} if "body" in call else {}
            source = link.source.Case(headers=dict(auth), **call, **media)
            response = source.call()
            assert response.status_code == 200, (label, response.text)
            transition = link.extract(StepOutput(response, source))
            values = {}
            for container, params in transition.parameters.items():
                for name, extracted in params.items():
                    value = extracted.value
                    assert isinstance(value, Ok) and value.ok() not in (None, UNRESOLVABLE), (link.name, name)
                    values.setdefault(container, {})[name] = value.ok()
            target_id = link.target.definition.raw["operationId"]
            kwargs = {k: dict(v) for k, v in TARGET_BASE.get(target_id, {}).items()}
            if transition.request_body is not None:
                body = transition.request_body.value
                assert isinstance(body, Ok) and "UNRESOLVABLE" not in repr(body.ok()), link.name
                kwargs["body"] = _merge(kwargs.get("body", {}), body.ok())
            headers = {**auth, **values.pop("headers", {})}  # a token link's header replaces the minted one
            # Generated cases hold path parameters percent-encoded (a slash as %2F); a hand-made one must too.
            path = {k: quote(str(v), safe="") for k, v in values.pop("path_parameters", {}).items()}
            if "body" in kwargs:
                kwargs["media_type"] = "application/json"
            target = link.target.Case(
                headers=headers, path_parameters=path or None, query=values.pop("query", None), **kwargs
            )
            assert not values, values
            reached = target.call()
            assert 200 <= reached.status_code < 300, (link.name, target.path_parameters, reached.text)
            target.validate_response(reached)
            checked.add((source_id, link.name))
    assert checked == {(source, name) for source, name, _ in _links(schema)}


SEED = [{"sku": "SEED-1", "name": "Seeded product", "price": 9.5, "weight": 0.4}]


def run_workflow(max_examples: int = 25, step_count: int = 6, **hypothesis_settings):
    """Run the contract's links as a state machine in process; returns (transition or "", operation, status)
    for every call, the transition being "SOURCE -> [200] Link -> TARGET" where a link supplied the data."""
    harness = vendors.get("shiptheory")
    app = harness.create_app(settings=harness.contract_settings)
    backend = Mock.of(app).backend
    schema = schemathesis.openapi.from_path(contracts.path("shiptheory"), config=schemathesis.Config())
    schema.app = app
    concrete_paths_first(schema)  # a step is never a request to another operation (harness.conformance)
    issued: set[str] = set()  # tokens POST /v1/token answered with in this scenario
    renamed: set[str] = set()  # SKUs an update moved away from in this scenario

    @schema.auth()  # an auth provider, so the ignored_auth check can strip or spoil it
    class Bearer:
        def get(self, case, ctx):
            return harness.contract_auth(case)

        def set(self, case, data, ctx):
            # A token the API issued (a token link put it there) is kept; anything else gets a minted one.
            sent = (case.headers or {}).get("Authorization", "")
            if sent.removeprefix("Bearer ") not in issued:
                case.headers = {**(case.headers or {}), **data}

    @schema.hook
    def map_body(ctx, body):
        # The workflow starts by logging in, and only the account's own password gets a token to follow
        # links with, so a well-formed login body carries it (bad logins are covered by the run above).
        login = ctx.operation.path == "/v1/token" and isinstance(body, dict)
        if login and isinstance(body.get("email"), str) and isinstance(body.get("password"), str):
            return {**body, **harness.credentials}
        return body

    calls: list[tuple[str, str, int]] = []

    class Workflow(schema.as_state_machine()):
        def setup(self):
            backend.reset()
            backend.seed(harness.credentials["email"], SEED)  # so the list links have a product to follow
            issued.clear()
            renamed.clear()
            self.transition = ""

        def step(self, input):
            applied = input.transition is not None and input.is_applied
            self.transition = input.transition.id if applied else ""
            return super().step(input)

        def after_call(self, response, case):
            super().after_call(response, case)  # records the response for the stateful checks
            calls.append((self.transition, f"{case.method} {case.path}", response.status_code))
            operation_id = case.operation.definition.raw["operationId"]
            if operation_id == "getToken" and response.status_code == 200:
                issued.add(response.json()["data"]["token"])
            if operation_id == "updateProduct" and response.status_code == 200:
                old = unquote(case.path_parameters["sku"])  # path parameters are held percent-encoded
                if response.json()["product"]["sku"] != old:
                    renamed.add(old)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # SKUs and shipment references are unique (400 sku.unique / reference.unique, vendor-notes §7),
            # which OpenAPI cannot express; linked steps reuse SKUs on purpose, so a schema-valid body (a
            # rename onto a taken SKU, a repeated reference) is rightly refused with exactly that error.
            excluded = [positive_data_acceptance] if _only_uniqueness_errors(response) else []
            # An update whose body sku differs from the path renames the product (vendor-notes §7), so the
            # old SKU rightly answers 404, as if deleted; ensure_resource_availability only knows DELETE.
            sku = (case.path_parameters or {}).get("sku")
            if response.status_code == 404 and sku is not None and unquote(sku) in renamed:
                excluded.append(ensure_resource_availability)
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=excluded or None,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Workflow.run(
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=step_count,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            **({"derandomize": True} | hypothesis_settings),
        )
    )
    return calls


def test_stateful_workflow_in_process():
    """schemathesis' state machine over the links, all default checks, positive and negative steps."""
    calls = run_workflow()
    assert not [call for call in calls if call[2] >= 500]
    followed = {
        tuple(transition.split(" -> ")) for transition, _, status in calls if transition and status < 300
    }
    sources = {source for source, _, _ in followed}
    targets = {target for _, _, target in followed}
    # Link choices are random, so only what every seed tried (40 of 40) reaches is asserted here; that each
    # link resolves to a 2xx is pinned deterministically by test_every_link_resolves_against_real_responses.
    assert {"POST /v1/token", "POST /v1/products", "POST /v1/shipments"} <= sources, sorted(followed)
    # A booking is a link target only through the token link (it needs the whole documented body, which no
    # response holds), so whether a random one reaches it is left to the deterministic test above.
    assert {"GET /v1/products/view/{sku}", "PUT /v1/products/update/{sku}"} <= targets
    assert "GET /v1/shipments/{reference}" in targets, sorted(followed)
    assert len({name for _, name, _ in followed}) >= 6, sorted(followed)
