"""Byte streams of a download: hashed and counted as read, decompressed with bounded output."""

from __future__ import annotations

import bz2
import hashlib
import io
import lzma
import queue
import threading
import zlib
from collections.abc import Iterator
from typing import IO, Any, BinaryIO, Literal, Protocol, cast

from tui.core.errors import ArchiveError, Cancelled

Compression = Literal["gz", "zst", "bz2", "xz", "tar", "zip"]

CHUNK = 1 << 20
"""Read and write size: memory stays bounded by a few of these whatever the archive's size."""
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


class _ChunkReader:
    """`read(size)` over the chunks `_next_chunk` produces, an empty chunk at the end."""

    _buffer = b""
    _offset = 0

    def _next_chunk(self) -> bytes:
        raise NotImplementedError

    def read(self, size: int = -1, /) -> bytes:
        if self._offset >= len(self._buffer):
            self._buffer, self._offset = self._next_chunk(), 0
        end = len(self._buffer) if size < 0 else self._offset + size
        data = self._buffer[self._offset : end]
        self._offset += len(data)
        return data


class HashingReader(_ChunkReader):
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
        self.done = 0
        """Bytes received so far."""

    def _next_chunk(self) -> bytes:
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled("install")
        for chunk in self._chunks:
            if not chunk:
                continue
            self._hash.update(chunk)
            self.done += len(chunk)
            if self._tee is not None:
                self._tee.write(chunk)
            return chunk
        return b""

    def drain(self) -> None:
        """Read to the end so the hash covers the whole file."""
        self._buffer, self._offset = b"", 0
        while self._next_chunk():
            pass

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class Truncated(Exception):
    """The compressed stream stopped before its end marker."""


class CorruptData(Exception):
    """The compressed stream is not valid (whichever library decompresses it)."""


def _gzip_decompressor() -> tuple[Any, tuple[type[Exception], ...]]:
    """A gzip decompressor and the errors it raises for corrupt data."""
    try:
        from isal import isal_zlib  # ISA-L: zlib's API, inflates 2-3x faster
    except ImportError:  # a platform without isal wheels
        return zlib.decompressobj(wbits=31), (zlib.error,)
    error = cast(type[Exception], isal_zlib.error)  # its stub calls the class an instance
    return isal_zlib.decompressobj(wbits=31), (error,)


class _Inflater:
    """gzip, bzip2 or xz decompression whose output per read is bounded (no bomb blow-ups)."""

    def __init__(self, raw: Readable, kind: Literal["gz", "bz2", "xz"]) -> None:
        self._raw = raw
        self._kind = kind
        self._errors: tuple[type[Exception], ...] = ()
        self._dec = self._new()
        self._input = b""

    def _new(self) -> Any:
        if self._kind == "gz":
            decompressor, self._errors = _gzip_decompressor()
            return decompressor
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
                    raise Truncated("the archive ends before its compressed data does")
                try:
                    out: bytes = self._dec.decompress(data, limit)
                except self._errors as error:
                    raise CorruptData(str(error) or type(error).__name__) from None
            else:
                data = b""
                if self._dec.needs_input:
                    data = self._input or self._raw.read(CHUNK)
                    self._input = b""
                    if not data:
                        raise Truncated("the archive ends before its compressed data does")
                out = self._dec.decompress(data, limit)
            if out:
                return out


