"""Which catalog builds the browse table shows: toggles, platform and filter text (no Textual)."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import itemgetter
from types import MappingProxyType

from tui.app.filter_terms import haystack, term
from tui.app.rows import Column, install_key_text, installed_build, table_columns
from tui.core.catalog import Build
from tui.core.layout import Installation
from tui.core.platform import Platform
from tui.core.versions import Version, build_sort_key

_VARIANT_RANK = {"default": 0, "freethreaded": 1, "debug": 2, "freethreaded+debug": 3}
_IMPL_RANK = {"cpython": 0, "pypy": 1, "graalpy": 2, "pyodide": 3}
_NONE_INSTALLED: Mapping[str, Installation] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ViewOptions:
    """What the user asked the table to show."""

    text: str = ""
    """Filter text: whitespace-separated tokens that must all match."""
    all_patches: bool = False
    """Every patch version, not only the newest of each minor (installed ones always show)."""
    prereleases: bool = False
    variants: bool = False
    """Free-threaded and debug builds besides the default one."""
    other_implementations: bool = False
    """PyPy, GraalPy and Pyodide besides CPython."""
    installed_only: bool = False
    """Only installed builds (all of them, whatever the other toggles)."""
    all_platforms: bool = False
    """Every platform in the catalog instead of the one being browsed."""

    def widened(self) -> ViewOptions:
        """The options in force once the filter text has had its say.

        Typing `pypy`, `3.13t`, `cp313t`, `rc` or `3.12-linux-musl` asks for builds the toggles
        hide; rather than showing nothing, the filter turns the toggles the parsed words need
        on for as long as they are typed.
        """
        wanted: set[str] = set()
        for token in self.text.lower().split():
            wanted |= term(token).widens
        if not wanted:
            return self
        return replace(
            self,
            variants=self.variants or "variants" in wanted,
            other_implementations=self.other_implementations or "other_implementations" in wanted,
            prereleases=self.prereleases or "prereleases" in wanted,
            all_platforms=self.all_platforms or "all_platforms" in wanted,
        )


def display_order(build: Build) -> tuple[object, ...]:
    """Newest version first, then CPython first, default variant first, newest build first."""
    return (
        -build.major,
        -build.minor,
        -build.patch,
        _newest_first(build.prerelease),
        _IMPL_RANK.get(build.implementation, 9),
        _VARIANT_RANK[build.variant],
        _newest_first(build.build or ""),
        build.os,
        build.arch,
        build.arch_level or "",
        build.libc,
    )


@lru_cache(maxsize=4096)
def _newest_first(text: str) -> tuple[int, ...]:
    """A descending key for a pre-release (`rc1`; `` is final, after all of them) or a build.

    Few distinct values exist, so caching makes sorting the whole catalog cheap.
    """
    if not text:
        return (-9,)
    if text[0].isalpha():
        return tuple(-part for part in Version(0, 0, 0, text).sort_key()[3:])
    return tuple(-part for part in build_sort_key(text)[1])


@dataclass(frozen=True, slots=True)
class Selection:
    """The builds to show and what the filter text changed."""

    builds: tuple[Build, ...]
    effective: ViewOptions
    """The options after the filter text widened them."""


class BuildIndex:
    """The catalog in display order with precomputed search text, filtered many times.

    Everything here is pure and thread-safe, so a worker can filter while the UI runs.
    """

    def __init__(self, builds: Iterable[Build]) -> None:
        self.builds: tuple[Build, ...] = tuple(sorted(builds, key=display_order))
        self._haystack_cache: tuple[str, ...] | None = None
        self._token_cache: dict[str, frozenset[int]] = {}
        self._columns: dict[bool, tuple[Column, ...]] = {}
        self._by_install_key: dict[str, list[int]] | None = None
        self._cpython_platforms: dict[str, bool] = {}
        self.columns(platform_column=False)

    def columns(self, *, platform_column: bool) -> tuple[Column, ...]:
        """The table's columns for this catalog (computed once, in the loading worker)."""
        found = self._columns.get(platform_column)
        if found is None:
            found = self._columns[platform_column] = table_columns(
                self.builds, platform_column=platform_column
            )
        return found

    @property
    def _haystacks(self) -> tuple[str, ...]:
        # Built on the first typed filter, not at start-up: the first screen needs none.
        if self._haystack_cache is None:
            self._haystack_cache = tuple(haystack(build) for build in self.builds)
        return self._haystack_cache

    def __len__(self) -> int:
        return len(self.builds)

    def select(
        self,
        options: ViewOptions,
        platform: Platform,
        installed: Mapping[str, Installation] = _NONE_INSTALLED,
        *,
        host: Platform | None = None,
    ) -> Selection:
        """The builds `options` asks for, in display order.

        Every installation the filter text matches is listed whatever the toggles: browsing
        this machine (`host`) or all platforms, all of them; another platform, those it runs.
        One the catalog lacks gets a row of its own (`rows.installed_build`).

        Args:
            options: Toggles and filter text.
            platform: The platform being browsed (ignored when showing all platforms).
            installed: Installations on disk by install key (`str(build.install_key)`).
            host: This machine, whose installations all show when it is the one browsed.

        Returns:
            The matching builds and the options as widened by the filter text.
        """
        effective = options.widened()
        matching = self._text_matches(options.text, platform)
        arches = platform.runnable_arches()
        narrow = not (effective.all_platforms or effective.other_implementations)
        if narrow and not self._has_cpython(platform, arches):
            # Pyodide is all there is for emscripten: show it rather than nothing.
            effective = replace(effective, other_implementations=True)
        candidates: list[tuple[float, Build]] = []
        if not effective.installed_only:
            prereleases: list[tuple[float, Build]] = []
            for index, build in enumerate(self.builds):
                if matching is not None and index not in matching:
                    continue
                if not effective.other_implementations and build.implementation != "cpython":
                    continue
                if not effective.variants and build.variant != "default":
                    continue
                if not effective.all_platforms and not _runs_on(build, platform, arches):
                    continue
                if not effective.prereleases and build.prerelease:
                    prereleases.append((index, build))
                    continue
                candidates.append((index, build))
            if not candidates and prereleases:
                # As uv: when only pre-releases match (`3.15` before 3.15.0 is out), show them.
                candidates = prereleases
                effective = replace(effective, prereleases=True)
            if not effective.all_platforms:
                candidates = _best_arch_only(candidates, arches, installed)
            if not effective.all_patches:
                candidates = _newest_patches(candidates, effective.all_platforms)
        if installed:
            everywhere = effective.all_platforms or (host is not None and platform.key == host.key)
            shown = {position for position, _ in candidates}
            rows = self._installed_rows(installed, matching, options.text, platform)
            for position, build in rows:
                if position not in shown and (everywhere or _runs_on(build, platform, arches)):
                    # A few rows into thousands: inserting beats sorting them all again.
                    insort(candidates, (position, build), key=itemgetter(0))
        return Selection(tuple(build for _, build in candidates), effective)

    def _installed_rows(
        self,
        installed: Mapping[str, Installation],
        matching: frozenset[int] | None,
        text: str,
        platform: Platform,
    ) -> list[tuple[float, Build]]:
        """One row per installation the filter text matches, with its place in the order.

        A catalog build of the installed release is the row (the one with its build tag if
        listed); an installation the catalog lacks gets a row of its own, placed between
        catalog positions.
        """
        by_key = self._installed_key_index()
        rows: list[tuple[float, Build]] = []
        extras: list[Build] = []
        for key, installation in installed.items():
            indices = by_key.get(key)
            if not indices:
                extra = installed_build(installation)
                if extra is not None:
                    extras.append(extra)
                continue
            index = next(
                (i for i in indices if self.builds[i].build == installation.build), indices[0]
            )
            if matching is None or index in matching:
                rows.append((index, self.builds[index]))
        if extras:
            others = BuildIndex(extras)
            found = others._text_matches(text, platform)
            for number, build in enumerate(others.builds):
                if found is None or number in found:
                    place = bisect_left(self.builds, display_order(build), key=display_order)
                    rows.append((place - 0.5, build))
        return rows

    def _has_cpython(self, platform: Platform, arches: tuple[tuple[str, str | None], ...]) -> bool:
        """Whether any CPython build runs on `platform` (remembered per platform)."""
        found = self._cpython_platforms.get(platform.key)
        if found is None:
            found = self._cpython_platforms[platform.key] = any(
                build.implementation == "cpython" and _runs_on(build, platform, arches)
                for build in self.builds
            )
        return found

    def _installed_key_index(self) -> dict[str, list[int]]:
        """Catalog positions by install key, made once (only when something is installed)."""
        if self._by_install_key is None:
            by_key: dict[str, list[int]] = {}
            for index, build in enumerate(self.builds):
                by_key.setdefault(install_key_text(build), []).append(index)
            self._by_install_key = by_key
        return self._by_install_key

    def _text_matches(self, text: str, platform: Platform) -> frozenset[int] | None:
        tokens = text.lower().split()
        if not tokens:
            return None
        result: frozenset[int] | None = None
        for token in tokens:
            found = self._token_cache.get(token)
            if found is None:
                found = frozenset(self._match_token(token))
                if len(self._token_cache) > 256:
                    self._token_cache.clear()
                self._token_cache[token] = found
            result = found if result is None else result & found
        return result

    def _match_token(self, token: str) -> Iterable[int]:
        found = term(token)
        if found.kind == "word":
            # Plain words are the common case while typing: search the precomputed text.
            text = found.text
            return (index for index, hay in enumerate(self._haystacks) if text in hay)
        return found.indices(self.builds)


