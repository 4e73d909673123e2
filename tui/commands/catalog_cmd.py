"""`pybuilds catalog`: show, refresh or reset the catalog of downloadable builds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.commands.common import add_catalog_arguments

if TYPE_CHECKING:
    from tui.core.catalog_source import CacheUpdate
    from tui.core.config import Settings


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


def run(args: argparse.Namespace) -> int:
    from tui.commands.settings import settings_from_args
    from tui.core import catalog_source
    from tui.core.catalog_embedded import EMBEDDED_SOURCE, embedded_origin

    if args.action == "reset":
        removed = catalog_source.clear_cache()
        print("cached catalog removed" if removed else "no cached catalog; using the embedded one")
        return 0
    settings = settings_from_args(args)
    location = settings.get("python-downloads-json-url")
    if args.action == "update":
        if args.source is not None and not args.source.strip():
            from tui.core.errors import UsageError

            raise UsageError("--from: give a path or URL of a download-metadata.json")
        source = args.source or location or UPSTREAM_CATALOG
        saved = catalog_source.update_cache(source)
        count = "1 build" if saved.builds == 1 else f"{saved.builds:,} builds"
        print(f"catalog updated: {count}, saved to {saved.path}")
        _note_uv_after_update(settings, source, saved)
        return 0
    loaded = catalog_source.load_catalog(location)
    print(f"source: {loaded.source}")
    if location:
        print(f"  set by: {settings.setting('python-downloads-json-url').origin}")
    if loaded.source == EMBEDDED_SOURCE:
        print(f"  {embedded_origin()}")
    elif not location:
        print(f"  {UV_IGNORES_CACHE}: {set_catalog_command(loaded.source)}")
    print(f"builds: {len(loaded.builds)}")
    if loaded.builds:
        tags = sorted({b.build for b in loaded.builds if b.build and b.build.isdigit()})
        if tags:
            print(f"newest PBS release: {tags[-1]}")
    return 0


UV_IGNORES_CACHE = (
    "uv does not read pybuilds' cached catalog: it keeps its own built-in one unless "
    "python-downloads-json-url is set, so uv may pick other builds; to make uv use this one"
)


def set_catalog_command(location: str) -> str:
    """The command that points uv (and pybuilds) at `location`."""
    from tui.core.nearmiss import shell_quote
    from tui.core.redact import redact_url

    # uv reads a plain path as given, so make it absolute: a relative one follows the cwd.
    value = redact_url(location) if "://" in location else shell_quote(Path(location).absolute())
    return f"pybuilds config set python-downloads-json-url {value}"


def _note_uv_after_update(settings: Settings, source: str, saved: CacheUpdate) -> None:
    """`catalog update` changes pybuilds' choices only: say what uv reads instead."""
    setting = settings.setting("python-downloads-json-url")
    if setting.value:
        readers = "pybuilds reads" if saved.gzipped else "pybuilds and uv read"
        note = (
            f"python-downloads-json-url is set (by {setting.origin}): {readers} that "
            "catalog, not this cache"
        )
        if saved.gzipped:
            note += "; uv cannot read it, as it is gzipped"
    elif saved.gzipped:
        # uv says "Unable to parse the JSON Python download list": point it at the copy.
        note = (
            f"{UV_IGNORES_CACHE}, which pybuilds saved uncompressed (uv cannot read a gzipped "
            f"catalog): {set_catalog_command(str(saved.path))}"
        )
    else:
        note = f"{UV_IGNORES_CACHE}: {set_catalog_command(source)}"
    print(f"note: {note}", file=sys.stderr)
