"""Unpack a build archive in one pass: hash the bytes, decompress, refuse unsafe members."""

from __future__ import annotations

import lzma
import os
import re
import shutil
import stat
import tarfile
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from tui.core.errors import ArchiveError, Cancelled, UnsafeArchive
from tui.core.streams import (
    CHUNK,
    Compression,
    CorruptData,
    ForwardReader,
    Readable,
    ReadAhead,
    Truncated,
    decompressed,
)
from tui.core.tar_headers import QuickTarInfo

if TYPE_CHECKING:
    import zipfile

_PYTHON_JSON_LIMIT = 16 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")


def member_parts(name: str) -> tuple[str, ...]:
    """Split a member name into safe path parts; UnsafeArchive for absolute or `..` paths."""
    if "\x00" in name:
        raise UnsafeArchive(name, "the name contains a NUL byte")
    text = name.replace("\\", "/")
    if text.startswith("/") or _DRIVE.match(text):
        raise UnsafeArchive(name, "absolute path")
    parts = tuple(part for part in text.split("/") if part not in ("", "."))
    if ".." in parts:
        raise UnsafeArchive(name, "`..` would lead outside the install folder")
    return parts


def _resolve_link(name: str, parts: tuple[str, ...], linkname: str) -> tuple[str, ...]:
    """Where a relative symlink at `parts` points, lexically; refuses escapes."""
    if not linkname or linkname.startswith(("/", "\\")) or _DRIVE.match(linkname):
        raise UnsafeArchive(name, f"symlink to an absolute path `{linkname}`")
    resolved = list(parts[:-1])
    for part in linkname.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not resolved:
                raise UnsafeArchive(name, f"symlink `{linkname}` points outside the install folder")
            resolved.pop()
        else:
            resolved.append(part)
    if not resolved or resolved[0] != parts[0]:
        raise UnsafeArchive(name, f"symlink `{linkname}` points outside the install folder")
    return tuple(resolved)


def _file_mode(mode: int) -> int:
    """The `data` filter's rule: no setuid/sticky or group/other write; owner can read/write."""
    mode &= 0o755
    if not mode & 0o100:
        mode &= ~0o111
    return mode | 0o600


_CREATE = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
)


def _finish_file(fd: int, target: str, mode: int, mtime: float) -> None:
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:
        os.chmod(target, mode)
    # Keep mtimes: bytecode caches shipped in the archive are validated against them.
    if os.utime in os.supports_fd:
        os.utime(fd, (mtime, mtime))
    else:
        os.utime(target, (mtime, mtime))


