"""`pybuilds catalog update` with sources uv cannot read, folders it cannot write, and a
cached catalog gone bad, through the real CLI entry point."""

from __future__ import annotations

import json
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
