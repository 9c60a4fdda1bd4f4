"""All-or-nothing changes to a backend: a control call that fails leaves the state as it was.

Each backend can already snapshot and restore itself; that round trip is the undo log. A change that
raises (a vendor error, or a malformed document a backend tripped over) is rolled back, and the
malformed case is reported as a readable `StateError`, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .errors import MockError

T = TypeVar("T")

# What a backend raises when a document has the wrong shape somewhere it did not check by name.
SHAPE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError, RecursionError)


class StateError(ValueError):
    """A state or seed document the backend could not take; nothing was changed."""


def all_or_nothing(backend: Any, what: str, change: Callable[[], T]) -> T:
    """Run `change`; on any failure put the backend back as it was and raise (shape errors as StateError)."""
    before = backend.snapshot()
    try:
        return change()
    except BaseException as exc:
        backend.restore(before)
        if isinstance(exc, SHAPE_ERRORS) and not _is_vendor_error(exc):
            raise StateError(f"{what} is not valid: {type(exc).__name__}: {exc}"[:500]) from None
        raise


def check_shape(document: Any, schema: dict, where: str) -> None:
    """Refuse a document that does not match `schema`, naming the first place it goes wrong."""
    import jsonschema_rs

    error = next(iter(jsonschema_rs.validator_for(schema).iter_errors(document)), None)
    if error is not None:
        place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.instance_path)
        raise StateError(f"{where}{place}: {error.message}"[:500])


def _is_vendor_error(exc: BaseException) -> bool:
    return isinstance(exc, MockError)  # the vendor errors carry their own message
