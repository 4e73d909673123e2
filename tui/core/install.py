"""Install a build into uv's managed-Python root: fetch, verify, unpack, patch, rename, link."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tui.core import patches
from tui.core.archive import Extraction, extract_tar, extract_zip
from tui.core.catalog import Build
from tui.core.errors import (
    ChecksumMismatch,
    InstallError,
    PybuildsError,
)
from tui.core.events import (
    Done,
    Downloading,
    Extracting,
    Failed,
    InstallEvent,
    Patching,
    Resolved,
    Verifying,
    Warned,
)
from tui.core.fetch import Download, FetchOptions, local_path, open_first
from tui.core.install_place import (
    check_executable,
    link_into_bin,
    refresh,
    refresh_installed,
    swap,
)
from tui.core.layout import Installation, Layout
from tui.core.links import uninstall
from tui.core.locking import RootLock
from tui.core.mirrors import MirrorSettings
from tui.core.names import InstallKey
from tui.core.redact import redact_url
from tui.core.sources import (
    ARCHIVE_SOURCE,
    archive_build,
    cache_file,
    check_python_json,
    expected_sha256,
    file_name,
    mismatch_hint,
    resolve_urls,
)
from tui.core.streams import CHUNK, HashingReader, compression_for

if TYPE_CHECKING:
    from tui.core.platform import Platform

__all__ = [
    "InstallOptions",
    "install",
    "install_archive",
    "install_or_raise",
    "open_first_source",
    "refresh",
    "uninstall",
]


class ProgressThrottle:
    """When to report progress: every `interval` seconds, and at once when `step` more bytes
    came in. Reports wait for the unpacking to reach a step; the byte rule makes the bytes
    that came just before a stall show up instead of the count from before them."""

    def __init__(self, interval: float = 0.05, step: int = 1 << 20) -> None:
        self.interval = interval
        self.step = step
        self._last = float("-inf")
        self._done = 0

    def due(self, now: float, done: int) -> bool:
        if now - self._last < self.interval and done - self._done < self.step:
            return False
        self._last, self._done = now, done
        return True


class InstallOptions(NamedTuple):
    """How to install: mirrors, network settings, flavour, links."""

    mirrors: MirrorSettings = MirrorSettings()
    fetch: FetchOptions = FetchOptions()
    flavour: str | None = None
    """Another PBS flavour of the same build (`pgo+lto-full`, `install_only`, `debug-full`);
    None installs the catalog's own URL."""
    reinstall: bool = False
    """Replace an existing installation and recreate its executables."""
    force: bool = False
    """Replace executables in the bin dir that uv does not manage or that point to another
    install, as `uv python install --force`."""
    link_bin: bool = True
    """Link `python3.X` into the bin dir."""
    default_links: bool = False
    """Also link `python3` and `python`, as `uv python install --default`."""
    via_minor: bool = False
    """Link executables through the minor-version folder, as uv does for `3.12` requests (and
    with `default_links`)."""
    cache_dir: Path | None = None
    """Keep downloaded archives here (`UV_PYTHON_CACHE_DIR`) and reuse them."""


def install(
    build: Build,
    layout: Layout,
    *,
    options: InstallOptions | None = None,
    cancel: threading.Event | None = None,
    baseline: Build | None = None,
) -> Generator[InstallEvent, None, None]:
    """Install `build` into `layout.root` in uv's layout, yielding progress events.

    Failures end the stream with `Failed(key, error)`; nothing is raised for them, and an
    earlier installation of the same key is left as it was. The download and unpacking run
    without the root's lock; the lock is held only to rename the result into place and link it.

    Args:
        baseline: The baseline x86-64 build to install instead of `build`, an x86-64 level
            build, when no source has `build`'s archive (see `level_fallback`).
    """
    options = options or InstallOptions()
    key = str(build.install_key)
    try:
        if baseline is not None:
            from tui.core.level_fallback import available_or_baseline

            build, warning = available_or_baseline(build, baseline, options)
            key = str(build.install_key)
            if warning:
                yield Warned(key, warning)
        yield from _Installer(build, layout, options, cancel).run()
    except PybuildsError as error:
        yield Failed(key, error)
    except OSError as error:
        yield Failed(key, _os_error(error, layout))


