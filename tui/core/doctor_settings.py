"""The doctor's first steps: the settings in force and the catalog they name."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

from tui.core.config_files import MIRROR_SETTING_OF
from tui.core.doctor_common import Finding, fail, info, ok, warn
from tui.core.errors import PybuildsError
from tui.core.mirrors import PBS_PREFIX, MirrorSettings
from tui.core.redact import redact_url

if TYPE_CHECKING:
    from tui.core.catalog_source import LoadedCatalog
    from tui.core.config import Settings


def settings_findings(settings: Settings, request: str | None) -> Iterator[Finding]:
    """Each setting the download depends on and where it comes from, then the settings
    warnings (marking those uv would stop on)."""
    wanted = ["python-install-mirror", "python-downloads-json-url"]
    lowered = (request or "").lower()
    for implementation in ("pypy", "graalpy", "pyodide"):
        key = MIRROR_SETTING_OF[implementation]
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


def downloads_finding(settings: Settings) -> Iterator[Finding]:
    """A failure when the settings forbid downloads (`python-downloads = "never"`): `pybuilds
    install` and `uv python install` then refuse before anything else happens."""
    from tui.core.errors import ConfigError

    try:
        settings.require_downloads()
    except ConfigError as error:
        setting = settings.setting("python-downloads")
        yield fail(
            "settings",
            f"settings: {error.message}",
            error.hint,
            key="python-downloads",
            value=setting.value,
            origin=setting.origin,
        )


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


def try_load_catalog(settings: Settings) -> Generator[Finding, None, LoadedCatalog | None]:
    """Load the catalog `settings` names; returns it (as the generator's value), or yields a
    failure and returns None."""
    from tui.core.catalog_source import load_catalog

    location = settings.setting("python-downloads-json-url")
    try:
        return load_catalog(location.value)
    except PybuildsError as error:
        where = f" (set by {location.origin})" if location.value else ""
        yield fail("catalog", f"catalog: {error.message}{where}", _catalog_hint(error))
        return None


def _catalog_hint(error: PybuildsError) -> str:
    """What to do about a catalog that failed to load; download errors suggest running the
    doctor, which is what is running."""
    from tui.core.errors import DownloadFailed

    fix = "point python-downloads-json-url at a uv download-metadata.json, or unset it"
    if isinstance(error, DownloadFailed) and error.status in (404, 410):
        return f"the server has no file at this URL; {fix}"
    if error.hint is None or "pybuilds doctor" in error.hint:
        return fix
    return error.hint


def catalog_finding(catalog: LoadedCatalog, mirrors: MirrorSettings) -> Finding:
    """How many builds the catalog lists, and whether the CPython mirror would refuse some."""
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
                f"catalog: {catalog.source} ({_builds(count)}); {_urls_outside(len(outside))} "
                f"{PBS_PREFIX}/, e.g. {redact_url(outside[0].url)}",
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


def gzipped_finding(catalog: LoadedCatalog, settings: Settings) -> Iterator[Finding]:
    """pybuilds reads a gzipped catalog; uv stops at it before any download."""
    if not catalog.gzipped:
        return
    origin = settings.setting("python-downloads-json-url").origin
    yield warn(
        "catalog",
        f"catalog: {catalog.source} is gzip-compressed: pybuilds reads it, uv cannot",
        "point python-downloads-json-url at the uncompressed JSON (gunzip it)",
        uv_failure="it cannot read a gzipped catalog (Unable to parse the JSON Python download "
        f"list), set by {origin}; point python-downloads-json-url at the uncompressed JSON",
        source=catalog.source,
    )


def cache_finding(catalog: LoadedCatalog, settings: Settings) -> Iterator[Finding]:
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


def _urls_outside(count: int) -> str:
    return "1 CPython URL is not under" if count == 1 else f"{count:,} CPython URLs are not under"


def _outside_pbs(url: str) -> bool:
    return not url.startswith(PBS_PREFIX + "/")
