"""Checks on what a user types, run before any work starts: each problem is one line naming the argument
or the file, and exit code 2 (harness.exitcodes.USAGE).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from mocks.kit.core import Mock


class UsageError(Exception):
    """Bad input from the command line; the message names the argument or file. `main` prints it as one
    line and exits 2."""


def output_file(option: str, value: str | None) -> None:
    """A report path we will be able to write at the end: not a directory, under a directory we can
    create and write to."""
    if not value:
        return
    path = Path(value)
    if path.is_dir():
        raise UsageError(
            f"argument {option}: {value} is a directory; give a file name, e.g. {path / 'report'}"
        )
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"argument {option}: cannot create {path.parent}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"argument {option}: {parent} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"argument {option}: {value} is not writable")


def output_dir(option: str, value: str) -> None:
    """A directory we will be able to create (or write into) at the end of a run."""
    path = Path(value)
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"argument {option}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"argument {option}: {existing} is not writable")


def _json_file(option: str, value: str) -> Any:
    try:
        return json.loads(Path(value).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"argument {option}: {value}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"argument {option}: {value} is not JSON: {exc}") from None


def fault_plan(value: str) -> list[dict]:
    """--faults: a JSON list of fault rules (or {"rules": [...]}), each one the mock would install."""
    from mocks.kit.faults import FaultRule

    data = _json_file("--faults", value)
    rules = data.get("rules") if isinstance(data, dict) else data
    if not isinstance(rules, list):
        raise UsageError(f'argument --faults: {value}: must be a list of fault rules or {{"rules": [...]}}')
    for index, rule in enumerate(rules):
        try:
            FaultRule.parse(rule, index)
        except ValueError as exc:
            raise UsageError(f"argument --faults: {value}: {exc}") from None
    return rules


def vendor_state(harness: Any, value: str) -> tuple[list[dict], dict | None]:
    """--state: products to seed, or a /__mock__/state snapshot; tried on a fresh mock, so what the
    mock would refuse is reported now, naming the file, instead of failing half way through a run."""
    from mocks.kit.core import MockError

    data = _json_file("--state", value)
    if isinstance(data, dict) and "backend" in data:
        products, snapshot = [], data
    else:
        products = data.get("products") if isinstance(data, dict) else data
        snapshot = None
        if not isinstance(products, list):
            raise UsageError(
                f'argument --state: {value}: must be {{"products": [...]}}, a list of products, '
                "or a /__mock__/state snapshot"
            )
    mock = Mock.of(harness.create_app())
    try:
        if snapshot is not None:
            mock.restore(snapshot)
        else:
            mock.backend.seed(mock.backend.default_account, products)
    except MockError as exc:
        body = exc.body if isinstance(exc.body, str) else json.dumps(exc.body, ensure_ascii=False)
        raise UsageError(f"argument --state: {value}: the {harness.name} mock refuses it: {body}") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise UsageError(f"argument --state: {value}: the {harness.name} mock refuses it: {exc}") from None
    return products, snapshot


def runnable(command: list[str]) -> str | None:
    """Why the command cannot start (not found, not executable), or None when it can be tried."""
    program = command[0]
    if os.sep in program or (os.altsep and os.altsep in program):
        if not Path(program).exists():
            return f"cannot start {program!r}: no such file"
        if Path(program).is_dir() or not os.access(program, os.X_OK):
            return f"cannot start {program!r}: not an executable file"
        return None
    if shutil.which(program) is None:
        return f"cannot start {program!r}: not found on PATH"
    return None
