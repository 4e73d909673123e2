"""Choose what goes into a mirror uv and pybuilds can read, and where each file goes.

The tree is `<dir>/<tag>/<file name with +>` (PyPy: `<dir>/<file>`), verified against the
catalog or the release's SHA256SUMS, with `download-metadata.json` (canonical URLs, so uv's
prefix rewrite lands in the tree) and a `SHA256SUMS` per folder; `mirror_download` fills it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote

from tui.core.catalog import Build
from tui.core.config_files import MIRROR_SETTING_OF
from tui.core.errors import DownloadFailed, PybuildsError
from tui.core.fetch import FetchOptions, read_bytes
from tui.core.mirrors import (
    GRAALPY_PREFIX,
    PBS_PREFIX,
    PYODIDE_PREFIX,
    PYPY_PREFIX,
    MirrorSettings,
    download_urls,
)
from tui.core.platform import Platform
from tui.core.redact import redact_url
from tui.core.sources import parse_sha256sums, release_folder

if TYPE_CHECKING:
    from tui.core.requests import Request

_log = logging.getLogger(__name__)

METADATA = "download-metadata.json"
SUMS = "SHA256SUMS"
_PREFIXES = {
    "cpython": PBS_PREFIX,
    "pypy": PYPY_PREFIX,
    "graalpy": GRAALPY_PREFIX,
    "pyodide": PYODIDE_PREFIX,
}
ChecksumSource = Literal["catalog", "SHA256SUMS", "computed"]


@dataclass(frozen=True, slots=True)
class MirrorFile:
    """One file to put into the mirror."""

    relpath: str
    """Where it goes under the mirror folder, `/`-separated, real name: `20260814/cpython-…+…`."""
    canonical_url: str
    """The upstream URL (what a catalog lists)."""
    source_url: str
    """Where it is downloaded from: the canonical URL after the source mirror's rewrite."""
    sha256: str | None
    """Expected checksum; None when neither the catalog nor SHA256SUMS has one."""
    checksum_from: ChecksumSource
    build: Build | None
    """The catalog entry; None for an extra flavour (which no catalog entry names)."""
    fallback_urls: tuple[str, ...] = ()
    """Where to download from when `source_url` fails (GitHub after Astral's mirror)."""


@dataclass(frozen=True, slots=True)
class MirrorPlan:
    files: tuple[MirrorFile, ...]
    notes: tuple[str, ...]
    """Builds or flavours that were left out, and why."""


@dataclass(frozen=True, slots=True)
class FileProgress:
    relpath: str
    done: int
    total: int | None


@dataclass(frozen=True, slots=True)
class FileDone:
    relpath: str
    size: int
    sha256: str
    status: Literal["downloaded", "present"]
    """`present`: a file already in the mirror matched its checksum and was kept."""
    verified: bool
    """False when there was nothing to compare the checksum with (it was computed)."""
    seconds: float


@dataclass(frozen=True, slots=True)
class FileFailed:
    relpath: str
    error: PybuildsError


@dataclass(frozen=True, slots=True)
class FileSkipped:
    """An extra flavour the source does not have (404): not an error, nothing was written."""

    relpath: str
    reason: str


@dataclass(frozen=True, slots=True)
class MirrorSummary:
    downloaded: int
    present: int
    failed: int
    skipped: int
    unverified: int
    bytes: int
    """Bytes downloaded (not counting files kept)."""
    seconds: float
    metadata: Path
    """The mirror's download-metadata.json."""
    settings: tuple[tuple[str, str], ...]
    """(uv key, value) pairs that make uv and pybuilds use the mirror."""


MirrorEvent = FileProgress | FileDone | FileFailed | FileSkipped | MirrorSummary


# --- choosing -----------------------------------------------------------------------------------


def select_builds(
    builds: Sequence[Build],
    requests: Sequence[Request],
    platform: Platform,
    *,
    all_platforms: bool = False,
) -> list[Build]:
    """The builds `pybuilds list` shows for each request (newest patch of each minor), merged;
    CPython's unless a request names another implementation.

    Args:
        builds: The catalog.
        requests: Parsed `Request`s; each adds its matches.
        platform: The platform to mirror for (ignored with `all_platforms`).
        all_platforms: Every platform's builds.
    """
    from tui.core.listing import ListOptions, list_rows

    options = ListOptions(only_downloads=True, all_platforms=all_platforms)
    chosen: dict[str, Build] = {}
    for request in requests:
        if request.implementation is None:
            # uv installs CPython for `3.12`; PyPy and GraalPy only when named.
            request = request._replace(implementation="cpython")
        for row in list_rows(builds, (), request, platform, options):
            if row.build is not None:
                chosen.setdefault(row.build.url, row.build)
    return list(chosen.values())


def mirror_relpath(url: str) -> str | None:
    """Where a canonical URL's file lives in a mirror (`<tag>/<name>`), None outside the
    prefixes uv rewrites."""
    for prefix in _PREFIXES.values():
        if url.startswith(prefix + "/"):
            rest = unquote(url[len(prefix) + 1 :].split("?", 1)[0].split("#", 1)[0])
            parts = PurePosixPath(rest).parts
            if not parts or any(p in ("", ".", "..") or "\\" in p for p in parts):
                return None
            if rest.startswith("/"):
                return None
            return "/".join(parts)
    return None


