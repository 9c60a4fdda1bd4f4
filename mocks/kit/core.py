"""The kit's core, with no Flask in it: what one running mock holds and how its errors render.

`mocks/kit/pipeline.py` takes every vendor request through the same steps; `mocks/kit/app.py` is the Flask
adapter around both. What the core needs of the request being answered (the journal sequence number, the
rate-limit decision) reaches it as a `RequestContext` the pipeline keeps, and errors render from an
`ErrorContext` of plain data, so a backend can be driven and its errors rendered with no HTTP at all.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .atomic import all_or_nothing, check_shape
from .clock import Clock
from .errors import ErrorContext, MockError, Rendered, SettingsError  # noqa: F401 (re-exported)
from .faults import FaultRule, FaultSet
from .journal import Journal
from .quirks import Quirk
from .quirks import defaults as quirk_defaults
from .ratelimit import Decision, RateLimiter
from .settings import settings_problem

CONTROL_PREFIX = "/__mock__"
DEFAULT_MAX_BODY = 1024 * 1024
_EXTENSION_KEY = "mock"


class Backend(Protocol):
    """What the control API needs from a vendor backend (models.py)."""

    default_account: str

    def reset(self) -> None: ...
    def products(self, account: str) -> list[dict]: ...
    def seed(self, account: str, products: list[Any]) -> list[dict]: ...
    def snapshot(self) -> dict: ...
    def restore(self, state: dict) -> None: ...
    def run_jobs(self) -> dict: ...


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a vendor's auth step found: whose data the request reads and what the rate limit counts.

    `refused`: the gateway admitted and counts the request, but the service behind it refuses it (an API
    gateway that counts a request by subscription key before the service checks the API key)."""

    account: Any = None
    rate_key: str | None = None  # None: the request counts against no limit
    refused: MockError | None = None


@dataclass
class VendorSpec:
    name: str
    version: str
    make_backend: Callable[[Mock], Backend]
    # Builds the vendor's routes for the adapter (a Flask blueprint today; the core never looks inside).
    make_blueprint: Callable[[Mock], Any]
    # Renders a non-vendor failure (400 malformed, 404 no route, 405, 413, 415, 500) in the vendor's shape.
    http_error: Callable[[int, str], MockError]
    credentials: dict[str, str]
    rate_limit: int
    rate_period: float
    quirks: dict[str, Any] = field(default_factory=dict)  # name -> default; filled from quirk_decls
    quirk_decls: tuple[Quirk, ...] = ()
    extra_settings: dict[str, Any] = field(default_factory=dict)
    # JSON Schema of each extra setting (name -> schema), checked before a change is taken.
    settings_schema: dict[str, dict] = field(default_factory=dict)
    # For rules a schema can't say, or where the vendor's exact wording is the product: a problem, or None.
    validate_setting: Callable[[str, Any], str | None] | None = None
    sensitive_headers: frozenset[str] = frozenset()
    sensitive_params: frozenset[str] = frozenset()  # query parameters that carry credentials
    max_body_bytes: int = DEFAULT_MAX_BODY
    # Adds vendor-specific read-only routes to the control blueprint (what the vendor's documents
    # don't show but a test needs to see, DESIGN rule 10). Called once with the mock and the blueprint.
    control_routes: Callable[[Mock, Any], None] | None = None
    # Whether the vendor's front server reads //a//b as /a/b (the same resource). Otherwise such a path
    # is the vendor's 404. Never werkzeug's 308 HTML redirect: no vendor sends one.
    merge_slashes: bool = False
    # JSON Schema of the backend part of a state document, checked whole before a restore changes
    # anything (for backends whose restore does not already rebuild through validated seeding).
    state_schema: dict | None = None
    # The account and rate-limit keys are credentials (an API key): the journal shows them redacted,
    # stably ("***" and a hash prefix), except the documented test defaults.
    secret_ids: bool = False
    # A fresh request id for an error envelope that carries one (e.g. a vendor's requestId), or None.
    error_ids: Callable[[Mock], str] | None = None
    # -- the vendor's steps of the request pipeline (mocks/kit/pipeline.py) --------------------------------
    # The auth step: reads the request's credentials and returns the Caller, or raises the vendor's error.
    # None: no credentials, no rate limit.
    authenticate: Callable[[Mock, Any], Caller] | None = None
    # Whether auth (and the rate limit) also runs for a path none of the vendor's routes match, as a gateway
    # in front of the router does (a 404 that carries rate-limit headers). Otherwise only routed paths.
    auth_before_routing: bool = False
    # The vendor's 429 for a refused decision (given the caller: some envelopes name it).
    rate_limited: Callable[[Decision, Caller], MockError] | None = None
    # The limit in force, read from the settings (never written per request). None: setting `rate_limit`.
    rate_limit_for: Callable[[Mock], int] | None = None
    # Headers on every answer that reached the auth step, from its decision (None: nothing counted yet).
    rate_headers: Callable[[Mock, Decision | None], dict[str, str]] | None = None
    # Routing leniency: given the request, route what the vendor's front server serves but the rule map
    # misses (a trailing slash, letter case). Called before auth; adapter-specific.
    reroute: Callable[[Mock, Any], None] | None = None
    # The vendor's hot routes (mocks/kit/routes.py), built once per app: requests they match exactly are
    # answered on the lean path, without Flask's request machinery. Its make_blueprint serves them too.
    lean_routes: Callable[[Mock], Any] | None = None

    def __post_init__(self) -> None:
        if self.quirk_decls:
            self.quirks = quirk_defaults(self.quirk_decls)

    def quirk_values(self, name: str) -> tuple[Any, ...]:
        for decl in self.quirk_decls:
            if decl.name == name:
                return decl.values
        return (False, True)


