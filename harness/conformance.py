"""Contract conformance: schemathesis over every operation of a vendor's contract, in process or on a URL.

Used by `catalog-harness check`, `catalog-harness contract` and the test suite, so all three mean the
same thing by "conforms".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

import contracts

from .report import Result
from .shards import stable_generation
from .vendors import VendorHarness

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass
class OperationResult:
    vendor: str
    operation: str
    mode: str
    examples: int = 0
    seconds: float = 0.0
    failure: str | None = None
    note: str | None = None
    # With a recording session (`contract --base-url`): the status of each case's own answer (None: no
    # answer), and why the verdict is inconclusive when it is (set by harness.gate).
    answers: list[int | None] = field(default_factory=list)
    inconclusive: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None and self.inconclusive is None

    def as_result(self, suite: str = "contract") -> Result:
        return Result(
            self.vendor,
            suite,
            f"{self.operation} [{self.mode}]",
            self.ok,
            self.seconds,
            self.failure,
            extra={"examples": self.examples, "note": self.note},
            inconclusive=self.inconclusive,
        )


@dataclass
class ContractRun:
    vendor: str
    contract: str
    results: list[OperationResult] = field(default_factory=list)
    excluded_checks: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def load(contract: str, app: Any = None, base_url: str | None = None) -> Any:
    schema = schemathesis.openapi.from_path(contracts.path(contract), config=schemathesis.Config())
    if app is not None:
        schema.app = app  # wins over base_url (tooling-notes G12), so one schema per target
    elif base_url:
        schema.config.update(base_url=base_url.rstrip("/"))
    concrete_paths_first(schema)
    return schema


def concrete_paths_first(schema: Any) -> None:
    """Drop a generated case whose URL is another operation's concrete path, in either mode.

    OpenAPI matches concrete paths before templated ones: GET /v1/shipments/list is List Shipments,
    never View Shipment with the reference "list". Such a request is not a case of the operation it was
    generated for, so its answer says nothing about that operation (and a negative case sent there, for
    a reference the contract excludes, rightly gets the other operation's 200).
    """
    concrete = {
        (op.method.upper(), op.path)
        for op in (result.ok() for result in schema.get_all_operations())
        if "{" not in op.path
    }

    @schema.hook
    def filter_case(ctx: Any, case: Any) -> bool:
        return "{" not in case.path or (case.method.upper(), case.formatted_path) not in concrete


def excluded(names: Iterable[str]) -> list[Any]:
    import schemathesis.checks as checks

    return [getattr(checks, name) for name in names]


def run_contract(
    vendor: VendorHarness,
    contract: str | None = None,
    *,
    app: Any = None,
    base_url: str | None = None,
    auth: Callable[[Any], dict[str, str]] | None = None,
    max_examples: int = 25,
    seed: int = 0,
    read_only: bool = False,
    modes: Iterable[GenerationMode] = MODES,
    excluded_checks: dict[str, str] | None = None,
    on_result: Callable[[OperationResult], None] | None = None,
    session: Any = None,
    operations: Callable[[int], bool] | None = None,
) -> ContractRun:
    """Run every operation (reads only with read_only) in each mode; one result per operation and mode.

    A `session` (harness.pacing.RecordingSession) carries each case's own request; its `answers` list
    gives their statuses. `operations` picks operations by their index in the contract (a worker's share).
    """
    contract = contract or vendor.name
    excluded_checks = vendor.excluded_checks if excluded_checks is None else excluded_checks
    if app is None and base_url is None:
        app = vendor.create_app(settings=vendor.contract_settings)
    schema = load(contract, app=app, base_url=base_url)
    skip = excluded(excluded_checks)
    _register_auth(schema, auth or vendor.contract_auth)
    run = ContractRun(vendor.name, contract, excluded_checks=dict(excluded_checks))
    # Cases that depend on the seed (and the app) alone, not on which modules this process has loaded:
    # the same on any worker, after any other unit, in any shard (harness.shards.stable_generation).
    with stable_generation():
        for index, result in enumerate(schema.get_all_operations()):
            operation = result.ok()
            if operations is not None and not operations(index):
                continue
            if read_only and operation.method.upper() not in ("GET", "HEAD", "OPTIONS"):
                continue
            for mode in modes:
                outcome = _run_operation(operation, mode, skip, max_examples, seed, base_url, session)
                outcome.vendor = vendor.name
                run.results.append(outcome)
                if on_result:
                    on_result(outcome)
    return run


def operation_count(contract: str) -> int:
    """Operations in a contract (schemathesis runs each once per mode): a progress bar's total, and how
    `check` tells its long units from its short ones."""
    document = yaml.safe_load(Path(contracts.path(contract)).read_text(encoding="utf-8"))
    verbs = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return sum(1 for item in (document.get("paths") or {}).values() for verb in item if verb in verbs)


def _register_auth(schema: Any, sign: Callable[[Any], dict[str, str]]) -> None:
    """An auth provider, so schemathesis knows where auth lives and its ignored_auth check can strip it.

    `set()` runs when a case is generated, with the body already chosen, so signature schemes can sign it.
    """

    @schema.auth()
    class VendorAuth:
        def get(self, case: Any, ctx: Any) -> bool:
            return True

        def set(self, case: Any, data: Any, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), **sign(case)}


def _run_operation(
    operation: Any,
    mode: GenerationMode,
    skip: list[Any],
    max_examples: int,
    seed: int,
    base_url: str | None,
    session: Any = None,
) -> OperationResult:
    outcome = OperationResult("", f"{operation.method.upper()} {operation.path}", mode.value)
    started = time.perf_counter()

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        print_blob=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def conforms(case: Any) -> None:
        outcome.examples += 1
        kwargs: dict[str, Any] = {"base_url": base_url} if base_url else {}
        if session is None:
            case.call_and_validate(excluded_checks=skip, **kwargs)
            return
        first = len(session.answers)  # the case's own request goes first, then the checks' extra ones
        try:
            case.call_and_validate(excluded_checks=skip, session=session, **kwargs)
        finally:
            if len(session.answers) > first:
                outcome.answers.append(session.answers[first])

    conforms._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]
    try:
        conforms()
    except Unsatisfiable:
        outcome.note = f"no {mode.value} input exists for this operation (it takes no parameters or body)"
    except (Exception, BaseExceptionGroup) as exc:  # a FailureGroup, or the API was unreachable
        outcome.failure = _describe(exc)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 4000 else text[:4000] + "\n…"