def _runs_on(build: Build, platform: Platform, arches: tuple[tuple[str, str | None], ...]) -> bool:
    """Whether `build` is for `platform`: its OS and libc, and an arch it runs."""
    return (
        build.os == platform.os
        and build.libc == platform.libc
        and (build.arch, build.arch_level) in arches
    )


def _best_arch_only(
    candidates: list[tuple[float, Build]],
    arches: tuple[tuple[str, str | None], ...],
    installed: Container[str],
) -> list[tuple[float, Build]]:
    """One row per release: the installed build, else the best arch this platform runs.

    uv installs the baseline x86-64 build, so on an x86-64-v4 machine the installed row is
    often not the v4 one the list would otherwise pick.
    """
    rank = {pair: position + 1 for position, pair in enumerate(arches)}
    best: dict[tuple[object, ...], int] = {}
    ranked: list[int] = []
    for _, build in candidates:
        release = (build.implementation, build.version, build.variant, build.build)
        if installed and install_key_text(build) in installed:
            arch_rank = 0
        else:
            arch_rank = rank[(build.arch, build.arch_level)]
        ranked.append(arch_rank)
        if arch_rank < best.get(release, len(rank) + 1):
            best[release] = arch_rank
    return [
        (index, build)
        for (index, build), arch_rank in zip(candidates, ranked, strict=True)
        if best[(build.implementation, build.version, build.variant, build.build)] == arch_rank
    ]


def _newest_patches(
    candidates: list[tuple[float, Build]], per_platform: bool
) -> list[tuple[float, Build]]:
    """The newest build of each minor version and variant (installed ones are added later).

    With every platform listed, that is per platform; for one platform the arches it runs
    count as one, so an old baseline-only release does not show beside a newer x86-64-v3 one.
    """
    seen: set[tuple[object, ...]] = set()
    kept = []
    for index, build in candidates:
        where = build.platform_key if per_platform else build.os
        group = (build.implementation, build.major, build.minor, build.variant, where)
        if group not in seen:
            seen.add(group)
            kept.append((index, build))
    return kept
