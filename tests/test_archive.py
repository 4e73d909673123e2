"""Streaming extraction: every compression, truncation anywhere, and hostile members."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import os
import shutil
import stat
import subprocess
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui.core.archive import Extraction, extract_tar, extract_zip, member_parts
from tui.core.errors import ArchiveError, Cancelled, UnsafeArchive
from tui.core.streams import HashingReader, compression_for


def _tar(members: list[tuple[str, bytes | str | None]], *, first_json: bool = False) -> bytes:
    """Members as (name, data); str data is a symlink target, None a folder."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        if first_json:
            _add(tar, "python/PYTHON.json", b'{"python_version": "3.12.99"}')
        for name, data in members:
            if data is None:
                info = tarfile.TarInfo(name)
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            elif isinstance(data, str):
                info = tarfile.TarInfo(name)
                info.type, info.linkname = tarfile.SYMTYPE, data
                tar.addfile(info)
            else:
                _add(tar, name, data)
    return buffer.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, 1_600_000_000
    tar.addfile(info, io.BytesIO(data))


def _chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _extract(data: bytes, kind: str, dest: Path) -> tuple[Extraction, HashingReader]:
    dest.mkdir(exist_ok=True)
    extraction = Extraction(dest)
    reader = HashingReader(_chunks(data))
    for _ in extract_tar(reader, kind, extraction, name="test"):  # type: ignore[arg-type]
        pass
    reader.drain()
    return extraction, reader


MEMBERS: list[tuple[str, bytes | str | None]] = [
    ("python", None),
    ("python/bin", None),
    ("python/bin/python3.12", b"#!/bin/sh\n" + os.urandom(3000)),
    ("python/bin/python3", "python3.12"),
    ("python/lib/python3.12/os.py", b"# os\n" * 500),
]


@pytest.mark.parametrize(
    ("kind", "compress"),
    [
        ("gz", gzip.compress),
        ("bz2", bz2.compress),
        ("xz", lzma.compress),
        ("tar", lambda data: data),
        ("zst", lambda data: __import__("zstandard").ZstdCompressor().compress(data)),
    ],
)
def test_every_compression_extracts_and_hashes_the_whole_file(
    kind: str, compress: object, tmp_path: Path
) -> None:
    data = compress(_tar(MEMBERS))  # type: ignore[operator]

    extraction, reader = _extract(data, kind, tmp_path / "x")

    assert reader.hexdigest() == hashlib.sha256(data).hexdigest()
    assert reader.done == len(data)
    assert extraction.root == tmp_path / "x" / "python"
    assert (extraction.root / "bin" / "python3.12").read_bytes() == MEMBERS[2][1]
    assert os.readlink(extraction.root / "bin" / "python3") == "python3.12"
    assert (extraction.root / "lib" / "python3.12" / "os.py").stat().st_mtime == 1_600_000_000
    assert extraction.files == 3


def test_full_archives_keep_only_install_and_read_python_json(tmp_path: Path) -> None:
    members: list[tuple[str, bytes | str | None]] = [
        ("python/install/bin/python3.12", b"exe"),
        ("python/build/lib/libpython3.12.a", b"\0" * 5000),
        ("python/licenses/LICENSE", b"text"),
    ]

    extraction, _ = _extract(gzip.compress(_tar(members, first_json=True)), "gz", tmp_path)

    assert extraction.python_json == b'{"python_version": "3.12.99"}'
    assert extraction.root == tmp_path / "python" / "install"
    assert sorted(p.name for p in (tmp_path / "python").iterdir()) == ["install"]


