"""The live view's routes: the page, its poll, and its four actions.

Access is the control API's (mocks/kit/access.py): loopback only, unless a control token is set; then a
client off loopback shows `Authorization: Bearer TOKEN`. A browser cannot add that header to a page it
opens, so the page also takes the token once as `?token=TOKEN`: it answers with the token in an HttpOnly,
SameSite=Strict cookie scoped to this page's path and a redirect to the same URL without it (the token
leaves the address bar and the history). Actions are POSTs that need the header `X-Live-View: 1`, which
the page's script sends and a form on another site cannot (a cross-site request with it needs a CORS
preflight, which nothing here answers).

Actions call the mock's own control API in process, in an empty context: a nested request inside
this one would share its Flask `g`, and the requests a case sends while arming must be journalled and
rate-counted like any other.
"""

from __future__ import annotations

import contextvars
import functools
import hmac
import math
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Blueprint, Flask, Response, jsonify, redirect, request

from mocks.kit.access import control_refusal, control_token
from mocks.kit.body import BodyError, read_json
from mocks.kit.core import CONTROL_PREFIX, Mock

from ..html_env import environment
from ..html_timeline import slug
from . import state

if TYPE_CHECKING:
    import requests

    Session = Callable[[], requests.Session]

UI_PATH = CONTROL_PREFIX + "/ui"
COOKIE = "catalog_harness_control"
ACTION_HEADER = "X-Live-View"
INTERNAL = "http://mock"  # the in-process base URL actions use; messages show the public one instead
MAX_ADVANCE = 366 * 86_400.0  # seconds one click may move the clock
T = TypeVar("T")


class LiveError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def live_blueprint(mock: Mock, app: Flask) -> Blueprint:
    bp = Blueprint("mock_live", __name__, url_prefix=UI_PATH)
    _guard(bp, control_token())  # the token is read once, as the control API does
    panels = state.Throttled(
        lambda: environment().get_template("_live_panels.html.j2").render(**state.panels(mock))
    )
    _views(bp, mock, f"live-{slug(mock.spec.name)}", panels)
    _actions(bp, mock, functools.cache(lambda: _session(app)), panels)
    return bp


def _session(app: Flask) -> requests.Session:
    """The actions' in-process session, made at the first action: `serve` answers sooner without requests."""
    from mocks.kit.transport import in_process_session

    return in_process_session(app, INTERNAL)


def _guard(bp: Blueprint, token: str | None) -> None:
    """The control API's access rule, the one-time ?token=, and the action header."""

    @bp.before_request
    def guard() -> Response | None:
        given = request.args.get("token")
        if given is not None and token is not None and request.method == "GET":
            if not hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8")):
                raise LiveError("the token is not this mock's control token", 401)
            here = request.script_root + request.path
            response = redirect(here, 303)
            response.set_cookie(
                COOKIE, token, path=request.script_root + UI_PATH, httponly=True, samesite="Strict"
            )
            return response
        cookie = request.cookies.get(COOKIE)
        authorization = request.headers.get("Authorization") or (f"Bearer {cookie}" if cookie else None)
        refused = control_refusal(request.remote_addr, authorization, token)
        if refused:
            hint = "; a browser opens this page once with ?token=TOKEN" if token else ""
            raise LiveError(refused + hint, 401 if token else 403)
        if request.method == "POST" and request.headers.get(ACTION_HEADER) != "1":
            raise LiveError(
                f"an action needs the header {ACTION_HEADER}: 1 (the page's script sends it)", 403
            )
        return None

    @bp.errorhandler(LiveError)
    def refused(exc: LiveError) -> Response:
        response = jsonify(error=str(exc))
        response.status_code = exc.status
        return response


