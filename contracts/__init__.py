"""OpenAPI 3.1 contracts, one per vendor, plus control.yaml for the mocks' control API."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def path(name: str) -> Path:
    """The contract file for a vendor name, or "control"."""
    found = HERE / f"{name}.yaml"
    if not found.exists():
        raise FileNotFoundError(f"no contract named {name!r} in {HERE.name}/")
    return found
