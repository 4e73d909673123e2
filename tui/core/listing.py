"""Which builds and installations `pybuilds list` shows, with uv's defaults."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from tui.core.catalog import Build, uv_order
from tui.core.layout import Installation
from tui.core.platform import Platform
from tui.core.requests import Request
from tui.core.versions import prerelease_rank


class ListOptions(NamedTuple):
    only_installed: bool = False
    only_downloads: bool = False
    all_versions: bool = False
    """Every patch version, not only the newest of each minor."""
    all_platforms: bool = False
    all_arches: bool = False
    show_debug: bool = False
    """uv never lists debug downloads; pybuilds does when asked or when the request names debug."""


_DEFAULT_OPTIONS = ListOptions()


class ListRow(NamedTuple):
    """One line of the listing: a download, an installation, or both for the same key."""

    key: str
    build: Build | None
    installation: Installation | None

    def is_broken(self) -> bool:
        """Whether this is an installation whose interpreter is missing (see `has_interpreter`)."""
        return self.installation is not None and not self.installation.has_interpreter()

    def to_json(
        self, flavour: str | None = None, executable: Path | None = None, url: str | None = None
    ) -> dict[str, Any]:
        """`executable`: the path to show for an installation, if not its own executable;
        `url`: the download's URL to show (on a mirror), if not the catalog's."""
        build, inst = self.build, self.installation
        if build is not None:
            implementation, version, variant = (
                build.implementation,
                str(build.version),
                build.variant,
            )
            os_name, arch, libc = build.os, build.install_key.arch, build.libc
        else:
            assert inst is not None
            key = inst.key
            implementation, version, variant = key.implementation, key.version, key.variant
            os_name, arch, libc = key.os, key.arch, key.libc
        return {
            "key": self.key,
            "implementation": implementation,
            "version": version,
            "variant": variant,
            "os": os_name,
            "arch": arch,
            "libc": libc,
            "build": build.build if build else inst.build if inst else None,
            "flavour": flavour,
            "url": url or (build.display_url if build else None),
            "sha256": build.sha256 if build else None,
            "installed": inst is not None,
            "broken": self.is_broken(),
            "path": str(executable or inst.executable) if inst else None,
            "source": build.source if build else "installed",
        }


def _download_matches(
    build: Build, request: Request, platform: Platform, options: ListOptions, prereleases: bool
) -> bool:
    if options.all_platforms or (options.all_arches and request.arch is None):
        same_os = (build.os, build.libc) == (platform.os, platform.libc)
        if not options.all_platforms and not same_os:
            return False
        # Judge the build as if on its own platform: every platform (or arch) is shown.
        host = Platform(build.os, build.arch, build.libc, build.arch_level)
        return request.matches(build, host, prereleases=prereleases or None)
    return request.matches(build, platform, prereleases=prereleases or None)


def list_rows(
    builds: Sequence[Build],
    installations: Iterable[Installation],
    request: Request,
    platform: Platform,
    options: ListOptions = _DEFAULT_OPTIONS,
) -> list[ListRow]:
    """Rows newest first: installed ones always, downloads filtered like `uv python list`."""
    installed = {
        str(inst.key): inst
        for inst in installations
        if options.all_platforms or request.matches_installation(inst, platform)
    }
    downloads: list[Build] = []
    if not options.only_installed:
        show_debug = options.show_debug or (request.variant or "").endswith("debug")
        shown = [b for b in builds if show_debug or not b.variant.endswith("debug")]
        candidates = [b for b in shown if _download_matches(b, request, platform, options, False)]
        if not candidates and not request.allows_prereleases:
            # As when installing: `3.15` falls back to 3.15.0rc1 while no final exists.
            candidates = [
                b for b in shown if _download_matches(b, request, platform, options, True)
            ]
        downloads = _pick_downloads(candidates, platform, options)
    rows: list[ListRow] = []
    seen: set[str] = set()
    for build in downloads:
        key = str(build.install_key)
        inst = installed.get(key)
        if inst is not None and build.build is not None and inst.build not in (None, build.build):
            inst = None  # another build of the same key is installed; it gets its own row
        if options.only_downloads and inst is not None:
            inst = None
        rows.append(ListRow(key, build, inst))
        if inst is not None:
            seen.add(key)
    if not options.only_downloads:
        rows.extend(ListRow(k, None, i) for k, i in installed.items() if k not in seen)
    rows.sort(key=_row_order, reverse=True)
    return rows


def _row_order(row: ListRow) -> tuple[Any, ...]:
    if row.build is not None:
        return (*row.build.sort_key(), row.installation is not None)
    assert row.installation is not None
    # An installation the catalog does not list sorts among the builds as one of them would.
    key = row.installation.key
    order = uv_order(
        key.implementation,
        row.installation.version,
        row.installation.build,
        baseline_arch="_v" not in key.arch,
        variant=key.variant,
    )
    return (*order, True)


def _release(build: Build) -> tuple[str, int, int, int]:
    return (build.implementation, build.major, build.minor, build.patch)


def _version_key(build: Build) -> tuple[int, ...]:
    # Cheaper than Build.version, which makes a Version per call; this runs per build.
    return (build.major, build.minor, build.patch, *prerelease_rank(build.prerelease))


def _identity(build: Build) -> tuple[Any, ...]:
    """A build apart from its arch: arch variants of one build share it."""
    return (*_release(build), build.prerelease, build.build, build.variant, build.os, build.libc)


def _pick_downloads(
    candidates: list[Build], platform: Platform, options: ListOptions
) -> list[Build]:
    """Newest patch of each minor (all patches with --all-versions), hiding superseded
    pre-releases, and one arch per platform unless --all-arches/--all-platforms.

    Custom builds of one version (`3.13.1` as builds 40 and 45) are never collapsed.
    """
    every_arch = options.all_arches or options.all_platforms
    if not every_arch:
        # Keep the preferred arch of each build: the x86-64 level the CPU runs best.
        arches = platform.runnable_arches()
        rank = {pair: index for index, pair in enumerate(arches)}

        def arch_rank(build: Build) -> int:
            return rank.get((build.arch, build.arch_level), len(arches))

        best: dict[tuple[Any, ...], Build] = {}
        for build in candidates:
            current = best.get(identity := _identity(build))
            if current is None or arch_rank(build) < arch_rank(current):
                best[identity] = build
        candidates = [b for b in candidates if best[_identity(b)] is b]
    # A pre-release is hidden once its final exists, and behind a later pre-release.
    finals = {_release(b) for b in candidates if not b.prerelease}
    newest_pre: dict[tuple[str, int, int, int], tuple[Any, ...]] = {}
    for b in candidates:
        if b.prerelease and _version_key(b) > newest_pre.get(_release(b), ()):
            newest_pre[_release(b)] = _version_key(b)
    kept = [
        b
        for b in candidates
        if not b.prerelease
        or (_release(b) not in finals and newest_pre[_release(b)] == _version_key(b))
    ]
    if options.all_versions:
        return kept

    def group(b: Build) -> tuple[Any, ...]:
        # Without --all-arches the arch was already chosen: an old patch that exists only for
        # the baseline arch must not show up beside the newest one for the preferred level.
        arch = b.platform_key if every_arch else (b.os, b.libc)
        return (b.implementation, b.major, b.minor, b.variant, arch)

    newest: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for b in kept:
        if _version_key(b) > newest.get(key := group(b), ()):
            newest[key] = _version_key(b)
    return [b for b in kept if newest[group(b)] == _version_key(b)]
