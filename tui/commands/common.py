"""What every command shares: exit codes, error output, catalog/platform/settings arguments."""

from __future__ import annotations

import argparse
import os
import sys
from enum import IntEnum
from typing import TYPE_CHECKING

from tui.core.errors import (
    ChecksumMismatch,
    ConfigError,
    DownloadFailed,
    InvalidRequest,
    NoMatchingBuild,
    PybuildsError,
    UsageError,
)
from tui.core.redact import redact_text

if TYPE_CHECKING:
    from tui.core.fetch import FetchOptions
    from tui.core.platform import Platform


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1
    """A check or operation did not succeed (doctor found a problem, install failed)."""
    USAGE = 2
    """Bad arguments or request."""
    NOT_FOUND = 3
    CONFIG = 4
    NETWORK = 5
    INTEGRITY = 6
    INTERNAL = 70
    INTERRUPTED = 130
    TERMINATED = 143
    """SIGTERM (128 + 15), as shells report it."""


def exit_code_for(error: BaseException) -> ExitCode:
    if isinstance(error, (InvalidRequest, UsageError)):
        return ExitCode.USAGE
    if isinstance(error, NoMatchingBuild):
        return ExitCode.NOT_FOUND
    if isinstance(error, ConfigError):
        return ExitCode.CONFIG
    if isinstance(error, DownloadFailed):
        return ExitCode.NETWORK
    if isinstance(error, ChecksumMismatch):
        return ExitCode.INTEGRITY
    if isinstance(error, (PybuildsError, OSError)):  # OSError: the system said no, not a bug
        return ExitCode.FAILURE
    return ExitCode.INTERNAL


def print_error(error: BaseException | str) -> None:
    """One line (plus a hint line) on stderr, credentials removed."""
    if isinstance(error, PybuildsError):
        message, hint = str(error), error.hint
    elif isinstance(error, str):
        message, hint = error, None
    elif isinstance(error, OSError) and error.strerror:
        name = f": {error.filename}" if error.filename else ""
        if error.filename2:  # a link or rename: both ends, so the one at fault is named
            name += f" → {error.filename2}"
        message, hint = f"{error.strerror}{name}", None
    else:
        detail = str(error) or type(error).__name__
        message = f"unexpected error ({type(error).__name__}): {detail}"
        hint = "run again with -v for details"
    print(f"error: {redact_text(message)}", file=sys.stderr)
    if hint:
        print(f"hint: {redact_text(hint)}", file=sys.stderr)


def report_error(error: BaseException, *, verbose: bool) -> ExitCode:
    """`print_error`, after the traceback with -v; returns the exit code for `error`.

    Errors pybuilds reports on purpose (not found, bad settings…) need no traceback: their
    one line is the whole story. Unexpected ones get it, with -v, for a bug report."""
    if verbose and not isinstance(error, PybuildsError):
        import traceback

        traceback.print_exception(error)
    print_error(error)
    return exit_code_for(error)


def warn(message: str) -> None:
    print(f"warning: {redact_text(message)}", file=sys.stderr)


def add_catalog_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--python-downloads-json-url",
        metavar="X",
        help="catalog to use instead of the embedded one: a path, file:// or http(s) URL "
        "(env: UV_PYTHON_DOWNLOADS_JSON_URL)",
    )


def add_platform_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("platform (default: this machine)")
    group.add_argument("--os", help="linux, macos (darwin), windows")
    group.add_argument("--arch", help="x86_64, x86_64_v3, aarch64, x86 (i686), armv7, …")
    group.add_argument("--libc", help="gnu, musl, gnueabihf, gnueabi, none")


def platform_named(args: argparse.Namespace) -> bool:
    """Whether `--os/--arch/--libc` name a platform; else this machine's is meant."""
    # `--arch ""` is named too, and refused as no arch, rather than meaning this machine.
    return any(getattr(args, name, None) is not None for name in ("os", "arch", "libc"))


def platform_from(args: argparse.Namespace, host: Platform | None = None) -> Platform:
    """The host platform (`host`, else detected), or the one named by `--os/--arch/--libc`."""
    from tui.core.platform import detect_platform, platform_from_parts

    host = host or detect_platform()
    if platform_named(args):
        return platform_from_parts(args.os, args.arch, args.libc, host)
    return host


def env_value(name: str) -> str | None:
    """uv treats empty environment values as unset."""
    return os.environ.get(name) or None


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Add uv's `--config-file` and `--no-config`."""
    group = parser.add_argument_group("configuration files")
    group.add_argument(
        "--config-file",
        metavar="PATH",
        help="read settings only from this uv.toml (env: UV_CONFIG_FILE)",
    )
    group.add_argument(
        "--no-config",
        action="store_true",
        help="ignore uv.toml and pyproject.toml settings files (env: UV_NO_CONFIG)",
    )


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("network")
    group.add_argument(
        "--native-tls",
        action="store_true",
        help="verify TLS with the system trust store (env: UV_NATIVE_TLS)",
    )
    group.add_argument(
        "--timeout", type=_seconds, metavar="SECONDS", help="network timeout (default: 30)"
    )


def _seconds(text: str) -> float:
    """A timeout: a finite number above 0 (sockets refuse the rest, mid-download)."""
    import math  # only when --timeout is given

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got `{text}`")
    return value


def fetch_options(args: argparse.Namespace) -> FetchOptions:
    """Network options from `--native-tls`/UV_NATIVE_TLS and `--timeout`/UV_HTTP_TIMEOUT."""
    from tui.core.fetch import network_options

    return network_options(
        native_tls=bool(getattr(args, "native_tls", False)), timeout=getattr(args, "timeout", None)
    )
