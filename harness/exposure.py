"""`serve` off loopback: the control token, the webhook hosts allowed, and a warning that says how.

The mocks read both from the environment when they are built (mocks/kit/access.py), so `serve` only
puts its options there, before it builds the apps.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from mocks.kit.access import CONTROL_TOKEN_ENV, WEBHOOK_HOSTS_ENV, is_loopback


def options(command: Callable) -> Callable:
    """`serve`'s --control-token (also read from $CATALOG_HARNESS_CONTROL_TOKEN) and --allow-webhook-host."""
    command = click.option(
        "--allow-webhook-host",
        multiple=True,
        metavar="HOST",
        help="a host other than loopback that Tocobagus webhooks may be sent to (repeatable)",
    )(command)
    return click.option(
        "--control-token",
        metavar="TOKEN",
        envvar=CONTROL_TOKEN_ENV,
        show_envvar=True,
        help="clients off loopback reach /__mock__/ only with 'Authorization: Bearer TOKEN'",
    )(command)


def prepare(args: Any, console: Any) -> None:
    """Put the options where the mocks read them; warn when the host is not loopback."""
    if args.control_token:
        os.environ[CONTROL_TOKEN_ENV] = args.control_token
    if args.allow_webhook_host:
        hosts = [*filter(None, os.environ.get(WEBHOOK_HOSTS_ENV, "").split(",")), *args.allow_webhook_host]
        os.environ[WEBHOOK_HOSTS_ENV] = ",".join(hosts)
    if is_loopback(args.host):
        return
    if os.environ.get(CONTROL_TOKEN_ENV):
        console.print(
            f"warning: serving on {args.host}: the mocks answer other machines; the control API needs "
            "'Authorization: Bearer <control token>' from them"
        )
    else:
        console.print(
            f"warning: serving on {args.host}: the mocks answer other machines, and their control API "
            f"answers only loopback clients. To reach it from elsewhere, set a token: --control-token TOKEN "
            f"(or {CONTROL_TOKEN_ENV}=TOKEN) and send 'Authorization: Bearer TOKEN'"
        )
