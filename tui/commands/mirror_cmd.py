"""`pybuilds mirror DIR`: download builds into a folder uv and pybuilds can use as a mirror."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from tui.commands.common import (
    ExitCode,
    add_catalog_arguments,
    add_config_arguments,
    add_network_arguments,
    add_platform_arguments,
    fetch_options,
    platform_from,
    print_error,
    warn,
)

if TYPE_CHECKING:
    from tui.core.config_write import Scope
    from tui.core.errors import PybuildsError
    from tui.core.mirror import MirrorEvent, MirrorPlan, MirrorSummary


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "mirror",
        help="download builds into a folder usable as a mirror for machines without internet",
        description="Download builds into DIR in the layout uv expects of a mirror "
        "(<tag>/<file name with +>), verified and incrementally, and write "
        "DIR/download-metadata.json and a SHA256SUMS per folder. Then point uv and pybuilds at "
        "it with python-install-mirror = file://DIR and python-downloads-json-url = "
        "DIR/download-metadata.json (printed at the end), or serve DIR over http(s).",
    )
    parser.add_argument("dir", metavar="DIR", type=_folder, help="the mirror folder")
    parser.add_argument(
        "requests",
        metavar="REQUEST",
        nargs="*",
        help="what to mirror, e.g. 3.12 3.13t pypy@3.10 (default: cpython, the newest patch "
        "of each minor version)",
    )
    parser.add_argument(
        "--all-platforms", action="store_true", help="builds for every platform, not just one"
    )
    parser.add_argument(
        "--flavour",
        action="append",
        default=[],
        metavar="F",
        help="also fetch this flavour of each CPython build (pgo+lto-full, install_only, …); "
        "may repeat",
    )
    parser.add_argument(
        "--jobs", type=int, default=4, metavar="N", help="parallel downloads (default: 4)"
    )
    parser.add_argument(
        "--mirror", metavar="URL", help="download from this CPython mirror instead of upstream"
    )
    parser.add_argument(
        "--configure",
        metavar="SCOPE",
        choices=("project", "user", "system"),
        help="write the two settings into uv's config for SCOPE (project, user, system)",
    )
    add_network_arguments(parser)
    add_catalog_arguments(parser)
    add_platform_arguments(parser)
    add_config_arguments(parser)
    parser.set_defaults(run=run)


def _folder(text: str) -> Path:
    if not text.strip():  # Path("") is the working directory: never a mirror by accident
        raise argparse.ArgumentTypeError("the mirror folder is empty; give a path such as ./pbs")
    return Path(text)


def run(args: argparse.Namespace) -> int:
    from tui.commands.catalog_args import load_builds
    from tui.commands.settings import settings_from_args
    from tui.core.errors import UsageError
    from tui.core.mirror import plan_mirror, select_builds
    from tui.core.mirror_download import create_mirror
    from tui.core.mirrors import mirrors_from_settings
    from tui.core.requests import parse_request

    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: at least 1 download at a time is needed")
    if args.dir.exists() and not args.dir.is_dir():
        raise UsageError(f"{args.dir} is a file; the mirror needs a folder")
    if args.all_platforms and (args.os or args.arch or args.libc):
        raise UsageError("--all-platforms cannot be combined with --os, --arch or --libc")
    _check_flavours(args.flavour)
    requests = [parse_request(text) for text in args.requests or ["cpython"]]
    settings = settings_from_args(args)
    platform = platform_from(args)
    if not args.arch:
        # Baseline x86-64 runs on every x86-64 machine the mirror may serve; a host-level
        # (v3/v4) build would leave older CPUs without a match.
        platform = platform._replace(arch_level=None)
    builds = select_builds(
        load_builds(settings).builds, requests, platform, all_platforms=args.all_platforms
    )
    if not builds:
        where = "any platform" if args.all_platforms else platform.key
        warn(f"no builds match {' '.join(args.requests or ['cpython'])} for {where}")
        return ExitCode.NOT_FOUND
    options = fetch_options(args)
    plan = plan_mirror(
        builds, flavours=args.flavour, source=mirrors_from_settings(settings), options=options
    )
    for note in plan.notes:
        warn(note)
    if problem := _plan_problem(plan, args.flavour):  # before DIR gets anything at all
        print_error(problem)
        return ExitCode.NOT_FOUND
    progress = _Progress(len(plan.files), sys.stderr)
    summary: MirrorSummary | None = None
    for event in create_mirror(args.dir, plan, options=options, jobs=args.jobs):
        summary = progress.show(event) or summary
    assert summary is not None
    if summary.downloaded + summary.present == 0:
        return ExitCode.FAILURE  # an empty mirror is nothing to point uv at
    if summary.failed:  # an incomplete mirror is not one to point uv at yet
        warn(f"{summary.failed} file(s) failed: fix them, then run again to finish the mirror")
        return ExitCode.FAILURE
    _print_settings(summary, args.configure)
    return ExitCode.OK


def _check_flavours(flavours: list[str]) -> None:
    from tui.core.errors import UsageError
    from tui.core.filenames import flavour_problem

    for flavour in flavours:
        if problem := flavour_problem(flavour):
            raise UsageError(f"--flavour: {problem}")


def _plan_problem(plan: MirrorPlan, flavours: list[str]) -> PybuildsError | None:
    """Why the mirror would hold nothing, or none of a flavour asked for by name."""
    from tui.core.errors import PybuildsError

    if not plan.files:
        return PybuildsError(
            "nothing to mirror: every selected build was left out (see the warnings above)",
            hint="uv rewrites only the URLs of official builds for a mirror; for builds of your "
            "own, serve their files anywhere and point python-downloads-json-url at a catalog "
            "naming them",
        )
    names = [file.relpath.rsplit("/", 1)[-1] for file in plan.files]
    for flavour in flavours:
        if not any(f"-{flavour}." in name for name in names):
            return PybuildsError(
                f"no selected build has a `{flavour}` archive to mirror",
                hint="python-build-standalone does not publish every flavour for every release; "
                "see the warnings above",
            )
    return None


class _Progress:
    """A line per finished file on stderr, and a counter redrawn in place on a terminal."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total = total
        self.out = out
        self.tty = out.isatty()
        self.finished = 0
        self.bytes: dict[str, int] = {}
        self.drawn = False
        self.last = 0.0

    def show(self, event: MirrorEvent) -> MirrorSummary | None:
        from tui.core.doctor_common import human_size, seconds
        from tui.core.mirror import FileDone, FileFailed, FileProgress, FileSkipped
        from tui.core.redact import redact_text

        if isinstance(event, FileProgress):
            self.bytes[event.relpath] = event.done
            self._counter()
            return None
        self._clear()
        if isinstance(event, FileDone):
            self.finished += 1
            self.bytes.pop(event.relpath, None)
            if event.status == "present":
                what = "kept (already verified)" if event.verified else "kept"
            else:
                check = "verified" if event.verified else "unverified: no checksum upstream"
                what = f"downloaded {human_size(event.size)} in {seconds(event.seconds)}, {check}"
            self.out.write(f"[{self.finished}/{self.total}] {event.relpath}: {what}\n")
        elif isinstance(event, FileSkipped):
            self.finished += 1
            self.bytes.pop(event.relpath, None)
            self.out.write(f"[{self.finished}/{self.total}] {event.relpath}: {event.reason}\n")
        elif isinstance(event, FileFailed):
            self.finished += 1
            self.bytes.pop(event.relpath, None)
            self.out.write(f"[{self.finished}/{self.total}] {event.relpath}: failed\n")
            self.out.write(f"  error: {redact_text(str(event.error))}\n")
            if event.error.hint:
                self.out.write(f"  hint: {redact_text(event.error.hint)}\n")
        else:
            parts = [
                f"{event.downloaded} downloaded ({human_size(event.bytes)})",
                f"{event.present} kept",
            ]
            if event.skipped:
                parts.append(f"{event.skipped} not published")
            if event.failed:
                parts.append(f"{event.failed} failed")
            if event.unverified:
                parts.append(f"{event.unverified} without a checksum to verify")
            self.out.write(
                f"mirror: {', '.join(parts)} in {seconds(event.seconds)} "
                f"-> {event.metadata.parent}\n"
            )
            self.out.flush()
            return event
        self.out.flush()
        return None

    def _counter(self) -> None:
        from tui.core.doctor_common import human_size

        now = time.monotonic()
        if not self.tty or now - self.last < 0.2:
            return
        self.last = now
        active = len(self.bytes)
        self.out.write(
            f"\r[{self.finished}/{self.total}] {active} downloading, "
            f"{human_size(sum(self.bytes.values()))} \x1b[K"
        )
        self.out.flush()
        self.drawn = True

    def _clear(self) -> None:
        if self.drawn:
            self.out.write("\r\x1b[K")
            self.drawn = False


def _print_settings(summary: MirrorSummary, scope: str | None) -> None:
    """The settings on stdout in uv.toml form; with --configure, written to uv's config."""
    import json

    from tui.core.config_files import KEY_SPECS

    for key, value in summary.settings:
        print(f"{key} = {json.dumps(value)}")
    if scope is None:
        variables = " ".join(
            f"{KEY_SPECS[key].env}={shlex.quote(value)}" for key, value in summary.settings
        )
        print(
            f"put these lines in uv.toml (or run again with --configure user), or set: {variables}",
            file=sys.stderr,
        )
        return
    from tui.core.config import set_value

    for key, value in summary.settings:
        path = set_value(key, value, cast("Scope", scope))
        print(f"wrote {key} to {path}", file=sys.stderr)
