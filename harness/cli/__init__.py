"""catalog-harness: serve the vendor mocks, and check them (contracts + property runs).

A click group with one module per command. Every option also reads CATALOG_HARNESS_<COMMAND>_<OPTION>
from the environment (e.g. CATALOG_HARNESS_CHECK_WORKERS=2). A usage error is one line on stderr and
exit 2, before any work starts.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from .. import exitcodes
from .inputs import UsageError
from .options import EPILOG, version

ENV_PREFIX = "CATALOG_HARNESS"
PROG = "catalog-harness"
HELP = """catalog-harness: serve the vendor mocks, and check them (contracts + property runs).

Every option also reads CATALOG_HARNESS_<COMMAND>_<OPTION> (e.g. CATALOG_HARNESS_CHECK_WORKERS=2).
-q/--quiet and -v/--verbose work on every command.

\b
Shell completion (bash; zsh and fish: zsh_source, fish_source):
  eval "$(_CATALOG_HARNESS_COMPLETE=bash_source catalog-harness)"
"""


# Command name -> its module; the order is the help's (serve first).
COMMANDS = {
    "serve": "serve",
    "check": "check",
    "verify": "verify",
    "contract": "contract",
    "record": "record",
    "drift": "drift",
    "merge-reports": "merge_reports",
    "cases": "cases",
    "reproduce": "reproduce",
    "quirks": "quirks",
}


class Group(click.Group):
    """Commands listed in the order of COMMANDS, each module imported when its command is asked for:
    `serve` answers sooner without importing the other commands (each imports only click at the top;
    what a command needs is imported when it runs, so `serve` starts without schemathesis, hypothesis
    or the case catalogue)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            command = importlib.import_module(f"{__name__}.{COMMANDS[cmd_name]}").command
            for param in command.params:  # --help names each option's environment variable
                if isinstance(param, click.Option) and param.name not in ("help",):
                    param.show_envvar = True
            self.add_command(command)
        return self.commands.get(cmd_name)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # click's version_option, with the version looked up only when asked for (importlib.metadata is slow).
    if value and not ctx.resilient_parsing:
        click.echo(f"{PROG} {version()}")
        ctx.exit()


@click.group(
    cls=Group,
    help=HELP,
    epilog=EPILOG,
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def cli() -> None:
    pass


def main(argv: Sequence[str] | None = None) -> int:
    """The entry point: the command's exit code (harness.exitcodes); never raises SystemExit except
    for shell completion."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = cli.main(args, prog_name=PROG, standalone_mode=False, auto_envvar_prefix=ENV_PREFIX)
    except click.UsageError as exc:  # parsing: bad option value, unknown command, missing argument
        sys.stderr.write(f"{_where(exc.ctx)}: error: {_message(exc)} (see {_where(exc.ctx)} --help)\n")
        return exitcodes.USAGE
    except UsageError as exc:  # a command's own checks on its inputs, before it starts work
        sys.stderr.write(f"{_command(args)}: error: {exc}\n")
        return exitcodes.USAGE
    except KeyError as exc:  # an unknown vendor or case met after parsing
        sys.stderr.write(f"{_command(args)}: error: {exc.args[0]}\n")
        return exitcodes.USAGE
    except click.ClickException as exc:
        sys.stderr.write(f"{_command(args)}: error: {exc.format_message()}\n")
        return exc.exit_code
    except click.Abort as exc:  # a command without its own clean-up (check and verify have theirs)
        sys.stderr.write("interrupted\n")
        return getattr(exc.__cause__, "exit_code", exitcodes.INTERRUPTED)
    return exitcodes.OK if code is None else int(code)


def _command(args: list[str]) -> str:
    """`catalog-harness COMMAND`, as every error line starts (the first word that is not an option)."""
    name = next((arg for arg in args if not arg.startswith("-")), "")
    return f"{PROG} {name}".rstrip()


def _where(ctx: click.Context | None) -> str:
    return ctx.command_path if ctx is not None else PROG


def _message(exc: click.UsageError) -> str:
    """One line: `argument --port: …` for a bad value, click's own sentence for the rest."""
    if isinstance(exc, click.BadParameter) and not isinstance(exc, click.MissingParameter) and exc.param:
        name = exc.param.opts[0] if isinstance(exc.param, click.Option) else exc.param.human_readable_name
        return f"argument {name}: {exc.message}"
    return " ".join(exc.format_message().split())


def __getattr__(name: str) -> Any:
    """`harness.cli.build_server_app`, kept where tests and benches import it from."""
    if name == "build_server_app":
        from .serve import build_server_app

        return build_server_app
    raise AttributeError(name)
