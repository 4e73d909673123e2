"""Unpack a build archive in one pass: hash the bytes, decompress, refuse unsafe members."""

from __future__ import annotations

import bz2
import hashlib
import lzma
import os
import re
import tarfile
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, Protocol, cast

from tui.core.errors import ArchiveError, Cancelled, UnsafeArchive

Compression = Literal["gz", "zst", "bz2", "xz", "tar", "zip"]

CHUNK = 1 << 20
"""Read and write size: memory stays bounded by a few of these whatever the archive's size."""
_PYTHON_JSON_LIMIT = 16 << 20
_SUFFIXES: tuple[tuple[str, Compression], ...] = (
    (".tar.gz", "gz"),
    (".tgz", "gz"),
    (".tar.zst", "zst"),
    (".tar.zstd", "zst"),
    (".tar.bz2", "bz2"),
    (".tar.xz", "xz"),
    (".tar", "tar"),
    (".zip", "zip"),
)
_DRIVE = re.compile(r"^[A-Za-z]:")
_MAGIC = {"gz": b"\x1f\x8b", "bz2": b"BZh", "xz": b"\xfd7zXZ"}


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def compression_for(name: str) -> Compression:
    """The archive type from a file name or URL path; ArchiveError for anything else."""
    lower = name.lower().split("?", 1)[0]
    for suffix, kind in _SUFFIXES:
        if lower.endswith(suffix):
            return kind
    raise ArchiveError(
        f"unsupported archive type: {name}",
        hint="pybuilds unpacks .tar.gz, .tar.zst, .tar.bz2, .tar.xz and .zip archives",
    )


class HashingReader:
    """A file-like view of downloaded chunks that hashes and counts every byte it hands out."""

    def __init__(
        self,
        chunks: Iterator[bytes],
        *,
        cancel: threading.Event | None = None,
        tee: BinaryIO | None = None,
    ) -> None:
        self._chunks = chunks
        self._cancel = cancel
        self._tee = tee
        self._hash = hashlib.sha256()
        self._buffer = b""
        self._offset = 0
        self.done = 0
        """Bytes received so far."""

    def _fill(self) -> bool:
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled("install")
        for chunk in self._chunks:
            if not chunk:
                continue
            self._hash.update(chunk)
            self.done += len(chunk)
            if self._tee is not None:
                self._tee.write(chunk)
            self._buffer, self._offset = chunk, 0
            return True
        self._buffer, self._offset = b"", 0
        return False

    def read(self, size: int = -1, /) -> bytes:
        if self._offset >= len(self._buffer) and not self._fill():
            return b""
        end = len(self._buffer) if size < 0 else self._offset + size
        data = self._buffer[self._offset : end]
        self._offset += len(data)
        return data

    def drain(self) -> None:
        """Read to the end so the hash covers the whole file."""
        self._buffer, self._offset = b"", 0
        while self._fill():
            pass

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class _Inflater:
    """gzip, bzip2 or xz decompression whose output per read is bounded (no bomb blow-ups)."""

    def __init__(self, raw: Readable, kind: Literal["gz", "bz2", "xz"]) -> None:
        self._raw = raw
        self._kind = kind
        self._dec = self._new()
        self._input = b""

    def _new(self) -> Any:
        if self._kind == "gz":
            return zlib.decompressobj(wbits=31)
        if self._kind == "bz2":
            return bz2.BZ2Decompressor()
        return lzma.LZMADecompressor()

    def read(self, size: int = -1, /) -> bytes:
        limit = size if size > 0 else CHUNK
        while True:
            if self._dec.eof:
                # Concatenated streams (pigz, pbzip2) continue with a new decompressor.
                rest = self._dec.unused_data or self._input or self._raw.read(CHUNK)
                self._input = b""
                if not rest.startswith(_MAGIC[self._kind]):
                    return b""
                self._dec = self._new()
                self._input = rest
            if self._kind == "gz":
                data = self._dec.unconsumed_tail or self._input or self._raw.read(CHUNK)
                self._input = b""
                if not data:
                    raise ArchiveError("the archive ends before its compressed data does")
                out: bytes = self._dec.decompress(data, limit)
            else:
                data = b""
                if self._dec.needs_input:
                    data = self._input or self._raw.read(CHUNK)
                    self._input = b""
                    if not data:
                        raise ArchiveError("the archive ends before its compressed data does")
                out = self._dec.decompress(data, limit)
            if out:
                return out


class _Counter:
    """Counts decompressed bytes so a tar stream cut at a member boundary is noticed."""

    def __init__(self, inner: Readable) -> None:
        self._inner = inner
        self.total = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._inner.read(size)
        self.total += len(data)
        return data


def _decompressed(raw: Readable, kind: Compression) -> Readable:
    if kind == "tar":
        return raw
    if kind == "zst":
        import zstandard  # ~10 ms; only full archives need it

        # Long-distance matching needs windows above zstd's 128 MiB default limit.
        decompressor = zstandard.ZstdDecompressor(max_window_size=1 << 31)
        return cast(
            Readable,
            decompressor.stream_reader(
                cast(IO[bytes], raw), read_size=CHUNK, read_across_frames=True
            ),
        )
    if kind == "zip":
        raise ArchiveError("zip archives are not streamed")
    return _Inflater(raw, kind)


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