def install_archive(
    source: str,
    layout: Layout,
    *,
    options: InstallOptions | None = None,
    cancel: threading.Event | None = None,
    catalog: Callable[[], Iterable[Build]] | None = None,
    host: Platform | None = None,
) -> Generator[InstallEvent, None, None]:
    """Install a local or remote archive (`pybuilds install --archive`).

    The build is the `catalog`'s entry for the file name, else what a PBS name tells, checked
    against `PYTHON.json` in full archives. The catalog's checksum, else a `SHA256SUMS` beside
    the archive, verifies it. A build `host` cannot run is installed (for uv to find, as it
    does other platforms' builds) but not linked into the bin dir, with a warning.
    """
    options = options or InstallOptions()
    key = file_name(source)  # until the name tells the installation key
    try:
        if problem := _local_archive_problem(source):
            raise InstallError(problem, hint="give the path or URL of a downloaded archive")
        build = archive_build(source, catalog)
        key = str(build.install_key)  # the key the other events carry
        if host is not None and not host.runs(build.os, build.arch, build.arch_level, build.libc):
            if options.link_bin:
                yield Warned(key, _foreign_warning(build, host, layout))
            options = options._replace(link_bin=False, default_links=False)
        yield from _Installer(build, layout, options, cancel).run()
    except PybuildsError as error:
        yield Failed(key, error)
    except OSError as error:
        yield Failed(key, _os_error(error, layout))


def _foreign_warning(build: Build, host: Platform, layout: Layout) -> str:
    return (
        f"{build.install_key} is a build for {build.platform_key}, which this machine "
        f"({host.key}) cannot run: installed, but not linked into {layout.bin_dir}"
    )


def _local_archive_problem(source: str) -> str | None:
    """Why a local archive cannot be read, said before any warning about its checksum."""
    path = local_path(source)
    if path is None or path.is_file():
        return None
    if path.is_dir():
        return f"{path} is a folder, not an archive"
    from tui.core.nearmiss import encoded_plus  # only when the file is missing

    if encoded_plus(path) is not None:
        return None  # opened under the name it was saved as, with a warning
    return f"no archive at {path}"


def install_or_raise(
    build: Build | str,
    layout: Layout,
    *,
    options: InstallOptions | None = None,
    cancel: threading.Event | None = None,
    on_event: Callable[[InstallEvent], None] | None = None,
) -> Installation:
    """Run `install` (or `install_archive` for a str) to the end; raises the PybuildsError.

    Returns:
        The installation as read back from the root.
    """
    events = (
        install_archive(build, layout, options=options, cancel=cancel)
        if isinstance(build, str)
        else install(build, layout, options=options, cancel=cancel)
    )
    for event in events:
        if on_event is not None:
            on_event(event)
        if isinstance(event, Failed):
            raise event.error
        if isinstance(event, Done):
            found = layout.installation(InstallKey.parse(event.key) or _bad_key(event.key))
            if found is None:
                raise InstallError(f"{event.key} vanished from {layout.root} after installing")
            return found
    raise InstallError("the install ended without a result")


def _bad_key(key: str) -> InstallKey:
    raise InstallError(f"`{key}` is not an installation key")


def _os_error(error: OSError, layout: Layout) -> PybuildsError:
    where = f": {error.filename}" if error.filename else ""
    if error.errno == errno.ENOSPC:
        return InstallError(
            f"no space left on the device holding {layout.root}",
            hint="free some space and run again; nothing was installed",
        )
    if error.errno == errno.ENOTDIR and error.filename:
        blocking = _file_in_the_way(Path(error.filename))
        return InstallError(
            f"{blocking} is a file, where a folder is needed for {error.filename}",
            hint=f"the install dir {layout.root} and the bin dir {layout.bin_dir} must be "
            "folders (--install-dir, UV_PYTHON_INSTALL_DIR; --bin-dir, UV_PYTHON_BIN_DIR)",
        )
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return InstallError(
            f"{error.strerror}{where}",
            hint=f"check that {layout.root} and {layout.bin_dir} are writable",
        )
    return InstallError(f"{error.strerror or error}{where}")


def _file_in_the_way(path: Path) -> Path:
    """The nearest ancestor of `path` that exists and is not a folder (ENOTDIR's cause)."""
    for parent in path.parents:
        if parent.exists():
            return parent if not parent.is_dir() else path
    return path


