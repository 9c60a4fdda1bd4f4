"""A fifth vendor is a scaffold: `python -m mocks.new_vendor` writes a vendor that passes the backend
protocol test and its own contract test as written, registered for this process only (the toy lives in a
temporary directory, never in the shipped registry)."""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import requests

import contracts
import harness.clients
import mocks
from harness import control_settings, exitcodes, fuzz, vendor_docs, vendors
from harness.cli import main as cli
from harness.conformance import run_contract
from harness.gate import runnable_curl
from harness.record import serve
from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.server import ServerThread
from mocks.new_vendor import ROOT, ScaffoldError, scaffold
from mocks.new_vendor.__main__ import main

NAME = "toyvendor"
TESTS = Path(__file__).resolve().parents[1]
EXPECTED = [
    "contracts/toyvendor.yaml",
    "harness/clients/toyvendor.py",
    "mocks/toyvendor/README.md",
    "mocks/toyvendor/__init__.py",
    "mocks/toyvendor/errors.py",
    "mocks/toyvendor/models.py",
    "mocks/toyvendor/quirks.py",
    "mocks/toyvendor/routes.py",
    "mocks/toyvendor/settings.py",
    "tests/contracts/test_toyvendor_contract.py",
]


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The toy vendor, written into a temporary checkout and registered in this process only: its three
    folders join the search paths of `mocks`, `harness.clients` and `contracts`, then one register() call."""
    root = tmp_path_factory.mktemp("checkout")
    written = scaffold(NAME, root, title="Toy Vendor")
    assert [p.as_posix() for p in written] == EXPECTED
    patch = pytest.MonkeyPatch()
    for package, folder in ((mocks, "mocks"), (harness.clients, "harness/clients"), (contracts, "contracts")):
        patch.setattr(package, "__path__", [*package.__path__, str(root / folder)])
    vendors.register(NAME, f"harness.clients.{NAME}")
    yield root
    del vendors.REGISTRY[NAME]
    patch.undo()
    for module in [m for m in sys.modules if m in (f"mocks.{NAME}", f"harness.clients.{NAME}")]:
        del sys.modules[module]
    for module in [m for m in sys.modules if m.startswith(f"mocks.{NAME}.")]:
        del sys.modules[module]
    for package in (mocks, harness.clients):
        vars(package).pop(NAME, None)


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tests(module: ModuleType) -> list:
    return [f for name, f in vars(module).items() if name.startswith("test_") and inspect.isfunction(f)]


def test_the_scaffold_is_lint_clean(toy: Path) -> None:
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, str(toy)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_scaffold_passes_the_backend_protocol_test(toy: Path) -> None:
    protocol = _load(TESTS / "mocks" / "test_backend_protocol.py")
    spec = importlib.import_module(f"mocks.{NAME}").SPEC
    tests = _tests(protocol)
    assert len(tests) >= 5
    for test in tests:
        assert list(inspect.signature(test).parameters) == ["mock"], test.__name__
        test(Mock(spec, Clock(virtual=True)))


def test_the_scaffold_passes_its_own_contract_test(toy: Path) -> None:
    generated = _load(toy / "tests" / "contracts" / f"test_{NAME}_contract.py")
    run = run_contract(vendors.get(NAME), max_examples=30)
    tests = _tests(generated)
    assert [t.__name__ for t in tests] == [
        "test_every_operation_was_exercised_in_both_modes",
        "test_mock_conforms_to_contract",
    ]
    for test in tests:
        test(run)
    assert {r.operation for r in run.results} == generated.OPERATIONS


def test_the_mock_answers_as_its_contract_says(toy: Path) -> None:
    app = vendors.get(NAME).create_app()
    client, key = app.test_client(), {"X-Api-Key": "test-key"}
    put = client.put("/products/A-1", json={"name": "Apple", "price": 1.5}, headers=key)
    assert (put.status_code, put.get_json()) == (200, {"sku": "A-1", "name": "Apple", "price": 1.5})
    assert client.get("/products/A-1", headers=key).get_json() == put.get_json()
    assert client.get("/products", headers=key).get_json() == [put.get_json()]
    refused = client.put("/products/A-1", json={"name": "Apple", "colour": "red"}, headers=key)
    assert refused.status_code == 400 and "colour" in refused.get_json()["message"]
    missing = client.get("/products/B-2", headers=key)
    assert (missing.status_code, missing.get_json()) == (404, {"message": "Not found"})
    anonymous = client.get("/products")
    assert (anonymous.status_code, anonymous.get_json()) == (401, {"message": "Invalid API key"})
    assert Mock.of(app).backend.products("test-key") == [{"sku": "A-1", "name": "Apple", "price": 1.5}]
    journal = client.get("/__mock__/journal").get_json()
    entries = journal["entries"] if isinstance(journal, dict) else journal
    assert [e["status"] for e in entries if e["type"] == "request"] == [200, 200, 200, 400, 404, 401]
    assert all("test-key" not in json.dumps(e.get("headers", {})) for e in entries)  # X-Api-Key redacted


def test_the_rate_limit_answers_429_with_retry_after(toy: Path) -> None:
    client = vendors.get(NAME).create_app(settings={"rate_limit": 2}).test_client()
    statuses = [client.get("/products", headers={"X-Api-Key": "test-key"}) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert int(statuses[2].headers["Retry-After"]) >= 1
    assert statuses[2].get_json() == {"message": "Too many requests"}


def test_generated_listings_take_in_the_registered_vendor(toy: Path) -> None:
    sections = vendor_docs.sections()
    assert "### Toy Vendor" in sections["vendors"] and "**Toy Vendor**" in sections["vendor-names"]
    assert "`TOYVENDOR_API_KEY`" in sections["contract-env"]
    assert "`toyvendor_mock`" in sections["fixtures"]
    settings = control_settings.settings_properties()
    assert settings["api_keys"]["type"] == "array"  # the same schema as Starshipit's: merged into one


KEY = {"X-Api-Key": "test-key"}


def _entries(base_url: str) -> list[dict]:
    journal = requests.get(base_url + "/__mock__/journal", timeout=5).json()
    entries = journal["entries"] if isinstance(journal, dict) else journal
    return [e for e in entries if e["type"] == "request"]


def test_the_gate_runs_against_the_toy_on_a_real_port(toy: Path, capsys, monkeypatch) -> None:
    """`contract --base-url`: credentials from TOYVENDOR_API_KEY, paced to the limit its SPEC documents
    (the window shrunk to 0.1 s, as the gate tests do), the preflight its HARNESS declares."""
    monkeypatch.setattr(importlib.import_module(f"mocks.{NAME}").SPEC, "rate_period", 0.1)
    monkeypatch.setenv("TOYVENDOR_API_KEY", "test-key")
    with ServerThread(vendors.get(NAME).create_app()) as server:
        code = cli(["contract", NAME, "--base-url", server.base_url, "--examples", "2", "--json"])
        out = capsys.readouterr()
        entries = _entries(server.base_url)
    report, err = json.loads(out.out), " ".join(out.err.split())
    assert code == exitcodes.OK and report["verdict"] == "pass", err
    assert report["preflight"] == "GET /products → 200"
    assert f"{NAME}: read-only operations at {server.base_url}, paced to 60 requests per 0.1s" in err
    assert report["counts"] == {"pass": len(report["results"]), "fail": 0, "inconclusive": 0}
    assert sorted(r["name"] for r in report["results"]) == [
        f"GET {path} [{mode}]"
        for path in ("/products", "/products/{sku}")
        for mode in ("negative", "positive")
    ]
    assert report["requests"] == len(entries) > 4
    assert (entries[0]["method"], entries[0]["path"], entries[0]["status"]) == ("GET", "/products", 200)


def test_the_gate_stops_on_the_toys_refusal_and_names_its_variable(toy: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("TOYVENDOR_API_KEY", raising=False)
    assert cli(["contract", NAME, "--base-url", "http://127.0.0.1:9"]) == exitcodes.USAGE
    assert "set TOYVENDOR_API_KEY to test toyvendor at http://127.0.0.1:9" in capsys.readouterr().err
    monkeypatch.setenv("TOYVENDOR_API_KEY", "wrong")
    with ServerThread(vendors.get(NAME).create_app()) as server:
        code = cli(["contract", NAME, "--base-url", server.base_url, "--json"])
        out = capsys.readouterr()
        entries = _entries(server.base_url)
    assert code == exitcodes.CREDENTIALS_REJECTED
    assert json.loads(out.out)["verdict"] == "credentials rejected"
    assert f"credentials rejected by toyvendor at {server.base_url} (401" in " ".join(out.err.split())
    assert [(e["path"], e["status"]) for e in entries] == [("/products", 401)]


@pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")
def test_a_failures_curl_line_takes_the_key_from_the_environment(toy: Path) -> None:
    with ServerThread(vendors.get(NAME).create_app()) as server:
        text = f"Reproduce with:\n\n    curl -X GET -H 'X-Api-Key: [Filtered]' '{server.base_url}/products'\n"
        line = runnable_curl(text, NAME, server.base_url).splitlines()[2].strip()
        assert line == f'curl -X GET -H "X-Api-Key: $TOYVENDOR_API_KEY" {server.base_url}/products'
        ran = subprocess.run(
            ["bash", "-c", line + " -s -w '\\n%{http_code}'"],
            env={**os.environ, "TOYVENDOR_API_KEY": "test-key"},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert ran.stdout == "[]\n200", ran.stderr


def _record(toy_app, cassette: Path, read: int = 200) -> None:
    """Three reads through `record`'s proxy: the list, one product, and one refused for its key."""
    with ServerThread(toy_app) as upstream:
        proxy, _ = serve(NAME, upstream.base_url, cassette)
        try:
            assert requests.get(f"{proxy.base_url}/products", headers=KEY, timeout=10).status_code == 200
            assert requests.get(f"{proxy.base_url}/products/A-1", headers=KEY, timeout=10).status_code == read
            wrong = requests.get(f"{proxy.base_url}/products", headers={"X-Api-Key": "nope"}, timeout=10)
            assert wrong.status_code == 401
        finally:
            proxy.stop()


