"""`pybuilds uninstall` and `pybuilds find` over real install trees: refusals and failures."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from archives import MINOR, host_triple
from conftest import PBSBuilds

from tui.cli import main


@pytest.fixture
def dirs(tmp_path: Path, uv_env: dict[str, str]) -> list[str]:
    return ["--install-dir", str(tmp_path / "root"), "--bin-dir", str(tmp_path / "bin")]


@pytest.fixture
def suffix() -> str:
    """This machine's `linux-x86_64-gnu`: requests match installs for it."""
    host = host_triple()
    if host is None:
        pytest.skip("needs Linux or macOS on x86_64/aarch64")
    return host.install_suffix


def _install(root: Path, *names: str) -> None:
    """Installation folders as a crash-free install leaves them: `bin/python3.X` present."""
    for name in names:
        minor = ".".join(name.split("-")[1].split("+")[0].split(".")[:2])
        (root / name / "bin").mkdir(parents=True)
        (root / name / "bin" / f"python{minor}").write_text("#!/bin/sh\n")
        (root / name / "bin" / f"python{minor}").chmod(0o755)


def test_all_with_a_request_is_bad_usage_and_removes_nothing(
    suffix: str, dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [f"cpython-3.11.99-{suffix}", f"cpython-3.12.99-{suffix}"]
    _install(tmp_path / "root", *names)
    assert main(["uninstall", "--all", "3.11", *dirs]) == 2
    assert "--all cannot be used with a REQUEST" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "root").iterdir()) == names


def _as_a_user_without_root_powers() -> list[str]:
    """A command prefix that takes away root's right to write where modes forbid it."""
    if os.geteuid() != 0:
        return []
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    if shutil.which("setpriv") is None or subprocess.run([*drop, "true"]).returncode != 0:
        pytest.skip("as root, needs setpriv to drop CAP_DAC_OVERRIDE")
    return drop


def _install_the_fixture(pbs_builds: PBSBuilds, dirs: list[str]) -> None:
    install = [*("install", MINOR, "--mirror", pbs_builds.mirror.as_uri()), *dirs]
    assert main([*install, "--python-downloads-json-url", str(pbs_builds.catalog)]) == 0


def _uninstall_as_a_user(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`pybuilds uninstall 3.X` run where file modes bind (root's powers dropped)."""
    return subprocess.run(
        [*_as_a_user_without_root_powers(), sys.executable, "-m", "tui", "uninstall", MINOR],
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("read_only", ["root", "bin"])
def test_a_failed_uninstall_keeps_the_installation_and_its_executables(
    read_only: str,
    pbs_builds: PBSBuilds,
    dirs: list[str],
    tmp_path: Path,
    uv_env: dict[str, str],
) -> None:
    _install_the_fixture(pbs_builds, dirs)
    executable = tmp_path / "bin" / f"python{MINOR}"
    before = os.readlink(executable)
    folder = tmp_path / read_only
    folder.chmod(0o555)
    try:
        result = _uninstall_as_a_user(uv_env)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1
    assert os.readlink(executable) == before
    assert (tmp_path / "root" / pbs_builds.key / "bin" / f"python{MINOR}").is_file()
    assert os.path.exists(executable)  # through the minor-version folder, still in place
    assert not list((tmp_path / "root" / ".temp").iterdir())
    assert "Permission denied" in result.stderr and "nothing was changed" in result.stderr


def test_what_cannot_be_deleted_after_an_uninstall_is_named(
    pbs_builds: PBSBuilds, dirs: list[str], tmp_path: Path, uv_env: dict[str, str]
) -> None:
    """The install is gone from uv's view (moved aside); what stays behind is said, not
    silently left in the scratch folder."""
    _install_the_fixture(pbs_builds, dirs)
    stuck = tmp_path / "root" / pbs_builds.key / "lib"
    stuck.chmod(0o555)
    try:
        result = _uninstall_as_a_user(uv_env)
    finally:
        for left in (tmp_path / "root" / ".temp").glob("*/lib"):
            left.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "root" / pbs_builds.key).exists()
    [left] = (tmp_path / "root" / ".temp").iterdir()
    assert f"warning: could not delete all of {left}; delete it by hand" in result.stderr


def test_a_request_nothing_matches_is_reported_once(
    suffix: str, dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["uninstall", "3.9", *dirs]) == 3
    err = capsys.readouterr().err
    assert "error: no installed Python found for request `3.9`" in err
    assert "No existing installations found" not in err

    _install(tmp_path / "root", f"cpython-3.11.99-{suffix}")
    assert main(["uninstall", "3.9", "3.11", *dirs]) == 0  # as uv: the others go on
    err = capsys.readouterr().err
    assert "No existing installations found for: 3.9" in err and "error" not in err
    assert not (tmp_path / "root" / f"cpython-3.11.99-{suffix}").exists()


def test_all_with_nothing_installed_says_so_plainly(
    dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["uninstall", "--all", *dirs]) == 3
    assert capsys.readouterr().err == f"error: no Python installations in {tmp_path / 'root'}\n"
