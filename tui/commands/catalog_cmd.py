"""`pybuilds catalog`: show, refresh or reset the catalog of downloadable builds."""

from __future__ import annotations

import argparse
from typing import Any

from tui.commands.common import add_catalog_arguments


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "catalog",
        help="show or refresh the download catalog",
        description="Without an action, say which catalog is in use and how many builds it has.",
    )
    add_catalog_arguments(parser)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    update = actions.add_parser(
        "update",
        help="replace the cached catalog with a newer one (validated first)",
        description="Fetch a uv-format download-metadata.json, check it, and make it the "
        "default catalog for pybuilds.",
    )
    update.add_argument(
        "--from",
        dest="source",
        metavar="PATH|URL",
        help="a path, file:// or http(s) URL of a download-metadata.json (default: the "
        "python-downloads-json-url setting, else uv's published catalog)",
    )
    actions.add_parser("reset", help="forget the cached catalog and use the embedded one")
    parser.set_defaults(run=run)


# uv publishes its catalog in its repository; this is where `uv` itself reads it from.
UPSTREAM_CATALOG = (
    "https://raw.githubusercontent.com/astral-sh/uv/main/crates/uv-python/download-metadata.json"
)


def _default_update_source(args: argparse.Namespace) -> str:
    from tui.commands.settings import settings_from_args

    return settings_from_args(args).get("python-downloads-json-url") or UPSTREAM_CATALOG


def run(args: argparse.Namespace) -> int:
    from tui.core import catalog_source
    from tui.core.catalog_embedded import EMBEDDED_SOURCE, embedded_origin

    if args.action == "update":
        source = args.source or _default_update_source(args)
        path, count = catalog_source.update_cache(source)
        print(f"catalog updated: {count} builds, saved to {path}")
        return 0
    if args.action == "reset":
        removed = catalog_source.clear_cache()
        print("cached catalog removed" if removed else "no cached catalog; using the embedded one")
        return 0
    from tui.commands.settings import settings_from_args

    settings = settings_from_args(args)
    location = settings.get("python-downloads-json-url")
    loaded = catalog_source.load_catalog(location)
    print(f"source: {loaded.source}")
    if location:
        print(f"  set by: {settings.setting('python-downloads-json-url').origin}")
    if loaded.source == EMBEDDED_SOURCE:
        print(f"  {embedded_origin()}")
    print(f"builds: {len(loaded.builds)}")
    if loaded.builds:
        tags = sorted({b.build for b in loaded.builds if b.build and b.build.isdigit()})
        if tags:
            print(f"newest PBS release: {tags[-1]}")
    return 0
