"""Arm a case on a running mock, so the user's own client meets it on its next matching request.

Cases that depend on what the client sends (bad auth, a validation error, an unknown id) are run in
process first to capture the vendor's exact answer, which is then installed as a one-shot fault rule.
Cases that are a state of the vendor (an exhausted rate limit, a setting, webhook faults) set that state
through the control API instead; each such case brings its own `arm_with`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import requests

from .control import ArmError, Control, Owns, left_of
from .core import Case, Profile, Reproduction, reproduce
from .steps import Step

# Hop-by-hop or per-answer headers a replayed answer must not copy.
NOT_REPLAYED = frozenset({"content-length", "date", "server", "connection", "transfer-encoding"})


def _connect(case: Case, base_url: str, http: requests.Session | None) -> Control:
    control = Control(base_url, http)
    vendor = control.call("GET", "/health").get("vendor")
    if vendor != case.vendor:
        raise ArmError(f"the mock at {control.base} is {vendor!r}, but {case.id} is a {case.vendor} case")
    return control


def arm(
    case: Case, profile: Profile, base_url: str, siblings: list[Case], http: requests.Session | None = None
) -> str:
    """Arm `case`, after taking away whatever arming any of `siblings` (its vendor's cases) left."""
    control = _connect(case, base_url, http)
    earlier = disarm_plan(control, siblings, case.arm_owns.skus if case.arm_owns else ())
    _carry_out(control, earlier)
    lines = case.arm_with(control, case) if case.arm_with else replay(control, case, profile)
    lines += [f"  first undone (an earlier arm): {note}" for note, *_ in earlier]
    lines.append(f"undo: catalog-harness reproduce {case.id} --disarm {control.base}, or:")
    lines += _undo_lines(control, disarm_plan(control, [case]))
    if case.arm_owns and case.arm_owns.lasting:
        lines.append(f"  not undone: {case.arm_owns.lasting}")
    return "\n".join(lines)


def disarm(case: Case, base_url: str, http: requests.Session | None = None) -> str:
    """Take away what arming `case` left on the mock; says what it did."""
    control = _connect(case, base_url, http)
    plan = disarm_plan(control, [case])
    _carry_out(control, plan)
    lines = [f"disarmed {case.id} on {control.base}:"] + [f"  {note}" for note, *_ in plan]
    if not plan:
        lines = [f"{case.id} was not armed on {control.base}: nothing to undo"]
    if case.arm_owns and case.arm_owns.lasting:
        lines.append(f"  not undone: {case.arm_owns.lasting}")
    return "\n".join(lines)


@dataclass(frozen=True)
class StateWithout:
    """The body of a state restore: the mock's state, read when carried out, less these products."""

    skus: frozenset[str]

    def of(self, state: dict) -> dict:
        def drop(value: Any) -> Any:
            if isinstance(value, dict):
                return {
                    key: [p for p in item if not (isinstance(p, dict) and p.get("sku") in self.skus)]
                    if key == "products" and isinstance(item, list)
                    else drop(item)
                    for key, item in value.items()
                }
            return value

        return {**state, "backend": drop(state["backend"]), "faults": left_of(state.get("faults", []))}


Call = tuple[str, str, str, Any]  # (what it undoes, method, control path, body)


def replayed_by(case: Case, rule: dict) -> bool:
    """Whether `rule` is the answer arming `case` replays (its path, status and the case's text)."""
    if case.arm_match is None or rule.get("effect", "respond") != "respond":
        return False
    method, path = case.arm_match
    body = rule.get("body")
    text = body if isinstance(body, str) else json.dumps(body)
    same_place = rule.get("path") == path and rule.get("method") == method
    return same_place and rule.get("status") == case.status and case.expect in text


def disarm_plan(control: Control, cases: list[Case], keep_skus: tuple[str, ...] = ()) -> list[Call]:
    """The control calls that take away what arming `cases` left, as the mock is now."""
    plan: list[Call] = []
    rules = control.call("GET", "/faults")["rules"]
    kept = [rule for rule in rules if not any(replayed_by(case, rule) for case in cases)]
    if len(kept) < len(rules):
        note = f"{len(rules) - len(kept)} replayed answer(s) removed, {len(kept)} other rule(s) kept"
        plan.append((note, "PUT", "/faults", {"rules": left_of(kept)}))
    owned = [case.arm_owns for case in cases if case.arm_owns is not None]
    if settings := _settings_back(control, owned):
        plan.append(
            (f"settings back to their defaults: {json.dumps(settings)}", "PUT", "/settings", settings)
        )
    skus = {sku for owns in owned for sku in owns.skus} - set(keep_skus)
    present = {p.get("sku") for p in control.call("GET", "/products")["products"]} & skus
    if present:
        note = f"product(s) {', '.join(sorted(present))} removed (GET, then PUT /__mock__/state without them)"
        plan.append((note, "PUT", "/state", StateWithout(frozenset(present))))
    if any(owns.rate_limit for owns in owned) and _window_used_up(control):
        plan.append(("the used-up rate-limit window forgotten", "DELETE", "/rate-limits", None))
    return plan


def _window_used_up(control: Control) -> bool:
    """Whether the newest rate-limit decision in the journal left nothing (as arming one does)."""
    entries = control.call("GET", "/journal?limit=200")["entries"]
    decisions = [e["rate_limit"] for e in entries if e.get("rate_limit")]
    return bool(decisions) and decisions[-1]["remaining"] == 0


def _settings_back(control: Control, owned: list[Owns]) -> dict:
    """Each setting arming set, back to the vendor's default, where it still holds what arming set."""
    if not any(owns.settings for owns in owned):
        return {}
    current, defaults = control.call("GET", "/settings"), default_settings(control)
    back: dict[str, Any] = {}
    for owns in owned:
        for key, value in owns.settings.items():
            if key == "quirks":
                for name, quirk in value.items():
                    if current["quirks"].get(name) == quirk != defaults["quirks"][name]:
                        back.setdefault("quirks", {})[name] = defaults["quirks"][name]
            elif current.get(key) == value != defaults[key]:
                back[key] = defaults[key]
    return back


def default_settings(control: Control) -> dict:
    """A fresh mock's settings, from the one at hand: its state after a reset, without resetting it."""
    from mocks.kit.clock import Clock
    from mocks.kit.core import Mock

    from .. import vendors

    vendor = control.call("GET", "/health")["vendor"]
    return Mock.of(vendors.get(vendor).create_app(clock=Clock(virtual=True))).settings


def _carry_out(control: Control, plan: list[Call]) -> None:
    for _, method, path, body in plan:
        if isinstance(body, StateWithout):
            body = body.of(control.call("GET", "/state"))
        control.call(method, path, body)


def _undo_lines(control: Control, plan: list[Call]) -> list[str]:
    lines = []
    for note, method, path, body in plan:
        lines.append(f"  # {note}")
        if not isinstance(body, StateWithout):  # a whole state document is no line to print
            curl = Step.control_call(note, method, f"{control.base}/__mock__{path}", body).curl()
            lines += [f"  {line}" for line in curl.splitlines()]
    return lines


def seed_owned(control: Control, product: dict, id_key: str) -> dict:
    """Seed `product`, replacing in place one with its SKU that an earlier arm left (same id)."""
    for existing in control.call("GET", "/products")["products"]:
        if existing.get("sku") == product["sku"]:
            product = {**product, id_key: existing[id_key]}
    return control.call("POST", "/products", {"products": [product]})["products"][0]


def replay_rule(case: Case, repro: Reproduction) -> dict:
    answer = repro.request
    method, path = case.arm_match or (answer.method, "^" + re.escape(answer.path.split("?")[0]) + "$")
    rule: dict[str, Any] = {
        "effect": "respond",
        "path": path,
        "times": 1,
        "status": answer.status,
        "body": answer.body_value(),
        "headers": {k: v for k, v in answer.response_headers.items() if k.lower() not in NOT_REPLAYED},
    }
    if method:
        rule["method"] = method
    return rule


def replay(control: Control, case: Case, profile: Profile, why: str | None = None) -> list[str]:
    repro = reproduce(case, profile)
    rule = replay_rule(case, repro)
    control.add_fault(rule)
    body = json.dumps(rule["body"]) if not isinstance(rule["body"], str) else rule["body"]
    lines = [
        f"armed {case.id} on {control.base}: a one-shot fault rule",
        f"  the next {rule.get('method', 'request of any method')} whose path matches {rule['path']}",
        f"  gets {rule['status']} {body[:300]}",
    ]
    if why:
        lines.append(f"  ({why})")
    return lines