def open_first_source(
    key: str,
    sources: list[tuple[str, str | None]],
    stack: contextlib.ExitStack,
    *,
    options: FetchOptions,
    cancel: threading.Event | None = None,
) -> Generator[InstallEvent, None, Download]:
    """Open the first of `sources` that answers (see `open_first`), kept open by
    `stack`; each source given up on becomes a warning and the next source's Resolved event."""
    urls = [url for url, _ in sources]
    download, given_up = open_first(urls, stack, options=options, cancel=cancel)
    for message, (after, after_setting) in zip(given_up, sources[1:], strict=False):
        yield Warned(key, message)
        yield Resolved(key, redact_url(after), after_setting)
    return download


class _Installer:
    """One run of the pipeline; state shared by its steps."""

    def __init__(
        self,
        build: Build,
        layout: Layout,
        options: InstallOptions,
        cancel: threading.Event | None,
    ) -> None:
        self.build = build
        self.layout = layout
        self.options = options
        self.cancel = cancel
        self.ikey = build.install_key
        self.key = str(self.ikey)
        self.target = layout.path_for(self.ikey)
        self.unverified: str | None = None
        """Why the download cannot be verified, if it cannot."""

    def run(self) -> Iterator[InstallEvent]:
        sources: list[tuple[str, str | None]]
        if self.build.source == ARCHIVE_SOURCE:
            sources = [(self.build.url, None)]
            flavoured = False
        else:
            sources, flavoured = resolve_urls(
                self.build, self.options.flavour, self.options.mirrors
            )
        url, setting = sources[0]
        cache = cache_file(self.options.cache_dir, self.build, flavoured)
        hit = cache is not None and cache.is_file()
        if cache is not None and hit:
            yield Resolved(self.key, str(cache), "python-cache-dir")
        else:
            yield Resolved(self.key, redact_url(url), setting)
        self.layout.init()
        if self.target.is_dir() and not self.options.reinstall:
            present = self.layout.installation(self.ikey)
            if present is None or present.has_interpreter():
                yield from self._existing()
                return
            # A folder a crash left, or one emptied: nothing in it runs, so it is replaced.
            yield Warned(
                self.key,
                f"{self.target} has no {present.executable.name} (a broken install); "
                "installing it again",
            )
        expected, self.unverified = self._checksum(sources, flavoured)
        # A private folder in uv's scratch dir (tempfile.mkdtemp's job, without its imports).
        work = self.layout.temp_dir / f"pybuilds-{os.urandom(6).hex()}"
        work.mkdir(mode=0o700)
        extraction = Extraction(work / "unpacked", cancel=self.cancel)
        try:
            extraction.dest.mkdir()
            if cache is not None and hit:
                sources = [(str(cache), "python-cache-dir")]
            keep = work / "cache.partial" if cache is not None and not hit else None
            digest = yield from self._unpack(sources, extraction, work, keep)
            if expected is not None and digest != expected:
                if cache is not None and hit:
                    cache.unlink(missing_ok=True)  # a damaged cache entry must not stick
                raise ChecksumMismatch(
                    self.key, expected, digest, hint=mismatch_hint(self.build, flavoured)
                )
            yield Verifying(self.key, digest, expected is not None)
            if cache is not None and keep is not None:
                cache.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(keep, cache)
            root = extraction.root
            if extraction.python_json is not None:
                check_python_json(
                    extraction.python_json, extraction.dest / str(extraction.top), self.build
                )
            check_executable(root, self.ikey)
            for step in patches.apply(
                root, self.ikey, build=self.build.build, real_path=self.target
            ):
                yield Patching(self.key, step)
            warning = patches.patch_macos_dylib(root, self.ikey, self.target)
            if warning:
                yield Warned(self.key, warning)
            yield Patching(self.key, "links")
            yield from self._place(root, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _checksum(
        self, sources: list[tuple[str, str | None]], flavoured: bool
    ) -> tuple[str | None, str | None]:
        """The sha256 to expect, and a warning when there is none to check against.

        Another flavour's checksum comes from the SHA256SUMS of the first source with one; the
        catalog's own archive has its checksum in the catalog, wherever it is fetched.
        """
        expected: str | None = None
        warning: str | None = None
        for candidate, _ in sources if flavoured else sources[:1]:
            expected, warning = expected_sha256(
                self.build, candidate, flavoured, self.options.fetch
            )
            if warning is None:
                break
        return expected, warning

    def _unpack(
        self,
        sources: list[tuple[str, str | None]],
        extraction: Extraction,
        work: Path,
        keep: Path | None,
    ) -> Generator[InstallEvent, None, str]:
        """Download, hash and extract in one pass; returns the archive's sha256.

        Args:
            sources: Where to download from, in order of preference.
            keep: Also write the archive here (for the cache).
        """
        kind = compression_for(file_name(sources[0][0]))
        with contextlib.ExitStack() as opened:
            download = yield from open_first_source(
                self.key, sources, opened, options=self.options.fetch, cancel=self.cancel
            )
            if self.unverified:  # said once the archive is there: not before "file not found"
                yield Warned(self.key, self.unverified)
            for message in download.warnings:
                yield Warned(self.key, message)
            total = download.total
            yield Downloading(self.key, 0, total)
            # A zip is read from its end: it must be a file first (the download, or a copy).
            spool = keep or (
                work / "archive.zip" if kind == "zip" and download.path is None else None
            )
            with contextlib.ExitStack() as stack:
                out = stack.enter_context(open(spool, "wb")) if spool is not None else None
                reader = HashingReader(download.chunks(), cancel=self.cancel, tee=out)
                if kind == "zip":
                    steps: Iterator[None] = _drain(reader)
                else:
                    steps = extract_tar(reader, kind, extraction, name=download.display_url)
                yield from self._progress(steps, reader, extraction, total)
                reader.drain()
            if kind == "zip":
                zipped = spool or download.path
                assert zipped is not None
                steps = extract_zip(zipped, extraction, name=download.display_url)
                yield from self._progress(steps, reader, extraction, total)
            yield Downloading(self.key, reader.done, reader.done if total is None else total)
            yield Extracting(self.key, extraction.files)
        return reader.hexdigest()

    def _progress(
        self,
        steps: Iterator[None],
        reader: HashingReader,
        extraction: Extraction,
        total: int | None,
    ) -> Iterator[InstallEvent]:
        """Run `steps`, reporting bytes and files as `ProgressThrottle` allows."""
        throttle = ProgressThrottle()
        throttle.due(time.monotonic(), 0)  # the caller has just reported 0 bytes
        files = -1
        try:
            for _ in steps:
                if not throttle.due(time.monotonic(), reader.done):
                    continue
                yield Downloading(self.key, reader.done, total)
                if extraction.files != files:
                    files = extraction.files
                    yield Extracting(self.key, files)
        finally:
            if isinstance(steps, Generator):
                steps.close()

    def _lock(self) -> Generator[InstallEvent, None, RootLock]:
        lock = RootLock(self.layout.root)
        try:
            if not lock.try_acquire():
                yield Warned(
                    self.key, f"waiting for another uv or pybuilds process to release {lock.path}"
                )
                lock.acquire(self.cancel)
        except BaseException:  # including a stream closed while waiting
            lock.release()
            raise
        return lock

    def _place(self, root: Path, work: Path) -> Iterator[InstallEvent]:
        """Under the lock: rename into place (an old install kept until the swap), then link."""
        lock = yield from self._lock()
        try:
            present = self.layout.installation(self.ikey)
            if present is not None and present.has_interpreter() and not self.options.reinstall:
                # Another process installed the same key while this one downloaded.
                done = Done(self.key, self.target, already_installed=True)
            else:
                swap(root, self.target, work)
                done = Done(self.key, self.target)
            warnings = self._links()
        finally:
            lock.release()
        for message in warnings:
            yield Warned(self.key, message)
        yield done

    def _links(self) -> list[str]:
        return link_into_bin(self.layout, self.ikey, self.options)

    def _existing(self) -> Iterator[InstallEvent]:
        """Already installed: re-apply uv's fixes and links, as uv does for present installs."""
        lock = yield from self._lock()
        warnings: list[str] = []
        try:
            installation = self.layout.installation(self.ikey)
            if installation is not None:
                old, new = installation.build, self.build.build
                if old and new and old != new:
                    warnings.append(
                        f"{self.key} is installed from build {old}, not {new}; "
                        "reinstall to replace it"
                    )
                warnings += refresh_installed(self.layout, installation, self.options)
        finally:
            lock.release()
        for message in warnings:
            yield Warned(self.key, message)
        yield Done(self.key, self.target, already_installed=True)


def _drain(reader: HashingReader) -> Iterator[None]:
    while reader.read(CHUNK):
        yield