@pytest.mark.parametrize("cut", ["half", "member-boundary"])
def test_truncated_archives_are_noticed(cut: str, tmp_path: Path) -> None:
    tar = _tar(MEMBERS)
    if cut == "half":
        data = gzip.compress(tar)[: len(gzip.compress(tar)) // 2]
    else:
        # A complete gzip stream of a tar cut right after a member: no end-of-archive marker.
        data = gzip.compress(tar[: 512 * 3])

    with pytest.raises(ArchiveError, match="truncated"):
        _extract(data, "gz", tmp_path)


def test_a_cut_inside_a_members_data_is_noticed(tmp_path: Path) -> None:
    tar = _tar([("python/lib/big.so", os.urandom(300_000))])

    with pytest.raises(ArchiveError, match="truncated"):
        _extract(tar[:150_000], "tar", tmp_path)


def test_members_larger_than_a_read_arrive_byte_for_byte(tmp_path: Path) -> None:
    big = os.urandom(2 * (1 << 20) + 12_345)  # spans several reads and progress steps
    members: list[tuple[str, bytes | str | None]] = [
        ("python/lib/big.so", big),
        ("python/lib/empty", b""),
        ("python/lib/small", b"x"),
    ]

    extraction, _ = _extract(gzip.compress(_tar(members)), "gz", tmp_path)

    assert (extraction.root / "lib" / "big.so").read_bytes() == big
    assert (extraction.root / "lib" / "empty").read_bytes() == b""
    assert (extraction.root / "lib" / "small").read_bytes() == b"x"


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs GNU tar to write a sparse member")
def test_sparse_members_are_filled_in(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "python").mkdir(parents=True)
    sparse = source / "python" / "holes"
    with open(sparse, "wb") as file:
        file.write(b"head")
        file.seek(3 << 20)
        file.write(b"tail")
    archive = tmp_path / "sparse.tar"
    made = subprocess.run(
        ["tar", "--sparse", "--format=gnu", "-cf", str(archive), "-C", str(source), "python"],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip(f"this tar cannot write sparse members: {made.stderr.decode().strip()}")
    with tarfile.open(archive) as tar:
        if tar.getmember("python/holes").sparse is None:
            pytest.skip("this tar did not store the file as sparse")

    extraction, _ = _extract(archive.read_bytes(), "tar", tmp_path / "out")

    assert (extraction.root / "holes").read_bytes() == sparse.read_bytes()


def test_truncated_zstd_stream_is_noticed(tmp_path: Path) -> None:
    import zstandard

    data = zstandard.ZstdCompressor().compress(_tar(MEMBERS))

    with pytest.raises(ArchiveError, match="truncated"):
        _extract(data[: len(data) - 40], "zst", tmp_path)


def test_not_an_archive(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="corrupt"):
        _extract(b"<html>login</html>" * 50, "gz", tmp_path)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("/etc/passwd", "absolute"),
        ("C:/Windows/x", "absolute"),
        ("python/../../x", "`..`"),
        ("python\\..\\..\\x", "`..`"),
        ("python/a\x00b", "NUL"),
    ],
)
def test_member_names_are_checked(name: str, reason: str) -> None:
    with pytest.raises(UnsafeArchive, match=reason):
        member_parts(name)


def test_member_parts_normalize_harmless_forms() -> None:
    assert member_parts("./python//bin/./python3") == ("python", "bin", "python3")


@pytest.mark.parametrize(
    "members",
    [
        [("python/lib", "../.."), ("python/x", b"")],
        [("python/l1", "."), ("python/l1/l2", ".."), ("python/l3", "l1/l2/..")],
        [("python/lib", "/etc")],
        [("python/lib", "bin"), ("python/lib/x", b"through the link")],
        [("python/lib", "bin"), ("python/lib/sub", None)],
        [("python/a/b", None), ("python/a/lib", "b"), ("python/a/lib/c/x", b"deeper")],
    ],
)
def test_links_cannot_escape(members: list[tuple[str, bytes | str | None]], tmp_path: Path) -> None:
    with pytest.raises(UnsafeArchive):
        _extract(_tar([("python/bin/python3.12", b"x"), *members]), "tar", tmp_path / "x")
    assert not (tmp_path / "x" / "python" / "lib" / "x").exists()


def test_two_top_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="top-level"):
        _extract(_tar([("python/a", b"1"), ("other/b", b"2")]), "tar", tmp_path)