def test_drift_replays_a_recorded_toy_cassette(toy: Path, tmp_path: Path, capsys) -> None:
    """The same toy upstream: no drift, its product seeded from the cassette's reads, the key re-sent (and
    a wrong one where the vendor refused). A reworded message upstream is then a fidelity gap."""
    app = vendors.get(NAME).create_app()
    Mock.of(app).backend.seed("test-key", [{"sku": "A-1", "name": "Apple", "price": 1.5}])
    _record(app, tmp_path / "same.har")
    assert "test-key" not in (tmp_path / "same.har").read_text()  # recorded redacted
    code = cli(["drift", NAME, str(tmp_path / "same.har"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert (code, report["drift"], report["differences"]) == (exitcodes.OK, False, [])
    assert (report["exchanges"], report["replayed"], report["seeded_products"]) == (3, 3, 1)

    gone = {
        "method": "GET",
        "path": "^/products/A-1$",
        "status": 404,
        "body": {"message": "Gone"},
        "times": 1,
    }
    Mock.of(app).install_faults([gone])  # the "vendor" now answers one read as the mock never would
    _record(app, tmp_path / "gone.har", read=404)
    code = cli(["drift", NAME, str(tmp_path / "gone.har"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert (code, report["drift"], report["gaps"]) == (exitcodes.DRIFT, True, 1)
    assert [(d["request"], d["aspect"], d["vendor"], d["mock"], d["fix"]) for d in report["differences"]] == [
        ("GET /products/A-1", "status", "404", "200", None)
    ]


def test_the_fuzzer_gets_the_toys_seeds_probes_and_auth(toy: Path) -> None:
    target = fuzz.target(NAME)
    assert target.templates == [{"name": "Apple", "price": 1.5}]
    assert target.send(fuzz.RawRequest("GET", b"/products/A-1", b"")).status == 200  # seeded, authenticated
    for seed in range(200):
        req, answer, problems = target.case(seed)
        assert not problems, (req, answer.status, answer.body[:300], problems)
    assert target.intact() == []


def test_a_taken_name_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ScaffoldError, match="'shipstation' is taken: mocks/shipstation exists"):
        scaffold("shipstation", ROOT)
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "acme.yaml").write_text("mine")
    assert main(["acme", "--root", str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err
        == f"error: NAME 'acme' is taken: contracts/acme.yaml exists under {tmp_path}\n"
    )
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["acme.yaml", "contracts"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["Toy!"], "error: NAME 'Toy!' must be 2-30 lowercase letters and digits, a letter first\n"),
        (
            ["toy", "--title", 'Toy "V"'],
            "error: --title 'Toy \"V\"' may hold only letters, digits, spaces and ( ) . -\n",
        ),
        (["toy", "--root", "/nonexistent/dir"], "error: --root /nonexistent/dir is not a directory\n"),
    ],
)
def test_bad_arguments_get_one_line_and_exit_2(argv: list[str], message: str, capsys) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == message


def test_the_command_lists_what_it_wrote_and_the_one_edit_left(tmp_path: Path, capsys) -> None:
    assert main(["acme", "--title", "Acme Parcels", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "wrote 10 files for acme:"
    assert [line.strip() for line in out[1:11]] == [p.replace(NAME, "acme") for p in EXPECTED]
    assert '  1. register it: add "acme": "harness.clients.acme", to REGISTRY in harness/vendors.py' in out
    init = (tmp_path / "mocks" / "acme" / "__init__.py").read_text()
    assert "AcmeParcelsBackend" in init and '"""Acme Parcels products mock' in init
    assert (tmp_path / "mocks" / "acme" / "README.md").read_text().startswith("### Acme Parcels\n")
