"""The text of each browse-table row and column, computed without Textual."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from tui.core import units
from tui.core.catalog import Build
from tui.core.layout import Installation
from tui.core.names import (
    Variant,
    install_arch,
    install_os,
    normalize_arch,
    normalize_os,
    variant_suffix,
)
from tui.core.versions import Version

RowState = Literal["available", "installed", "other-build", "installing"]

VARIANT_LABELS = {
    "default": "default",
    "freethreaded": "freethreaded",
    "debug": "debug",
    "freethreaded+debug": "ft+debug",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the browse table."""

    key: str
    label: str
    width: int
    """Width wanted for the widest value in the whole catalog."""
    min_width: int
    """Flexible columns shrink to this on narrow screens; others never shrink."""
    align: Literal["left", "right"] = "left"

    @property
    def flexible(self) -> bool:
        return self.min_width < self.width


@dataclass(frozen=True, slots=True)
class TableRow:
    """A build as the table shows it."""

    build: Build
    cells: tuple[str, ...]
    state: RowState


def format_size(size: int | None) -> str:
    """`31.2 MiB`-style size, or an empty string when unknown."""
    return "" if size is None else units.format_size(size)


def install_key_text(build: Build) -> str:
    """`str(build.install_key)` without building the record: listing checks it per build."""
    return _install_key_text(
        build.implementation, build.major, build.minor, build.patch, build.prerelease,
        build.variant, build.os, build.arch, build.arch_level, build.libc,
    )  # fmt: skip


@lru_cache(maxsize=16384)
def _install_key_text(
    implementation: str, major: int, minor: int, patch: int, prerelease: str,
    variant: Variant, os_name: str, arch: str, level: str | None, libc: str,
) -> str:  # fmt: skip
    suffix = variant_suffix(variant)
    return (
        f"{implementation}-{major}.{minor}.{patch}{prerelease}{suffix}-{install_os(os_name)}"
        f"-{install_arch(arch, level)}-{libc}"
    )


def installation_map(installations: Iterable[Installation]) -> dict[str, Installation]:
    """Installations by install key (`cpython-3.13.1-linux-x86_64-gnu`)."""
    return {str(installation.key): installation for installation in installations}


NOT_IN_CATALOG = "installed, not in the catalog"
"""The `source` of a row made from an installation the catalog has no build for."""


def in_catalog(build: Build) -> bool:
    """Whether `build` comes from the catalog (and so can be downloaded), not only from disk."""
    return build.source != NOT_IN_CATALOG


def installed_build(installation: Installation) -> Build | None:
    """A row for an installation the catalog does not list (a custom build, an old PyPy).

    It has no URL or checksum; None when the folder name does not hold a version.
    """
    key = installation.key
    try:
        version = Version.parse(key.version)
    except ValueError:
        return None
    os_name = normalize_os(key.os) or key.os
    arch, level = normalize_arch(key.arch) or (key.arch, None)
    build = Build(
        key=str(key),
        implementation=key.implementation,
        major=version.major,
        minor=version.minor,
        patch=version.patch,
        prerelease=version.prerelease,
        variant=key.variant,
        os=os_name,
        arch=arch,
        arch_level=level,
        libc=key.libc,
        url="",
        sha256=None,
        build=installation.build,
        source=NOT_IN_CATALOG,
    )
    # A spelling the catalog names cannot round-trip would file the row under another folder.
    return build if install_key_text(build) == str(key) else None


def installation_for(build: Build, installed: Mapping[str, Installation]) -> Installation | None:
    """The installation in `build`'s folder, whatever build it holds."""
    return installed.get(install_key_text(build))


def state_of(
    build: Build, installed: Mapping[str, Installation], installing: frozenset[str] = frozenset()
) -> RowState:
    """Whether `build` is installed, another build holds its folder, or it is installing."""
    key = install_key_text(build)
    if key in installing:
        return "installing"
    installation = installed.get(key)
    if installation is None:
        return "available"
    # uv's folder name has no build tag, so custom builds of one version share a folder.
    if installation.build is None or build.build is None or installation.build == build.build:
        return "installed"
    return "other-build"


def flavour_label(build: Build) -> str:
    """The archive flavour without the variant, which has its own column: `debug-full`."""
    return _flavour_of(build.url)


@lru_cache(maxsize=16384)
def _flavour_of(url: str) -> str:
    from tui.core.filenames import parse_asset_name

    try:
        flavour = parse_asset_name(url).flavour
    except ValueError:
        return ""
    for prefix in ("freethreaded-", "freethreaded+"):
        flavour = flavour.removeprefix(prefix)
    return flavour


def table_columns(builds: Iterable[Build], *, platform_column: bool) -> tuple[Column, ...]:
    """The table's columns, sized once for the whole catalog so they never jump while filtering."""
    impl = version = build = platform = 0
    # One cheap pass: this runs on the UI thread when the first rows appear.
    for b in builds:
        impl = max(impl, len(b.implementation))
        version = max(version, len(f"{b.major}.{b.minor}.{b.patch}{b.prerelease}"))
        build = max(build, len(b.build or ""))
        platform = max(platform, len(b.os) + len(b.arch) + len(b.libc) + 5)
    chosen = [
        Column("implementation", "Impl", max(impl, 4), max(impl, 4)),
        Column("version", "Version", max(version, 7), max(version, 7)),
        Column("variant", "Variant", 12, 8),
        Column("build", "Build", max(build, 5), 5),
        Column("flavour", "Flavour", 21, 7),
        Column("size", "Size", 8, 8, align="right"),
    ]
    if platform_column:
        chosen.append(Column("platform", "Platform", min(max(platform, 8), 24), 12))
    chosen.append(Column("installed", "Installed", 60, 5))
    return tuple(chosen)


def row_for(
    build: Build,
    table_columns: tuple[Column, ...],
    *,
    state: RowState,
    installation: Installation | None,
    flavour: str,
    size: int | None,
) -> TableRow:
    """Cells for `build` in the order of `table_columns`."""
    if state == "installing":
        installed_text = "installing…"
    elif state == "installed" and installation is not None:
        installed_text = f"✓ {installation.path}"
    elif state == "other-build" and installation is not None:
        installed_text = f"build {installation.build} installed"
    else:
        installed_text = ""
    values = {
        "implementation": build.implementation,
        "version": str(build.version),
        "variant": VARIANT_LABELS[build.variant],
        "build": build.build or "",
        "flavour": flavour,
        "size": format_size(size),
        "platform": build.platform_key,
        "installed": installed_text,
    }
    return TableRow(build, tuple(values[column.key] for column in table_columns), state)


def layout_widths(columns: Sequence[Column], available: int) -> list[int]:
    """Column widths for `available` cells: the rightmost flexible columns give way first.

    The installed path and the platform yield before the flavour and the variant, since the
    details panel repeats the path; the last column takes any spare width.

    Args:
        columns: The table's columns.
        available: Cells on a line, including one space between columns.

    Returns:
        One width per column.
    """
    widths = [column.width for column in columns]
    excess = sum(widths) + max(len(columns) - 1, 0) - available
    for index in reversed(range(len(columns))):
        if excess <= 0:
            break
        give = min(excess, widths[index] - columns[index].min_width)
        widths[index] -= give
        excess -= give
    if excess < 0 and widths:
        widths[-1] += -excess
    return widths