def plan_mirror(
    builds: Iterable[Build],
    *,
    flavours: Sequence[str] = (),
    source: MirrorSettings | None = None,
    options: FetchOptions | None = None,
) -> MirrorPlan:
    """The files to fetch for `builds` and the extra `flavours` of each CPython build.

    Checksums come from the catalog; extra flavours (and builds the catalog has no checksum
    for) are looked up in the release's SHA256SUMS at the source, else computed on download.

    Args:
        builds: Catalog builds to mirror.
        flavours: Extra PBS flavours (`pgo+lto-full`, `install_only`) to fetch beside each build.
        source: Mirrors to download from (the user's configured ones); None = upstream.
        options: Network options for the SHA256SUMS lookups.
    """
    from tui.core.filenames import sibling_url

    source = source or MirrorSettings()
    sums = _SumsCache(options or FetchOptions())
    files: dict[str, MirrorFile] = {}
    notes: list[str] = []
    for build in builds:
        relpath = mirror_relpath(build.url)
        if relpath is None:
            notes.append(
                f"{build.key}: {build.display_url} is not under a prefix uv rewrites for "
                "mirrors; left out"
            )
            continue
        try:
            fetched, *fallbacks = _urls(build.url, source, build.implementation)
        except PybuildsError as error:
            notes.append(f"{build.key}: {error}")
            continue
        sha, origin = (
            (build.sha256, "catalog") if build.sha256 else sums.lookup(fetched, *fallbacks)
        )
        files.setdefault(
            relpath,
            MirrorFile(relpath, build.url, fetched, sha, origin, build, tuple(fallbacks)),
        )
        if build.implementation != "cpython":
            continue
        for flavour in flavours:
            try:
                url = sibling_url(build.url, flavour)
            except ValueError as error:
                notes.append(f"{build.key}: {error}")
                continue
            extra = mirror_relpath(url)
            if extra is None or extra in files:
                continue
            fetched, *fallbacks = _urls(url, source, "cpython")
            listed = sums.listing(fetched, *fallbacks)
            name = extra.rsplit("/", 1)[-1]
            if listed is not None and name not in listed:
                notes.append(f"{name}: not in the release's SHA256SUMS (not published); skipped")
                continue
            sha = listed.get(name) if listed is not None else None
            checksum_from: ChecksumSource = "SHA256SUMS" if sha else "computed"
            files[extra] = MirrorFile(
                extra, url, fetched, sha, checksum_from, None, tuple(fallbacks)
            )
    return MirrorPlan(tuple(files.values()), tuple(notes))


def _urls(url: str, source: MirrorSettings, implementation: str) -> list[str]:
    """Where to fetch `url` from, in order (Astral's mirror, then GitHub, without a mirror)."""
    return [fetched for fetched, _ in download_urls(url, source, implementation=implementation)]


class _SumsCache:
    """SHA256SUMS of each release folder at the source, read once."""

    def __init__(self, options: FetchOptions) -> None:
        self._options = options
        self._folders: dict[str, dict[str, str] | None] = {}

    def listing(self, url: str, *fallbacks: str) -> dict[str, str] | None:
        """The SHA256SUMS beside `url`, else beside the first fallback that has one."""
        for candidate in (url, *fallbacks):
            listed = self._listing(candidate)
            if listed is not None:
                return listed
        return None

    def _listing(self, url: str) -> dict[str, str] | None:
        folder = release_folder(url)
        if folder not in self._folders:
            try:
                data = read_bytes(f"{folder}/{SUMS}", options=self._options, limit=16 << 20)
                self._folders[folder] = parse_sha256sums(data)
            except DownloadFailed as error:
                _log.info("no checksums for %s: %s", redact_url(folder), error)
                self._folders[folder] = None
        return self._folders[folder]

    def lookup(self, url: str, *fallbacks: str) -> tuple[str | None, ChecksumSource]:
        listed = self.listing(url, *fallbacks) or {}
        sha = listed.get(unquote(url.split("?", 1)[0].rsplit("/", 1)[-1]))
        return (sha, "SHA256SUMS") if sha else (None, "computed")


def mirror_settings_for(dest: Path) -> tuple[tuple[str, str], ...]:
    """The uv settings that point at the mirror in `dest`: one mirror key per implementation
    its metadata lists, and the metadata itself."""
    dest = dest.absolute()
    implementations = {"cpython"}
    try:
        document = json.loads((dest / METADATA).read_bytes())
    except (OSError, ValueError):
        document = {}
    if isinstance(document, dict):
        for entry in document.values():
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                for implementation, prefix in _PREFIXES.items():
                    if entry["url"].startswith(prefix + "/"):
                        implementations.add(implementation)
    uri = dest.as_uri()
    pairs = [(MIRROR_SETTING_OF[i], uri) for i in _PREFIXES if i in implementations]
    pairs.append(("python-downloads-json-url", str(dest / METADATA)))
    return tuple(pairs)
