"""`pybuilds catalog update` with sources uv cannot read, folders it cannot write, and a
cached catalog gone bad, through the real CLI entry point."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from test_catalog import ENTRY

from tui.cli import main


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("UV_NO_SYSTEM_CONFIG", "1")
    monkeypatch.setenv("PYBUILDS_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("UV_PYTHON_DOWNLOADS_JSON_URL", "UV_PYTHON_INSTALL_MIRROR", "UV_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def catalog_document() -> bytes:
    return json.dumps({"cpython-3.13.1-linux-x86_64-gnu": ENTRY}).encode()


@pytest.mark.parametrize("url", ["ftp://mirror.example/c.json", "FTP://user:pw@mirror/c.json"])
def test_update_from_an_unsupported_scheme_says_so(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "update", "--from", url]) == 1
    err = capsys.readouterr().err
    assert (
        "unsupported URL scheme `ftp`: a catalog is read from a path, a file:// URL or an " in err
    )
    assert "No such file" not in err and ":pw@" not in err


def test_update_from_an_upper_case_file_url(isolated: Path) -> None:
    source = isolated / "c.json"
    source.write_bytes(catalog_document())
    assert main(["catalog", "update", "--from", "FILE://" + str(source)]) == 0


def source_file(folder: Path) -> str:
    source = folder / "c.json"
    source.write_bytes(catalog_document())
    return str(source)


def test_update_into_a_folder_that_cannot_be_made_names_it(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated / "a-file").write_text("")
    cache = isolated / "a-file" / "cache"
    monkeypatch.setenv("PYBUILDS_CACHE_DIR", str(cache))
    assert main(["catalog", "update", "--from", source_file(isolated)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: cannot save the catalog in {cache}: Not a directory",
        f"hint: make {cache} a folder you can write to, or set PYBUILDS_CACHE_DIR to one; "
        "nothing was changed",
    ]


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes to read-only folders"
)
def test_update_into_a_read_only_folder_names_the_folder_not_a_temporary_file(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = isolated / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    try:
        assert main(["catalog", "update", "--from", source_file(isolated)]) == 1
    finally:
        cache.chmod(0o755)
    err = capsys.readouterr().err
    assert f"error: cannot save the catalog in {cache}: Permission denied" in err
    assert ".download-metadata." not in err and "hint: make " in err


def test_update_over_a_folder_named_like_the_cache_names_it(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = isolated / "cache" / "download-metadata.json"
    taken.mkdir(parents=True)
    assert main(["catalog", "update", "--from", source_file(isolated)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: cannot save the catalog as {taken}: a folder has that name",
        "hint: move that folder away; nothing was changed",
    ]
    assert [p.name for p in taken.parent.iterdir()] == [taken.name]  # no temporary file left


@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["catalog"],
        ["doctor", "3.13", "--os", "linux", "--arch", "x86_64", "--libc", "gnu"],
    ],
)
def test_a_broken_cached_catalog_points_at_catalog_reset(
    isolated: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    cached = isolated / "cache" / "download-metadata.json"
    cached.parent.mkdir()
    cached.write_text("{broken\n")
    assert main(argv) == 1
    captured = capsys.readouterr()
    shown = captured.out + captured.err
    assert f"invalid download catalog {cached}: not valid JSON" in shown
    assert "hint: this is pybuilds' cached catalog (from `pybuilds catalog update`): " in shown
    assert "`pybuilds catalog reset` goes back to the embedded one" in shown
    assert "unset python-downloads-json-url" not in shown  # not set, so not the thing to fix
    assert main(["catalog", "reset"]) == 0


def test_a_gzipped_catalog_is_cached_uncompressed_and_uv_is_pointed_at_the_copy(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = isolated / "real.json.gz"
    source.write_bytes(gzip.compress(catalog_document()))
    assert main(["catalog", "update", "--from", str(source)]) == 0
    cached = isolated / "cache" / "download-metadata.json"
    assert cached.read_bytes() == catalog_document()  # plain JSON, which uv can parse
    err = capsys.readouterr().err
    assert str(source) not in err
    assert err.rstrip().endswith(
        "which pybuilds saved uncompressed (uv cannot read a gzipped catalog): "
        f"pybuilds config set python-downloads-json-url '{cached}'"
    )


def test_a_gzipped_catalog_in_the_setting_is_not_said_to_be_read_by_uv(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = isolated / "real.json.gz"
    source.write_bytes(gzip.compress(catalog_document()))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS_JSON_URL", str(source))
    assert main(["catalog", "update"]) == 0
    assert (
        capsys.readouterr()
        .err.rstrip()
        .endswith(
            "pybuilds reads that catalog, not this cache; uv cannot read it, as it is gzipped"
        )
    )
