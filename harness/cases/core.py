"""The machinery of the error-case catalogue: run a case on a fresh in-process mock and record it.

A case is a small scenario function. It talks to the mock through a `Context`: control calls and
requests made before the interesting one are its setup, kept as steps that print as curl lines (steps.py)
and run as printed against `catalog-harness serve`, `trigger()` is the request the case
is about (shown in full, as curl and raw response), and `follow()` adds the evidence after it (the
GET that shows what a partial PUT lost, the webhook attempts a sync caused). Vendors' cases live in
`harness/cases/<vendor>.py`; nothing here knows a vendor.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests

from mocks.kit.clock import Clock
from mocks.kit.core import Mock
from mocks.kit.transport import in_process_session

from .. import vendors
from .steps import Step, folded, script, summary

if TYPE_CHECKING:
    from .control import Control, Owns

PUBLIC_BASE = "http://127.0.0.1:8080"  # where `catalog-harness serve` listens by default; /<vendor> each
INTERNAL_BASE = "http://mock"
BIG_BODY = 4096  # request bodies longer than this go to a file in the curl line
SHOWN_BODY = 4000  # response bodies longer than this are cut in the text output

AuthFn = Callable[["Channel", str, str, bytes], dict[str, str]]


# -- what goes over the wire ------------------------------------------------------------------------------
@dataclass
class Exchange:
    """One request and its answer, as sent: curl-able and printable."""

    method: str
    path: str  # as the vendor app sees it (no /<vendor> mount), with the query string
    url: str  # the public URL, for curl
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    reason: str
    response_headers: dict[str, str]
    response_body: bytes
    sent_by_mock: bool = False  # a webhook: the mock is the client here, so no curl

    @property
    def text(self) -> str:
        return self.response_body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.response_body)

    def body_value(self) -> Any:
        """The response body as a fault rule replays it: parsed JSON when it is JSON, else text."""
        if "json" in self.response_headers.get("Content-Type", ""):
            try:
                return self.json()
            except ValueError:
                pass
        return self.text

    def curl(self, body_file: str = "body.json") -> str:
        lines = [f"curl -i -X {self.method} {shlex.quote(self.url)}"]
        for name, value in self.request_headers.items():
            if name.lower() != "content-length":  # curl counts the body itself
                lines.append(f"-H {shlex.quote(f'{name}: {value}')}")
        if self.request_body:
            # --data-binary sends the bytes exactly: a signed body hash (Tocobagus) must match.
            data = (
                "@" + body_file
                if len(self.request_body) > BIG_BODY
                else self.request_body.decode("utf-8", "replace")
            )
            lines.append(f"--data-binary {shlex.quote(data)}")
        return " \\\n  ".join(lines)

    def raw_response(self, limit: int | None = SHOWN_BODY) -> str:
        head = [f"HTTP/1.1 {self.status} {self.reason}".rstrip()]
        head += [f"{name}: {value}" for name, value in self.response_headers.items()]
        body = self.text
        if limit is not None and len(body) > limit:
            body = body[:limit] + f"\n… ({len(self.response_body)} bytes in all)"
        return "\n".join(head) + "\n\n" + body

    def raw_request(self, limit: int | None = SHOWN_BODY) -> str:
        head = [f"{self.method} {self.path} HTTP/1.1"]
        head += [f"{name}: {value}" for name, value in self.request_headers.items()]
        body = self.request_body.decode("utf-8", "replace")
        if limit is not None and len(body) > limit:
            body = body[:limit] + f"\n… ({len(self.request_body)} bytes in all)"
        return "\n".join(head) + "\n\n" + body

    def summary(self) -> str:
        return f"{self.method} {self.path} → {self.status}"

    def as_json(self) -> dict[str, Any]:
        body = self.request_body.decode("utf-8", "replace")
        return {
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": self.request_headers,
                "body": body if len(self.request_body) <= BIG_BODY else None,
                "body_bytes": len(self.request_body),
            },
            "response": {
                "status": self.status,
                "reason": self.reason,
                "headers": self.response_headers,
                "body": self.text,
            },
            "curl": self.curl(),
        }


# -- a case -----------------------------------------------------------------------------------------------
ProbeResult = tuple[int, str]


@dataclass(frozen=True)
class Case:
    id: str  # dotted: <vendor>.<area>.<what>
    vendor: str
    title: str
    description: str
    scenario: Callable[[Context], None]
    status: int  # what the triggering request gets
    expect: str  # a fragment of its response body
    headers: dict[str, str] = field(default_factory=dict)  # header -> fragment of its value
    evidence: str | None = None  # a fragment of the follow-ups (request or response), when there are some
    evidence_times: int = 1  # how often it must appear there (a webhook delivered twice)
    # How `arm` replays the answer on a running mock: (method or None for any, path regex). Default: the
    # trigger's method and exact path.
    arm_match: tuple[str | None, str] | None = None
    # Sets the vendor state on a running mock instead of replaying an answer; returns what it did.
    arm_with: Callable[[Control, Case], list[str]] | None = None
    # What a client sends after `arm` and meets the case with (status, text to find `arm_expect` in).
    # Default: the trigger's method, path and body, with valid credentials.
    probe: Callable[[Channel], ProbeResult] | None = None
    arm_expect: str | None = None  # default: `expect`
    arm_owns: Owns | None = None  # what `arm_with` leaves on the mock, for re-arming and --disarm

    def row(self) -> dict[str, str]:
        return {"id": self.id, "vendor": self.vendor, "title": self.title, "description": self.description}


@dataclass(frozen=True)
class Profile:
    """How a vendor's cases talk to its API: valid auth, body encoding, request spacing."""

    vendor: str
    auth: AuthFn
    encode: Callable[[Any], bytes] = lambda value: json.dumps(value).encode("utf-8")
    # Virtual seconds between requests, so setup stays under the vendor's rate limit (Shiptheory: 1/s).
    pace: float = 0.0
    note: str = ""  # what a reader must know before pasting the curl line elsewhere


