"""Walk the chain from settings to a downloadable archive and report each step as a Finding."""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from tui.core.catalog import Build
from tui.core.doctor_common import Finding, fail, info, ok, warn, would_install
from tui.core.errors import PybuildsError
from tui.core.mirrors import (
    PBS_PREFIX,
    MirrorKind,
    MirrorMismatch,
    MirrorSettings,
    download_urls,
    mirrors_from_settings,
)
from tui.core.platform import Platform
from tui.core.redact import redact_url

if TYPE_CHECKING:
    from tui.core.catalog_source import LoadedCatalog
    from tui.core.config import Settings
    from tui.core.fetch import FetchOptions
    from tui.core.requests import Request

__all__ = ["Finding", "Report", "diagnose", "iter_diagnosis"]

_MIRROR_KEYS = {
    "cpython": "python-install-mirror",
    "pypy": "pypy-install-mirror",
    "graalpy": "graalpy-install-mirror",
    "pyodide": "pyodide-install-mirror",
}
_SHOWN = 6
"""How many versions or platforms a "no build" finding lists."""
_OTHER_RELEASES = 5
"""How many older releases of a build to probe for on an http mirror that lacks it."""


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


@dataclass(frozen=True, slots=True)
class Report:
    """Every finding of one diagnosis, and the verdict."""

    findings: tuple[Finding, ...]
    would_install: bool
    """No step failed: installing the request would work."""


def diagnose(
    request: str | None,
    settings: Settings,
    platform: Platform,
    *,
    catalog: LoadedCatalog | None = None,
    verify: bool = False,
    options: FetchOptions | None = None,
    cancel: threading.Event | None = None,
    build_tag: str | None = None,
    flavour: str | None = None,
) -> Report:
    """All findings at once; see `iter_diagnosis`."""
    findings = tuple(
        iter_diagnosis(
            request,
            settings,
            platform,
            catalog=catalog,
            verify=verify,
            options=options,
            cancel=cancel,
            build_tag=build_tag,
            flavour=flavour,
        )
    )
    return Report(findings, would_install(findings))


