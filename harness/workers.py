"""Worker processes for `check`, `verify` and `contract`: run units of work in parallel, merge the results.

Each unit (a vendor's contract suite, a block of property examples, a block of verify examples, a share
of a contract's operations) runs in a process of its own, started with the forkserver context, with its
own in-process mock or its own mock on its own port: nothing is shared but the optional example
database. Workers send one-line progress messages through a queue; the parent prints them as they come,
prefixed with the worker's number, and merges the results in the order one process would give them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue as queue_module
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from . import checks, interrupts, vendors
from .command import DieOnSigterm
from .report import Result
from .runner import PropertyOutcome
from .shards import Block, Shard, blocks, open_database, stable_generation
from .verify import VerifyOutcome

Say = Callable[[str], None]
Output = Callable[[str, str], None]  # (worker, a line of the user's command's output)


# -- the pool ----------------------------------------------------------------------------------------------
_progress: Any = None  # in a worker: the queue its messages go to


def _init_worker(progress: Any) -> None:
    global _progress
    _progress = progress
    # The pool stops a worker with SIGTERM (run_parallel), on Ctrl-C too: the parent takes that alone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    DieOnSigterm().__enter__()


def _worker() -> str:
    identity = multiprocessing.current_process()._identity
    return f"w{identity[0]}" if identity else "w1"


def _say(text: str) -> None:
    """From a worker: one progress line, shown by the parent as `[wN] text`."""
    if _progress is not None:
        _progress.put(f"[{_worker()}] {text}")


class _OutputRelay:
    """A worker's echo of the user's command: run_command writes a whole line at a time (or a LINE_BYTES
    piece of an overlong one); each goes to the parent as one message, so workers never mix mid-line."""

    def write(self, text: str) -> None:
        if _progress is not None:
            _progress.put((_worker(), text))

    def flush(self) -> None:
        pass


def run_parallel(
    calls: Sequence[tuple[Callable[..., Any], tuple]],
    workers: int,
    on_message: Say,
    on_done: Callable[[int, Any], None] | None = None,
    on_output: Output | None = None,
    preload: Sequence[str] = (),
) -> list[Any]:
    """Each call's result, in the order given; calls run on `workers` processes, messages relayed live.

    `on_done(index, result)` hears of each call as it finishes, so an interrupted run keeps those;
    `on_output(worker, line)` gets the lines a user's command printed in a worker (_OutputRelay). On
    Ctrl-C or SIGTERM the workers are stopped at once, then the interrupt goes on to the caller.
    `preload` names modules the fork server imports besides the harness' own (when it is not running yet).
    """
    if not calls:
        return []
    context = _context(preload)
    progress = context.Queue()  # handed to each worker as it starts (initargs), so no manager process
    with ProcessPoolExecutor(
        max_workers=min(workers, len(calls)),
        mp_context=context,
        initializer=_init_worker,
        initargs=(progress,),
    ) as pool:
        futures: list[Future] = [pool.submit(function, *args) for function, args in calls]
        index = {f: i for i, f in enumerate(futures)}
        pending = set(futures)
        try:
            with interrupts.deferred():  # a signal raised inside `wait` could leave a future's lock held
                while pending:
                    done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                    _drain(progress, on_message, on_output)
                    for future in sorted(done, key=index.__getitem__):
                        if on_done is not None:
                            on_done(index[future], future.result())
                    interrupts.checkpoint()
        except BaseException:
            # Python < 3.14 has no terminate_workers(): stop them through the pool's own table.
            processes = list((getattr(pool, "_processes", None) or {}).values())
            for process in processes:
                with contextlib.suppress(Exception):
                    process.terminate()
            for process in processes:  # a worker stuck past SIGTERM would hold the pool's exit: kill it
                with contextlib.suppress(Exception):
                    process.join(timeout=2)
                    if process.is_alive():
                        process.kill()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        results = [f.result() for f in futures]
    _drain(progress, on_message, on_output)
    progress.close()
    return results


def _context(preload: Sequence[str] = ()) -> Any:
    """forkserver where there is one: workers fork from a server that imported the harness once."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["harness.workers", "harness.conformance", "harness.runner", *preload])
    return context


def _drain(progress: Any, on_message: Say, on_output: Output | None = None) -> None:
    while True:
        try:
            item = progress.get_nowait()
        except (queue_module.Empty, OSError, ValueError):
            return
        if not isinstance(item, tuple):
            on_message(item)
        elif on_output is not None:
            on_output(*item)


# -- check -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unit:
    """One piece of `check`: a vendor's contract or control contract, or a block of its property run."""

    vendor: str
    kind: str  # "contract" | "control contract" | "property"
    block: Block | None = None