# -- channels: where requests go --------------------------------------------------------------------------
class Channel:
    """Sends requests to one vendor mock with the profile's valid auth; subclasses say where and how."""

    def __init__(self, profile: Profile, public: str) -> None:
        self.profile = profile
        self.public = public.rstrip("/")
        self.memo: dict[str, Any] = {}  # per-channel auth state (a Shiptheory token)
        self._last_stamp = 0

    def now(self) -> float:
        raise NotImplementedError

    def stamp_ms(self) -> int:
        """Strictly increasing millisecond timestamps on the mock's clock (no two signatures alike)."""
        self._last_stamp = max(int(self.now() * 1000), self._last_stamp + 1)
        return self._last_stamp

    def _send(self, prepared: requests.PreparedRequest) -> requests.Response:
        raise NotImplementedError

    def _target(self, path: str) -> str:
        raise NotImplementedError

    def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool | Callable[[str, str, bytes], dict[str, str]] = True,
        content_type: str | None = None,
    ) -> Exchange:
        body = data if data is not None else (self.profile.encode(json) if json is not None else b"")
        sent: dict[str, str] = {}
        if auth is True:
            sent.update(self.profile.auth(self, method, path, body))
        elif callable(auth):
            sent.update(auth(method, path, body))
        if body or content_type:
            sent["Content-Type"] = content_type or "application/json"
        sent.update(headers or {})
        prepared = requests.Request(method, self._target(path), headers=sent, data=body or None).prepare()
        response = self._send(prepared)
        return Exchange(
            method=method,
            path=path,
            url=self.public + path,
            request_headers=dict(prepared.headers),
            request_body=body,
            status=response.status_code,
            reason=response.reason or "",
            response_headers=dict(response.headers),
            response_body=response.content,
        )