def iter_diagnosis(
    request: str | None,
    settings: Settings,
    platform: Platform,
    *,
    catalog: LoadedCatalog | None = None,
    verify: bool = False,
    options: FetchOptions | None = None,
    cancel: threading.Event | None = None,
    build_tag: str | None = None,
    flavour: str | None = None,
) -> Iterator[Finding]:
    """Check what installing `request` would do, yielding each step as it completes.

    Args:
        request: What `pybuilds install` would be given; None means `default`.
        settings: The settings in force (mirror, catalog URL and their origins).
        platform: The platform builds are chosen for.
        catalog: The loaded catalog; None loads the one `settings` names (a failure to load
            it becomes a finding).
        verify: Download the whole archive and compare its sha256.
        options: Network options, as for downloads.
        cancel: Stops a long check (a verify download) between chunks.
        build_tag: `--build`: only builds of this tag; None: UV_PYTHON_CPYTHON_BUILD.
        flavour: `--flavour`: check this flavour's archive; None: the `default-flavour`.

    Yields:
        Findings in chain order; a failed step ends the walk.
    """
    choice = choice_from(settings, build_tag=build_tag, flavour=flavour)
    yield from _settings_findings(settings, request)
    yield from _choice_findings(choice)
    parsed = yield from _request_finding(request or "default", platform)
    if parsed is None:
        return
    if catalog is None:
        catalog = yield from _load_catalog(settings)
        if catalog is None:
            location = settings.get("python-downloads-json-url") or ""
            if location.startswith(("http://", "https://")):
                from tui.core.doctor_http import check_http

                # Say which step of reaching the catalog fails: DNS, TLS, a 401, a web page.
                yield from check_http(
                    location, expected_sha256=None, options=options, what="catalog"
                )
            return
    mirrors = mirrors_from_settings(settings, allow_paths=True)  # a finding explains them
    yield _catalog_finding(catalog, mirrors)
    yield from _cache_finding(catalog, settings)
    build = yield from _build_findings(catalog.builds, parsed, platform, choice)
    if build is None:
        return
    uv_other = _uv_other_build(catalog.builds, parsed, platform, choice, build)
    if uv_other is not None:
        yield uv_other
    resolved = yield from _url_findings(build, mirrors, choice)
    if resolved is None:
        return
    url, flavoured = resolved
    uv_checked = uv_other is None and not flavoured
    # Another flavour is checked against the SHA256SUMS beside it, as install does.
    expected_sha256 = None if flavoured else build.sha256
    mirror, mirror_origin = mirrors.mirror_for(_kind(build))
    if mirror is not None and _is_path(mirror):
        yield _path_mirror(mirror, _MIRROR_KEYS[_kind(build)], mirror_origin)
        return
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not scheme and url.startswith(("/", "~", ".")):
        uri = Path(url).expanduser().absolute().as_uri()
        yield warn(
            "url",
            f"url: `{url}` is a path, not a URL: pybuilds reads it, uv cannot",
            f"write it as a file:// URL: {uri}",
            uv_failure="the catalog gives the archive as a path, which uv rejects "
            f'("relative URL without a base"); write it as {uri}',
        )
        url, scheme = uri, "file"
    # A file uv would not fetch (another build or flavour) says nothing about uv.
    keep = _as_is if uv_checked else _pybuilds_only
    if scheme == "file":
        from tui.core.doctor_file import check_file

        yield from keep(
            check_file(
                url,
                expected_sha256=expected_sha256,
                sums_bind=flavoured,
                mirror=mirror,
                verify=verify,
                cancel=cancel,
            )
        )
    elif scheme in ("http", "https"):
        from tui.core.doctor_http import check_http  # imports httpx only when probing

        yield from keep(
            check_http(
                url,
                expected_sha256=expected_sha256,
                sums_bind=flavoured,
                mirror=mirror,
                other_releases=_other_releases(build, catalog.builds, mirrors) if mirror else (),
                options=options,
                verify=verify,
                cancel=cancel,
            )
        )
    else:
        yield fail(
            "url",
            f"url: `{redact_url(url)}` is not an http(s):// or file:// URL",
            "catalog URLs and mirrors must be http(s):// or file:// URLs",
        )


def _is_path(location: str) -> bool:
    # One letter before `:` is a Windows drive (`C:\pbs`), not a scheme.
    return len(urlsplit(location).scheme) <= 1


def _path_mirror(mirror: str, key: str, origin: str) -> Finding:
    """A mirror given as a folder path: uv rejects it ("relative URL without a base"), and
    pybuilds would read the rewritten URL as a path with `%2B` left in the file names."""
    uri = Path(mirror).expanduser().absolute().as_uri()
    return fail(
        "url",
        f"mirror: `{mirror}` (from {origin}) is a folder path, not a URL: "
        "neither uv nor pybuilds can download from it",
        _set_to(key, origin, uri),
        mirror=mirror,
        url=uri,
    )


def _set_to(key: str, origin: str, value: str) -> str:
    """How to give `key` a new value where `origin` set it: a flag, a variable or a file."""
    if origin.startswith("--"):
        return f"use {origin} {value}"
    if origin.isupper():
        return f"set {origin}={value}"
    return f'set {key} = "{value}" in {origin}'


def _other_releases(
    build: Build, builds: Sequence[Build], mirrors: MirrorSettings
) -> list[tuple[str, str]]:
    """(URL on the mirror, tag) of the build's series (same minor version, platform and
    variant) in the catalog's other releases, newest first: what an older mirror holds."""
    found: dict[str, str] = {}
    for other in builds:
        if len(found) == _OTHER_RELEASES:
            break
        tag = other.build or ""
        if tag == build.build or tag in found or not _same_series(other, build):
            continue
        try:
            url, _ = download_urls(other.url, mirrors, implementation=other.implementation)[-1]
        except MirrorMismatch:
            continue
        found[tag] = url
    return [(url, tag) for tag, url in found.items()]


