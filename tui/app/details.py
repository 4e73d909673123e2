"""Everything the details panel says about one build, computed without Textual."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from tui.app.rows import RowState, in_catalog
from tui.core.catalog import Build
from tui.core.errors import PybuildsError
from tui.core.layout import Installation, Layout
from tui.core.mirrors import MirrorSettings
from tui.core.redact import redact_text, redact_url


class Source(NamedTuple):
    """One place an install downloads from, in the order it tries them."""

    url: str
    """Credentials hidden."""
    origin: str | None
    """The setting that chose it (`UV_PYTHON_INSTALL_MIRROR`, a uv.toml path, `Astral's
    mirror`…); None for the catalog's own URL."""


@dataclass(frozen=True, slots=True)
class BuildDetails:
    """The details panel's content for one build."""

    key: str
    """uv's installation key."""
    sources: tuple[Source, ...]
    """Where an install downloads from, in order: the next is tried when one fails."""
    url_problem: str | None
    """Why an install cannot download this build as set up, when it cannot."""
    sha256: str | None
    source: str
    """The catalog the build comes from."""
    flavour: str
    """The flavour an install fetches: the catalog entry's, or `default-flavour`."""
    catalog_flavour: str
    """The flavour the catalog entry points at."""
    flavours: tuple[str, ...]
    """Every flavour published for the same release and platform."""
    path: Path
    installed: str
    """`installed, build 20250115`, `not installed`…"""

    @property
    def url(self) -> str:
        """The first URL an install tries ("" when there is none)."""
        return self.sources[0].url if self.sources else ""

    @property
    def mirror(self) -> str | None:
        """The setting that chose the first URL."""
        return self.sources[0].origin if self.sources else None


def download_sources(
    build: Build, mirrors: MirrorSettings, flavour: str | None = None
) -> tuple[tuple[Source, ...], str | None]:
    """Where an install of `build` (as `flavour`) downloads from, in order, or why it cannot.

    As `pybuilds install` picks them (`tui.core.sources.resolve_urls`): a mirror the user set
    alone; without one, Astral's mirror of the PBS releases first and GitHub after it; the
    base in `UV_ASTRAL_MIRROR_URL` alone.

    Returns:
        The redacted URLs with the setting that chose each, and a problem or None.
    """
    from tui.core.sources import resolve_urls

    try:
        urls, _ = resolve_urls(build, flavour, mirrors)
    except PybuildsError as error:
        return (Source(build.display_url, None),), redact_text(str(error))
    return tuple(Source(redact_url(url), origin) for url, origin in urls), None


def install_flavour(flavour: str, flavours: tuple[str, ...], preferred: str | None) -> str | None:
    """The flavour an install picks unless told otherwise: `default-flavour` when the release
    has it, else None for the catalog's own (as the install dialog starts out)."""
    if preferred and preferred != flavour and preferred in flavours:
        return preferred
    return None


def release_flavours(build: Build) -> tuple[str, tuple[str, ...]]:
    """The entry's flavour and every flavour PBS published for its release and platform."""
    from tui.core.filenames import flavours_of_release, parse_asset_name

    try:
        asset = parse_asset_name(build.url)
    except ValueError:
        return "", ()
    try:
        return asset.flavour, tuple(flavours_of_release(asset))
    except ValueError:
        # PyPy, GraalPy and pre-2022 PBS names come in one form only.
        return asset.flavour, ()


def describe(
    build: Build,
    *,
    mirrors: MirrorSettings,
    layout: Layout,
    state: RowState,
    installation: Installation | None,
    preferred_flavour: str | None = None,
) -> BuildDetails:
    """What the details panel shows for `build`.

    Args:
        build: The highlighted build.
        mirrors: The mirror settings in force.
        layout: The managed-Python folder.
        state: Whether it is installed, installing…
        installation: What its folder holds, if anything.
        preferred_flavour: The `default-flavour` setting.
    """
    if in_catalog(build):
        catalog_flavour, flavours = release_flavours(build)
        chosen = install_flavour(catalog_flavour, flavours, preferred_flavour)
        sources, problem = download_sources(build, mirrors, chosen)
        flavour = chosen or catalog_flavour
    else:
        sources, flavour, catalog_flavour, flavours = (), "", "", ()
        problem = "not in the catalog: pybuilds can uninstall it, not download it again"
    key = str(build.install_key)
    if state == "installed":
        tag = installation.build if installation else None
        installed = f"installed, build {tag}" if tag else "installed"
    elif state == "other-build" and installation is not None:
        installed = f"build {installation.build} installed here; installing replaces it"
    elif state == "installing":
        installed = "installing…"
    else:
        installed = "not installed"
    return BuildDetails(
        key=key,
        sources=sources,
        url_problem=problem,
        sha256=build.sha256,
        source=build.source,
        flavour=flavour,
        catalog_flavour=catalog_flavour,
        flavours=flavours,
        path=installation.path if installation else layout.root / key,
        installed=installed,
    )
