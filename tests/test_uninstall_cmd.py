"""`pybuilds uninstall` and `pybuilds find` over real install trees: refusals and failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from archives import host_triple

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