def _same_series(one: Build, other: Build) -> bool:
    fields = ("implementation", "major", "minor", "variant", "os", "arch", "arch_level", "libc")
    return all(getattr(one, name) == getattr(other, name) for name in fields)


def _as_is(findings: Iterator[Finding]) -> Iterator[Finding]:
    return findings


def _pybuilds_only(findings: Iterator[Finding]) -> Iterator[Finding]:
    for finding in findings:
        yield replace(finding, uv_failure=None)


def _kind(build: Build) -> MirrorKind:
    kinds: dict[str, MirrorKind] = {"pypy": "pypy", "graalpy": "graalpy", "pyodide": "pyodide"}
    return kinds.get(build.implementation, "cpython")


# --- settings, request, catalog, build ---------------------------------------------------------


def _settings_findings(settings: Settings, request: str | None) -> Iterator[Finding]:
    wanted = ["python-install-mirror", "python-downloads-json-url"]
    lowered = (request or "").lower()
    for implementation in ("pypy", "graalpy", "pyodide"):
        key = _MIRROR_KEYS[implementation]
        if settings.get(key) or implementation in lowered:
            wanted.append(key)
    for key in wanted:
        setting = settings.setting(key)
        if setting.value is None:
            default = {
                "python-install-mirror": "downloads come from python-build-standalone's "
                "GitHub releases",
                "python-downloads-json-url": "pybuilds uses its own catalog (refreshed or "
                "embedded), uv its built-in one",
            }.get(key, "downloads come from upstream")
            yield info("settings", f"{key}: not set; {default}", key=key, value=None)
            continue
        shown = redact_url(setting.value)
        hidden = [f"{redact_url(s.value or '')} from {s.origin}" for s in setting.shadowed]
        extra = f"; overrides {', '.join(hidden)}" if hidden else ""
        yield info(
            "settings",
            f"{key} = {shown} (from {setting.origin}{extra})",
            key=key,
            value=shown,
            origin=setting.origin,
            source=setting.kind,
        )
    refused = _refused_by_uv(settings)
    for message in settings.warnings:
        yield warn("settings", f"settings: {message}", uv_failure=refused.get(message))


def _refused_by_uv(settings: Settings) -> dict[str, str]:
    """Settings warnings about files uv will not parse (it stops before any download), each
    with what uv would say; pybuilds only warns and reads the rest."""
    from tui.core.config_files import value_problems

    refused = {}
    for file in settings.files:
        if file.table:  # uv warns about a pyproject's [tool.uv] and goes on
            continue
        for problem in value_problems(file.values):
            refused[f"{file.path}: {problem}; uv refuses this file"] = (
                f"it refuses {file.path} ({problem}) before downloading anything; "
                "fix or remove that line"
            )
    return refused


def _choice_findings(choice: Choice) -> Iterator[Finding]:
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


def _request_finding(text: str, platform: Platform) -> Generator[Finding, None, Request | None]:
    from tui.core.requests import parse_request

    try:
        request = parse_request(text)
    except PybuildsError as error:
        yield fail("request", f"request: {error.message}", error.hint)
        return None
    yield ok(
        "request",
        f"request: `{text}` means {request.describe(platform)} (platform: {platform.describe()})",
        request=text,
        key=request.describe(platform),
        platform=platform.key,
    )
    return request


def _load_catalog(settings: Settings) -> Generator[Finding, None, LoadedCatalog | None]:
    from tui.core.catalog_source import load_catalog

    location = settings.setting("python-downloads-json-url")
    try:
        return load_catalog(location.value)
    except PybuildsError as error:
        where = f" (set by {location.origin})" if location.value else ""
        yield fail(
            "catalog",
            f"catalog: {error.message}{where}",
            error.hint or "fix or unset python-downloads-json-url",
        )
        return None


