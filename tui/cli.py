"""The `pybuilds` command line: parse arguments, run one command, map errors to exit codes."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from tui import __version__
from tui.commands.common import ExitCode, exit_code_for, print_error

# Each name is a module in tui.commands with `register(subparsers)`; the parser it adds sets
# `run=<callable(args) -> int>`. Modules import their heavy dependencies inside `run`.
COMMANDS = (
    "list",
    "find",
    "install",
    "uninstall",
    "platform",
    "catalog",
    "config",
    "doctor",
    "mirror",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pybuilds",
        description="Browse, install and mirror standalone Python builds in uv's layout. "
        "Without a command, opens the terminal app.",
    )
    parser.add_argument("--version", action="version", version=f"pybuilds {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more detail on stderr (-vv: debug)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"tui.commands.{name.replace('-', '_')}_cmd")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command is None:
            from tui.commands.app_cmd import run_app  # imports Textual only here

            return run_app(args)
        return int(args.run(args))
    except KeyboardInterrupt:
        print_error("interrupted")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as error:  # every error ends in one line; the traceback only with -v
        if args.verbose:
            import traceback

            traceback.print_exc()
        print_error(error)
        return exit_code_for(error)


if __name__ == "__main__":
    sys.exit(main())
