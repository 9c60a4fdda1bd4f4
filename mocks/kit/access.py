"""Who may reach a mock's control API, and where a mock may send webhooks (DESIGN rule 8).

Off loopback the control API would hand out every secret (GET settings, GET state) and let anyone make
the mock POST signed requests anywhere (PUT settings webhook_url). So: a client that is not on
loopback needs the control token (`serve --control-token`, or $CATALOG_HARNESS_CONTROL_TOKEN) as
`Authorization: Bearer <token>`; and webhooks go to loopback, to hosts named with
`--allow-webhook-host` ($CATALOG_HARNESS_WEBHOOK_HOSTS, comma-separated), or in process.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from typing import Any
from urllib.parse import urlsplit

CONTROL_TOKEN_ENV = "CATALOG_HARNESS_CONTROL_TOKEN"
WEBHOOK_HOSTS_ENV = "CATALOG_HARNESS_WEBHOOK_HOSTS"


def control_token() -> str | None:
    return os.environ.get(CONTROL_TOKEN_ENV) or None


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 and localhost. None (an in-process request has no peer) counts as loopback."""
    if host is None:
        return True
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def control_refusal(remote_addr: str | None, authorization: str | None, token: str | None) -> str | None:
    """Why this client may not use the control API, or None when it may."""
    if is_loopback(remote_addr):
        return None
    if token is None:
        return (
            "the control API answers only loopback clients; to allow others, start serve with "
            f"--control-token TOKEN (or set {CONTROL_TOKEN_ENV}) and send Authorization: Bearer TOKEN"
        )
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode("utf-8", "replace"), token.encode("utf-8")
    ):
        return "the control API needs Authorization: Bearer <control token> from a client off loopback"
    return None


def allowed_webhook_hosts() -> set[str]:
    return {h.strip().lower() for h in os.environ.get(WEBHOOK_HOSTS_ENV, "").split(",") if h.strip()}


def webhook_url_problem(url: str) -> str | None:
    """At settings time: a URL naming an IP or a dotted host that is neither loopback nor allowed.
    Dotless names (an in-process receiver's) are judged at delivery, where the session is known."""
    host = urlsplit(url).hostname
    if host is None:
        return "must name a host"
    if is_loopback(host) or host in allowed_webhook_hosts() or ("." not in host and ":" not in host):
        return None
    return f"host {host!r} is not loopback; allow it with serve --allow-webhook-host {host}"


def webhook_delivery_problem(url: str, session: Any) -> str | None:
    """At delivery: whether the mock may send to `url` through `session` (an in-process adapter sends no
    packet, so any name is fine there)."""
    from requests.adapters import HTTPAdapter

    host = urlsplit(url).hostname
    if is_loopback(host) or (host or "") in allowed_webhook_hosts():
        return None
    if not isinstance(session.get_adapter(url), HTTPAdapter):
        return None
    return f"webhook host {host!r} is not loopback and not allowed (serve --allow-webhook-host {host})"
