"""Everything the details panel says about one build, computed without Textual."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tui.app.rows import RowState, in_catalog
from tui.core.catalog import Build
from tui.core.errors import PybuildsError
from tui.core.layout import Installation, Layout
from tui.core.mirrors import MirrorSettings, rewrite_url
from tui.core.redact import redact_text, redact_url


@dataclass(frozen=True, slots=True)
class BuildDetails:
    """The details panel's content for one build."""

    key: str
    """uv's installation key."""
    url: str
    """Where an install fetches from, after the mirror; credentials hidden."""
    mirror: str | None
    """The setting that chose the mirror (`UV_PYTHON_INSTALL_MIRROR`, a uv.toml path…)."""
    url_problem: str | None
    """Why the mirror cannot serve this build, when it cannot."""
    sha256: str | None
    source: str
    """The catalog the build comes from."""
    flavour: str
    """The flavour the catalog entry points at."""
    flavours: tuple[str, ...]
    """Every flavour published for the same release and platform."""
    path: Path
    installed: str
    """`installed, build 20250115`, `not installed`…"""


def mirrored_url(build: Build, mirrors: MirrorSettings) -> tuple[str, str | None, str | None]:
    """(redacted URL to fetch, mirror setting or None, problem or None) for `build`."""
    try:
        url, origin = rewrite_url(build.url, mirrors, implementation=build.implementation)
    except PybuildsError as error:
        return build.display_url, None, redact_text(str(error))
    return redact_url(url), origin, None


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
) -> BuildDetails:
    """What the details panel shows for `build`."""
    if in_catalog(build):
        url, origin, problem = mirrored_url(build, mirrors)
        flavour, flavours = release_flavours(build)
    else:
        url, origin, flavour, flavours = "", None, "", ()
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
        url=url,
        mirror=origin,
        url_problem=problem,
        sha256=build.sha256,
        source=build.source,
        flavour=flavour,
        flavours=flavours,
        path=installation.path if installation else layout.root / key,
        installed=installed,
    )
