"""Parsed Python requests and how they match builds and installations (select, find)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from functools import lru_cache
from typing import Literal, NamedTuple

from tui.core.catalog import Build
from tui.core.catalog_embedded import Scope
from tui.core.layout import Installation
from tui.core.names import (
    IMPLEMENTATION_RANK,
    VARIANTS,
    Variant,
    install_arch,
    install_os,
    normalize_arch,
    normalize_os,
)
from tui.core.platform import Platform
from tui.core.versions import Version, build_sort_key

Operator = Literal["==", "!=", "<", "<=", ">", ">=", "~="]
Arch = tuple[str, str | None]

# The only libc builds for an OS have: used when a request names an OS other than the host's.
_OS_LIBC = {"darwin": "none", "windows": "none", "emscripten": "musl", "linux": "gnu"}


class Specifier(NamedTuple):
    """One PEP 440 clause of a version range: `>=3.12`, `==3.12.*`, `~=3.11.0`."""

    operator: Operator
    release: tuple[int, ...]
    """One to three numbers; missing ones count as 0 (`==3.12` is `==3.12.0`)."""
    prerelease: str = ""
    wildcard: bool = False
    """`.*` after the release: a prefix match (only with `==` and `!=`)."""

    def __str__(self) -> str:
        star = ".*" if self.wildcard else ""
        return f"{self.operator}{'.'.join(map(str, self.release))}{star}{self.prerelease}"

    def contains(self, version: Version) -> bool:
        numbers = (version.major, version.minor, version.patch)
        if self.wildcard:
            inside = numbers[: len(self.release)] == self.release
            return inside if self.operator == "==" else not inside
        padded = (*self.release, 0, 0)[:3]
        target = Version(padded[0], padded[1], padded[2], self.prerelease)
        op = self.operator
        if op == "~=":
            prefix = self.release[:-1]
            return version >= target and numbers[: len(prefix)] == prefix
        if op in ("==", "!="):
            return (version == target) == (op == "==")
        if op == "<":
            # PEP 440: `<3.15` must not admit 3.15.0rc1 unless the bound is a pre-release itself.
            pre_of_target = bool(version.prerelease) and numbers == padded
            return version < target and (bool(self.prerelease) or not pre_of_target)
        if op == "<=":
            return version <= target
        if op == ">":
            return version > target
        return version >= target


class _Target(NamedTuple):
    """A request's platform parts resolved against a host; None = any."""

    os: str | None
    arches: tuple[Arch, ...] | None
    libc: str | None
    platform: Platform
    host: tuple[Arch, ...]
    """The host's runnable arches, best first: the preference among matches."""