def _views(bp: Blueprint, mock: Mock, section: str, panels: state.Throttled) -> None:
    """The page and what it polls."""

    @bp.get("")
    def page() -> Response:
        from ..cases import all_cases  # only when someone opens the page: serve starts without it

        nonce = secrets.token_urlsafe(16)
        html = (
            environment()
            .get_template("live.html.j2")
            .render(
                vendor=mock.spec.name,
                base=request.script_root + UI_PATH,
                section=section,
                cases=[(case.id, case.title) for case in all_cases(mock.spec.name)],
                nonce=nonce,
            )
        )
        response = Response(html, mimetype="text/html")
        response.headers.update(_page_headers(nonce))
        return response

    @bp.get("/poll")
    def poll() -> Response:
        after = request.args.get("after")
        if after is not None and not (after.isascii() and after.isdigit() and len(after) <= 18):
            raise LiveError("after must be a journal seq (a whole number)")
        page = state.journal_rows(mock, section, int(after) if after is not None else None)
        rows = environment().get_template("_live_rows.html.j2").render(rows=page.pop("rows"))
        version, html = panels.get()
        fresh = request.args.get("panels") != str(version)  # the page has these panels already
        return jsonify(
            rows=rows, panels=html if fresh else None, panels_version=version, clock=state.clock(mock), **page
        )


def _actions(bp: Blueprint, mock: Mock, session: Session, panels: state.Throttled) -> None:
    """The page's buttons: through the mock's own control API, in process. The next poll shows their
    effect on the panels at once."""

    @bp.after_request
    def refresh(response: Response) -> Response:
        if request.method == "POST":
            panels.invalidate()
        return response

    @bp.post("/arm")
    def arm() -> Response:
        from ..cases import ArmError, all_cases
        from ..cases import arm as arm_case

        wanted = _json().get("case")
        cases = {case.id: case for case in all_cases(mock.spec.name)}
        if not isinstance(wanted, str) or wanted not in cases:
            raise LiveError(f"unknown case {wanted!r} for {mock.spec.name}")
        try:
            said = _off_context(lambda: arm_case(cases[wanted], INTERNAL, http=session()))
        except ArmError as exc:
            raise LiveError(_public(str(exc)), 502) from None
        return jsonify(message=_public(said))

    @bp.post("/clear-faults")
    def clear_faults() -> Response:
        _control(session, "DELETE", "/faults")
        return jsonify(message="fault rules cleared")

    @bp.post("/clock")
    def clock() -> Response:
        seconds = _json().get("advance")
        number = isinstance(seconds, int | float) and not isinstance(seconds, bool)
        if not number or not math.isfinite(seconds) or not 0 < seconds <= MAX_ADVANCE:
            raise LiveError(f"advance must be a number of seconds above 0 and at most {MAX_ADVANCE:.0f}")
        now = _control(session, "POST", "/clock", {"advance": seconds})
        return jsonify(
            message=f"clock advanced {seconds:g} s: virtual, now {state.clock(mock)['iso']}", clock=now
        )

    @bp.post("/reset")
    def reset() -> Response:
        _control(session, "POST", "/reset")
        return jsonify(message="mock reset: products, journal, faults, settings and clock as at start")


def _public(text: str) -> str:
    """`text` with the in-process base URL replaced by the one the page's user sees."""
    return text.replace(INTERNAL, request.host_url.rstrip("/") + request.script_root)


def _control(session: Session, method: str, path: str, body: Any = None) -> Any:
    """Call the mock's own control API in process; its {"error"} comes back as this view's."""
    response = _off_context(lambda: session().request(method, f"{INTERNAL}{CONTROL_PREFIX}{path}", json=body))
    data = response.json()
    if not response.ok:
        raise LiveError(
            data.get("error") or f"{method} {path} answered {response.status_code}", response.status_code
        )
    return data


def _off_context(work: Callable[[], T]) -> T:
    """Run `work` in an empty context: no Flask request of ours in it, so a nested one gets its own `g`."""
    return contextvars.Context().run(work)


def _json() -> dict[str, Any]:
    try:
        data = read_json(request)
    except BodyError as exc:
        raise LiveError(f"the body must be JSON: {exc}") from None
    if not isinstance(data, dict):
        raise LiveError("the body must be a JSON object")
    return data


def _page_headers(nonce: str) -> dict[str, str]:
    """Nothing but this page's own inline style and script, no framing, no caching, no referrer."""
    policy = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; "
        "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return {"Content-Security-Policy": policy, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