@dataclass(slots=True)
class RequestContext:
    """What the pipeline learns about the request being answered: one per request, never shared."""

    seq: int | None = None
    time: float | None = None
    rate_limit: dict | None = None  # the decision as the journal shows it
    decision: Decision | None = None
    caller: Caller | None = None
    fault: FaultRule | None = None
    error: str | None = None  # the traceback of an unexpected exception


def _no_request() -> RequestContext | None:
    return None


class Mock:
    """Everything one running mock holds. The control API and the pytest fixtures both drive this."""

    def __init__(
        self,
        spec: VendorSpec,
        clock: Clock | None = None,
        journal_size: int = 10_000,
        journal_bytes: int | None = None,
    ) -> None:
        self.spec = spec
        self._default_ids = frozenset(spec.credentials.values())  # documented defaults stay readable
        self.clock = clock or Clock()
        self._initial_clock = self.clock.snapshot()
        self.journal = Journal(journal_size, spec.sensitive_headers, max_bytes=journal_bytes)
        self.faults = FaultSet()
        self.limiter = RateLimiter(self.clock, spec.rate_limit, spec.rate_period)
        self.settings = self._default_settings()
        # The request being answered, if any: set by the adapter; outside one (a background thread, a
        # backend driven with no HTTP) there is none.
        self.current_request: Callable[[], RequestContext | None] = _no_request
        self.backend = spec.make_backend(self)

    @classmethod
    def of(cls, app: Any) -> Mock:
        """The mock an adapter app serves (a Flask app's extension)."""
        mock = app.extensions.get(_EXTENSION_KEY)
        if not isinstance(mock, Mock):
            raise LookupError(f"{app!r} serves no mock")
        return mock

    def attach(self, app: Any) -> None:
        """Make this the mock `Mock.of(app)` returns."""
        app.extensions[_EXTENSION_KEY] = self

    def _default_settings(self) -> dict[str, Any]:
        return {
            "quirks": dict(self.spec.quirks),
            "rate_limit": self.spec.rate_limit,
            **copy.deepcopy(self.spec.extra_settings),
        }

    def quirk(self, name: str) -> bool:
        return self.settings["quirks"][name]

    def error_context(self, path: str = "") -> ErrorContext:
        ids = self.spec.error_ids
        return ErrorContext(path, self.clock.now(), (lambda: ids(self)) if ids is not None else None)

    # -- rate limits -------------------------------------------------------------------------------------
    def rate_limit(self, key: str) -> Decision:
        """Count a request against `key` under the limit in force; the decision goes into the current
        request's journal entry."""
        limit_for = self.spec.rate_limit_for
        limit = limit_for(self) if limit_for is not None else self.settings["rate_limit"]
        decision = self.limiter.hit(key, limit)
        request = self.current_request()
        if request is not None:
            request.rate_limit = decision.as_journal(self.public_id(key))
            request.decision = decision
        return decision

    def public_id(self, value: Any) -> Any:
        """How the journal names an account or rate-limit key: as is, or redacted when it is a secret."""
        if not self.spec.secret_ids or not isinstance(value, str) or value in self._default_ids:
            return value
        return "***" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:8]

    def side_effect(self, kind: str, **detail: Any) -> dict:
        """Journal something the mock did besides answering (a webhook attempt, a background batch)."""
        request = self.current_request()
        request_seq = request.seq if request is not None else None
        return self.journal.side_effect(kind, self.clock.now(), request_seq, **detail)

    # -- control -----------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.backend.reset()
        self.limiter.reset()
        self.journal.clear()
        self.faults.clear()
        self.settings = self._default_settings()
        self.set_clock(self._initial_clock)

    def set_clock(self, command: Any) -> dict:
        """{"mode": "virtual"|"real", "now": epoch?} and/or {"advance": seconds}."""
        _validate_clock_command(command)
        mode, now, seconds = command.get("mode"), command.get("now"), command.get("advance")
        if mode == "virtual":
            self.clock.set_virtual(now)
        elif mode == "real":
            self.clock.set_real()
        if seconds is not None:
            if not self.clock.virtual:
                self.clock.set_virtual()  # advancing a real clock freezes it at "now", then moves it
            self.clock.advance(seconds)
        return self.clock.snapshot()

    def update_settings(self, changes: Any) -> dict:
        problem = settings_problem(self.spec, changes)
        if problem:
            raise SettingsError(problem)
        merged = copy.deepcopy(self.settings)
        for key, value in changes.items():
            if key == "quirks":
                merged["quirks"].update(value)
            else:
                merged[key] = value
        self.settings = merged
        return self.settings

    def install_faults(self, rules: list[Any]) -> list[dict]:
        self.faults.install(rules)
        return self.faults.describe()

    def snapshot(self) -> dict:
        return {
            "vendor": self.spec.name,
            "clock": self.clock.snapshot(),
            "settings": copy.deepcopy(self.settings),
            "faults": self.faults.describe(),
            "backend": self.backend.snapshot(),
        }

    def restore(self, state: Any) -> None:
        """Restore a snapshot. Everything is validated first: a bad document changes nothing."""
        if not isinstance(state, dict) or not isinstance(state.get("backend"), dict):
            raise SettingsError("state must be an object with a 'backend' object, as GET state returns")
        if state.get("vendor", self.spec.name) != self.spec.name:
            raise SettingsError(f"state is for vendor {state['vendor']!r}, not {self.spec.name!r}")
        current = self.settings
        self.settings = self._default_settings()
        try:
            settings = self.update_settings(state.get("settings", {}))
        finally:
            self.settings = current
        faults = state.get("faults", [])
        if not isinstance(faults, list):
            raise SettingsError("faults must be a list of fault rules")
        rules = [
            FaultRule.parse({k: v for k, v in r.items() if k != "fired"} if isinstance(r, dict) else r, i)
            for i, r in enumerate(faults)
        ]
        clock = state.get("clock")
        if clock is not None:
            if not isinstance(clock, dict) or not {"mode", "now"} <= set(clock):
                raise SettingsError("clock must be an object like {'mode': 'virtual', 'now': 1767225600}")
            _validate_clock_command(clock)
        backend_state = state["backend"]
        if self.spec.state_schema is not None:
            check_shape(backend_state, self.spec.state_schema, "backend")
        all_or_nothing(self.backend, "backend", lambda: self.backend.restore(backend_state))
        self.settings = settings
        self.faults.clear()
        for rule in rules:
            self.faults.add(rule)
        if clock:
            self.set_clock({k: v for k, v in clock.items() if k in ("mode", "now")})


MAX_EPOCH = 4_102_444_800  # 2100-01-01
MAX_ADVANCE = 31_536_000  # a year


def _validate_clock_command(command: Any) -> None:
    if not isinstance(command, dict):
        raise SettingsError("the clock command must be an object")
    if "mode" in command and command["mode"] not in ("virtual", "real"):
        raise SettingsError("mode must be 'virtual' or 'real'")
    if "now" in command and not _number_between(command["now"], 0, MAX_EPOCH):
        raise SettingsError(f"now must be epoch seconds between 0 and {MAX_EPOCH}")
    if "advance" in command and not _number_between(command["advance"], 0, MAX_ADVANCE):
        raise SettingsError(f"advance must be a number of seconds between 0 and {MAX_ADVANCE}")


def _number_between(value: Any, low: float, high: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high