class Request(NamedTuple):
    """A parsed Python request: what to install, list or find."""

    text: str
    """What the user typed."""
    implementation: str | None = None
    """`cpython`, `pypy`, `graalpy`, `pyodide`; None for any (CPython wins by catalog order)."""
    variant: Variant | None = None
    """None when not given: `matches` accepts every variant, while `select_build` takes the
    default one (as uv installs `3.13` without free-threading). `+gil` gives `default`."""
    os: str | None = None
    """Catalog spelling (`darwin`); None = the host's (see `any_os`)."""
    arch: Arch | None = None
    """(family, level) in catalog spelling: `x86_64` is the baseline only, `x86_64_v3` exactly v3;
    None = any arch the host runs, the best x86-64 level it supports preferred."""
    libc: str | None = None
    """None = the host's, or the only libc of the OS the request names."""
    any_os: bool = False
    """The OS part was given as `any`; likewise `any_arch` and `any_libc`."""
    any_arch: bool = False
    any_libc: bool = False
    allows_prereleases: bool = False
    """`any`, or a pre-release in the version part (`3.14rc1`, `>=3.15.0b1`)."""
    release: tuple[int, ...] = ()
    """Version prefix: () any, (3,), (3, 12) or (3, 12, 3); `3.12.3` means that final release."""
    prerelease: str = ""
    """`rc1` for `3.14rc1` / `3.14.0rc1` (X.Y alone means X.Y.0)."""
    specifiers: tuple[Specifier, ...] = ()
    """A version range (`>=3.12,<3.13`); all must hold. Exclusive with `release`."""

    @property
    def pins_patch(self) -> bool:
        """Names one release (`3.12.3`, `3.14rc1`, `==3.12.3`), not a minor version or range:
        uv then prints an installation's own path rather than its minor-version folder's."""
        if self.release:
            return len(self.release) == 3 or bool(self.prerelease)
        return any(
            s.operator == "==" and not s.wildcard and len(s.release) == 3 for s in self.specifiers
        )

    @property
    def any_platform(self) -> bool:
        return self.any_os or self.any_arch or self.any_libc

    @property
    def version_text(self) -> str:
        """The version part without the variant: `3.12`, `3.14rc1`, `>=3.12,<3.13`, or ``."""
        if self.specifiers:
            return ",".join(map(str, self.specifiers))
        return ".".join(map(str, self.release)) + self.prerelease

    def matches_version(self, version: Version, *, prereleases: bool | None = None) -> bool:
        """Whether `version` satisfies the version part; `prereleases` overrides the rule that
        a request naming no pre-release skips them."""
        allowed = self.allows_prereleases if prereleases is None else prereleases
        if version.prerelease and not allowed:
            return False
        if self.release:
            numbers = (version.major, version.minor, version.patch)
            if numbers[: len(self.release)] != self.release:
                return False
            if self.prerelease:
                # `3.14rc1` is 3.14.0rc1, not 3.14.5rc1.
                patch = self.release[2] if len(self.release) == 3 else 0
                return version.prerelease == self.prerelease and version.patch == patch
            if len(self.release) == 3 and version.prerelease:
                return False
        return all(spec.contains(version) for spec in self.specifiers)

    def matches(self, build: Build, platform: Platform, *, prereleases: bool | None = None) -> bool:
        """Whether `build` fits the request on `platform` (any variant when none was given)."""
        return self._fits(
            build.implementation, build.variant, build.os, (build.arch, build.arch_level),
            build.libc, build.version, _target(self, platform), prereleases, VARIANTS,
        )  # fmt: skip

    def matches_installation(
        self,
        installation: Installation,
        platform: Platform,
        *,
        prereleases: bool | None = None,
        default_variant_only: bool = False,
    ) -> bool:
        """Whether an installed Python fits the request: any variant when none was given, or
        with `default_variant_only` only the default one (as `uv python uninstall 3.12`)."""
        fields = _installation_fields(installation)
        if fields is None:
            return False
        variants = ("default",) if default_variant_only else VARIANTS
        return self._fits(*fields, _target(self, platform), prereleases, variants)

    def catalog_scope(self, platform: Platform, *, all_arches: bool = False) -> Scope:
        """The OS, libc and arches this request can match on `platform` (None: any), so callers
        can skip the rest of a catalog before matching build by build."""
        target = _target(self, platform)
        if target.arches is None or (all_arches and self.arch is None):
            return Scope(target.os, target.libc)
        return Scope(target.os, target.libc, frozenset(family for family, _ in target.arches))

    def describe(self, platform: Platform) -> str:
        """uv-style key for messages: `cpython-3.12-linux-x86_64-gnu`, `any` for wildcards."""
        target = _target(self, platform)
        if self.variant is None:
            suffix = ""
        else:
            suffix = "+gil" if self.variant == "default" else f"+{self.variant}"
        if self.any_arch:
            arch = "any"
        elif self.arch is not None:
            arch = install_arch(*self.arch)
        else:
            arch = install_arch((target.arches or target.host)[0][0], None)
        parts = (
            self.implementation or "cpython",
            (self.version_text or "any") + suffix,
            "any" if target.os is None else install_os(target.os),
            arch,
            target.libc or "any",
        )
        return "-".join(parts)

    def _resolve(self, platform: Platform) -> _Target:
        host = platform.runnable_arches()
        if self.any_os:
            os_name = None
        else:
            os_name = self.os or ("emscripten" if self.implementation == "pyodide" else platform.os)
        foreign = os_name is not None and os_name != platform.os
        if self.any_arch:
            arches: tuple[Arch, ...] | None = None
        elif self.arch is not None:
            arches = (self.arch,)
        elif foreign and os_name == "emscripten":
            arches = (("wasm32", None),)
        else:
            arches = host
        if self.any_libc:
            libc = None
        elif self.libc is not None:
            libc = self.libc
        else:
            # uv keeps the host's libc, so `cpython-3.12-macos` on Linux finds nothing; the OS
            # named has only one libc, so pybuilds uses it.
            libc = _OS_LIBC.get(os_name or "", platform.libc) if foreign else platform.libc
        return _Target(os_name, arches, libc, platform, host)

    def _fits(
        self,
        implementation: str,
        variant: str,
        os_name: str,
        arch: Arch,
        libc: str,
        version: Version,
        target: _Target,
        prereleases: bool | None,
        unspecified_variants: Collection[str],
    ) -> bool:
        if self.implementation is not None and implementation != self.implementation:
            return False
        if self.variant is not None:
            if variant != self.variant:
                return False
        elif variant not in unspecified_variants:
            return False
        if target.os is not None and os_name != target.os:
            return False
        if target.libc is not None and libc != target.libc:
            return False
        if target.arches is not None and arch not in target.arches:
            return False
        return self.matches_version(version, prereleases=prereleases)

    def _rank(self, os_name: str, arch: Arch, libc: str, target: _Target) -> tuple[bool, int]:
        """(off the host, arch preference): how well a match suits the host, best lowest."""
        arches = target.host if target.arches is None else target.arches
        arch_rank = arches.index(arch) if arch in arches else len(arches)
        # A part given as `any` matches every platform, but the host's builds come first, so
        # `3.12-any-any` installs what uv would rather than whichever OS sorts first.
        off_host = (
            (self.any_os and os_name != target.platform.os)
            or (self.any_libc and libc != target.platform.libc)
            or (self.any_arch and arch not in target.host)
        )
        return (off_host, arch_rank)


