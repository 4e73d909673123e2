"""Turn settings into a catalog and an install layout."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.catalog_embedded import Scope
from tui.core.catalog_source import LoadedCatalog, load_catalog
from tui.core.layout import Layout

if TYPE_CHECKING:
    from tui.core.config import Settings


def load_builds(settings: Settings, *, scope: Scope | None = None) -> LoadedCatalog:
    """The catalog chosen by `python-downloads-json-url` (flag, env or config), else the default;
    only builds for `scope` (os, libc) when given."""
    return load_catalog(settings.get("python-downloads-json-url"), scope=scope)


def layout_from(settings: Settings) -> Layout:
    """uv's install root and bin dir, honouring `--install-dir`/`UV_PYTHON_INSTALL_DIR` and
    `--bin-dir`/`UV_PYTHON_BIN_DIR`."""
    return Layout(settings.install_dir(), settings.bin_dir())
