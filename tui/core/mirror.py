"""Copy chosen builds into a tree that uv and pybuilds read as a file:// or http(s) mirror.

The tree is `<dir>/<tag>/<file name with +>` (PyPy: `<dir>/<file>`), verified against the
catalog or the release's SHA256SUMS, with `download-metadata.json` (canonical URLs, so uv's
prefix rewrite lands in the tree) and a `SHA256SUMS` per folder.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from tui.core.catalog import Build, to_json
from tui.core.errors import Cancelled, ChecksumMismatch, DownloadFailed, PybuildsError
from tui.core.fetch import FetchOptions, open_url, read_bytes
from tui.core.mirrors import (
    GRAALPY_PREFIX,
    PBS_PREFIX,
    PYODIDE_PREFIX,
    PYPY_PREFIX,
    MirrorSettings,
    rewrite_url,
)
from tui.core.platform import Platform
from tui.core.redact import redact_url
from tui.core.sources import parse_sha256sums

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
_SETTING_OF = {
    "cpython": "python-install-mirror",
    "pypy": "pypy-install-mirror",
    "graalpy": "graalpy-install-mirror",
    "pyodide": "pyodide-install-mirror",
}
_PROGRESS_INTERVAL = 0.1
"""Seconds between progress events of one file."""

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
            request = dataclasses.replace(request, implementation="cpython")
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
            fetched = rewrite_url(build.url, source, implementation=build.implementation)[0]
        except PybuildsError as error:
            notes.append(f"{build.key}: {error}")
            continue
        sha, origin = (build.sha256, "catalog") if build.sha256 else sums.lookup(fetched)
        files.setdefault(relpath, MirrorFile(relpath, build.url, fetched, sha, origin, build))
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
            fetched = rewrite_url(url, source, implementation="cpython")[0]
            listed = sums.listing(fetched)
            name = extra.rsplit("/", 1)[-1]
            if listed is not None and name not in listed:
                notes.append(f"{name}: not in the release's SHA256SUMS (not published); skipped")
                continue
            sha = listed.get(name) if listed is not None else None
            files[extra] = MirrorFile(
                extra, url, fetched, sha, "SHA256SUMS" if sha else "computed", None
            )
    return MirrorPlan(tuple(files.values()), tuple(notes))


class _SumsCache:
    """SHA256SUMS of each release folder at the source, read once."""

    def __init__(self, options: FetchOptions) -> None:
        self._options = options
        self._folders: dict[str, dict[str, str] | None] = {}

    def listing(self, url: str) -> dict[str, str] | None:
        folder = url.split("?", 1)[0].rsplit("/", 1)[0]
        if folder not in self._folders:
            try:
                data = read_bytes(f"{folder}/{SUMS}", options=self._options, limit=16 << 20)
                self._folders[folder] = parse_sha256sums(data)
            except DownloadFailed as error:
                _log.info("no checksums for %s: %s", redact_url(folder), error)
                self._folders[folder] = None
        return self._folders[folder]

    def lookup(self, url: str) -> tuple[str | None, ChecksumSource]:
        listed = self.listing(url) or {}
        sha = listed.get(unquote(url.split("?", 1)[0].rsplit("/", 1)[-1]))
        return (sha, "SHA256SUMS") if sha else (None, "computed")


# --- fetching -----------------------------------------------------------------------------------


def create_mirror(
    dest: Path,
    plan: MirrorPlan,
    *,
    options: FetchOptions | None = None,
    jobs: int = 4,
    cancel: threading.Event | None = None,
) -> Iterator[MirrorEvent]:
    """Download `plan` into `dest` with `jobs` parallel downloads, then write the metadata.

    Files whose checksum already matches are kept; each download goes to `<name>.part` and is
    renamed into place only once verified, so an interrupted run never leaves a partial file
    under an archive's name. Failed files are reported and left out of the metadata.

    Yields:
        FileProgress events, then FileDone, FileFailed or FileSkipped per file, then one
        MirrorSummary.

    Raises:
        Cancelled: `cancel` was set; the metadata still lists the files finished before.
    """
    options = options or FetchOptions()
    dest = dest.absolute()
    dest.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    stop = threading.Event()
    events: queue.Queue[MirrorEvent] = queue.Queue()
    finished: list[tuple[MirrorFile, FileDone]] = []
    failed = skipped = 0
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="mirror")
    try:
        for item in plan.files:
            pool.submit(_worker, dest, item, options, stop, events.put)
        pending = len(plan.files)
        by_path = {item.relpath: item for item in plan.files}
        while pending:
            if cancel is not None and cancel.is_set():
                stop.set()
            try:
                event = events.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(event, FileDone):
                finished.append((by_path[event.relpath], event))
                pending -= 1
            elif isinstance(event, FileFailed):
                failed += 1
                pending -= 1
            elif isinstance(event, FileSkipped):
                skipped += 1
                pending -= 1
            yield event
    finally:
        # Also when the consumer stops early: workers see `stop` between two chunks.
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
    metadata = write_metadata(dest, finished)
    if cancel is not None and cancel.is_set():
        raise Cancelled("mirror")
    downloads = [done for _item, done in finished if done.status == "downloaded"]
    yield MirrorSummary(
        downloaded=len(downloads),
        present=len(finished) - len(downloads),
        failed=failed,
        skipped=skipped,
        unverified=sum(1 for _item, done in finished if not done.verified),
        bytes=sum(done.size for done in downloads),
        seconds=time.monotonic() - started,
        metadata=metadata,
        settings=mirror_settings_for(dest),
    )


def _worker(
    dest: Path,
    item: MirrorFile,
    options: FetchOptions,
    stop: threading.Event,
    emit: Callable[[MirrorEvent], None],
) -> None:
    try:
        emit(_fetch(dest, item, options, stop, emit))
    except DownloadFailed as error:
        if item.build is None and error.status in (404, 410):
            emit(FileSkipped(item.relpath, f"not published at the source ({error.status})"))
        else:
            emit(FileFailed(item.relpath, error))
    except PybuildsError as error:
        emit(FileFailed(item.relpath, error))
    except OSError as error:
        emit(FileFailed(item.relpath, PybuildsError(f"{item.relpath}: {error.strerror or error}")))
    except Exception as error:  # the generator waits for one final event per file
        emit(FileFailed(item.relpath, PybuildsError(f"{item.relpath}: unexpected {error!r}")))


def _fetch(
    dest: Path,
    item: MirrorFile,
    options: FetchOptions,
    stop: threading.Event,
    emit: Callable[[MirrorEvent], None],
) -> FileDone:
    target = dest.joinpath(*item.relpath.split("/"))
    started = time.monotonic()
    if stop.is_set():
        raise Cancelled("download")
    if target.is_file():
        kept = _check_present(target, item, started, stop)
        if kept is not None:
            return kept
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    size = 0
    last = 0.0
    try:
        with (
            open_url(item.source_url, options=options, cancel=stop) as download,
            part.open("wb") as handle,
        ):
            for chunk in download.chunks():
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                now = time.monotonic()
                if now - last >= _PROGRESS_INTERVAL:
                    last = now
                    emit(FileProgress(item.relpath, size, download.total))
            handle.flush()
            os.fsync(handle.fileno())
        actual = digest.hexdigest()
        if item.sha256 is not None and actual != item.sha256:
            raise ChecksumMismatch(item.relpath, item.sha256, actual)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    verified = item.sha256 is not None
    return FileDone(item.relpath, size, actual, "downloaded", verified, time.monotonic() - started)


def _check_present(
    target: Path, item: MirrorFile, started: float, stop: threading.Event
) -> FileDone | None:
    """A file already in place: kept when it matches (or there is nothing to match)."""
    digest = hashlib.sha256()
    size = 0
    with target.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            if stop.is_set():
                raise Cancelled("download")
            digest.update(chunk)
            size += len(chunk)
    actual = digest.hexdigest()
    if item.sha256 is None or actual == item.sha256:
        # Only a verified download is ever renamed to the final name, so a file without an
        # expected checksum was complete when written.
        elapsed = time.monotonic() - started
        return FileDone(item.relpath, size, actual, "present", item.sha256 is not None, elapsed)
    _log.warning("%s does not match its checksum; downloading it again", target)
    return None


# --- writing ------------------------------------------------------------------------------------


def write_metadata(dest: Path, finished: Sequence[tuple[MirrorFile, FileDone]]) -> Path:
    """Merge the finished files into `dest`'s download-metadata.json and SHA256SUMS files."""
    path = dest / METADATA
    document: dict[str, Any] = {}
    if path.is_file():
        try:
            existing = json.loads(path.read_bytes())
        except (OSError, ValueError) as error:
            raise PybuildsError(
                f"cannot update {path}: {error}",
                hint="move the broken file away; the next run writes a new one",
            ) from None
        if isinstance(existing, dict):
            document.update(existing)
    builds = []
    for item, done in finished:
        if item.build is None:
            continue
        build = item.build
        if build.sha256 is None:
            # A checksum computed here still pins the file, for uv and for pybuilds.
            build = dataclasses.replace(build, sha256=done.sha256)
        builds.append(build)
    document.update(to_json(builds))
    _atomic_write(path, (json.dumps(document, indent=2, sort_keys=True) + "\n").encode())
    folders: dict[Path, dict[str, str]] = {}
    for _item, done in finished:
        file = dest.joinpath(*done.relpath.split("/"))
        folders.setdefault(file.parent, {})[file.name] = done.sha256
    for folder, sums in folders.items():
        sums_path = folder / SUMS
        merged: dict[str, str] = {}
        if sums_path.is_file():
            merged.update(parse_sha256sums(sums_path.read_bytes()))
        merged.update(sums)
        text = "".join(f"{merged[name]}  {name}\n" for name in sorted(merged))
        _atomic_write(sums_path, text.encode())
    return path


def _atomic_write(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


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
    pairs = [(_SETTING_OF[i], uri) for i in _PREFIXES if i in implementations]
    pairs.append(("python-downloads-json-url", str(dest / METADATA)))
    return tuple(pairs)