class Context(Channel):
    """A fresh in-process mock on a virtual clock, recording what a case does to it."""

    def __init__(self, case: Case, profile: Profile, public_base: str = PUBLIC_BASE) -> None:
        super().__init__(profile, f"{public_base.rstrip('/')}/{case.vendor}")
        self.case = case
        self.clock = Clock(virtual=True)
        self.app = vendors.get(case.vendor).create_app(clock=self.clock)
        self.mock = Mock.of(self.app)
        self.session = in_process_session(self.app, INTERNAL_BASE)
        self._setup: list[Step] = []
        self.trigger_exchange: Exchange | None = None
        self.after: list[Step] = []  # calls after the trigger (a clock moved to make work due)
        self.follow_ups: list[Exchange] = []
        self.notes: list[str] = []
        self._requests = 0
        self._role = "setup"

    def now(self) -> float:
        return self.clock.now()

    def _target(self, path: str) -> str:
        return INTERNAL_BASE + path

    def _send(self, prepared: requests.PreparedRequest) -> requests.Response:
        return self.session.send(prepared)

    # -- vendor requests -----------------------------------------------------------------------------------
    def send(self, method: str, path: str, *, pace: bool = True, **kwargs: Any) -> Exchange:
        """A request the case makes; before the trigger it counts as setup. `pace=False` for bursts."""
        if pace and self.profile.pace and self._requests:
            self.advance(self.profile.pace)  # a control call, so the curl lines space requests the same
        self._requests += 1
        role, self._role = self._role, "setup"  # auth's own requests (a token) are always setup
        try:
            exchange = super().send(method, path, **kwargs)
        finally:
            self._role = role
        if role == "setup":
            headers = tuple(
                (k, v) for k, v in exchange.request_headers.items() if k.lower() != "content-length"
            )
            note = f"{method} {path.split('?')[0]} → {exchange.status}"
            step = Step(note, method, exchange.url, headers, exchange.request_body)
            (self.after if self.trigger_exchange is not None else self._setup).append(step)
        return exchange

    def trigger(self, method: str, path: str, **kwargs: Any) -> Exchange:
        self._role = "trigger"
        self.trigger_exchange = self.send(method, path, **kwargs)
        self._role = "setup"
        return self.trigger_exchange

    def follow(self, method: str, path: str, **kwargs: Any) -> Exchange:
        self._role = "follow"
        exchange = self.send(method, path, **kwargs)
        self._role = "setup"
        self.follow_ups.append(exchange)
        return exchange

    # -- the control API (as `arm` would use it) ----------------------------------------------------------
    def control(self, method: str, path: str, body: Any = None, note: str | None = None) -> Any:
        response = self.session.request(method, f"{INTERNAL_BASE}/__mock__{path}", json=body)
        if not response.ok:  # a case's own setup is wrong: a bug here, not a finding
            raise RuntimeError(
                f"{self.case.id}: {method} /__mock__{path} → {response.status_code} {response.text}"
            )
        step = Step.control_call(
            note or f"{method} /__mock__{path}", method, f"{self.public}/__mock__{path}", body
        )
        (self.after if self.trigger_exchange is not None else self._setup).append(step)
        return response.json()

    def settings(self, **changes: Any) -> dict:
        return self.control("PUT", "/settings", changes, note="settings " + json.dumps(changes))

    def seed(self, products: list[dict]) -> list[dict]:
        skus = ", ".join(str(p.get("sku")) for p in products[:5])
        note = f"seed {len(products)} product(s): {skus}"
        stored = self.control("POST", "/products", {"products": products}, note=note)
        return stored["products"]

    def advance(self, seconds: float) -> None:
        self.control("POST", "/clock", {"advance": seconds}, note=f"clock +{seconds:g} s")


