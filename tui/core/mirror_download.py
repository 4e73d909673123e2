"""Download a mirror plan in parallel, verified, then merge its metadata and SHA256SUMS."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

from tui.core.catalog import to_json
from tui.core.errors import Cancelled, ChecksumMismatch, DownloadFailed, PybuildsError
from tui.core.fetch import Download, FetchOptions, open_first
from tui.core.mirror import (
    METADATA,
    SUMS,
    FileDone,
    FileFailed,
    FileProgress,
    FileSkipped,
    MirrorEvent,
    MirrorFile,
    MirrorPlan,
    MirrorSummary,
    mirror_settings_for,
)
from tui.core.quietlog import warning
from tui.core.sources import parse_sha256sums

_PROGRESS_INTERVAL = 0.1
"""Seconds between progress events of one file."""


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
    _check_writable(dest)
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
    try:
        return _download(item, target, part, options, stop, emit, started)
    except ChecksumMismatch:
        if not part.is_file():
            raise
        # The partial file an earlier run left does not belong to this build: start over.
        warning(
            __name__, "%s: the partial download did not match; downloading it again", item.relpath
        )
        part.unlink()
        return _download(item, target, part, options, stop, emit, started)


def _download(
    item: MirrorFile,
    target: Path,
    part: Path,
    options: FetchOptions,
    stop: threading.Event,
    emit: Callable[[MirrorEvent], None],
    started: float,
) -> FileDone:
    """Fetch into `part` (resuming one an earlier run left), verify, then rename to `target`.

    A cancelled or dropped download keeps `part` for the next run; any other failure removes it.
    On a mismatch after resuming, `part` stays so the caller can tell and start over.
    """
    have = part.stat().st_size if part.is_file() else 0
    digest = hashlib.sha256()
    size = 0
    keep_part = False
    try:
        with contextlib.ExitStack() as opened:
            download, given_up = open_first(
                (item.source_url, *item.fallback_urls),
                opened,
                options=options,
                cancel=stop,
                start=have,
            )
            for message in given_up:
                warning(__name__, "%s", message)
            resumed = download.offset
            if resumed:
                size = _hash_into(digest, part, resumed)
            with part.open("r+b" if resumed else "wb") as handle:
                handle.seek(size)
                handle.truncate()
                try:
                    size = _stream(download, handle, digest, size, item, emit)
                except (Cancelled, DownloadFailed):
                    keep_part = handle.tell() > 0  # a later run asks only for the rest
                    raise
                handle.flush()
                os.fsync(handle.fileno())
        actual = digest.hexdigest()
        if item.sha256 is not None and actual != item.sha256:
            keep_part = resumed > 0
            raise ChecksumMismatch(item.relpath, item.sha256, actual)
        os.replace(part, target)
    finally:
        if not keep_part:
            part.unlink(missing_ok=True)
    verified = item.sha256 is not None
    return FileDone(item.relpath, size, actual, "downloaded", verified, time.monotonic() - started)


def _hash_into(digest: Any, path: Path, length: int) -> int:
    """Feed the first `length` bytes of `path` to `digest`; returns the count read."""
    done = 0
    with path.open("rb") as handle:
        while done < length and (block := handle.read(min(1 << 20, length - done))):
            digest.update(block)
            done += len(block)
    return done


def _stream(
    download: Download,
    handle: BinaryIO,
    digest: Any,
    size: int,
    item: MirrorFile,
    emit: Callable[[MirrorEvent], None],
) -> int:
    """Append the body to `handle` while hashing it; returns the file's size so far."""
    last = 0.0
    for chunk in download.chunks():
        handle.write(chunk)
        digest.update(chunk)
        size += len(chunk)
        now = time.monotonic()
        if now - last >= _PROGRESS_INTERVAL:
            last = now
            emit(FileProgress(item.relpath, size, download.total))
    return size


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
    warning(__name__, "%s does not match its checksum; downloading it again", target)
    return None


# --- writing ------------------------------------------------------------------------------------


def _check_writable(dest: Path) -> None:
    """One error before any download, rather than every file failing and then the metadata
    failing on a temporary file's name."""
    try:
        dest.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".pybuilds-write-check.", dir=dest)
    except OSError as error:
        raise PybuildsError(
            f"cannot write into the mirror folder {dest}: {error.strerror or error}",
            hint="choose a folder you can write to, or fix its permissions",
        ) from None
    os.close(fd)
    os.unlink(probe)


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
            build = build._replace(sha256=done.sha256)
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
