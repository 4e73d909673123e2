"""The doctor's walk from settings to a downloadable archive, and its URL and mirror steps."""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tui.core.catalog import Build
from tui.core.config_files import MIRROR_SETTING_OF
from tui.core.doctor_build import (
    Choice,
    build_findings,
    choice_findings,
    choice_from,
    level_findings,
    request_finding,
    uv_other_build,
)
from tui.core.doctor_common import Finding, fail, info, warn, would_install
from tui.core.doctor_settings import (
    cache_finding,
    catalog_finding,
    downloads_finding,
    gzipped_finding,
    settings_findings,
    try_load_catalog,
)
from tui.core.errors import PybuildsError
from tui.core.mirrors import (
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

__all__ = ["Finding", "Report", "diagnose", "iter_diagnosis"]

_OTHER_RELEASES = 5
"""How many older releases of a build to probe for on an http mirror that lacks it."""


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
    level_named: bool = False,
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
            level_named=level_named,
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
    level_named: bool = False,
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
        level_named: `--arch` named the x86-64 level: no baseline fallback (as install).

    Yields:
        Findings in chain order; a failed step ends the walk, except downloads turned off
        (`python-downloads = "never"`), after which the chain is still checked.
    """
    choice = choice_from(settings, build_tag=build_tag, flavour=flavour)
    yield from settings_findings(settings, request)
    # Downloads turned off fail the install, but the rest of the chain is still worth a look.
    yield from downloads_finding(settings)
    yield from choice_findings(choice)
    parsed = yield from request_finding("default" if request is None else request, platform)
    if parsed is None:
        return
    if catalog is None:
        catalog = yield from try_load_catalog(settings)
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
    yield catalog_finding(catalog, mirrors)
    yield from gzipped_finding(catalog, settings)
    yield from cache_finding(catalog, settings)
    build = yield from build_findings(catalog.builds, parsed, platform, choice)
    if build is None:
        return
    build = yield from level_findings(
        catalog.builds, parsed, build, mirrors, options, choice, level_named=level_named
    )
    uv_other = uv_other_build(catalog.builds, parsed, platform, choice, build)
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
        yield _path_mirror(mirror, MIRROR_SETTING_OF[_kind(build)], mirror_origin)
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
