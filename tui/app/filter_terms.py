"""How one word of the filter text matches builds, and which hidden builds it asks to see."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, NamedTuple

from tui.app.rows import install_key_text
from tui.core.catalog import Build
from tui.core.names import ARCHES, LIBCS, OSES, Variant
from tui.core.platform import Platform

if TYPE_CHECKING:
    from tui.core.requests import Request

TermKind = Literal["any", "version", "request", "word"]
Widened = Literal["variants", "other_implementations", "prereleases", "all_platforms"]

# `3`, `3.1`, `3.13.2`, `3.15.0rc1`, `3.13t`: typed versions match as prefixes of the version,
# so the list narrows while a version is typed. uv's `312` is a request (3.12).
_VERSION_TOKEN = re.compile(r"^(\d+\.[\d.]*(?:(?:a|b|rc)\d*)?|\d{1,2})(t|d|td)?$")
_PRERELEASE = re.compile(r"\d(?:a|b|rc)\d*$")
# Four digits or more: a build tag (`20250115`, `2025`), though uv would read `2025` as 2.25.
_BUILD_TAG = re.compile(r"^\d{4,}$")
_SUFFIX_VARIANTS: dict[str, Variant] = {
    "t": "freethreaded",
    "d": "debug",
    "td": "freethreaded+debug",
}
# Words typed so far that are no request yet (`pyp`, `fre`) already widen the list.
_OTHER_IMPLEMENTATIONS = ("pypy", "pp3", "graalpy", "gp3", "pyodide", "emscripten", "wasm")
_VARIANT_WORDS = ("freethreaded", "debug")
_PLATFORM_WORDS = frozenset(
    [*OSES, *ARCHES, *LIBCS, "macos", "x86", "arm64", "amd64", "riscv64gc", "glibc"]
)
ANY = "any"
"""uv's request for any Python: within the toggles, every build."""


class Term(NamedTuple):
    """One filter word: how it matches a build, and the toggles it turns on while typed."""

    kind: TermKind
    text: str
    """The version prefix of a `version`, the word itself otherwise."""
    variant: Variant | None = None
    """The variant a `version`'s suffix names (`3.13t`)."""
    request: Request | None = None
    """The parsed request of a `request`."""
    widens: frozenset[Widened] = frozenset()

    def matches(self, build: Build) -> bool:
        """Whether `build` matches; a `word` is looked for in `haystack(build)`."""
        if self.kind == "word":
            return self.text in haystack(build)
        return any(True for _ in self.indices((build,)))

    def indices(self, builds: Sequence[Build]) -> Iterator[int]:
        """The positions of the `builds` that match (any kind but `word`)."""
        if self.kind == "any":
            yield from range(len(builds))
        elif self.kind == "version":
            prefix, variant = self.text, self.variant
            for index, build in enumerate(builds):
                if version_text(build).startswith(prefix) and (
                    variant is None or build.variant == variant
                ):
                    yield index
        elif self.request is not None:
            yield from _request_indices(self.request, builds)


def _request_indices(request: Request, builds: Sequence[Build]) -> Iterator[int]:
    """The positions of the `builds` that `request` matches, each on its own platform.

    Platform parts the request leaves out match any platform: `pypy@3.10` finds PyPy 3.10 on
    every platform shown, not only the host's. `Request.matches` costs some microseconds, which
    makes ~20 ms over the whole catalog; it is asked once per platform instead, of a build
    whose implementation, variant and version already match, so its answer is the platform's.
    """
    implementation, variant = request.implementation, request.variant
    versions: dict[tuple[int, int, int, str], bool] = {}
    platforms: dict[tuple[str, str, str | None, str], bool] = {}
    for index, build in enumerate(builds):
        if implementation is not None and build.implementation != implementation:
            continue
        if variant is not None and build.variant != variant:
            continue
        release = (build.major, build.minor, build.patch, build.prerelease)
        version_fits = versions.get(release)
        if version_fits is None:
            version_fits = versions[release] = request.matches_version(
                build.version, prereleases=True
            )
        if not version_fits:
            continue
        where = (build.os, build.arch, build.arch_level, build.libc)
        fits = platforms.get(where)
        if fits is None:
            own = Platform(build.os, build.arch, build.libc, build.arch_level)
            fits = platforms[where] = request.matches(build, own, prereleases=True)
        if fits:
            yield index


@lru_cache(maxsize=512)
def term(token: str) -> Term:
    """How the lowercase filter word `token` matches builds.

    A version (`3.13`, `3.13t`) matches as a prefix; anything else that parses as a uv request
    (`3.12+debug`, `cp313t`, `3.13t-linux`, `musl`) matches as that request only, never as
    text in a key (`3.12+debug` is not in `cpython-3.13.12+debug-…`); other words are looked
    for in keys, file names and build tags.
    """
    if token == ANY:
        return Term("any", token)
    version = _VERSION_TOKEN.match(token)
    if version:
        prefix, suffix = version[1], version[2]
        widens: set[Widened] = set()
        if suffix:
            widens.add("variants")
        if _PRERELEASE.search(prefix):
            widens.add("prereleases")
        variant = _SUFFIX_VARIANTS[suffix] if suffix else None
        return Term("version", prefix, variant, widens=frozenset(widens))
    request = None if _BUILD_TAG.match(token) else parsed_request(token)
    if request is not None:
        return Term("request", token, request=request, widens=_request_widens(request))
    widens = set()
    if _starts_word(token, _VARIANT_WORDS):
        widens.add("variants")
    if _starts_word(token, _OTHER_IMPLEMENTATIONS):
        widens.add("other_implementations")
    if token == "rc" or _PRERELEASE.search(token):
        widens.add("prereleases")
    if token in _PLATFORM_WORDS:
        widens.add("all_platforms")
    return Term("word", token, widens=frozenset(widens))


def _request_widens(request: Request) -> frozenset[Widened]:
    """The toggles that would hide what `request` names."""
    widens: set[Widened] = set()
    if request.variant not in (None, "default"):
        widens.add("variants")
    if request.implementation not in (None, "cpython"):
        widens.add("other_implementations")
    if request.allows_prereleases:
        widens.add("prereleases")
    platform_parts = (request.os, request.arch, request.libc)
    # Pyodide runs on emscripten only, never on the platform being browsed.
    if request.any_platform or any(platform_parts) or request.implementation == "pyodide":
        widens.add("all_platforms")
    return frozenset(widens)


def _starts_word(token: str, words: tuple[str, ...]) -> bool:
    """`token` begins with one of `words`, or is a start of one typed so far (3+ letters)."""
    return token.startswith(words) or (
        len(token) >= 3 and any(word.startswith(token) for word in words)
    )


def version_text(build: Build) -> str:
    return f"{build.major}.{build.minor}.{build.patch}{build.prerelease}"


def haystack(build: Build) -> str:
    """What plain words are searched in: both key spellings, the file name and the build."""
    name = build.url.rsplit("/", 1)[-1].replace("%2B", "+").replace("%2b", "+")
    parts = (build.key, install_key_text(build), name, build.build or "")
    return " ".join(parts).lower()


@lru_cache(maxsize=512)
def parsed_request(token: str) -> Request | None:
    """`token` read as a uv request, or None when it is not one."""
    from tui.core.errors import PybuildsError
    from tui.core.requests import parse_request

    try:
        return parse_request(token)
    except (PybuildsError, ValueError):
        return None
