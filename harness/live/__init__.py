"""The live view of a running mock: `/<vendor>/__mock__/ui` on `catalog-harness serve`.

One page per vendor mock, polling `ui/poll` for the journal rows after the last one it shows (rendered
by the same template partial as the HTML report's timeline) and the mock's state (clock, faults,
settings, products). Its buttons arm a case from the catalogue, clear faults, advance the clock and
reset, through the mock's own control API in process.

It lives in the harness layer because it arms harness cases and reuses the report's templates; the
mocks know nothing of it. `mount(app)` adds it to a vendor app, or to each app `serve` mounts.
"""

from __future__ import annotations

from typing import Any

from mocks.kit.core import Mock

from .views import UI_PATH, live_blueprint

__all__ = ["UI_PATH", "mount"]


def mount(app: Any) -> Any:
    """Add the live view to a vendor mock's Flask app, or to each mock of a `serve` app (a
    `mocks.kit.dispatch.Mounts`), before it serves; returns what it was given."""
    for one in app.mounts.values() if hasattr(app, "mounts") else [app]:
        one.register_blueprint(live_blueprint(Mock.of(one), one))
    return app
