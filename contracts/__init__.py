"""OpenAPI 3.1 contracts, one per vendor, plus control.yaml for the mocks' control API."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def path(name: str) -> Path:
    """The contract file for a vendor name, or "control": the first on the package's search path (a test
    may extend `contracts.__path__` with a scaffolded vendor's directory)."""
    for folder in __path__:
        found = Path(folder) / f"{name}.yaml"
        if found.exists():
            return found
    raise FileNotFoundError(f"no contract named {name!r} in {HERE.name}/")
