"""A fifth vendor is a scaffold: `python -m mocks.new_vendor` writes a vendor that passes the backend
protocol test and its own contract test as written, registered for this process only (the toy lives in a
temporary directory, never in the shipped registry)."""

from __future__ import annotations

import importlib.util
import inspect
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import contracts
import harness.clients
import mocks
from harness import control_settings, vendor_docs, vendors
from harness.conformance import run_contract
from mocks.kit.clock import Clock
from mocks.kit.core import Mock
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
