"""Walk the chain from settings to a downloadable archive and report each step as a Finding."""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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

    Yields:
        Findings in chain order; a failed step ends the walk.
    """
    yield from _settings_findings(settings, request)
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
                yield from check_http(location, expected_sha256=None, options=options)
            return
    mirrors = mirrors_from_settings(settings)
    yield _catalog_finding(catalog, mirrors)
    build = yield from _build_findings(catalog.builds, parsed, platform)
    if build is None:
        return
    url = yield from _url_findings(build, mirrors)
    if url is None:
        return
    mirror = mirrors.mirror_for(_kind(build))[0] if url != build.url else None
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not scheme and url.startswith(("/", "~", ".")):
        yield warn(
            "url",
            f"url: `{url}` is a path, not a URL: pybuilds reads it, uv cannot",
            f"write it as a file:// URL: {Path(url).expanduser().absolute().as_uri()}",
        )
        url, scheme = Path(url).expanduser().absolute().as_uri(), "file"
    if scheme == "file":
        from tui.core.doctor_file import check_file

        yield from check_file(
            url, expected_sha256=build.sha256, mirror=mirror, verify=verify, cancel=cancel
        )
    elif scheme in ("http", "https"):
        from tui.core.doctor_http import check_http  # imports httpx only when probing

        yield from check_http(
            url,
            expected_sha256=build.sha256,
            mirror=mirror,
            options=options,
            verify=verify,
            cancel=cancel,
        )
    else:
        yield fail(
            "url",
            f"url: `{redact_url(url)}` is not an http(s):// or file:// URL",
            "catalog URLs and mirrors must be http(s):// or file:// URLs",
        )


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
                "python-downloads-json-url": "the catalog is pybuilds' own, refreshed or embedded",
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
    for message in settings.warnings:
        yield warn("settings", f"settings: {message}")


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


def _builds(count: int) -> str:
    return "1 build" if count == 1 else f"{count:,} builds"


def _outside_pbs(url: str) -> bool:
    return not url.startswith(PBS_PREFIX + "/")


def _build_findings(
    builds: Sequence[Build], request: Request, platform: Platform
) -> Generator[Finding, None, Build | None]:
    from tui.core.requests import select_build

    build = select_build(builds, request, platform)
    if build is None:
        yield _no_build(builds, request, platform)
        return None
    flavour = _flavour(build)
    installs_as = (
        "" if build.key == str(build.install_key) else f", installs as {build.install_key}"
    )
    yield ok(
        "build",
        f"build: {build.key} (release {build.build or 'unknown'}"
        f"{f', flavour {flavour}' if flavour else ''}){installs_as}",
        key=build.key,
        install_key=str(build.install_key),
        tag=build.build,
        flavour=flavour,
        sha256=build.sha256,
    )
    if build.sha256 is None:
        yield warn(
            "build",
            "build: the catalog has no sha256 for it, so the download cannot be verified",
            "use a catalog with checksums (`pybuilds mirror` writes one)",
        )
    return build


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


def _url_findings(build: Build, mirrors: MirrorSettings) -> Generator[Finding, None, str | None]:
    try:
        sources = download_urls(build.url, mirrors, implementation=build.implementation)
    except MirrorMismatch as error:
        yield fail("url", f"url: {error.message}", error.hint, url=error.url)
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
    return url
