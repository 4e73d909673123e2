"""QuickTarInfo against tarfile's own parser, block by block, over archives of every format."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.core.tar_headers import QuickTarInfo

ENCODING = sys.getfilesystemencoding()
TUI = Path(__file__).resolve().parents[1] / "tui"


def _parse(cls: type[tarfile.TarInfo], block: bytes) -> tuple[object, ...]:
    """Everything frombuf decides about `block`, or the error it raises."""
    try:
        info = cls.frombuf(block, ENCODING, "surrogateescape")
    except Exception as error:
        return (type(error), str(error))
    return tuple((slot, getattr(info, slot, None)) for slot in tarfile.TarInfo.__slots__)


def _blocks(data: bytes) -> Iterator[bytes]:
    """Every 512-byte block: headers, file data and the end-of-archive zeros."""
    for start in range(0, len(data), tarfile.BLOCKSIZE):
        yield data[start : start + tarfile.BLOCKSIZE]


def _member(name: str, **fields: object) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.mtime = 1_700_000_000
    for field, value in fields.items():
        setattr(info, field, value)
    data = b"data " * (info.size // 5) if info.isreg() else b""
    info.size = len(data)
    return info, data


def _odd_members() -> list[tuple[tarfile.TarInfo, bytes]]:
    long = "python/lib/" + "a-very-long-folder-name/" * 6 + "module.py"
    return [
        _member("python", type=tarfile.DIRTYPE, mode=0o755),
        _member("python/bin/python3.12", size=5000, mode=0o755),
        _member("python/bin/python3", type=tarfile.SYMTYPE, linkname="python3.12"),
        _member("python/bin/hard", type=tarfile.LNKTYPE, linkname="python/bin/python3.12"),
        _member(long, size=40),  # ustar prefix, GNU long name or a pax path
        _member("python/link", type=tarfile.SYMTYPE, linkname="x/" * 80),  # long link name
        _member("python/lib/naïve-ünïcode.py", size=10),
        _member("python/big-ids", size=10, uid=2**22, gid=2**22),  # beyond 7 octal digits
        _member("python/old", size=10, mtime=-1),
        _member("python/dev/null", type=tarfile.CHRTYPE, devmajor=1, devminor=3),
        _member("python/dev/fifo", type=tarfile.FIFOTYPE),
        _member("python/empty", size=0, uname="bäcker", gname="staff"),
    ]


def _archive(fmt: int) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as tar:
        for info, data in _odd_members():
            try:
                tar.addfile(info, io.BytesIO(data))
            except ValueError:  # a field this format cannot hold (ustar and big ids)
                continue
        for path in sorted(TUI.rglob("*.py")):  # real files, as in a build
            tar.add(path, arcname=f"python/{path.relative_to(TUI.parent)}")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "fmt",
    [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT],
    ids=["gnu", "pax", "ustar"],
)
def test_every_block_parses_as_tarfile_parses_it(fmt: int) -> None:
    data = _archive(fmt)
    headers = 0
    for block in _blocks(data):
        expected = _parse(tarfile.TarInfo, block)
        assert _parse(QuickTarInfo, block) == expected
        headers += not isinstance(expected[0], type)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = len(tar.getmembers())
    assert headers >= members > 80  # every header was compared, not only data blocks


def _with_checksum(block: bytearray, *, signed: bool = False) -> bytes:
    block[148:156] = b" " * 8
    total = sum((b - 256 if b > 127 else b) if signed else b for b in block)
    block[148:156] = b"%06o\0 " % total
    return bytes(block)


def test_odd_headers_parse_as_tarfile_parses_them() -> None:
    info, _ = _member("python/lib/x.py", size=10)
    plain = bytearray(info.tobuf(tarfile.USTAR_FORMAT, ENCODING, "surrogateescape"))
    v7_folder = bytearray(plain)
    v7_folder[0:100] = b"python/lib/".ljust(100, b"\0")
    v7_folder[156:157] = tarfile.AREGTYPE
    high_bytes = bytearray(plain)
    high_bytes[0:100] = "python/ÿÿÿ".encode("latin-1").ljust(100, b"\0")
    spaced = bytearray(plain)
    spaced[124:136] = b"        12 \0"  # leading spaces in a number, as some tars write
    garbage = bytearray(plain)
    garbage[124:136] = b"12x4\0       "
    base256 = bytearray(plain)
    base256[124:136] = b"\x80" + (10).to_bytes(11, "big")
    blocks = [
        bytes(plain),
        _with_checksum(v7_folder),
        _with_checksum(high_bytes),  # unsigned checksum
        _with_checksum(bytearray(high_bytes), signed=True),  # Sun and NeXT tars
        _with_checksum(spaced),
        _with_checksum(garbage),
        _with_checksum(base256),
        bytes(plain[:-1]) + b"\1",  # bad checksum
        bytes(plain[:300]),  # truncated
        b"",
        bytes(512),
    ]
    for block in blocks:
        assert _parse(QuickTarInfo, block) == _parse(tarfile.TarInfo, block), block[:16]


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs GNU tar")
def test_gnu_tar_archives_parse_as_tarfile_parses_them(tmp_path: Path) -> None:
    source = tmp_path / "python"
    shutil.copytree(TUI / "core", source / "core")
    with open(source / "holes", "wb") as file:
        file.seek(1 << 20)
        file.write(b"end")
    (source / "link").symlink_to("core")
    archive = tmp_path / "gnu.tar"
    made = subprocess.run(
        ["tar", "--sparse", "-cf", str(archive), "-C", str(tmp_path), "python"],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip(f"tar failed: {made.stderr.decode().strip()}")
    for block in _blocks(archive.read_bytes()):
        assert _parse(QuickTarInfo, block) == _parse(tarfile.TarInfo, block)


def test_members_read_through_quick_headers_match_tarfiles(tmp_path: Path) -> None:
    data = _archive(tarfile.PAX_FORMAT)
    with tarfile.open(fileobj=io.BytesIO(data)) as plain:
        expected = [(m.get_info(), m.offset_data) for m in plain]
    with tarfile.open(fileobj=io.BytesIO(data), tarinfo=QuickTarInfo) as quick:
        seen = [(m.get_info(), m.offset_data) for m in quick]
    assert seen == expected
