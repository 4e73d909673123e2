"""The doctor's build step: what narrows the choice, which build it makes, and why none."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from tui.core.doctor_common import Finding, fail, info, ok, warn
from tui.core.errors import PybuildsError
from tui.core.platform import Platform

if TYPE_CHECKING:
    from tui.core.catalog import Build
    from tui.core.config import Settings
    from tui.core.fetch import FetchOptions
    from tui.core.mirrors import MirrorSettings
    from tui.core.requests import Request

_SHOWN = 6
"""How many versions or platforms a "no build" finding lists."""


class Choice(NamedTuple):
    """What narrows the build and its archive beyond the request, as `pybuilds install` applies
    it: the flag first, then the environment or pybuilds.toml."""

    tag: str | None = None
    """Only builds whose `build` is exactly this (`20240415`, a custom `45`)."""
    tag_origin: str | None = None
    """`--build` or `UV_PYTHON_CPYTHON_BUILD`."""
    flavour: str | None = None
    """Another PBS flavour of the chosen build (`pgo+lto-full`)."""
    flavour_origin: str | None = None
    """`--flavour` or the pybuilds.toml that sets `default-flavour`."""
    uv_tag: str | None = None
    """The tag uv applies: UV_PYTHON_CPYTHON_BUILD only."""


def choice_from(settings: Settings, *, build_tag: str | None, flavour: str | None) -> Choice:
    """The build tag and flavour an install with these flags would use."""
    env_tag = settings.env.get("UV_PYTHON_CPYTHON_BUILD") or None  # uv: empty means unset
    tag, tag_origin = (build_tag, "--build") if build_tag else (env_tag, "UV_PYTHON_CPYTHON_BUILD")
    default = settings.setting("default-flavour")
    flavour_origin = "--flavour" if flavour else default.origin
    flavour = flavour or default.value
    return Choice(
        tag, tag_origin if tag else None, flavour, flavour_origin if flavour else None, env_tag
    )


def choice_findings(choice: Choice) -> Iterator[Finding]:
    """A finding each for a build tag and a flavour that narrow the choice, and whether uv
    follows it."""
    if choice.tag:
        uv = (
            "uv reads it too"
            if choice.tag_origin == "UV_PYTHON_CPYTHON_BUILD"
            else "uv takes a tag only from UV_PYTHON_CPYTHON_BUILD"
        )
        yield info(
            "settings",
            f"build tag: only builds tagged `{choice.tag}` (from {choice.tag_origin}; {uv})",
            key="build",
            value=choice.tag,
            origin=choice.tag_origin,
        )
    if choice.flavour:
        yield info(
            "settings",
            f"flavour: `{choice.flavour}` (from {choice.flavour_origin}; uv always installs "
            "the catalog's own archive)",
            key="flavour",
            value=choice.flavour,
            origin=choice.flavour_origin,
        )


def request_finding(text: str, platform: Platform) -> Generator[Finding, None, Request | None]:
    """Parse `text` as `pybuilds install` would; returns the Request (as the generator's
    value), None after a failure."""
    from tui.core.requests import parse_request

    try:
        request = parse_request(text)
    except PybuildsError as error:
        yield fail("request", f"request: {error.message}", error.hint)
        return None
    meaning = _in_words(request, platform)
    yield ok(
        "request",
        f"request: `{text}` means {meaning} (platform: {platform.describe()})",
        request=text,
        key=request.describe(platform),
        platform=platform.key,
    )
    gil = _uv_gil_finding(request, platform)
    if gil is not None:
        yield gil
    return request


_NAMES = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy", "pyodide": "Pyodide"}
_VARIANT_WORDS = {
    "freethreaded": "free-threaded",
    "freethreaded+debug": "free-threaded, debug",
    "gil": "with the GIL",
}


def _in_words(request: Request, platform: Platform) -> str:
    """`CPython >=3.12,<3.13 for linux-x86_64-gnu`: the uv-style key, which reads oddly around
    a range (`cpython->=3.12,<3.13-…`), as words."""
    implementation, *version, os_name, arch, libc = request.describe(platform).split("-")
    release, _, variant = "-".join(version).partition("+")
    what = "any version" if release == "any" else release
    if variant:
        what += f" ({_VARIANT_WORDS.get(variant, variant)})"
    return f"{_NAMES.get(implementation, implementation)} {what} for {os_name}-{arch}-{libc}"


_GIL = re.compile(r"\+gil(?![a-z])", re.IGNORECASE)


def _uv_gil_finding(request: Request, platform: Platform) -> Finding | None:
    """uv has no `+gil` downloads (its catalog names no such variant), so it finds nothing for
    a request pybuilds reads as the build with the GIL."""
    without = _GIL.sub("", request.text)
    if without == request.text or not without:  # a bare `+gil` is pybuilds' own form
        return None
    key = request.describe(platform)
    if request.variant == "debug":  # `+gil+debug` reads as `+debug`; uv names what was asked
        key = key.replace("+debug", "+gil+debug", 1)
    uv_says = f"No download found for request: {key}"
    return warn(
        "request",
        f"request: uv finds no download for `{request.text}` ({uv_says}): its downloads have "
        "no `+gil` variant; pybuilds reads `+gil` as the default build, the one with the GIL",
        f"for uv, drop `+gil`: `uv python install {without}` installs the same build",
        uv_failure=f"it finds no download for a `+gil` request ({uv_says}); "
        f"drop `+gil` (`{without}`)",
    )


def build_findings(
    builds: Sequence[Build], request: Request, platform: Platform, choice: Choice
) -> Generator[Finding, None, Build | None]:
    """The build an install would pick, the other releases of it and a missing sha256; returns
    the Build (as the generator's value), None when nothing matches."""
    from tui.core.requests import select_build

    build = select_build(builds, request, platform, build_tag=choice.tag)
    if build is None:
        if choice.tag and select_build(builds, request, platform) is not None:
            yield _no_build_tagged(builds, request, platform, choice)
        else:
            yield _no_build(builds, request, platform)
        return None
    flavour = _flavour(build)
    installs_as = (
        "" if build.key == str(build.install_key) else f", installs as {build.install_key}"
    )
    chosen_by = f", chosen by {choice.tag_origin}" if choice.tag else ""
    yield ok(
        "build",
        f"build: {build.key} (release {build.build or 'unknown'}{chosen_by}"
        f"{f', flavour {flavour}' if flavour else ''}){installs_as}",
        key=build.key,
        install_key=str(build.install_key),
        tag=build.build,
        flavour=flavour,
        sha256=build.sha256,
    )
    others = [b.build or "unknown" for b in builds if _same_install(b, build) and b != build]
    if others:
        yield info(
            "build",
            f"build: the catalog also has {_tags(others)} of {build.install_key}; "
            "only one can be installed at a time",
            "choose one with --build TAG (uv: UV_PYTHON_CPYTHON_BUILD=TAG)",
            others=others,
        )
    if build.sha256 is None:
        yield warn(
            "build",
            "build: the catalog has no sha256 for it, so the download cannot be verified",
            "use a catalog with checksums (`pybuilds mirror` writes one)",
        )
    return build


def uv_other_build(
    builds: Sequence[Build], request: Request, platform: Platform, choice: Choice, build: Build
) -> Finding | None:
    """uv takes a tag from UV_PYTHON_CPYTHON_BUILD only: say when `--build` made pybuilds'
    choice one uv would not make, since the checks that follow are then pybuilds' alone."""
    from tui.core.requests import select_build

    if choice.tag_origin != "--build":
        return None
    uv_build = select_build(builds, request, platform, build_tag=choice.uv_tag)
    if uv_build == build:
        return None
    instead = (
        f"release {uv_build.build or 'unknown'}" if uv_build is not None else "no build at all"
    )
    return info(
        "build",
        f"build: uv ignores --build and would pick {instead} for `{request.text}`; "
        "what follows checks pybuilds' choice only",
        uv_unchecked=f"uv was not checked: it ignores --build and would pick {instead}",
    )


def level_findings(
    builds: Sequence[Build],
    request: Request,
    build: Build,
    mirrors: MirrorSettings,
    options: FetchOptions | None,
    choice: Choice,
    *,
    level_named: bool,
) -> Generator[Finding, None, Build]:
    """pybuilds picks the CPU's best x86-64 level, uv the baseline: say so, and on a user's
    mirror without the level build, switch to the baseline as `pybuilds install` does
    (`level_fallback`). Returns the build the rest of the walk checks."""
    from tui.core.level_fallback import available_or_baseline, baseline_for

    uvs = baseline_for(build, builds, request, level_named=level_named)
    if uvs is None:
        return build
    from tui.core.fetch import FetchOptions
    from tui.core.install import InstallOptions

    install_options = InstallOptions(
        mirrors=mirrors, fetch=options or FetchOptions(), flavour=choice.flavour
    )
    chosen, why = available_or_baseline(build, uvs, install_options)
    if why is not None:
        yield warn(
            "build",
            f"build: {why}; what follows checks it",
            key=uvs.key,
            install_key=str(uvs.install_key),
            tag=uvs.build,
        )
        return chosen
    yield info(
        "build",
        f"build: uv picks {uvs.install_key}, the baseline x86-64 build, for "
        f"`{request.text}`; what follows checks pybuilds' choice ({build.arch_level}) only",
        f"check uv's with `pybuilds doctor {uvs.key}`",
        uv_unchecked=f"uv was not checked: it picks the baseline build {uvs.install_key}",
    )
    return build


def _same_install(one: Build, other: Build) -> bool:
    return one.install_key == other.install_key


def _tags(tags: Sequence[str]) -> str:
    shown = ", ".join(f"`{tag}`" for tag in tags[:_SHOWN])
    more = f" and {len(tags) - _SHOWN} more" if len(tags) > _SHOWN else ""
    return f"build{'s' if len(tags) > 1 else ''} {shown}{more}"


def _no_build_tagged(
    builds: Sequence[Build], request: Request, platform: Platform, choice: Choice
) -> Finding:
    """The request matches builds, just none with the tag asked for."""
    tags = list(dict.fromkeys(b.build or "unknown" for b in builds if request.matches(b, platform)))
    fix = (
        "unset UV_PYTHON_CPYTHON_BUILD or set it to one of those (uv reads it too)"
        if choice.tag_origin == "UV_PYTHON_CPYTHON_BUILD"
        else "give --build one of those, or leave it out"
    )
    return fail(
        "build",
        f"build: no download found for request `{request.text}` "
        f"({request.describe(platform)}) tagged `{choice.tag}` (from {choice.tag_origin})",
        f"the catalog has {_tags(tags)} for it\n{fix}",
        tags=tags,
    )


def _flavour(build: Build) -> str | None:
    from tui.core.filenames import parse_asset_name

    try:
        return parse_asset_name(build.url).flavour or None
    except ValueError:
        return None


def _no_build(builds: Sequence[Build], request: Request, platform: Platform) -> Finding:
    """Why nothing matched: which versions this platform has, which platforms this version has."""
    described = request.describe(platform)
    any_version = request._replace(
        release=(), prerelease="", specifiers=(), allows_prereleases=True
    )
    here = [b for b in builds if any_version.matches(b, platform)]
    same_minor = [b for b in here if b.version.minor_version == request.release[:2]]
    if same_minor:
        versions = list(dict.fromkeys(str(b.version) for b in same_minor))[:_SHOWN]
    else:
        # The newest of each minor version says more than six pre-releases of one; `builds`
        # is sorted best first, so the first of each minor is its newest.
        newest: dict[tuple[str, int, int], str] = {}
        for b in here:
            newest.setdefault((b.implementation, b.major, b.minor), f"{b.version}")
        versions = list(newest.values())[:_SHOWN]
    anywhere = request._replace(
        os=None, arch=None, libc=None, any_os=False, any_arch=False, any_libc=False
    )
    elsewhere = [
        b
        for b in builds
        if anywhere.matches(b, Platform(b.os, b.arch, b.libc, b.arch_level), prereleases=True)
    ]
    platforms = list(dict.fromkeys(b.platform_key for b in elsewhere))
    target = "-".join(described.split("-")[2:])
    reasons = []
    if versions:
        reasons.append(f"for {target} the catalog has {', '.join(versions)}")
    else:
        reasons.append(
            f"the catalog has no {request.implementation or 'cpython'} build for {target}"
        )
    if platforms:
        more = f" and {len(platforms) - _SHOWN} more" if len(platforms) > _SHOWN else ""
        reasons.append(f"this version exists for {', '.join(platforms[:_SHOWN])}{more}")
    reasons.append(
        "a newer catalog may have it: `pybuilds catalog update`, or set python-downloads-json-url"
    )
    hint = "\n".join(reasons)
    return fail(
        "build",
        f"build: no download found for request `{request.text}` ({described})",
        hint,
        versions=versions,
        platforms=platforms,
    )
