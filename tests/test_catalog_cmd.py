"""`pybuilds catalog`, `list` and `find` end to end through the real CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_catalog import ENTRY

from tui.cli import main


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "sysconfig"))
    monkeypatch.setenv("PYBUILDS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "python"))
    for name in ("UV_PYTHON_DOWNLOADS_JSON_URL", "UV_PYTHON_INSTALL_MIRROR", "UV_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def custom_catalog(tmp_path: Path, **changes: object) -> Path:
    path = tmp_path / "custom.json"
    path.write_text(json.dumps({"cpython-3.13.1-linux-x86_64-gnu": {**ENTRY, **changes}}))
    return path


def test_catalog_update_then_reset(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = custom_catalog(isolated)
    assert main(["catalog", "update", "--from", str(source)]) == 0
    assert capsys.readouterr().out.startswith("catalog updated: 1 build, saved to ")
    assert main(["catalog"]) == 0
    shown = capsys.readouterr().out
    assert str(isolated / "cache") in shown and "builds: 1" in shown
    assert main(["catalog", "reset"]) == 0
    capsys.readouterr()
    assert main(["catalog"]) == 0
    assert "source: embedded" in capsys.readouterr().out


def test_catalog_update_and_show_say_uv_keeps_its_own_catalog(
    isolated: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = custom_catalog(isolated)
    assert main(["catalog", "update", "--from", "custom.json"]) == 0
    err = capsys.readouterr().err
    assert "note: uv does not read pybuilds' cached catalog" in err
    assert f"pybuilds config set python-downloads-json-url '{source}'" in err
    assert main(["catalog"]) == 0
    cached = isolated / "cache" / "download-metadata.json"
    out = capsys.readouterr().out
    assert "uv does not read pybuilds' cached catalog: it keeps its own built-in one" in out
    assert f"pybuilds config set python-downloads-json-url '{cached}'" in out
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS_JSON_URL", str(source))
    assert main(["catalog", "update", "--from", str(source)]) == 0
    err = capsys.readouterr().err
    assert "is set (by UV_PYTHON_DOWNLOADS_JSON_URL): pybuilds and uv read that catalog" in err
    assert main(["catalog"]) == 0
    assert "uv does not read" not in capsys.readouterr().out


def test_catalog_update_refuses_a_broken_catalog(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = isolated / "broken.json"
    broken.write_text('{"x": {"name": "cpython"}}')
    assert main(["catalog", "update", "--from", str(broken)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("error: invalid download catalog") and "entry `x`" in err
    assert "Traceback" not in err
    assert not (isolated / "cache" / "download-metadata.json").exists()


def test_list_json_rows_carry_their_source(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = custom_catalog(isolated)
    code = main(["list", "--json", "--python-downloads-json-url", str(source), "--os", "linux",
                 "--arch", "x86_64", "--libc", "gnu"])  # fmt: skip
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["key"] for row in rows] == ["cpython-3.13.1-linux-x86_64-gnu"]
    row = rows[0]
    assert row["source"] == str(source) and row["flavour"] == "install_only"
    assert row["installed"] is False and row["path"] is None
    required = {"key", "implementation", "version", "variant", "os", "arch", "libc", "build",
                "flavour", "url", "sha256", "installed", "path", "source"}  # fmt: skip
    assert required <= set(row)


def test_list_other_platform_and_show_urls(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "3.12", "--os", "macos", "--arch", "aarch64", "--show-urls"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("cpython-3.12.14-macos-aarch64-none")
    assert "aarch64-apple-darwin-install_only_stripped.tar.gz" in out[0]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["list", "3.12.3.4"], 2, "is not a valid Python request"),
        (["list", "--arch", "ppc64le"], 2, "powerpc64le"),
        (["find", "3.12"], 3, "no installed Python found"),
        (["list", "--python-downloads-json-url", "/nonexistent/x.json"], 1, "/nonexistent/x.json"),
    ],
)
def test_bad_input_is_one_line_and_an_exit_code(
    argv: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == code
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("error: ") and "Traceback" not in err


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui", "list", "3.13t", "--only-downloads", "--os", "linux",
         "--arch", "aarch64", "--libc", "gnu"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.startswith("cpython-3.13.15+freethreaded-linux-aarch64-gnu")


@pytest.mark.parametrize("argv", [["-v", "list", "3.12"], ["list", "3.12", "-v"]])
def test_verbose_before_or_after_the_command(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith("cpython-3.12.14-")


def test_verbose_shows_no_traceback_for_an_ordinary_not_found(
    uv_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-v", "find", "3.99", "--install-dir", str(tmp_path / "none")]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error: no installed Python found")
