"""`pybuilds uninstall`: remove managed Pythons and executables, as `uv python uninstall`."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from tui.commands.common import add_config_arguments, add_platform_arguments, platform_from

if TYPE_CHECKING:
    from pathlib import Path

    from tui.core.layout import Installation
    from tui.core.platform import Platform


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "uninstall",
        help="remove installed Pythons",
        description="Remove installations matching each REQUEST (every patch, pre-releases "
        "included), their executables in the bin dir, and re-point minor-version links.",
    )
    parser.add_argument("requests", nargs="*", metavar="REQUEST", help="e.g. 3.12, 3.13.1, pypy")
    parser.add_argument("--all", action="store_true", help="remove every managed installation")
    parser.add_argument("--install-dir", help="managed-Python root (env: UV_PYTHON_INSTALL_DIR)")
    parser.add_argument("--bin-dir", help="where executables are (env: UV_PYTHON_BIN_DIR)")
    add_platform_arguments(parser)
    add_config_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.commands.catalog_args import layout_from
    from tui.commands.install_cmd import format_elapsed
    from tui.commands.settings import settings_from_args
    from tui.core.errors import NothingInstalled, UsageError
    from tui.core.install import uninstall

    if not args.requests and not args.all:
        raise UsageError("give at least one REQUEST (e.g. 3.12) or --all")
    if args.requests and args.all:
        # As uv; taking --all alone would remove far more than the REQUESTs named.
        raise UsageError("--all cannot be used with a REQUEST", hint="give REQUESTs or --all")
    started = time.monotonic()
    layout = layout_from(settings_from_args(args))
    installations = layout.installations()
    if args.all:
        if not installations:
            raise NothingInstalled(layout.root, empty=True)
        chosen = installations
    else:
        chosen = _matching(installations, args.requests, platform_from(args), layout.root)
    removed = {str(i.key): uninstall(i, layout) for i in chosen}
    took = format_elapsed(time.monotonic() - started)
    if len(chosen) == 1:
        print(f"Uninstalled Python {chosen[0].key.version} in {took}", file=sys.stderr)
    else:
        print(f"Uninstalled {len(chosen)} versions in {took}", file=sys.stderr)
    for key in sorted(removed):
        names = ", ".join(path.name for path in removed[key])
        print(f" - {key}" + (f" ({names})" if names else ""), file=sys.stderr)
    return 0


def _matching(
    installations: list[Installation], texts: list[str], platform: Platform, root: Path
) -> list[Installation]:
    """The installations matching any of the requests, each once.

    Raises:
        NoMatchingBuild: none matches any request (said once, not once per request too).
    """
    from tui.core.errors import NoMatchingBuild
    from tui.core.requests import parse_request

    requests = [parse_request(text) for text in texts]
    chosen: list[Installation] = []
    missing: list[str] = []
    for request in requests:
        print(f"Searching for Python versions matching: {request.text}", file=sys.stderr)
        found = [
            i
            for i in installations
            # As uv: `3.12` removes the default build, not +debug or +freethreaded ones.
            if request.matches_installation(
                i, platform, prereleases=True, default_variant_only=True
            )
        ]
        if not found:
            missing.append(request.text)
        chosen += [i for i in found if i not in chosen]
    if not chosen:
        raise NoMatchingBuild(
            "`, `".join(missing),
            installed=True,
            hint=f"installed Pythons live in {root}; see `pybuilds list --only-installed`",
        )
    for text in missing:  # as uv, for requests beside ones that matched
        print(f"No existing installations found for: {text}", file=sys.stderr)
    return chosen