def _catalog_finding(catalog: LoadedCatalog, mirrors: MirrorSettings) -> Finding:
    count = len(catalog.builds)
    if count == 0:
        return fail(
            "catalog",
            f"catalog: {catalog.source} lists no build pybuilds can use",
            "check that it is a uv download-metadata.json with entries for known platforms",
        )
    if mirrors.python_mirror:
        outside = [
            b for b in catalog.builds if b.implementation == "cpython" and _outside_pbs(b.url)
        ]
        if outside:
            return warn(
                "catalog",
                f"catalog: {catalog.source} ({_builds(count)}); {len(outside):,} CPython URLs "
                f"are not under {PBS_PREFIX}/, e.g. {redact_url(outside[0].url)}",
                f"with python-install-mirror set (by {mirrors.python_origin}), uv refuses those "
                "builds and uv 0.13.9 `uv python list` fails entirely; unset the mirror or "
                "write the catalog with GitHub URLs",
                source=catalog.source,
                builds=count,
            )
    return ok(
        "catalog",
        f"catalog: {catalog.source} ({_builds(count)})",
        source=catalog.source,
        builds=count,
    )


def _cache_finding(catalog: LoadedCatalog, settings: Settings) -> Iterator[Finding]:
    """pybuilds' refreshed catalog is pybuilds' alone: uv keeps its built-in one."""
    from tui.core.catalog_source import cache_path
    from tui.core.nearmiss import shell_quote

    cached = cache_path()
    if settings.get("python-downloads-json-url") or catalog.source != str(cached):
        return
    yield warn(
        "catalog",
        "catalog: uv does not read pybuilds' cached catalog (from `pybuilds catalog update`): "
        "it keeps its own built-in one, so uv may pick another build than the one below, "
        "or find none",
        "to make uv read the same catalog: pybuilds config set python-downloads-json-url "
        f"{shell_quote(cached)}; or `pybuilds catalog reset` to use the embedded one",
        source=str(cached),
    )


def _builds(count: int) -> str:
    return "1 build" if count == 1 else f"{count:,} builds"


def _outside_pbs(url: str) -> bool:
    return not url.startswith(PBS_PREFIX + "/")


def _build_findings(
    builds: Sequence[Build], request: Request, platform: Platform, choice: Choice
) -> Generator[Finding, None, Build | None]:
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


def _uv_other_build(
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


def _url_findings(
    build: Build, mirrors: MirrorSettings, choice: Choice
) -> Generator[Finding, None, tuple[str, bool] | None]:
    """Report where the archive comes from; returns its URL and whether it is another flavour
    than the catalog's (as the generator's value), None after a failure."""
    from tui.core.sources import resolve_urls

    try:
        sources, flavoured = resolve_urls(build, choice.flavour, mirrors)
    except MirrorMismatch as error:
        yield fail("url", f"url: {error.message}", error.hint, url=error.url)
        return None
    except PybuildsError as error:  # a flavour this build does not have
        yield fail("url", f"url: {error.message}", error.hint)
        return None
    url, origin = sources[-1]
    if origin is None:
        yield info("url", f"url: {redact_url(url)} (no mirror applies)", url=redact_url(url))
        for first, _ in sources[:-1]:
            yield info(
                "url",
                f"url: tried first on Astral's mirror, {redact_url(first)}; "
                "pybuilds and uv fall back to the URL above when it is unreachable or lacks it",
                url=redact_url(first),
            )
    else:
        yield info("url", f"url: {build.display_url}", url=build.display_url)
        yield info(
            "url",
            f"url: rewritten by {origin} to {redact_url(url)}",
            url=redact_url(url),
            mirror_origin=origin,
        )
    if flavoured:
        yield info(
            "url",
            f"url: flavour `{choice.flavour}` (from {choice.flavour_origin}) replaces the "
            f"catalog's archive; its checksum comes from the SHA256SUMS beside it",
            flavour=choice.flavour,
            uv_unchecked="uv was not checked: it has no flavour choice and installs the "
            "catalog's own archive",
        )
    return url, flavoured
