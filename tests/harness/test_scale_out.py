"""Workers, shards and the shared example database (harness.workers, harness.shards)."""

from __future__ import annotations

import argparse
import importlib
import io
import shutil
import socket
import subprocess
import sys
import time

import pytest

from harness import vendors
from harness.runner import property_run
from harness.shards import (
    Shard,
    blocks,
    open_database,
    parse_shard,
    parse_workers,
    stable_generation,
)
from harness.workers import Unit, check_units, merge_property, run_parallel, run_unit

STARSHIPIT = vendors.get("starshipit")


def test_blocks_depend_on_examples_and_seed_only_and_shards_are_disjoint():
    cut = blocks(23, 7)
    assert [b.examples for b in cut] == [10, 10, 3]
    assert cut == blocks(23, 7) and [b.seed for b in cut] != [b.seed for b in blocks(23, 8)]
    shares = [Shard(i, 3).take(cut) for i in (1, 2, 3)]
    assert sorted(b.index for share in shares for b in share) == [0, 1, 2]
    units = check_units(vendors.names(), 10, 0, blocked=True)
    halves = Shard(1, 2).take(units) + Shard(2, 2).take(units)
    assert sorted(map(repr, halves)) == sorted(map(repr, units)) and len(set(halves)) == len(units)


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0"])
def test_a_bad_shard_is_refused_by_name(text):
    with pytest.raises(argparse.ArgumentTypeError, match=r"I/N|between"):
        parse_shard(text)


def test_workers_must_be_a_positive_number():
    assert parse_workers("3") == 3
    for text in ("0", "-1", "many"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_workers(text)


def test_two_shards_run_exactly_the_examples_of_one_run_on_two_workers():
    """Shards 1/2 and 2/2 of 8 examples, each in this process, against one run of 8 on two worker
    processes: the same examples, by their content digest (each block starts with hypothesis' simplest
    example, so that one comes up once per block in both)."""
    cut = blocks(8, 3, size=2)
    one = run_parallel(
        [(run_unit, (Unit("starshipit", "property", b), 1, 0, None)) for b in cut], 2, lambda line: None
    )
    merged = merge_property("starshipit", [u.property for u in one if u.property])
    assert merged.ok and merged.examples == 8 and len(set(merged.example_ids)) > 4
    with stable_generation():  # as every block runs (this process has other modules loaded)
        shards = [
            [property_run(STARSHIPIT, b.examples, b.seed) for b in Shard(i, 2).take(cut)] for i in (1, 2)
        ]
    ids = [[i for o in outcomes for i in o.example_ids] for outcomes in shards]
    assert len(ids[0]) == len(ids[1]) == 4
    assert sorted(ids[0] + ids[1]) == sorted(merged.example_ids)


def _drops_heavy_products(**kwargs):
    """The reference client with a planted bug: it leaves out products over 100 kg (convergence)."""
    client = STARSHIPIT.adapter.make_client(**kwargs)
    sync = client.sync
    client.sync = lambda source: sync([p for p in source if not (p.weight_kg and p.weight_kg > 100)])
    return client


def _run_shard(shard, database):
    cut = blocks(12, 0, size=3)
    with stable_generation():
        outcomes = [
            property_run(
                STARSHIPIT,
                b.examples,
                b.seed,
                client_factory=_drops_heavy_products,
                database=database,
                shrink=False,
            )
            for b in shard.take(cut)
        ]
    return merge_property("starshipit", outcomes)


@pytest.fixture(params=["directory", "redis"])
def example_db(request, tmp_path):
    if request.param == "directory":
        yield str(tmp_path / "examples")
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt install redis-server)")
    pytest.importorskip("redis")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_failure_found_by_one_shard_is_replayed_first_by_the_other(example_db):
    if not example_db.startswith("redis://"):  # the control, once: alone, shard 2 meets the bug second
        alone = _run_shard(Shard(2, 2), None)
        assert not alone.ok and alone.first_failed_at == 2
    first = _run_shard(Shard(1, 2), open_database(example_db))
    assert not first.ok and first.first_failed_at > 1
    found = first.example_ids[first.first_failed_at - 1]
    second = _run_shard(Shard(2, 2), open_database(example_db))
    assert second.first_failed_at == 1 and second.example_ids[0] == found
    assert {f.check for f in second.failures} == {"convergence"}


def _requests_of_a_contract_run(harness) -> list[tuple]:
    """Every request a shipstation contract run sends its mock (the random test-case id header aside)."""
    from harness.conformance import run_contract

    sent: list[tuple] = []
    app = harness.create_app(settings=harness.contract_settings)
    inner = app.wsgi_app

    def recording(environ, start_response):
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)
        headers = sorted((k, v) for k, v in environ.items() if k.startswith("HTTP_") and "CASEID" not in k)
        sent.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"], body, headers))
        return inner(environ, start_response)

    app.wsgi_app = recording
    run = run_contract(harness, app=app, max_examples=4, seed=3)
    assert run.ok and len(sent) >= len(run.results)
    return sent


def test_contract_cases_do_not_depend_on_the_modules_a_worker_has_loaded(tmp_path, monkeypatch):
    """hypothesis mixes string constants of every local module loaded into generation; a contract unit
    sees none, so it sends the same requests on any worker, after any other unit."""
    harness = vendors.get("shipstation")
    before = _requests_of_a_contract_run(harness)
    words = ", ".join(f'"sku-{n}-constant"' for n in range(200))
    (tmp_path / "scale_out_constants.py").write_text(f"WORDS = [{words}]\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("scale_out_constants")
    try:
        assert _requests_of_a_contract_run(harness) == before
    finally:
        sys.modules.pop("scale_out_constants", None)
