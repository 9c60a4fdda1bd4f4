"""Arm a case on a running mock, so the user's own client meets it on its next matching request.

Cases that depend on what the client sends (bad auth, a validation error, an unknown id) are run in
process first to capture the vendor's exact answer, which is then installed as a one-shot fault rule.
Cases that are a state of the vendor (an exhausted rate limit, a setting, webhook faults) set that state
through the control API instead; each such case brings its own `arm_with`.
"""

from __future__ import annotations

import json
import re
from typing import Any

import requests

from .control import ArmError, Control
from .core import Case, Profile, Reproduction, reproduce

# Hop-by-hop or per-answer headers a replayed answer must not copy.
NOT_REPLAYED = frozenset({"content-length", "date", "server", "connection", "transfer-encoding"})


def arm(case: Case, profile: Profile, base_url: str, http: requests.Session | None = None) -> str:
    control = Control(base_url, http)
    vendor = control.call("GET", "/health").get("vendor")
    if vendor != case.vendor:
        raise ArmError(f"the mock at {control.base} is {vendor!r}, but {case.id} is a {case.vendor} case")
    lines = case.arm_with(control, case) if case.arm_with else replay(control, case, profile)
    return "\n".join(lines)


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
