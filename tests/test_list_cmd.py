"""`pybuilds list` end to end: broken installations, mirrored URLs, empty listings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from archives import MINOR, VERSION
from conftest import PBSBuilds

from tui.cli import main


@pytest.fixture
def dirs(tmp_path: Path, uv_env: dict[str, str]) -> list[str]:
    return ["--install-dir", str(tmp_path / "root"), "--bin-dir", str(tmp_path / "bin")]


def test_a_broken_installation_is_listed_and_marked(
    pbs_builds: PBSBuilds, dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = ["--mirror", pbs_builds.mirror.as_uri()]
    catalog = ["--python-downloads-json-url", str(pbs_builds.catalog)]
    assert main(["install", VERSION, *source, *catalog, "--no-bin", *dirs]) == 0
    broken = f"cpython-{MINOR}.99-{pbs_builds.host.install_suffix}"
    (tmp_path / "root" / broken).mkdir()  # left by a crash
    listing = ["list", "--only-installed", "--install-dir", str(tmp_path / "root")]
    capsys.readouterr()

    assert main(listing) == 0
    out, err = capsys.readouterr()
    lines = dict(line.split(maxsplit=1) for line in out.splitlines())
    assert lines[broken].endswith(f"bin/python{MINOR} (broken: interpreter missing)")
    assert lines[pbs_builds.key].endswith(f"bin/python{MINOR}")
    assert f"{broken} is broken" in err and f"pybuilds install --reinstall {broken}" in err

    assert main([*listing, "--json"]) == 0
    rows = {row["key"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows[broken]["installed"] is True and rows[broken]["broken"] is True
    assert rows[pbs_builds.key]["broken"] is False
