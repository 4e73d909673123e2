"""`pybuilds list`: available and installed interpreters, like `uv python list`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from tui.commands.common import (
    add_catalog_arguments,
    add_config_arguments,
    add_platform_arguments,
    platform_from,
    warn,
)

if TYPE_CHECKING:
    from pathlib import Path

    from tui.core.config import Settings
    from tui.core.listing import ListRow
    from tui.core.platform import Platform


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "list",
        help="list available and installed Python builds",
        description="List Python builds for this platform (or another): by default the newest "
        "patch of each minor version, plus everything installed.",
    )
    parser.add_argument("request", nargs="?", help="e.g. 3.12, 3.13t, pypy, cpython-3.12-linux")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--only-installed", action="store_true", help="installed builds only")
    shown.add_argument("--only-downloads", action="store_true", help="downloads only")
    parser.add_argument("--all-versions", action="store_true", help="every patch version")
    parser.add_argument("--all-platforms", action="store_true", help="builds for every platform")
    parser.add_argument("--all-arches", action="store_true", help="every arch of this OS and libc")
    parser.add_argument("--show-debug", action="store_true", help="include debug builds")
    parser.add_argument("--show-urls", action="store_true", help="show download URLs")
    parser.add_argument("--json", action="store_true", help="one JSON array of rows on stdout")
    parser.add_argument("--install-dir", help="managed-Python root (env: UV_PYTHON_INSTALL_DIR)")
    add_catalog_arguments(parser)
    add_platform_arguments(parser)
    add_config_arguments(parser)
    parser.set_defaults(run=run)


def flavour_of(url: str) -> str | None:
    """The flavour named in an archive URL, or None for names pybuilds cannot read."""
    from tui.core.filenames import parse_asset_name

    try:
        return parse_asset_name(url).flavour
    except ValueError:
        return None


def run(args: argparse.Namespace) -> int:
    from tui.commands.catalog_args import layout_from, load_builds
    from tui.commands.settings import settings_from_args
    from tui.core.listing import ListOptions, list_rows
    from tui.core.requests import parse_request

    request = parse_request("any" if args.request is None else args.request)
    settings = settings_from_args(args)
    platform = platform_from(args)
    options = ListOptions(
        only_installed=args.only_installed,
        only_downloads=args.only_downloads,
        all_versions=args.all_versions,
        all_platforms=args.all_platforms,
        all_arches=args.all_arches,
        show_debug=args.show_debug,
    )
    scope = (
        None if args.all_platforms else request.catalog_scope(platform, all_arches=args.all_arches)
    )
    builds = () if args.only_installed else load_builds(settings, scope=scope).builds
    layout = layout_from(settings)
    installations = [] if args.only_downloads else layout.installations()
    rows = list_rows(builds, installations, request, platform, options)
    # As uv: an install the minor-version folder leads to is shown through that folder.
    shown = {
        row.key: layout.stable_executable(row.installation)
        for row in rows
        if row.installation is not None
    }
    broken = {row.key for row in rows if row.is_broken()}
    for key in sorted(broken):
        # Listed all the same: the folder is there, and uv counts it as installed.
        warn(
            f"{key} is broken: its interpreter is missing; "
            f"reinstall it with `pybuilds install --reinstall {key}`"
        )
    # Before any output: a mirror that cannot serve a build fails the listing, as in uv.
    urls: list[str | None] = [None] * len(rows)
    if args.json or args.show_urls:
        urls = _download_urls(rows, settings)
    out = sys.stdout
    if args.json:
        data = [
            row.to_json(flavour_of(row.build.url) if row.build else None, shown.get(row.key), url)
            for row, url in zip(rows, urls, strict=True)
        ]
        # Compact, as uv's `--output-format json`; pretty-printing is jq's job and takes the
        # stdlib's pure-Python encoder (half of `list --all-platforms --json`).
        out.write(json.dumps(data, separators=(",", ":")) + "\n")
        return 0
    if not rows:
        print(_nothing_listed(args, platform, layout.root, bool(installations)), file=sys.stderr)
        return 0
    width = max(len(row.key) for row in rows)
    build_width = max(len(row.build.build or "") if row.build else 0 for row in rows)
    for row, url in zip(rows, urls, strict=True):
        tag = (row.build.build if row.build else row.installation and row.installation.build) or ""
        if row.key in shown:
            where = str(shown[row.key]) + (
                " (broken: interpreter missing)" if row.key in broken else ""
            )
        elif args.show_urls and url is not None:
            where = url
        else:
            where = "<download available>"
        out.write(f"{row.key:<{width}}  {tag:<{build_width}}  {where}\n")
    return 0


def _nothing_listed(
    args: argparse.Namespace, platform: Platform, root: Path, installed: bool
) -> str:
    """Why the listing is empty, naming only the request the user typed, if any.

    `installed`: whether the root holds installations (for other platforms, then)."""
    if args.only_installed:
        if args.request is None:
            where = f"for {platform.key} in" if installed else "in"
            return f"no Python installations {where} {root}"
        return f"no installed Python matches `{args.request}` in {root}"
    if args.request is None:
        return f"no Python builds for {platform.key}"
    return f"no Python builds match `{args.request}` on {platform.key}"


def _download_urls(rows: list[ListRow], settings: Settings) -> list[str | None]:
    """Each row's download URL as an install would fetch it first (None for an installation
    the catalog lacks): on the mirror in force, else on Astral's copy of a PBS release, as
    `uv python list --show-urls` shows it.

    Raises:
        ConfigError: a mirror is set that cannot be used, or a catalog URL outside the
            prefix it replaces (uv then fails the whole listing too).
    """
    from tui.core.mirrors import download_urls, mirrors_from_settings
    from tui.core.redact import redact_url

    mirrors = mirrors_from_settings(settings)
    urls: list[str | None] = []
    for row in rows:
        build = row.build
        sources = (
            download_urls(build.url, mirrors, implementation=build.implementation) if build else []
        )
        urls.append(redact_url(sources[0][0]) if sources else None)
    return urls
