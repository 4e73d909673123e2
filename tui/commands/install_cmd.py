"""`pybuilds install`: download builds into uv's managed-Python folder, like `uv python install`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tui.commands.common import (
    ExitCode,
    add_catalog_arguments,
    add_config_arguments,
    add_network_arguments,
    add_platform_arguments,
    env_value,
    exit_code_for,
    fetch_options,
    platform_from,
    print_error,
    warn,
)
from tui.core.errors import InvalidRequest, PybuildsError
from tui.core.units import format_size

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tui.core.catalog import Build
    from tui.core.config import Settings
    from tui.core.events import InstallEvent
    from tui.core.install import InstallOptions
    from tui.core.layout import Installation, Layout
    from tui.core.requests import Request


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "install",
        help="install Python builds where uv finds them",
        description="Download, verify and unpack builds into uv's managed-Python folder, in "
        "uv's layout: `uv python find` and `uv run` use them as if uv had installed them.",
    )
    parser.add_argument("requests", nargs="*", metavar="REQUEST", help="e.g. 3.12, 3.13t, pypy")
    parser.add_argument(
        "--archive",
        metavar="PATH_OR_URL",
        help="install this archive (a PBS, PyPy or GraalPy file name) instead of a catalog build",
    )
    parser.add_argument(
        "--flavour",
        help="another PBS flavour of the chosen build: install_only, pgo+lto-full, debug-full… "
        "(verified against the release's SHA256SUMS)",
    )
    parser.add_argument("--build", metavar="TAG", help="only builds of this release or build")
    parser.add_argument(
        "--mirror", help="CPython mirror (env: UV_PYTHON_INSTALL_MIRROR)", metavar="URL"
    )
    parser.add_argument("--pypy-mirror", metavar="URL", help="env: UV_PYPY_INSTALL_MIRROR")
    parser.add_argument("--install-dir", help="managed-Python root (env: UV_PYTHON_INSTALL_DIR)")
    parser.add_argument("--bin-dir", help="where executables go (env: UV_PYTHON_BIN_DIR)")
    parser.add_argument("-r", "--reinstall", action="store_true", help="replace existing installs")
    parser.add_argument("--no-bin", action="store_true", help="do not link python3.X executables")
    parser.add_argument(
        "--default", action="store_true", help="also link `python3` and `python`, as uv --default"
    )
    add_catalog_arguments(parser)
    add_network_arguments(parser)
    add_platform_arguments(parser)
    add_config_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.commands.catalog_args import layout_from
    from tui.commands.settings import settings_from_args

    if not args.requests and not args.archive:
        raise InvalidRequest("", "give at least one REQUEST (e.g. 3.12) or --archive PATH")
    settings = settings_from_args(args)
    layout = layout_from(settings)
    options = _options(args, settings)
    selected = _selected(args, settings)  # every request resolves before anything downloads
    started = time.monotonic()
    progress = Progress(sys.stderr, verbose=args.verbose)
    installed: list[str] = []
    failed: list[PybuildsError] = []
    if args.archive:
        from tui.core.install import install_archive

        events = install_archive(args.archive, layout, options=options)
        _attempt(events, progress, installed, failed)
    for build, request in selected:
        from tui.core.install import install

        via_minor = _is_minor_request(request)
        build_options = _with(options, via_minor=via_minor)
        if _already(build, request, layout, args, build_options):
            continue
        _attempt(install(build, layout, options=build_options), progress, installed, failed)
    _summary(installed, started, layout, options)
    return _report(failed, verbose=args.verbose)


def _options(args: argparse.Namespace, settings: Settings) -> InstallOptions:
    from tui.core.install import InstallOptions
    from tui.core.mirrors import mirrors_from_settings

    mirrors = mirrors_from_settings(settings)
    return InstallOptions(
        mirrors=mirrors,
        fetch=fetch_options(args),
        flavour=args.flavour or settings.get("default-flavour"),
        reinstall=args.reinstall,
        link_bin=not args.no_bin,
        default_links=args.default,
        cache_dir=settings.cache_dir(),
    )


def _with(options: InstallOptions, **changes: Any) -> InstallOptions:
    return options._replace(**changes)


def _selected(args: argparse.Namespace, settings: Settings) -> list[tuple[Build, Request]]:
    """Parse every request and pick its build first, so a typo fails before any download."""
    if not args.requests:
        return []
    from tui.commands.catalog_args import load_builds
    from tui.core.errors import NoMatchingBuild
    from tui.core.requests import parse_request, select_build

    requests = [parse_request(text) for text in args.requests]
    platform = platform_from(args)
    catalog = load_builds(settings)
    build_tag = args.build or env_value("UV_PYTHON_CPYTHON_BUILD")
    chosen = []
    for request in requests:
        build = select_build(catalog.builds, request, platform, build_tag=build_tag)
        if build is None:
            tag = f" in build {build_tag}" if build_tag else ""
            raise NoMatchingBuild(
                request.describe(platform) + tag,
                hint=f"the catalog is {catalog.source}; "
                "see `pybuilds list --only-downloads` for what it offers",
            )
        chosen.append((build, request))
    return chosen


def _is_minor_request(request: Request) -> bool:
    """uv links executables through the minor-version folder for `3.12`-style requests."""
    return (
        request.implementation is None
        and len(request.release) == 2
        and not request.prerelease
        and not request.specifiers
        and request.os is None
        and request.arch is None
        and request.libc is None
        and not request.any_platform
    )


def _already(
    build: Build,
    request: Request,
    layout: Layout,
    args: argparse.Namespace,
    options: InstallOptions,
) -> bool:
    """As uv: a request any installed Python satisfies is done (its links are refreshed)."""
    if args.reinstall or args.build or args.flavour:
        return False
    from tui.core.install import refresh
    from tui.core.requests import find_installation

    found = find_installation(layout.installations(), request, platform_from(args))
    if found is None or found.key.variant != build.variant:
        return False
    for message in refresh(found, layout, options=options):
        warn(message)
    print(f"Python {request.text} is already installed ({found.key})", file=sys.stderr)
    return True


def _attempt(
    events: Iterator[InstallEvent],
    progress: Progress,
    installed: list[str],
    failed: list[PybuildsError],
) -> None:
    """One install to its end. As in uv, a failed install does not stop the others: its error
    is kept for the end (the failed install itself leaves nothing behind)."""
    try:
        _drive(events, progress, installed)
    except PybuildsError as error:
        progress.clear()
        failed.append(error)


def _report(failed: list[PybuildsError], *, verbose: bool) -> int:
    """Each failure as the one-line error; the exit code they share, else 1."""
    for error in failed:
        if verbose:
            import traceback

            traceback.print_exception(error)
        print_error(error)
    codes = {exit_code_for(error) for error in failed}
    if not codes:
        return ExitCode.OK
    return codes.pop() if len(codes) == 1 else ExitCode.FAILURE


def _drive(events: Iterator[InstallEvent], progress: Progress, installed: list[str]) -> None:
    """Show the events of one install; raises its error if it failed."""
    from tui.core.events import Done, Failed

    for event in events:
        progress.show(event)
        if isinstance(event, Failed):
            progress.clear()
            raise event.error
        if isinstance(event, Done):
            progress.clear()
            if event.already_installed:
                print(f"{event.key} is already installed", file=sys.stderr)
            else:
                installed.append(event.key)


def _summary(keys: list[str], started: float, layout: Layout, options: InstallOptions) -> None:
    if not keys:
        return
    took = format_elapsed(time.monotonic() - started)
    if len(keys) == 1:
        version = keys[0].split("-")[1].split("+")[0]
        print(f"Installed Python {version} in {took}", file=sys.stderr)
    else:
        print(f"Installed {len(keys)} versions in {took}", file=sys.stderr)
    for key in sorted(keys):
        links = linked_names(layout, key)
        suffix = f" ({', '.join(links)})" if links else ""
        print(f" + {key}{suffix}", file=sys.stderr)


def linked_names(layout: Layout, key: str) -> list[str]:
    """Executables in the bin dir that lead into the installation `key`."""
    import os

    from tui.core.links import bin_names
    from tui.core.names import InstallKey

    parsed = InstallKey.parse(key)
    installation: Installation | None = layout.installation(parsed) if parsed else None
    if installation is None:
        return []
    real = Path(os.path.realpath(installation.path))
    names = []
    for name in bin_names(installation.key, default=True):
        link = layout.bin_dir / name
        if link.is_symlink() and Path(os.path.realpath(link)).is_relative_to(real):
            names.append(name)
    return names


def format_elapsed(seconds: float) -> str:
    """uv's style: `6ms`, `1.68s`, `2m 5s`."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.2f}s"
    return f"{int(seconds // 60)}m {int(seconds % 60)}s"


