"""The kit core has no Flask in it: a mock, its settings and its errors work with no web framework."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from mocks.kit.core import Mock
from mocks.kit.errors import ErrorContext
from mocks.shiptheory.errors import NotFound
from mocks.tocobagus import SPEC as TOCOBAGUS
from mocks.tocobagus.errors import InvalidSignature

KIT = Path(__file__).resolve().parents[3] / "mocks" / "kit"

BLOCKED = """
import sys
sys.modules["flask"] = None
sys.modules["werkzeug"] = None
from mocks.kit.core import Mock, MockError, SettingsError, VendorSpec
from mocks.kit.errors import ErrorContext


class Toy:
    default_account = "k"

    def __init__(self, mock):
        self.rows = {}

    def snapshot(self):
        return {"rows": dict(self.rows)}

    def reset(self):
        self.rows = {}


spec = VendorSpec("toy", "v1", Toy, lambda m: None, lambda s, d: MockError({"s": s}), {"key": "k"}, 2, 1.0)
mock = Mock(spec)
mock.update_settings({"rate_limit": 5})
try:
    mock.update_settings({"rate_limit": 0})
except SettingsError as exc:
    print("refused:", exc)
print(mock.rate_limit("k").allowed, mock.side_effect("thing")["request_seq"])
print(MockError({"error": "x"}, 418).render(ErrorContext("/p")).data)
assert mock.snapshot()["backend"] == {"rows": {}}
mock.reset()
"""


def test_core_imports_and_runs_with_flask_blocked() -> None:
    done = subprocess.run([sys.executable, "-c", BLOCKED], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("refused: rate_limit must be")
    assert lines[1:] == ["True None", '{"error": "x"}']


def test_no_kit_module_imports_another_kit_module_inside_a_function() -> None:
    """A local import is how an import cycle hides; the kit has none (the cycle check is the import graph)."""
    local = []
    for path in sorted(KIT.glob("*.py")):
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(fn):
                    if isinstance(node, ast.ImportFrom) and (
                        node.level or "mocks.kit" in (node.module or "")
                    ):
                        local.append(f"{path.name}:{node.lineno}")
    assert local == []


def test_errors_render_from_the_data_they_are_given() -> None:
    ids = iter(["id-1", "id-2"])
    rendered = InvalidSignature().render(ErrorContext("/v1/sync", 1767225600.0, lambda: next(ids)))
    assert rendered.status == 401
    assert '"requestId": "id-1"' in rendered.data and "2026-01-01T00:00:00" in rendered.data
    assert '"url": "/api/x"' in NotFound().render(ErrorContext("/api/x")).data
    assert '"url": ""' in NotFound().render().data  # no request: no path


def test_mock_of_names_the_app_that_serves_no_mock() -> None:
    class Bare:
        extensions: dict = {}

    mock = Mock(TOCOBAGUS)
    try:
        Mock.of(Bare())
    except LookupError as exc:
        assert "serves no mock" in str(exc)
    else:
        raise AssertionError("Mock.of found a mock in an app without one")
    app = Bare()
    app.extensions = {}
    mock.attach(app)
    assert Mock.of(app) is mock