def check_units(names: list[str], examples: int, seed: int, blocked: bool) -> list[Unit]:
    """Every unit of a check run, in a fixed order (shards take every N-th): longest first.

    Contract suites go first, the longest (most operations) first, then the property runs: on a pool,
    what is left at the end is short, so the workers finish close together. Unblocked, each vendor's
    property run is one unit with the run's own seed (the examples of `--workers 1`); blocked, it is
    cut into blocks of seeds (shards.py).
    """
    from .conformance import operation_count

    suites: list[Unit] = []
    properties: list[Unit] = []
    for name in names:
        suites += [Unit(name, "contract"), Unit(name, "control contract")]
        if vendors.get(name).adapter is None:
            continue
        if blocked:
            properties += [Unit(name, "property", b) for b in blocks(examples, seed)]
        else:
            properties.append(Unit(name, "property", Block(0, seed, examples)))
    length = {name: operation_count(name) for name in {*names, "control"}}
    suites.sort(key=lambda u: -length["control" if u.kind == "control contract" else u.vendor])
    return suites + properties


KINDS = ("contract", "control contract", "property")  # a vendor's results, in the order one process gives


@dataclass
class UnitOutcome:
    unit: Unit
    results: list[Result]  # contract units
    property: PropertyOutcome | None = None
    seconds: float = 0.0
    worker: str = ""


def run_unit(unit: Unit, contract_examples: int, seed: int, example_db: str | None) -> UnitOutcome:
    from .conformance import run_contract

    harness = vendors.get(unit.vendor)
    began = time.perf_counter()
    if unit.kind == "property":
        from .runner import property_run

        assert unit.block is not None
        with stable_generation():
            outcome = property_run(
                harness, unit.block.examples, unit.block.seed, database=open_database(example_db)
            )
        verdict = "all checks pass" if outcome.ok else "FAILED"
        _say(f"{unit.vendor}: property block {unit.block.index}: {outcome.examples} examples, {verdict}")
        return UnitOutcome(unit, [], outcome, time.perf_counter() - began)
    control = unit.kind == "control contract"
    run = run_contract(
        harness,
        "control" if control else unit.vendor,
        auth=(lambda case: {}) if control else None,
        excluded_checks=vendors.CONTROL_EXCLUDED_CHECKS if control else None,
        max_examples=contract_examples,
        seed=seed,
    )
    results = [r.as_result(unit.kind) for r in run.results]
    return UnitOutcome(unit, results, None, time.perf_counter() - began, _worker())


def merge_property(vendor: str, outcomes: list[PropertyOutcome]) -> PropertyOutcome:
    """Blocks in order as one run: the first failing block's minimal example is the run's."""
    merged = PropertyOutcome(vendor)
    for outcome in outcomes:
        if merged.ok and not outcome.ok:
            merged.failures, merged.scenario, merged.error = outcome.failures, outcome.scenario, outcome.error
            merged.journal = outcome.journal
            if outcome.first_failed_at is not None:
                merged.first_failed_at = merged.examples + outcome.first_failed_at
        merged.examples += outcome.examples
        merged.example_ids += outcome.example_ids
    if merged.ok and outcomes:
        merged.journal = outcomes[-1].journal
    return merged


def property_results(vendor: str, outcome: PropertyOutcome, seconds: float) -> list[Result]:
    """One Result per check of a vendor's property run (as `check` reports them)."""
    from .failure_text import described

    vendors.get(vendor)  # its package registers its checks
    label = "minimal failing example" if not outcome.ok else "last example"
    check_names = checks.names(vendor)
    return [
        Result(
            vendor,
            "property",
            check_name,
            ok,
            seconds / len(check_names),
            outcome.error if not ok and outcome.error else None,
            [described(f, outcome.journal) for f in outcome.failures if f.check == check_name],
            extra={"examples": outcome.examples, "scenario": outcome.scenario, "timeline": label},
        )
        for check_name, ok in outcome.check_status(check_names).items()
    ]


def run_check(
    names: list[str],
    *,
    examples: int,
    contract_examples: int,
    seed: int,
    workers: int,
    shard: Shard | None,
    example_db: str | None,
    on_message: Say,
    results: list[Result],
    timelines: list[Any],
) -> None:
    """`check` on worker processes (this shard's units only): results and timelines go into the lists
    given, contract suites as they finish (so an interrupted run keeps them), property runs at the end."""
    from .html_report import Timeline

    units = check_units(names, examples, seed, blocked=workers > 1 or shard is not None)
    if shard is not None:
        units = shard.take(units)
    done: dict[int, UnitOutcome] = {}

    def finished(i: int, outcome: UnitOutcome) -> None:
        done[i] = outcome
        results.extend(outcome.results)
        if outcome.property is None:  # said once its results are in: an interrupt from here keeps them
            unit, passed = outcome.unit, sum(r.ok for r in outcome.results)
            on_message(f"[{outcome.worker}] {unit.vendor}: {unit.kind}: {passed}/{len(outcome.results)} ok")

    # Longest first (check_units), so the workers finish close together; the vendors' packages are
    # imported once, by the fork server, not by each worker.
    calls = [(run_unit, (u, contract_examples, seed, example_db)) for u in units]
    run_parallel(calls, workers, on_message, finished, preload=[vendors.REGISTRY[n] for n in names])
    contract_results = {id(r) for o in done.values() for r in o.results}
    results[:] = [r for r in results if id(r) not in contract_results]  # again, as one process orders them
    for name in names:
        mine = sorted(
            (o for o in done.values() if o.unit.vendor == name),
            key=lambda o: (KINDS.index(o.unit.kind), o.unit.block.index if o.unit.block else 0),
        )
        for o in mine:
            results.extend(o.results)
        blocks_run = [o for o in mine if o.property is not None]
        if blocks_run:
            merged = merge_property(name, [o.property for o in blocks_run if o.property])
            results.extend(property_results(name, merged, sum(o.seconds for o in blocks_run)))
            label = "minimal failing example" if not merged.ok else "last example"
            timelines.append(Timeline(name, label, merged.journal))