class Progress:
    """A one-line progress bar on a terminal's stderr; quiet otherwise, except warnings."""

    def __init__(self, stream: TextIO, *, verbose: int = 0) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.verbose = verbose
        self._started = time.monotonic()
        self._phase = "resolving"
        self._done = 0
        self._total: int | None = None
        self._files = 0
        self._width = 0

    def show(self, event: InstallEvent) -> None:
        from tui.core.events import Downloading, Extracting, Patching, Resolved, Verifying, Warned

        if isinstance(event, Resolved):
            self._started = time.monotonic()
            self._phase = "downloading"
            if self.verbose:
                origin = f" (mirror from {event.setting})" if event.setting else ""
                self._print(f"{event.key}: {event.url}{origin}")
        elif isinstance(event, Downloading):
            self._done, self._total = event.done, event.total
        elif isinstance(event, Extracting):
            self._files = event.files
        elif isinstance(event, Verifying):
            self._phase = "verified" if event.verified else "unverified"
            if self.verbose:
                self._print(f"{event.key}: sha256 {event.sha256}")
        elif isinstance(event, Patching):
            self._phase = event.step
        elif isinstance(event, Warned):
            self.clear()
            warn(event.message)
        self._draw(getattr(event, "key", ""))

    def _print(self, line: str) -> None:
        self.clear()
        print(line, file=self.stream)

    def _draw(self, key: str) -> None:
        if not self.tty:
            return
        elapsed = max(time.monotonic() - self._started, 1e-6)
        speed = self._done / elapsed
        amount = format_size(self._done) + (f"/{format_size(self._total)}" if self._total else "")
        eta = ""
        if self._total and speed > 0 and self._done < self._total:
            eta = f" ETA {format_elapsed((self._total - self._done) / speed)}"
        line = f"{key} {amount} {format_size(speed)}/s{eta} {self._files} files [{self._phase}]"
        pad = max(self._width - len(line), 0)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._width = len(line)

    def clear(self) -> None:
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