class RemoteChannel(Channel):
    """The same requests, to a running mock (`arm` and its tests); `now` is the mock's clock."""

    def __init__(
        self,
        profile: Profile,
        base_url: str,
        http: requests.Session | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(profile, base_url)
        self.http = http or requests.Session()
        self._now = now

    def now(self) -> float:
        return self._now()

    def _target(self, path: str) -> str:
        return self.public + path

    def _send(self, prepared: requests.PreparedRequest) -> requests.Response:
        return self.http.send(prepared, timeout=30)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, f"{self.public}/__mock__{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()


# -- a run ------------------------------------------------------------------------------------------------
@dataclass
class Reproduction:
    case: Case
    steps: list[Step]  # the setup on a fresh mock, from its reset: curl lines that run as printed
    request: Exchange
    after_steps: list[Step]
    follow_ups: list[Exchange]
    notes: list[str]

    @property
    def setup(self) -> list[str]:
        return summary(self.steps)

    @property
    def after(self) -> list[str]:
        return summary(self.after_steps)

    def setup_script(self) -> list[str]:
        """The setup as shell lines (comments and curl), for a running `catalog-harness serve`."""
        return script(self.steps)

    @property
    def curl(self) -> str:
        return self.request.curl(f"{self.case.id}.body")

    def follow_text(self) -> str:
        """Everything the follow-ups said, where a case's evidence is looked for."""
        return "\n\n".join(
            "\n".join(f"{k}: {v}" for k, v in f.request_headers.items())
            + "\n"
            + f.request_body.decode("utf-8", "replace")
            + "\n"
            + f.raw_response(None)
            for f in self.follow_ups
        )

    def as_json(self) -> dict[str, Any]:
        return {
            **self.case.row(),
            "setup": self.setup,
            "seed": [step.as_json(times) for step, times in folded(self.steps)],
            **self.request.as_json(),
            "after": self.after,
            "after_steps": [step.as_json(times) for step, times in folded(self.after_steps)],
            "follow_ups": [f.as_json() for f in self.follow_ups],
            "notes": self.notes,
        }

    def text(self) -> str:
        out = [f"case {self.case.id}: {self.case.title}", ""]
        vendor = self.case.vendor
        out += [f"setup (resets the {vendor} mock of a running `catalog-harness serve`, freezes its clock):"]
        out += [*self.setup_script(), "", "request:", self.curl]
        if len(self.request.request_body) > BIG_BODY:
            name, size = f"{self.case.id}.body", len(self.request.request_body)
            out.append(f"# the {size}-byte body is read from {name}: `--body-out {name}` writes it")
        out += ["", "response:", self.request.raw_response()]
        if self.after_steps:
            out += ["", "then:", *script(self.after_steps)]
        for follow in self.follow_ups:
            if follow.sent_by_mock:
                out += ["", f"then the mock sent (to {follow.url}):", follow.raw_request()]
                out += ["", f"and got: {follow.status} {follow.reason}"]
            else:
                out += ["", f"then {follow.summary()}:", follow.curl(), "", follow.raw_response()]
        if self.notes:
            out += ["", *(f"note: {n}" for n in self.notes)]
        return "\n".join(out)


def reproduce(case: Case, profile: Profile, public_base: str = PUBLIC_BASE) -> Reproduction:
    """Run `case` on a fresh in-process mock with a virtual clock."""
    ctx = Context(case, profile, public_base)
    # The same start on a running mock: nothing of an earlier run left, and the clock where this one ran.
    ctx.control("POST", "/reset", note=f"reset the {case.vendor} mock (products, settings, faults, journal)")
    now = ctx.clock.now()
    when = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    epoch = {"mode": "virtual", "now": int(now) if now == int(now) else now}
    ctx.control("POST", "/clock", epoch, note=f"freeze its clock at {when}, where the case ran")
    case.scenario(ctx)
    if ctx.trigger_exchange is None:
        raise RuntimeError(f"case {case.id} sent no triggering request")
    if profile.note:
        ctx.notes.append(profile.note)
    if profile.pace and ctx._requests > 1:
        ctx.notes.append(
            f"requests are {profile.pace:g} s apart on the virtual clock (the vendor's rate limit)"
        )
    return Reproduction(case, ctx._setup, ctx.trigger_exchange, ctx.after, ctx.follow_ups, ctx.notes)
