"""The `pybuilds` command line: parse arguments, run one command, map errors to exit codes."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from tui import __version__
from tui.commands.common import ExitCode, print_error, report_error
from tui.core.quietlog import configure as configure_logging

# Each command is a module `tui.commands.<name>_cmd` with `register(subparsers)`, whose parser
# sets `run=<callable(args) -> int>`. Only the module of the command being run is imported, so
# `pybuilds list` does not pay for the installer, the doctor or the config writer.
COMMANDS = {
    "list": "list available and installed Python builds",
    "find": "print the interpreter path of the best installed match",
    "install": "download, verify and install Python builds",
    "uninstall": "remove installed Python builds",
    "platform": "show the detected (or a named) platform",
    "catalog": "show or refresh the download catalog",
    "config": "show and edit uv.toml settings, with where each came from",
    "doctor": "check the mirror and catalog settings step by step",
    "mirror": "copy builds into a folder usable as an offline mirror",
}


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The command named on the command line: the first argument that is not an option."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def build_parser(
    argv: Sequence[str] | None = None, *, every_command: bool = False
) -> argparse.ArgumentParser:
    """The parser; fully built for the chosen command (or every command when asked)."""
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
    chosen = _chosen_command(sys.argv[1:] if argv is None else argv)
    for name, summary in COMMANDS.items():
        if every_command or name == chosen:
            module = importlib.import_module(f"tui.commands.{name}_cmd")
            module.register(subparsers)
            # `pybuilds install 3.12 -v` should work as well as `pybuilds -v install 3.12`;
            # SUPPRESS keeps the subcommand from resetting a count given before it.
            subparsers.choices[name].add_argument(
                "-v",
                "--verbose",
                action="count",
                default=argparse.SUPPRESS,
                help="more detail on stderr (-vv: debug)",
            )
        else:
            subparsers.add_parser(name, help=summary)
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM (`timeout`, `kill`, systemd stopping a job): unwinds as Ctrl-C does, so an
    install removes its temporary folder instead of leaving it in the install dir."""


_stopped_by: type[KeyboardInterrupt] | None = None
"""What the signal that stopped the command raised. It may come back as another exception:
raised inside an import, it turns into an ImportError ("PyCapsule_Import could not import
module ...")."""


def _stop(signum: int, frame: object) -> None:
    import signal  # already imported: `_catch_stops` installed this handler

    global _stopped_by
    _stopped_by = _Terminated if signum == signal.SIGTERM else KeyboardInterrupt
    raise _stopped_by


def _catch_stops() -> dict[int, Any]:
    """Handle SIGTERM and SIGINT with `_stop`; returns the handlers it replaced (none outside
    the main thread, where Python delivers signals alone)."""
    import signal  # ~1 ms that `list` and `find` need not pay

    previous: dict[int, Any] = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            previous[signum] = signal.signal(signum, _stop)
        except ValueError:  # not the main thread
            break
    return previous


def _restore(previous: dict[int, Any]) -> None:
    if previous:  # main() also runs inside other programs (and the tests)
        import signal

        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _report_stop(stop: type[KeyboardInterrupt]) -> int:
    if issubclass(stop, _Terminated):
        print_error("terminated")
        return ExitCode.TERMINATED
    print_error("interrupted")
    return ExitCode.INTERRUPTED


# Commands that write (installs, mirrors, caches, config files) and clean up when stopped.
_WRITERS = frozenset({"install", "uninstall", "mirror", "catalog", "config"})


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    configure_logging(args.verbose)  # imports logging only when something will log
    global _stopped_by
    _stopped_by = None
    previous: dict[int, Any] = {}
    try:
        if args.command is None:
            from tui.commands.app_cmd import run_app  # imports Textual only here

            return run_app(args)
        if args.command in _WRITERS:
            previous = _catch_stops()
        return int(args.run(args))
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM as _Terminated
        return _report_stop(type(stop))
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as error:  # every error ends in one line; the traceback only with -v
        if _stopped_by is not None:  # the signal's exception, disguised
            return _report_stop(_stopped_by)
        return report_error(error, verbose=bool(args.verbose))
    finally:
        _restore(previous)


if __name__ == "__main__":
    sys.exit(main())