class Extraction:
    """State of one extraction into `dest`: counts, PYTHON.json, what was written."""

    def __init__(self, dest: Path, *, cancel: threading.Event | None = None) -> None:
        self.dest = dest
        self._dest = os.fspath(dest)  # str joins: pathlib cost ~10% of unpacking
        self.cancel = cancel
        self.files = 0
        """Members written so far."""
        self.python_json: bytes | None = None
        """The full archive's `python/PYTHON.json`, read from the first member."""
        self.top: str | None = None
        self._keep: tuple[str, ...] | None = None
        self._links: set[tuple[str, ...]] = set()
        self._written: set[tuple[str, ...]] = set()
        self._dirs: set[tuple[str, ...]] = set()
        self._check: Callable[[tarfile.TarInfo, str], Any] | None = getattr(
            tarfile, "data_filter", None
        )

    @property
    def root(self) -> Path:
        """The installation inside the archive: `python/install/` (full) or `python/`."""
        if self.top is None:
            raise ArchiveError("the archive is empty")
        top = self.dest / self.top
        return top / "install" if (top / "install").is_dir() else top

    def _cancelled(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("install")

    def _place(self, name: str, parts: tuple[str, ...], *, is_dir: bool) -> bool:
        """Check the top folder and symlinked parents; False if the member is not kept."""
        if self.top is None:
            self.top = parts[0]
        elif parts[0] != self.top:
            raise ArchiveError(
                f"the archive has more than one top-level entry (`{self.top}`, `{parts[0]}`); "
                "expected a single folder such as `python/`"
            )
        if len(parts) == 1 and not is_dir:
            raise ArchiveError(f"unexpected file `{name}` at the top of the archive")
        # Folders this extraction made are never links, nor are their parents: only a path
        # under another folder can go through one.
        if parts[:-1] not in self._dirs:
            for depth in range(1, len(parts)):
                if parts[:depth] in self._links:
                    raise UnsafeArchive(name, "the path goes through a symlink in the archive")
        return self._keep is None or parts[: len(self._keep)] == self._keep or len(parts) == 1

    def _path(self, parts: tuple[str, ...]) -> str:
        # member_parts checked every part: a plain join (os.path.join costs ~5 us a member).
        return os.sep.join((self._dest, *parts))

    def _mkdir(self, parts: tuple[str, ...]) -> None:
        if parts not in self._dirs:
            os.makedirs(self._path(parts), exist_ok=True)
            self._dirs.update(parts[:depth] for depth in range(1, len(parts) + 1))

    def _target(self, parts: tuple[str, ...]) -> str:
        """The path for a file or link member, its folder created, an earlier entry removed.

        The destination starts empty, so only what this extraction wrote can be in the way.
        """
        target = self._path(parts)
        self._mkdir(parts[:-1])
        if parts in self._dirs:
            raise ArchiveError(f"archive member `{'/'.join(parts)}` replaces a folder")
        if parts in self._written or parts in self._links:
            os.unlink(target)  # tar semantics: a later member replaces an earlier one
            self._links.discard(parts)
            self._written.discard(parts)
        return target

    def _filter(self, member: tarfile.TarInfo) -> None:
        """Second opinion from the stdlib's `data` filter, where this Python has it."""
        if self._check is None:
            return
        try:
            self._check(member, self._dest)
        except tarfile.FilterError as error:
            raise UnsafeArchive(member.name, str(error)) from None

    def tar_member(
        self, tar: tarfile.TarFile, member: tarfile.TarInfo, data: ForwardReader
    ) -> Iterator[None]:
        """Write one member; `data` is the stream `tar` reads, at the member's data. Yields
        between chunks of large files."""
        name = member.name
        parts = member_parts(name)
        if not parts:
            return
        if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
            kind = "device file" if member.ischr() or member.isblk() else "special file"
            if member.isfifo():
                kind = "FIFO"
            raise UnsafeArchive(name, f"{kind} in an archive of a Python build")
        first = self.top is None
        if not self._place(name, parts, is_dir=member.isdir()):
            return
        if first and len(parts) == 2 and parts[1] == "PYTHON.json" and member.isreg():
            # Full archives start with PYTHON.json; only `python/install/` is installed.
            source = tar.extractfile(member)
            self.python_json = source.read(_PYTHON_JSON_LIMIT) if source else b""
            self._keep = (parts[0], "install")
            return
        if member.isdir():
            if parts in self._links:
                raise UnsafeArchive(name, "a folder replaces a symlink")
            self._mkdir(parts)
            return
        if member.issym() or member.islnk():
            # Plain files cannot escape past the checks above; links get the stdlib's too.
            self._filter(member)
        if member.issym():
            _resolve_link(name, parts, member.linkname)
            os.symlink(member.linkname, self._target(parts))
            self._links.add(parts)
        elif member.islnk():
            source_parts = member_parts(member.linkname)
            if source_parts not in self._written:
                raise UnsafeArchive(name, f"hard link to `{member.linkname}`, not a file above it")
            target = self._target(parts)
            try:
                os.link(self._path(source_parts), target)
            except OSError:
                shutil.copy2(self._path(source_parts), target)
            self._written.add(parts)
        else:
            yield from self._write(_member_data(tar, member, data), member, parts)
        self.files += 1

    def _write(
        self, pieces: Iterator[memoryview], member: tarfile.TarInfo, parts: tuple[str, ...]
    ) -> Iterator[None]:
        # Written in this thread: the decompressing runs ahead on another (see ReadAhead), and
        # file-writing threads only fought this one for the GIL (slower by half in benchmarks).
        target = self._target(parts)
        self._written.add(parts)
        fd = os.open(target, _CREATE, 0o600)
        try:
            unreported = 0
            for piece in pieces:
                unreported += len(piece)
                while piece:
                    piece = piece[os.write(fd, piece) :]
                if unreported >= CHUNK:
                    unreported = 0
                    self._cancelled()
                    yield
            _finish_file(fd, target, _file_mode(member.mode), member.mtime)
        finally:
            os.close(fd)

    def zip_member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """Write one member of a zip archive; links are refused (Windows builds have none)."""
        self._cancelled()
        parts = member_parts(info.filename)
        if not parts:
            return
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UnsafeArchive(info.filename, "symlink in a zip archive")
        if not self._place(info.filename, parts, is_dir=info.is_dir()):
            return
        if info.is_dir():
            self._mkdir(parts)
            return
        target = self._target(parts)
        self._written.add(parts)
        with archive.open(info) as source, open(target, "xb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        if mode & 0o111:
            os.chmod(target, _file_mode(mode))
        self.files += 1

    def check_links(self) -> None:
        """After extraction: every symlink must resolve inside the installation."""
        root = os.path.realpath(self.root)
        for parts in self._links:
            path = self.dest.joinpath(*parts)
            if not path.is_relative_to(self.root):
                continue
            real = os.path.realpath(path)
            if os.path.commonpath([real, root]) != root:
                name = "/".join(parts)
                raise UnsafeArchive(name, "symlink resolves outside the install folder")


def _member_data(
    tar: tarfile.TarFile, member: tarfile.TarInfo, data: ForwardReader
) -> Iterator[memoryview]:
    """A regular member's bytes, read from the stream itself: tarfile's file objects add three
    layers of calls, and copies, to every read (a third of unpacking's instructions)."""
    if member.sparse is not None:  # holes to fill in: tarfile knows how
        source = tar.extractfile(member)
        while source is not None and (chunk := source.read(CHUNK)):
            yield memoryview(chunk)
        return
    data.seek(member.offset_data)
    yield from data.pieces(member.size)


_READ_ERRORS: tuple[type[BaseException], ...] = (
    Truncated,
    CorruptData,
    tarfile.TarError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
)


def _is_read_error(error: BaseException) -> bool:
    if isinstance(error, _READ_ERRORS):
        return True
    # bz2 and zstandard report corrupt data as errno-less OSError / ZstdError.
    if isinstance(error, OSError) and error.errno is None:
        return True
    return type(error).__name__ == "ZstdError"


def extract_tar(
    raw: Readable, kind: Compression, extraction: Extraction, *, name: str
) -> Iterator[None]:
    """Stream a tar archive into `extraction.dest`; yields after each member or large chunk.

    Raises:
        ArchiveError: corrupt, truncated or not a tar archive of one top folder.
        UnsafeArchive: a member that is absolute, uses `..`, escapes via a link or is special.
    """
    source = ReadAhead(decompressed(raw, kind), cancel=extraction.cancel)
    reader = ForwardReader(source)
    try:
        with tarfile.open(fileobj=cast(IO[bytes], reader), mode="r:", tarinfo=QuickTarInfo) as tar:
            while (member := tar.next()) is not None:
                yield from extraction.tar_member(tar, member, reader)
                # tarfile keeps every header it read; keep memory flat instead.
                tar.members.clear()  # type: ignore[attr-defined]
                yield
            offset = tar.offset
        while reader.read(CHUNK):  # to the end, so its length tells a cut-off stream
            pass
    except Exception as error:
        if not _is_read_error(error):
            raise
        detail = str(error) or type(error).__name__
        raise ArchiveError(
            f"archive {name} is truncated or corrupt: {detail}",
            hint="download it again; if it keeps failing, the mirror's copy is damaged",
        ) from None
    finally:
        source.close()  # no thread may read once the caller cleans up
    if extraction.top is None:
        raise ArchiveError(f"archive {name} is empty")
    if reader.tell() < offset + tarfile.BLOCKSIZE:
        raise ArchiveError(
            f"archive {name} is truncated: it ends without tar's end-of-archive marker",
            hint="download it again; if it keeps failing, the mirror's copy is damaged",
        )
    extraction.check_links()


def extract_zip(path: Path, extraction: Extraction, *, name: str) -> Iterator[None]:
    """Unpack a zip archive (Windows builds) that was saved to `path` first."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                extraction.zip_member(archive, info)
                yield
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise ArchiveError(f"archive {name} is truncated or corrupt: {error}") from None
    if extraction.top is None:
        raise ArchiveError(f"archive {name} is empty")