class ReadAhead(_ChunkReader):
    """Reads `inner` on a thread, a few chunks ahead of the consumer.

    Reading a file or socket, hashing and decompressing all release the GIL, so on a machine
    with two cores they overlap with the tar parsing and file creation of the main thread
    instead of taking turns with them. At most `depth` chunks wait, so memory stays bounded.
    Errors raised while reading reach the consumer on its next `read`; a set `cancel` event
    does too, even while the reading thread waits on a stalled server.
    """

    def __init__(
        self,
        inner: Readable,
        *,
        chunk: int = CHUNK,
        depth: int = 4,
        cancel: threading.Event | None = None,
    ) -> None:
        self._inner = inner
        self._cancel = cancel
        self._chunk = chunk
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(depth)
        self._stop = threading.Event()
        self._ended = False
        self._thread = threading.Thread(target=self._run, name="pybuilds-read", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                data = self._inner.read(self._chunk)
                self._put(data)
                if not data:
                    return
        except BaseException as error:  # handed to the consumer, which raises it
            self._put(error)

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def _next_chunk(self) -> bytes:
        if self._ended:
            return b""
        item = self._next()
        if isinstance(item, BaseException):
            self._ended = True
            raise item
        self._ended = not item
        return item

    def _next(self) -> bytes | BaseException:
        if self._cancel is None:
            return self._queue.get()
        while True:
            if self._cancel.is_set():
                return Cancelled("install")
            try:
                return self._queue.get(timeout=0.1)
            except queue.Empty:
                continue

    def close(self, timeout: float = 0.25) -> None:
        """Stop reading ahead and wait briefly for the thread. One stuck in a stalled network
        read is left behind (it is a daemon): waiting for the read timeout would hold up a
        cancel for that long. Whatever it reads later fails on the source the caller closes
        next, and is dropped."""
        self._stop.set()
        self._thread.join(timeout)


class ForwardReader:
    """A stream tarfile can open in its file mode ("r:"): seeking forward skips bytes, seeking
    back is refused (io.UnsupportedOperation).

    tarfile's stream mode ("r|") joins and re-slices its whole buffer on every read, 512-byte
    headers included; reading an archive in file mode, sequentially, copies only what it asks
    for. `read(n)` returns exactly n bytes unless the stream ends, as tarfile expects of files.
    """

    def __init__(self, inner: Readable) -> None:
        self._inner = inner
        self._buffer = b""
        self._offset = 0
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, position: int, whence: int = 0, /) -> int:
        if whence == 1:
            position += self._position
        if whence not in (0, 1) or position < self._position:
            raise io.UnsupportedOperation("this stream can only seek forward")
        for _ in self._views(position - self._position):  # skipped, not copied
            pass
        return self._position

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            parts = [self._buffer[self._offset :]]
            while chunk := self._inner.read(CHUNK):
                parts.append(chunk)
            self._buffer, self._offset = b"", 0
            data = b"".join(parts)
        elif self._offset + size <= len(self._buffer):
            data = self._buffer[self._offset : self._offset + size]
            self._offset += size
        else:
            parts = [self._buffer[self._offset :]]
            missing = size - len(parts[0])
            self._buffer, self._offset = b"", 0
            while missing > 0 and (chunk := self._inner.read(CHUNK)):
                if len(chunk) > missing:
                    parts.append(chunk[:missing])
                    self._buffer, self._offset = chunk, missing
                    break
                parts.append(chunk)
                missing -= len(chunk)
            data = b"".join(parts)
        self._position += len(data)
        return data

    def pieces(self, size: int) -> Iterator[memoryview]:
        """The next `size` bytes as views into the chunks read, never joined or copied: a
        member's data goes straight to its file. Truncated if the stream ends first."""
        for piece in self._views(size):
            size -= len(piece)
            yield piece
        if size:
            raise Truncated("the archive ends inside a member's data")

    def _views(self, size: int) -> Iterator[memoryview]:
        """Up to `size` bytes as views into the chunks read, fewer if the stream ends."""
        while size > 0:
            if self._offset >= len(self._buffer):
                self._buffer, self._offset = self._inner.read(CHUNK), 0
                if not self._buffer:
                    return
            end = min(len(self._buffer), self._offset + size)
            piece = memoryview(self._buffer)[self._offset : end]
            size -= end - self._offset
            self._position += end - self._offset
            self._offset = end
            yield piece


def decompressed(raw: Readable, kind: Compression) -> Readable:
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
