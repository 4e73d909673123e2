"""`pybuilds install`: download builds into uv's managed-Python folder, like `uv python install`."""

from __future__ import annotations

import argparse
import functools
import os
import sys
import threading
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
    fetch_options,
    platform_from,
    report_error,
    warn,
)
from tui.core.errors import ConfigError, PybuildsError, UsageError
from tui.core.units import format_size

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tui.core.catalog import Build
    from tui.core.catalog_source import LoadedCatalog
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
        "uv's layout: `uv python find` and `uv run` use them as if uv had installed them. "
        "Several builds install side by side (UV_CONCURRENT_DOWNLOADS at once, default 4); "
        "one that fails does not stop the others.",
    )
    parser.add_argument(
        "requests",
        nargs="*",
        metavar="REQUEST",
        help="e.g. 3.12, 3.13t, pypy (default, as uv: UV_PYTHON, else the versions the nearest "
        ".python-version(s) file pins, else the newest CPython unless one is installed)",
    )
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
    parser.add_argument(
        "-f",
        "--force",
        action="store_true",
        help="replace executables in the bin dir that uv does not manage or that point to "
        "another install",
    )
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
    from tui.core.install import install, install_archive

    if args.flavour:
        from tui.core.filenames import flavour_problem

        if problem := flavour_problem(args.flavour):
            raise UsageError(f"--flavour: {problem}")
    if args.archive is not None and not args.archive.strip():
        raise UsageError("--archive: give the path or URL of an archive")
    settings = settings_from_args(args)
    layout = layout_from(settings)
    if not args.requests and not args.archive:
        args.requests = _pinned_requests(layout)
        if not args.requests:
            print(
                "Python is already installed. "
                "Use `pybuilds install <request>` to install another version.",
                file=sys.stderr,
            )
            return ExitCode.OK
    options = _options(args, settings)
    from tui.commands.catalog_args import load_builds

    # Read once, when first needed: requests and an --archive's name may both look it up.
    catalog = functools.cache(lambda: load_builds(settings))
    selected = _selected(args, catalog)  # every request resolves before anything downloads
    workers = _parallel_installs()
    started = time.monotonic()
    cancel = threading.Event()
    jobs: list[Iterator[InstallEvent]] = []
    if args.archive:
        if "://" in args.archive:
            from tui.core.mirrors import checked_url

            checked_url(args.archive, "--archive")
        jobs.append(
            install_archive(
                args.archive,
                layout,
                options=options,
                cancel=cancel,
                catalog=lambda: catalog().builds,  # its entry of that name, if any
                host=platform_from(args),
            )
        )
    keys: set[str] = set()
    for build, request, baseline in selected:
        key = str(build.install_key)
        build_options = _with(options, via_minor=_is_minor_request(request))
        if key in keys or _already(build, request, layout, args, build_options):
            continue
        keys.add(key)
        jobs.append(install(build, layout, options=build_options, cancel=cancel, baseline=baseline))
    if keys or _is_remote(args.archive):
        settings.require_downloads()
    installed: list[str] = []
    failed: list[PybuildsError] = []
    try:
        if jobs:
            from tui.core.parallel import merged

            # One install runs here, so Ctrl-C stops it at once; several run side by side.
            events = jobs[0] if len(jobs) == 1 else merged(jobs, workers=workers, cancel=cancel)
            _consume(events, Progress(sys.stderr, verbose=args.verbose), installed, failed)
    finally:  # also when Ctrl-C or SIGTERM stops the rest: what finished stays installed
        _summary(installed, started, layout, options)
    return _report(failed, verbose=args.verbose)


def _pinned_requests(layout: Layout) -> list[str]:
    """What `install` without a request installs, as in uv: UV_PYTHON, else the versions the
    nearest `.python-version(s)` file pins, else the newest CPython unless one is installed."""
    from tui.core.version_files import find_version_file

    if pinned := env_value("UV_PYTHON"):
        return [pinned]
    found = find_version_file(Path.cwd())
    if found is not None:
        print(f"Using {', '.join(found.requests)} from {found.path}", file=sys.stderr)
        return list(found.requests)
    return [] if layout.installations() else ["default"]


def _is_remote(archive: str | None) -> bool:
    """An `--archive` that must be downloaded (a local file or file:// URL is not)."""
    return archive is not None and archive.lower().startswith(("http://", "https://"))


def _parallel_installs() -> int:
    """uv's UV_CONCURRENT_DOWNLOADS, else 4: each install also unpacks on a core and holds
    ~40 MiB while it does, so uv's 50 downloads at once would be 50 unpackings at once."""
    value = env_value("UV_CONCURRENT_DOWNLOADS")
    if value is None:
        return 4
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(
            "UV_CONCURRENT_DOWNLOADS", f"expected a whole number above 0, got `{value}`"
        )
    return int(value)


def _options(args: argparse.Namespace, settings: Settings) -> InstallOptions:
    from tui.core.install import InstallOptions
    from tui.core.mirrors import mirrors_from_settings

    mirrors = mirrors_from_settings(settings)
    return InstallOptions(
        mirrors=mirrors,
        fetch=fetch_options(args),
        flavour=args.flavour or settings.get("default-flavour"),
        reinstall=args.reinstall,
        force=args.force,
        link_bin=not args.no_bin,
        default_links=args.default,
        cache_dir=settings.cache_dir(),
    )


def _with(options: InstallOptions, **changes: Any) -> InstallOptions:
    return options._replace(**changes)