@lru_cache(maxsize=64)
def _target(request: Request, platform: Platform) -> _Target:
    # Listings and the browse filter match thousands of builds against one request and host.
    return request._resolve(platform)


def _installation_fields(
    installation: Installation,
) -> tuple[str, Variant, str, Arch, str, Version] | None:
    key = installation.key
    os_name, arch = normalize_os(key.os), normalize_arch(key.arch)
    if os_name is None or arch is None:
        return None
    try:
        version = Version.parse(key.version)
    except ValueError:
        return None
    return (key.implementation, key.variant, os_name, arch, key.libc, version)


def _passes(request: Request) -> tuple[bool | None, ...]:
    """uv retries with pre-releases when nothing else matches: `3.15` finds 3.15.0rc1."""
    return (None,) if request.allows_prereleases else (None, True)


def select_build(
    builds: Iterable[Build], request: Request, platform: Platform, *, build_tag: str | None = None
) -> Build | None:
    """The build to install for `request`: the first match in catalog order (builds sorted
    best first), the host's preferred arch among builds of the same release.

    Args:
        builds: Catalog builds, sorted by `Build.sort_key` descending.
        request: What was asked for; no variant means the default variant.
        platform: The host; fills the platform parts the request leaves out.
        build_tag: Only builds whose `build` is exactly this (`20240415`, a custom `45`).

    Returns:
        The chosen build, or None when nothing matches.
    """
    candidates = [b for b in builds if build_tag is None or b.build == build_tag]
    target = _target(request, platform)
    for prereleases in _passes(request):
        best: Build | None = None
        best_rank: tuple[bool, int, int] | None = None
        releases: dict[tuple[str, Version, str | None], int] = {}
        for build in candidates:
            arch = (build.arch, build.arch_level)
            version = build.version
            if not request._fits(
                build.implementation, build.variant, build.os, arch, build.libc, version,
                target, prereleases, ("default",),
            ):  # fmt: skip
                continue
            release = releases.setdefault(
                (build.implementation, version, build.build), len(releases)
            )
            off_host, arch_rank = request._rank(build.os, arch, build.libc, target)
            rank = (off_host, release, arch_rank)
            if best_rank is None or rank < best_rank:
                best, best_rank = build, rank
        if best is not None:
            return best
    return None


def find_installation(
    installations: Iterable[Installation], request: Request, platform: Platform
) -> Installation | None:
    """The best installed match: CPython first, then newest version and build.

    With no variant in the request a GIL build is wanted: the default variant, else a debug
    build; free-threaded ones only when asked for.
    """
    items = list(installations)
    target = _target(request, platform)
    for prereleases in _passes(request):
        best: Installation | None = None
        best_rank: tuple[object, ...] | None = None
        for installation in items:
            fields = _installation_fields(installation)
            if fields is None or not request._fits(
                *fields, target, prereleases, ("default", "debug")
            ):
                continue
            implementation, variant, os_name, arch, libc, version = fields
            off_host, arch_rank = request._rank(os_name, arch, libc, target)
            rank = (
                not off_host,
                IMPLEMENTATION_RANK.get(implementation, -1),
                variant == "default",
                version.sort_key(),
                build_sort_key(installation.build),
                -arch_rank,
            )
            if best_rank is None or rank > best_rank:
                best, best_rank = installation, rank
        if best is not None:
            return best
    return None


def parse_request(text: str) -> Request:
    """Parse a request as uv does (see FORMATS.md §7); raises InvalidRequest saying what is wrong.

    The grammar lives in `request_grammar`, which builds this module's records.
    """
    # Imported here, not at the top: request_grammar imports Request and Specifier from here.
    from tui.core.request_grammar import parse_request as parse

    return parse(text)