class Extraction:
    """State of one extraction into `dest`: counts, PYTHON.json, what was written."""

    def __init__(self, dest: Path, *, cancel: threading.Event | None = None) -> None:
        self.dest = dest
        self.cancel = cancel
        self.files = 0
        """Members written so far."""
        self.python_json: bytes | None = None
        """The full archive's `python/PYTHON.json`, read from the first member."""
        self.top: str | None = None
        self._keep: tuple[str, ...] | None = None
        self._links: set[tuple[str, ...]] = set()
        self._written: set[tuple[str, ...]] = set()
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
        for depth in range(1, len(parts)):
            if parts[:depth] in self._links:
                raise UnsafeArchive(name, "the path goes through a symlink in the archive")
        return self._keep is None or parts[: len(self._keep)] == self._keep or len(parts) == 1

    def _target(self, parts: tuple[str, ...]) -> Path:
        """The path for a file or link member, its folder created, an earlier entry removed."""
        target = self.dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if os.path.islink(target) or target.is_file():
            target.unlink()  # tar semantics: a later member replaces an earlier one
            self._links.discard(parts)
        elif target.exists():
            raise ArchiveError(f"archive member `{'/'.join(parts)}` replaces a folder")
        return target

    def _filter(self, member: tarfile.TarInfo) -> None:
        """Second opinion from the stdlib's `data` filter, where this Python has it."""
        if self._check is None:
            return
        try:
            self._check(member, str(self.dest))
        except tarfile.FilterError as error:
            raise UnsafeArchive(member.name, str(error)) from None

    def tar_member(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> Iterator[None]:
        """Write one member; yields between chunks of large files."""
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
        self._filter(member)
        if member.isdir():
            if os.path.islink(self.dest.joinpath(*parts)):
                raise UnsafeArchive(name, "a folder replaces a symlink")
            self.dest.joinpath(*parts).mkdir(parents=True, exist_ok=True)
            return
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
                os.link(self.dest.joinpath(*source_parts), target)
            except OSError:
                import shutil

                shutil.copy2(self.dest.joinpath(*source_parts), target)
            self._written.add(parts)
        else:
            yield from self._write(tar, member, parts)
        self.files += 1

    def _write(
        self, tar: tarfile.TarFile, member: tarfile.TarInfo, parts: tuple[str, ...]
    ) -> Iterator[None]:
        source = tar.extractfile(member)
        target = self._target(parts)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(target, flags | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with open(fd, "wb", closefd=True) as out:
            if source is not None:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
                    if len(chunk) == CHUNK:
                        self._cancelled()
                        yield
            if hasattr(os, "fchmod"):
                os.fchmod(out.fileno(), _file_mode(member.mode))
        if not hasattr(os, "fchmod"):
            os.chmod(target, _file_mode(member.mode))
        # Keep mtimes: bytecode caches shipped in the archive are validated against them.
        os.utime(target, (member.mtime, member.mtime))
        self._written.add(parts)

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


_READ_ERRORS: tuple[type[BaseException], ...] = (
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
    counter = _Counter(_decompressed(raw, kind))
    try:
        with tarfile.open(fileobj=cast(IO[bytes], counter), mode="r|", bufsize=CHUNK) as tar:
            while (member := tar.next()) is not None:
                yield from extraction.tar_member(tar, member)
                # Stream mode keeps every header it read; keep memory flat instead.
                tar.members.clear()  # type: ignore[attr-defined]
                yield
            offset = tar.offset
        while counter.read(CHUNK):
            pass
    except ArchiveError as error:
        raise ArchiveError(f"archive {name} is truncated or corrupt: {error}") from None
    except Exception as error:
        if not _is_read_error(error):
            raise
        detail = str(error) or type(error).__name__
        raise ArchiveError(
            f"archive {name} is truncated or corrupt: {detail}",
            hint="download it again; if it keeps failing, the mirror's copy is damaged",
        ) from None
    if extraction.top is None:
        raise ArchiveError(f"archive {name} is empty")
    if counter.total < offset + tarfile.BLOCKSIZE:
        raise ArchiveError(
            f"archive {name} is truncated: it ends without tar's end-of-archive marker",
            hint="download it again; if it keeps failing, the mirror's copy is damaged",
        )
    extraction.check_links()


def extract_zip(path: Path, extraction: Extraction, *, name: str) -> Iterator[None]:
    """Unpack a zip archive (Windows builds) that was saved to `path` first."""
    import shutil
    import stat
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                extraction._cancelled()
                parts = member_parts(info.filename)
                if not parts:
                    continue
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise UnsafeArchive(info.filename, "symlink in a zip archive")
                if not extraction._place(info.filename, parts, is_dir=info.is_dir()):
                    continue
                target = extraction.dest.joinpath(*parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target = extraction._target(parts)
                with archive.open(info) as source, open(target, "xb") as out:
                    shutil.copyfileobj(source, out, CHUNK)
                if mode & 0o111:
                    os.chmod(target, _file_mode(mode))
                extraction.files += 1
                yield
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise ArchiveError(f"archive {name} is truncated or corrupt: {error}") from None
    if extraction.top is None:
        raise ArchiveError(f"archive {name} is empty")