def _selected(
    args: argparse.Namespace, load_catalog: Callable[[], LoadedCatalog]
) -> list[tuple[Build, Request, Build | None]]:
    """Parse every request and pick its build first, so a typo fails before any download;
    with each, the baseline x86-64 build uv would pick when that differs (see
    `level_fallback`)."""
    if not args.requests:
        return []
    from tui.core.errors import NoMatchingBuild
    from tui.core.level_fallback import baseline_for
    from tui.core.requests import parse_request, select_build

    requests = [parse_request(text) for text in args.requests]
    platform = platform_from(args)
    catalog = load_catalog()
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
        baseline = baseline_for(build, catalog.builds, request, level_named=args.arch is not None)
        chosen.append((build, request, baseline))
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
    if found is None or found.key.variant != build.variant or not found.has_interpreter():
        return False  # a broken install is installed again (see _Installer.run)
    for message in refresh(found, layout, options=options):
        warn(message)
    print(f"Python {request.text} is already installed ({found.key})", file=sys.stderr)
    return True


def _source_words(setting: str | None) -> str:
    """What chose the URL of a Resolved event, in words for `-v`."""
    from tui.core.mirrors import ASTRAL_ORIGIN

    if setting is None:
        return ""
    if setting == "python-cache-dir":
        return " (the archive cached by an earlier install, in python-cache-dir)"
    if setting == ASTRAL_ORIGIN:
        return f" ({ASTRAL_ORIGIN})"
    return f" (mirror from {setting})"


def _report(failed: list[PybuildsError], *, verbose: bool) -> int:
    """Each failure as the one-line error; the exit code they share, else 1."""
    codes = {report_error(error, verbose=verbose) for error in failed}
    if not codes:
        return ExitCode.OK
    return codes.pop() if len(codes) == 1 else ExitCode.FAILURE


def _consume(
    events: Iterator[InstallEvent],
    progress: Progress,
    installed: list[str],
    failed: list[PybuildsError],
) -> None:
    """Show the events of the installs. As in uv, a failed install does not stop the others:
    its error is kept for the end (the failed install itself leaves nothing behind)."""
    from tui.core.events import Done, Failed

    try:
        for event in events:
            progress.show(event)
            if isinstance(event, Failed):
                failed.append(event.error)
            elif isinstance(event, Done):
                if event.already_installed:
                    progress.note(f"{event.key} is already installed")
                else:
                    installed.append(event.key)
    finally:  # also on Ctrl-C: the error line must not land after a progress line
        progress.clear()


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


class _Line:
    """What the progress line of one install shows."""

    __slots__ = ("done", "files", "phase", "started", "total")

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.phase = "resolving"
        self.done = 0
        self.total: int | None = None
        self.files = 0


class Progress:
    """One progress line per running install on a terminal's stderr; quiet otherwise, except
    warnings and notes, which print above the lines."""

    def __init__(self, stream: TextIO, *, verbose: int = 0) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.verbose = verbose
        self._lines: dict[str, _Line] = {}
        self._drawn = 0
        """Lines on the screen now; the cursor is at the end of the last."""

    def show(self, event: InstallEvent) -> None:
        from tui.core.events import (
            Done,
            Downloading,
            Extracting,
            Failed,
            Patching,
            Resolved,
            Verifying,
            Warned,
        )

        if isinstance(event, (Done, Failed)):
            self._lines.pop(event.key, None)
            self._draw()
            return
        line = self._lines.setdefault(event.key, _Line())
        if isinstance(event, Resolved):
            line.started = time.monotonic()
            line.phase = "downloading"
            if self.verbose:
                self.note(f"{event.key}: {event.url}{_source_words(event.setting)}")
        elif isinstance(event, Downloading):
            line.done, line.total = event.done, event.total
        elif isinstance(event, Extracting):
            line.files = event.files
        elif isinstance(event, Verifying):
            line.phase = "verified" if event.verified else "unverified"
            if self.verbose:
                self.note(f"{event.key}: sha256 {event.sha256}")
        elif isinstance(event, Patching):
            line.phase = event.step
        elif isinstance(event, Warned):
            self.clear()
            warn(event.message)
        self._draw()

    def note(self, text: str) -> None:
        """Print `text` above the progress lines."""
        self.clear()
        print(text, file=self.stream)
        self._draw()

    def _draw(self) -> None:
        if not self.tty:
            return
        if not self._lines:
            self.clear()
            return
        width = max(_columns(self.stream) - 1, 20)  # a wrapped line would break `_up`
        body = "\n".join(
            f"\r{_render(key, line)[:width]}\x1b[K" for key, line in self._lines.items()
        )
        # \x1b[J: clears what a draw with more lines left below.
        self.stream.write(f"{self._up()}{body}\x1b[J")
        self.stream.flush()
        self._drawn = len(self._lines)

    def clear(self) -> None:
        if self.tty and self._drawn:
            self.stream.write(f"{self._up()}\r\x1b[J")
            self.stream.flush()
            self._drawn = 0

    def _up(self) -> str:
        """Moves the cursor from the last line drawn to the first."""
        return f"\x1b[{self._drawn - 1}A" if self._drawn > 1 else ""


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError):
        return 80


def _render(key: str, line: _Line) -> str:
    elapsed = max(time.monotonic() - line.started, 1e-6)
    speed = line.done / elapsed
    amount = format_size(line.done) + (f"/{format_size(line.total)}" if line.total else "")
    eta = ""
    if line.total and speed > 0 and line.done < line.total:
        eta = f" ETA {format_elapsed((line.total - line.done) / speed)}"
    return f"{key} {amount} {format_size(speed)}/s{eta} {line.files} files [{line.phase}]"
