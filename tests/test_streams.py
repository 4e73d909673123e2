"""Stream helpers of the install pipeline: reading ahead on a thread."""

from __future__ import annotations

import gzip
import io
import os
import sys
import tarfile
import threading
import time
from typing import IO, cast

import pytest

from tui.core.errors import Cancelled
from tui.core.streams import (
    CHUNK,
    CorruptData,
    ForwardReader,
    HashingReader,
    ReadAhead,
    Truncated,
    decompressed,
)


class CountingSource:
    """A source that records how far it was read."""

    def __init__(self, data: bytes) -> None:
        self._io = io.BytesIO(data)
        self.reads = 0

    def read(self, size: int = -1, /) -> bytes:
        self.reads += 1
        return self._io.read(size)


@pytest.mark.parametrize("size", [1, 7, 4096, 1 << 20, -1])
def test_read_ahead_hands_out_every_byte_in_order(size: int) -> None:
    data = bytes(range(256)) * 1000
    ahead = ReadAhead(io.BytesIO(data), chunk=1000)
    out = bytearray()
    while chunk := ahead.read(size):
        assert size < 0 or len(chunk) <= size
        out += chunk
    ahead.close()
    assert bytes(out) == data
    assert ahead.read(10) == b""


def test_read_ahead_raises_the_sources_error_in_the_consumer() -> None:
    cancel = threading.Event()
    cancel.set()
    ahead = ReadAhead(HashingReader(iter([b"x" * 10]), cancel=cancel))
    with pytest.raises(Cancelled):
        ahead.read(5)
    ahead.close()


def test_read_ahead_stays_a_bounded_distance_ahead_and_stops_on_close() -> None:
    source = CountingSource(b"y" * 100_000)
    ahead = ReadAhead(source, chunk=100, depth=3)
    assert ahead.read(10) == b"y" * 10
    deadline = time.monotonic() + 5
    while source.reads < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    # One chunk handed out, three queued, one waiting to be queued: never the whole source.
    assert source.reads <= 5
    ahead.close()
    assert not ahead._thread.is_alive()
    assert source.reads <= 5


@pytest.fixture(params=["isal", "zlib"])
def gzip_library(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run with ISA-L where it is installed, and with the stdlib's zlib it falls back to."""
    if request.param == "zlib":
        monkeypatch.setitem(sys.modules, "isal", None)  # `import isal` now fails
    else:
        pytest.importorskip("isal")
    return str(request.param)


def test_gzip_streams_inflate_with_either_library(gzip_library: str) -> None:
    first, second = os.urandom(300_000), b"a" * 2_000_000
    # Two members, as pigz writes them.
    data = gzip.compress(first) + gzip.compress(second)
    out = bytearray()
    stream = decompressed(io.BytesIO(data), "gz")
    while chunk := stream.read(65536):
        assert len(chunk) <= 65536
        out += chunk
    assert bytes(out) == first + second


def test_corrupt_gzip_is_corrupt_data_with_either_library(gzip_library: str) -> None:
    data = bytearray(gzip.compress(os.urandom(100_000)))
    data[20:40] = b"\xff" * 20
    stream = decompressed(io.BytesIO(bytes(data)), "gz")
    with pytest.raises(CorruptData):
        while stream.read(65536):
            pass


def test_forward_reader_reads_exact_sizes_across_chunks() -> None:
    data = bytes(range(256)) * 9000  # more than two CHUNKs
    reader = ForwardReader(io.BytesIO(data))
    assert reader.read(512) == data[:512]
    assert reader.read(CHUNK + 100) == data[512 : 512 + CHUNK + 100]
    assert reader.tell() == 612 + CHUNK
    assert reader.read(-1) == data[612 + CHUNK :]
    assert reader.read(10) == b""
    assert reader.tell() == len(data)


def test_forward_reader_hands_out_pieces_without_joining_them() -> None:
    data = os.urandom(3 * CHUNK + 77)
    reader = ForwardReader(io.BytesIO(data))
    assert reader.read(100) == data[:100]

    pieces = list(reader.pieces(2 * CHUNK))

    assert b"".join(pieces) == data[100 : 100 + 2 * CHUNK]
    assert all(len(piece) <= CHUNK for piece in pieces)
    assert reader.tell() == 100 + 2 * CHUNK
    assert reader.read(10) == data[100 + 2 * CHUNK : 110 + 2 * CHUNK]
    with pytest.raises(Truncated):
        list(reader.pieces(CHUNK))  # only CHUNK - 33 bytes are left


def test_forward_reader_seeks_forward_only() -> None:
    data = os.urandom(5000)
    reader = ForwardReader(io.BytesIO(data))
    assert reader.seek(1000) == 1000
    assert reader.read(10) == data[1000:1010]
    assert reader.seek(20, 1) == 1030
    assert reader.read(5) == data[1030:1035]
    with pytest.raises(io.UnsupportedOperation):
        reader.seek(0)
    assert reader.seek(10_000) == len(data)  # past the end stops at the end


def test_tarfile_reads_an_archive_through_a_forward_reader() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, size in (("python/a", 10), ("python/b", 700_000), ("python/c", 0)):
            info = tarfile.TarInfo(name)
            info.size = size
            tar.addfile(info, io.BytesIO(b"z" * size))
    buffer.seek(0)
    reader = ForwardReader(buffer)
    with tarfile.open(fileobj=cast(IO[bytes], reader), mode="r:") as tar:
        seen = []
        while (member := tar.next()) is not None:
            source = tar.extractfile(member)
            seen.append((member.name, len(source.read()) if source else None))
    assert seen == [("python/a", 10), ("python/b", 700_000), ("python/c", 0)]


class StalledSource:
    """A server that sent nothing more: `read` blocks until released."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def read(self, size: int = -1, /) -> bytes:
        self.release.wait(10)
        return b""


def test_read_ahead_notices_a_cancel_while_the_source_stalls() -> None:
    source, cancel = StalledSource(), threading.Event()
    ahead = ReadAhead(source, cancel=cancel)
    threading.Timer(0.1, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        ahead.read(10)
    assert time.monotonic() - started < 2
    source.release.set()
    ahead.close()
