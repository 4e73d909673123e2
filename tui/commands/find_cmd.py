"""`pybuilds find`: the path of the best installed match for a request."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tui.commands.common import add_platform_arguments, platform_from

if TYPE_CHECKING:
    from tui.core.layout import Layout
    from tui.core.platform import Platform
    from tui.core.requests import Request


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
    from tui.core.errors import InstallError
    from tui.core.requests import find_installation, parse_request

    pinned = None if args.request is not None else _pinned()
    # An empty REQUEST is refused as uv refuses it, not taken as no request.
    text = args.request if args.request is not None else pinned[0] if pinned else "default"
    request = parse_request(text)
    platform = platform_from(args)
    layout = layout_from(settings_from_args(args))
    installations = layout.installations()
    # As uv: a folder without its interpreter (a crash mid-install) is no Python to run.
    usable = [i for i in installations if i.has_interpreter()]
    found = find_installation(usable, request, platform)
    if found is not None:
        print(found.executable if request.pins_patch else layout.stable_executable(found))
        return 0
    broken = find_installation(installations, request, platform)
    if broken is not None:
        raise InstallError(
            f"the matching installation at {broken.path} is broken: "
            f"{broken.executable.relative_to(broken.path)} is missing",
            hint=f"reinstall it with `pybuilds install --reinstall {broken.key}`",
        )
    raise _not_found(args, request, platform, layout, pinned, bool(installations))


def _not_found(
    args: argparse.Namespace,
    request: Request,
    platform: Platform,
    layout: Layout,
    pinned: tuple[str, str] | None,
    any_installed: bool,
) -> Exception:
    """What to say when nothing matches: about the request the user gave, pinned, or none."""
    from tui.core.errors import NoMatchingBuild, NothingInstalled

    if args.request is None and pinned is None:
        return NothingInstalled(
            layout.root,
            empty=not any_installed,
            hint=f"install the newest with `{_install_command(args, None)}`, "
            f"or a version with e.g. `{_install_command(args, '3.13')}`",
        )
    where = f"`{request.text}` comes from {pinned[1]}; " if pinned else ""
    return NoMatchingBuild(
        request.describe(platform),
        installed=True,
        hint=f"{where}installed Pythons live in {layout.root}; "
        f"install one with `{_install_command(args, request.text)}`",
    )


def _install_command(args: argparse.Namespace, request: str | None) -> str:
    """`pybuilds install REQUEST` with the platform flags the user gave `find`."""
    import shlex

    words = ["pybuilds", "install", *([request] if request else [])]
    for flag in ("os", "arch", "libc"):
        if (value := getattr(args, flag)) is not None:
            words += [f"--{flag}", value]
    return shlex.join(words)


def _pinned() -> tuple[str, str] | None:
    """The request `uv python find` uses when given none, and where it is set."""
    from pathlib import Path

    from tui.commands.common import env_value
    from tui.core.version_files import find_version_file

    if pinned := env_value("UV_PYTHON"):
        return pinned, "UV_PYTHON"
    found = find_version_file(Path.cwd())
    return (found.requests[0], str(found.path)) if found is not None else None