def test_hardlink_inside_is_extracted(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        _add(tar, "python/bin/python3.12", b"exe", mode=0o755)
        info = tarfile.TarInfo("python/bin/python3")
        info.type, info.linkname = tarfile.LNKTYPE, "python/bin/python3.12"
        tar.addfile(info)

    extraction, _ = _extract(buffer.getvalue(), "tar", tmp_path)

    assert (extraction.root / "bin" / "python3").read_bytes() == b"exe"
    assert os.access(extraction.root / "bin" / "python3.12", os.X_OK)


def test_setuid_and_world_writable_bits_are_dropped(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        _add(tar, "python/bin/python3.12", b"exe", mode=0o4777)

    extraction, _ = _extract(buffer.getvalue(), "tar", tmp_path)

    assert (extraction.root / "bin" / "python3.12").stat().st_mode & 0o7777 == 0o755


def test_cancel_stops_reading(tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    reader = HashingReader(_chunks(gzip.compress(_tar(MEMBERS))), cancel=cancel)

    with pytest.raises(Cancelled):
        for _ in extract_tar(reader, "gz", Extraction(tmp_path), name="test"):
            pass


def test_zip_archives(tmp_path: Path) -> None:
    path = tmp_path / "python.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("python/python.exe", b"MZ")
        archive.writestr("python/Lib/os.py", b"# os")
    extraction = Extraction(tmp_path / "x")
    extraction.dest.mkdir()

    for _ in extract_zip(path, extraction, name="python.zip"):
        pass

    assert (extraction.root / "python.exe").read_bytes() == b"MZ"
    assert extraction.files == 2


def test_zip_folders_and_executable_modes(tmp_path: Path) -> None:
    path = tmp_path / "python.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("python/"), b"")
        archive.writestr(zipfile.ZipInfo("python/Scripts/"), b"")
        tool = zipfile.ZipInfo("python/Scripts/tool")
        tool.external_attr = (stat.S_IFREG | 0o755) << 16
        archive.writestr(tool, b"#!/bin/sh\n")
    extraction = Extraction(tmp_path / "x")
    extraction.dest.mkdir()

    for _ in extract_zip(path, extraction, name="python.zip"):
        pass

    assert (extraction.root / "Scripts").is_dir()
    assert os.access(extraction.root / "Scripts" / "tool", os.X_OK)
    assert extraction.files == 1


def _zip_link(archive: zipfile.ZipFile) -> None:
    link = zipfile.ZipInfo("python/link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive.writestr(link, "/etc/passwd")


@pytest.mark.parametrize(
    ("fill", "error", "message"),
    [
        (_zip_link, UnsafeArchive, "symlink in a zip archive"),
        (
            lambda zipped: (zipped.writestr("a/x", b""), zipped.writestr("b/y", b"")),
            ArchiveError,
            "more than one top-level entry",
        ),
        (lambda zipped: None, ArchiveError, "is empty"),
    ],
)
def test_bad_zip_archives(
    tmp_path: Path,
    fill: Callable[[zipfile.ZipFile], object],
    error: type[Exception],
    message: str,
) -> None:
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as archive:
        fill(archive)
    extraction = Extraction(tmp_path / "x")
    extraction.dest.mkdir()

    with pytest.raises(error, match=message):
        for _ in extract_zip(path, extraction, name="bad.zip"):
            pass


def test_zip_with_escaping_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("python/../../evil", b"x")

    with pytest.raises(UnsafeArchive):
        for _ in extract_zip(path, Extraction(tmp_path), name="evil.zip"):
            pass


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("cpython-3.12.3%2B20240415-x86_64-unknown-linux-gnu-install_only.tar.gz", "gz"),
        ("cpython-3.13.1+20250115-x86_64-unknown-linux-gnu-debug-full.tar.zst", "zst"),
        ("pypy3.10-v7.3.17-linux64.tar.bz2", "bz2"),
        ("cpython-3.12.3+20240415-x86_64-pc-windows-msvc-install_only.zip", "zip"),
    ],
)
def test_compression_for(name: str, kind: str) -> None:
    assert compression_for(name) == kind


def test_unknown_archive_type() -> None:
    with pytest.raises(ArchiveError, match="unsupported"):
        compression_for("python.rar")
