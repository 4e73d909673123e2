"""`pybuilds find` over real install trees: broken installations and what it says when none fit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from archives import MINOR, VERSION
from conftest import UV, PBSBuilds

from tui.cli import main


@pytest.fixture
def dirs(tmp_path: Path, uv_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(tmp_path)  # no .python-version pins a request
    return ["--install-dir", str(tmp_path / "root"), "--bin-dir", str(tmp_path / "bin")]


def _install(pbs_builds: PBSBuilds, dirs: list[str], request: str) -> None:
    source = ["--mirror", pbs_builds.mirror.as_uri()]
    catalog = ["--python-downloads-json-url", str(pbs_builds.catalog)]
    assert main(["install", request, *source, *catalog, "--no-bin", *dirs]) == 0


@pytest.mark.parametrize("left", ["an empty folder", "no interpreter"])
def test_a_broken_installation_is_not_found_and_said_to_be_broken(
    left: str,
    pbs_builds: PBSBuilds,
    dirs: list[str],
    tmp_path: Path,
    uv_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _install(pbs_builds, dirs, VERSION)
    folder = tmp_path / "root" / pbs_builds.key
    if left == "an empty folder":  # as a crash before unpacking leaves it
        for path in sorted(folder.rglob("*"), reverse=True):
            path.unlink() if not path.is_dir() or path.is_symlink() else path.rmdir()
    else:
        (folder / "bin" / f"python{MINOR}").unlink()
    capsys.readouterr()
    assert main(["find", MINOR, "--install-dir", str(tmp_path / "root")]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"error: the matching installation at {folder} is broken" in err
    assert f"hint: reinstall it with `pybuilds install --reinstall {pbs_builds.key}`" in err
    uv = [UV, "python", "find", MINOR, "--managed-python"]
    found = subprocess.run(uv, capture_output=True, text=True, env=uv_env)
    assert found.returncode != 0 and "interpreter not found at" in found.stderr


def test_a_working_installation_is_found_past_a_broken_newer_one(
    pbs_builds: PBSBuilds, dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _install(pbs_builds, dirs, VERSION)
    newer = tmp_path / "root" / f"cpython-{MINOR}.99-{pbs_builds.host.install_suffix}"
    newer.mkdir()  # left by a crash
    capsys.readouterr()
    assert main(["find", MINOR, "--install-dir", str(tmp_path / "root")]) == 0
    found = Path(capsys.readouterr().out.strip())
    assert found.is_file() and found.name == f"python{MINOR}"
    assert Path(found.resolve()).is_relative_to(tmp_path / "root" / pbs_builds.key)


def test_without_a_request_an_empty_root_is_said_to_be_empty(
    dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["find", *dirs[:2]]) == 3
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"error: no Python installations in {tmp_path / 'root'}"
    assert "`pybuilds install`" in err[1] and "`pybuilds install 3.13`" in err[1]
    assert "any" not in err[0] and "default" not in err[1]


@pytest.mark.parametrize(
    ("argv", "suggested"),
    [
        (["3.11", "--os", "macos"], "pybuilds install 3.11 --os macos"),
        ([">=3.12,<3.13", "--arch", "aarch64"], "pybuilds install '>=3.12,<3.13' --arch aarch64"),
        (["--libc", "musl"], "pybuilds install --libc musl"),
    ],
)
def test_the_suggested_install_keeps_the_platform_flags_given(
    argv: list[str], suggested: str, dirs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["find", *argv, *dirs[:2]]) == 3
    assert f"`{suggested}`" in capsys.readouterr().err
