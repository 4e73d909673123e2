"""`pybuilds find`: the path of the best installed match for a request."""

from __future__ import annotations

import argparse
from typing import Any

from tui.commands.common import add_platform_arguments, platform_from


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "find",
        help="print the interpreter path of the best installed match",
        description="Print the executable of the newest installed Python matching REQUEST.",
    )
    parser.add_argument(
        "request",
        nargs="?",
        help="e.g. 3.12, 3.13t, pypy (default, as uv: UV_PYTHON, else the first version the "
        "nearest .python-version(s) file pins, else the newest)",
    )
    parser.add_argument("--install-dir", help="managed-Python root (env: UV_PYTHON_INSTALL_DIR)")
    add_platform_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.commands.catalog_args import layout_from
    from tui.commands.settings import settings_from_args
    from tui.core.errors import InstallError, NoMatchingBuild
    from tui.core.requests import find_installation, parse_request

    # An empty REQUEST is refused as uv refuses it, not taken as no request.
    request = parse_request(_pinned() if args.request is None else args.request)
    platform = platform_from(args)
    layout = layout_from(settings_from_args(args))
    installations = layout.installations()
    # As uv: a folder without its interpreter (a crash mid-install) is no Python to run.
    usable = [i for i in installations if i.has_interpreter()]
    found = find_installation(usable, request, platform)
    if found is None and (broken := find_installation(installations, request, platform)):
        raise InstallError(
            f"the matching installation at {broken.path} is broken: "
            f"{broken.executable.relative_to(broken.path)} is missing",
            hint=f"reinstall it with `pybuilds install --reinstall {broken.key}`",
        )
    if found is None:
        raise NoMatchingBuild(
            request.describe(platform),
            installed=True,
            hint=f"installed Pythons live in {layout.root}; "
            f"install one with `pybuilds install {request.text}`",
        )
    print(found.executable if request.pins_patch else layout.stable_executable(found))
    return 0


def _pinned() -> str:
    """The request `uv python find` uses when given none."""
    from pathlib import Path

    from tui.commands.common import env_value
    from tui.core.version_files import find_version_file

    if pinned := env_value("UV_PYTHON"):
        return pinned
    found = find_version_file(Path.cwd())
    return found.requests[0] if found is not None else "default"
