"""What several commands share: value types that name the argument in their one-line errors, the
-q/-v pair, the scale-out options, shell completion of vendor names and case ids."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import click
from click.shell_completion import CompletionItem

from .. import exitcodes

# click rewraps help text; a paragraph that starts with \b is kept as written.
EPILOG = "\b\n" + exitcodes.HELP.rstrip()
QUIET, NORMAL, VERBOSE = -1, 0, 1


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("catalog-harness")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


class AtLeast(click.ParamType):
    """An int (or float) no smaller than `minimum`."""

    def __init__(self, minimum: float, kind: type = int) -> None:
        self.minimum, self.kind = minimum, kind
        self.name = kind.__name__

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, self.kind) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = self.kind(value)
            except ValueError:
                what = "n integer" if self.kind is int else " number"
                self.fail(f"must be a{what}, got {value!r}", param, ctx)
        if number < self.minimum or number != number:  # NaN compares false with everything
            self.fail(f"must be at least {self.minimum}, got {value}", param, ctx)
        return number


class Port(click.ParamType):
    name = "port"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value)
        if not text.isdigit() or int(text) > 65535:
            self.fail(f"must be a port number from 0 to 65535, got {text!r}", param, ctx)
        return int(text)


class Host(click.ParamType):
    """An interface name or address that resolves, checked before anything is built or any warning shown."""

    name = "host"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        try:
            socket.getaddrinfo(text, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            self.fail(f"cannot resolve {text!r}: {getattr(exc, 'strerror', None) or exc}", param, ctx)
        return text


class Parsed(click.ParamType):
    """A value parsed by a function raising ValueError (or argparse's ArgumentTypeError) with the reason."""

    def __init__(self, parse: Callable[[str], Any], name: str) -> None:
        self.parse, self.name = parse, name

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self.parse(value)
        except Exception as exc:  # ArgumentTypeError is not a ValueError
            self.fail(str(exc), param, ctx)


class Vendor(click.ParamType):
    """A vendor name; completes the known names and refuses others naming them."""

    name = "vendor"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from .. import vendors

        if value not in vendors.REGISTRY:
            self.fail(f"unknown vendor {value!r}; known: {', '.join(vendors.REGISTRY)}", param, ctx)
        return str(value)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        from .. import vendors

        return [CompletionItem(name) for name in vendors.REGISTRY if name.startswith(incomplete)]


class CaseId(click.ParamType):
    """A case id (checked when the command runs, with suggestions); completes the known ids."""

    name = "case"

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        from ..cases import all_cases

        return [CompletionItem(c.id) for c in all_cases() if c.id.startswith(incomplete)]


VENDOR = Vendor()


def verbosity(command: Callable) -> Callable:
    """-q/--quiet and -v/--verbose, folded into one `verbosity` argument: QUIET, NORMAL or VERBOSE."""

    def fold(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
        ctx.meta.setdefault("verbosity", []).append(param.name if value else None)
        return value

    command = click.option(
        "-v", "--verbose", is_flag=True, callback=fold, expose_value=False, help="more detail"
    )(command)
    command = click.option(
        "-q", "--quiet", is_flag=True, callback=fold, expose_value=False, help="only the verdict and errors"
    )(command)
    return command


def level(ctx: click.Context) -> int:
    """The -q/-v level of the running command; both at once is a usage error."""
    chosen = {name for name in ctx.meta.get("verbosity", []) if name}
    if chosen == {"quiet", "verbose"}:
        raise click.UsageError("-q and -v exclude each other", ctx)
    return QUIET if "quiet" in chosen else VERBOSE if "verbose" in chosen else NORMAL


def json_option(what: str = "print the full result as JSON on stdout") -> Callable:
    return click.option("--json", is_flag=True, help=what)


def file_option(name: str, what: str) -> Callable:
    return click.option(name, metavar="FILE", help=what)


def quirk_option(what: str) -> Callable:
    return click.option("--quirk", "quirk", multiple=True, metavar="NAME=VALUE", help=what)


def scale_options(command: Callable) -> Callable:
    """--workers, --shard and --example-db (harness.workers, harness.shards)."""
    from ..shards import default_workers, parse_shard, parse_workers

    for decorate in reversed(
        [
            click.option(
                "--workers",
                type=Parsed(parse_workers, "N"),
                default=default_workers,
                show_default="the number of cores",
                metavar="N",
                help="worker processes (1: all in this process)",
            ),
            click.option(
                "--shard",
                type=Parsed(parse_shard, "I/N"),
                metavar="I/N",
                help="run only the I-th of N disjoint shares (CI matrix)",
            ),
            click.option(
                "--example-db",
                metavar="PATH|redis://…",
                help="hypothesis example database shared by workers and shards; saved failures replay first",
            ),
        ]
    ):
        command = decorate(command)
    return command


def settings(**extra: Any) -> dict[str, Any]:
    """Context settings for a command: -h, env names shown in --help, wide help text."""
    return {"help_option_names": ["-h", "--help"], "show_default": True, "max_content_width": 110, **extra}


def show_results(out: Any, results: list[Any], title: str, verbosity: int) -> None:
    """The results table with each failure; under -q only what did not pass, or just the count line."""
    from ..report import print_results, verdict

    if verbosity > QUIET:
        print_results(out, results, title)
        return
    shown = [r for r in results if verdict(r) != "pass"]
    if shown:
        print_results(out, shown, title)
    else:
        out.print(f"{title}: {len(results)} passed, 0 failed", markup=False, highlight=False)