# -- verify ------------------------------------------------------------------------------------------------
def run_verify_block(
    vendor: str,
    command: list[str],
    block: Block,
    timeout: float,
    faults: list[dict] | None,
    shrink_seconds: float,
    example_db: str | None,
    echo: bool = False,
) -> VerifyOutcome:
    """One block of `verify --examples`; with `echo`, the command's output goes to the parent by line."""
    from .verify import verify_examples

    def progress(n: int, r: Any) -> None:
        _say(
            f"{vendor} block {block.index} example {n}: {'ok' if r.ok else 'FAILED'} "
            f"({len(r.record.source)} products, {len(r.record.requests())} requests)"
        )

    try:
        with stable_generation():
            return verify_examples(
                vendors.get(vendor),
                command,
                block.examples,
                block.seed,
                timeout=timeout,
                faults=faults,
                shrink_seconds=shrink_seconds,
                echo=_OutputRelay() if echo else None,
                on_example=progress,
                database=open_database(example_db),
            )
    except interrupts.Interrupted as stop:  # SIGTERM while a command started: its group is killed already
        os._exit(stop.exit_code)


def merge_verify(vendor: str, outcomes: list[VerifyOutcome]) -> VerifyOutcome:
    """Blocks in order as one run: the first failing block's minimal example, else the last run."""
    merged = VerifyOutcome(vendor)
    for outcome in outcomes:
        if outcome.result is not None and (merged.result is None or merged.ok):
            if not outcome.ok and outcome.first_failed_at is not None and merged.first_failed_at is None:
                merged.first_failed_at = merged.examples + outcome.first_failed_at
            merged.result, merged.example = outcome.result, outcome.example
        merged.examples += outcome.examples
        merged.example_ids += outcome.example_ids
    return merged


def run_verify(
    vendor: str,
    command: list[str],
    *,
    examples: int,
    seed: int,
    timeout: float,
    faults: list[dict] | None,
    shrink_seconds: float,
    workers: int,
    shard: Shard | None,
    example_db: str | None,
    on_message: Say,
    on_output: Output | None = None,
) -> VerifyOutcome:
    """`verify --examples` cut into blocks of seeds, this shard's blocks run on worker processes; the
    command's output goes to `on_output` (None: the workers do not even send it)."""
    chosen = blocks(examples, seed)
    if shard is not None:
        chosen = shard.take(chosen)
    echo = on_output is not None
    calls = [
        (run_verify_block, (vendor, command, b, timeout, faults, shrink_seconds, example_db, echo))
        for b in chosen
    ]
    return merge_verify(vendor, run_parallel(calls, workers, on_message, on_output=on_output))


# -- contract ----------------------------------------------------------------------------------------------
def run_contract_share(
    vendor: str, share: int, shares: int, examples: int, seed: int, read_only: bool
) -> list[tuple[int, Any]]:
    """Every `shares`-th operation of the vendor's contract against a mock of this worker's own, each
    result with its operation's index in the contract (to merge the shares in contract order)."""
    from mocks.kit.server import ServerThread

    from .conformance import run_contract

    harness = vendors.get(vendor)
    picked: list[int] = []
    found: list[tuple[int, Any]] = []

    def pick(index: int) -> bool:
        if index % shares == share:
            picked.append(index)
        return index % shares == share

    def done(r: Any) -> None:
        found.append((picked[-1], r))  # results come right after their operation was picked
        _say(f"{r.operation} [{r.mode}] {r.examples} examples: {'ok' if r.ok else 'FAIL'}")

    with ServerThread(harness.create_app(settings=harness.contract_settings)) as server:
        run_contract(
            harness,
            base_url=server.base_url + vendors.api_path(vendor),
            auth=harness.contract_auth,
            max_examples=examples,
            seed=seed,
            read_only=read_only,
            operations=pick,
            on_result=done,
        )
    return found


def run_contract_parallel(
    vendor: str, *, examples: int, seed: int, read_only: bool, workers: int, on_message: Say
) -> list[Any]:
    """`contract` against fresh mocks: the operations shared out to workers, results in contract order."""
    calls = [(run_contract_share, (vendor, k, workers, examples, seed, read_only)) for k in range(workers)]
    shares = run_parallel(calls, workers, on_message)
    return [r for _, r in sorted((item for share in shares for item in share), key=lambda item: item[0])]
