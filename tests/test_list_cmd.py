"""`pybuilds list` end to end: broken installations, mirrored URLs, empty listings."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from archives import MINOR, VERSION
from conftest import UV, PBSBuilds

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


def _urls(listing: str) -> dict[str, str]:
    """`key -> URL` from `list --show-urls` (pybuilds also prints the build tag between)."""
    return {line.split()[0]: line.split()[-1] for line in listing.splitlines()}


@pytest.mark.parametrize("mirror", [None, "file:///m", "https://user:token@pbs.example/mirror/"])
def test_show_urls_shows_what_uv_and_an_install_would_download(
    mirror: str | None,
    pbs_builds: PBSBuilds,
    uv_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {"UV_PYTHON_DOWNLOADS_JSON_URL": str(pbs_builds.catalog)}
    if mirror:
        env["UV_PYTHON_INSTALL_MIRROR"] = mirror
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    listing = ["python", "list", "--only-downloads", "--show-urls"]
    uv = subprocess.run([UV, *listing], env={**uv_env, **env}, capture_output=True, text=True)
    assert uv.returncode == 0, uv.stderr
    # Both hide credentials, each its own way: uv `user:****@`, pybuilds `***@`.
    expected = _urls(uv.stdout)[pbs_builds.key].replace("user:****@", "***@")
    if mirror:
        assert expected.startswith(mirror.replace("user:token@", "***@").rstrip("/") + "/")

    assert main(listing[1:]) == 0
    shown = _urls(capsys.readouterr().out)[pbs_builds.key]
    assert shown == expected
    assert main(["list", "--only-downloads", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["url"] == shown


def test_show_urls_of_pypy_builds_are_on_the_pypy_mirror(
    uv_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("UV_PYTHON_INSTALL_MIRROR", "file:///cpython-mirror")
    monkeypatch.setenv("UV_PYPY_INSTALL_MIRROR", "file:///pypy-mirror")
    assert main(["list", "pypy", "--only-downloads", "--show-urls"]) == 0
    urls = _urls(capsys.readouterr().out)
    assert urls and all(url.startswith("file:///pypy-mirror/pypy") for url in urls.values())


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--only-installed"], "no Python installations in {root}"),
        (["--only-installed", "3.12"], "no installed Python matches `3.12` in {root}"),
    ],
)
def test_an_empty_listing_names_only_what_the_user_asked(
    argv: list[str], said: str, dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["list", *argv, *dirs[:2]]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("", said.format(root=tmp_path / "root") + "\n")
