"""A request that names no x86-64 level, on a mirror holding only uv's baseline builds."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from archives import TAG, VERSION
from conftest import PBSBuilds
from httpserver import HTTPTestServer

from tui.cli import main
from tui.core.catalog import Build, parse_catalog
from tui.core.platform import detect_platform

LEVEL = detect_platform().arch_level
"""This CPU's best x86-64 level (`v3`), which a request without one prefers."""


def _with_level_entry(pbs_builds: PBSBuilds, tmp_path: Path) -> Path:
    """The fixture catalog plus a sibling of its build at this CPU's level, as uv's has one
    for every Linux build; the mirror keeps only the baseline archive."""
    catalog = json.loads(pbs_builds.catalog.read_text())
    [(key, entry)] = catalog.items()
    level = dict(entry, arch={"family": "x86_64", "variant": LEVEL})
    level["url"] = entry["url"].replace("-x86_64-unknown-", f"-x86_64_{LEVEL}-unknown-")
    level["sha256"] = "0" * 64
    catalog[key.replace("-x86_64-", f"-x86_64_{LEVEL}-")] = level
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    return path


def _args(mirror: str, catalog: Path, tmp_path: Path, *more: str) -> list[str]:
    return [
        "install",
        *more,
        "--mirror",
        mirror,
        "--python-downloads-json-url",
        str(catalog),
        "--install-dir",
        str(tmp_path / "root"),
        "--bin-dir",
        str(tmp_path / "bin"),
    ]


@pytest.fixture
def x86_64(pbs_builds: PBSBuilds) -> PBSBuilds:
    if pbs_builds.host.arch != "x86_64" or pbs_builds.host.os != "linux":
        pytest.skip("x86-64 levels are published for Linux x86-64 only")
    if LEVEL is None:
        pytest.skip("this CPU runs no x86-64 level above the baseline")
    return pbs_builds


def test_missing_level_build_installs_the_baseline_uv_picks(
    x86_64: PBSBuilds, tmp_path: Path, uv_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = _with_level_entry(x86_64, tmp_path)

    assert main(_args(x86_64.mirror.as_uri(), catalog, tmp_path, VERSION)) == 0

    err = capsys.readouterr().err
    level_key = x86_64.key.replace("-x86_64-", f"-x86_64_{LEVEL}-")
    assert f"warning: {level_key} is not in {x86_64.mirror.as_uri()}/{TAG}; installing" in err
    assert f"installing {x86_64.key}, the baseline x86-64 build uv picks" in err
    assert (tmp_path / "root" / x86_64.key / "bin").is_dir()
    assert not (tmp_path / "root" / level_key).exists()


def test_missing_level_build_over_http(
    x86_64: PBSBuilds,
    tmp_path: Path,
    uv_env: dict[str, str],
    http_server_factory: Callable[..., HTTPTestServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = http_server_factory(x86_64.mirror)
    catalog = _with_level_entry(x86_64, tmp_path)

    assert main(_args(server.url, catalog, tmp_path, VERSION)) == 0

    assert "the baseline x86-64 build uv picks" in capsys.readouterr().err
    assert (tmp_path / "root" / x86_64.key / "bin").is_dir()
    assert [r.method for r in server.requests].count("HEAD") == 1  # one look, then the GET


def test_a_level_the_request_names_does_not_fall_back(
    x86_64: PBSBuilds, tmp_path: Path, uv_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = _with_level_entry(x86_64, tmp_path)
    level_key = x86_64.key.replace("-x86_64-", f"-x86_64_{LEVEL}-")

    assert main(_args(x86_64.mirror.as_uri(), catalog, tmp_path, level_key)) == 5

    err = capsys.readouterr().err
    assert "file not found" in err and "baseline" not in err
    assert not (tmp_path / "root").exists() or not list((tmp_path / "root").glob("cpython-*"))


def test_a_level_named_by_arch_does_not_fall_back(
    x86_64: PBSBuilds, tmp_path: Path, uv_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = _with_level_entry(x86_64, tmp_path)
    args = _args(x86_64.mirror.as_uri(), catalog, tmp_path, VERSION, "--arch", f"x86_64_{LEVEL}")

    assert main(args) == 5

    err = capsys.readouterr().err
    assert "file not found" in err and "baseline" not in err


def test_a_level_build_the_mirror_has_is_installed(
    x86_64: PBSBuilds, tmp_path: Path, uv_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Where the mirror has the level build, that is what installs (here it shows as the
    mismatch with the zeroed checksum its catalog entry was given)."""
    catalog = _with_level_entry(x86_64, tmp_path)
    entry = json.loads(catalog.read_text())
    level_name = entry[next(k for k in entry if f"_{LEVEL}" in k)]["url"].rsplit("/", 1)[1]
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / TAG).mkdir()
    archive = tmp_path / "m" / TAG / level_name.replace("%2B", "+")
    archive.write_bytes(x86_64.install_only.read_bytes())

    assert main(_args((tmp_path / "m").as_uri(), catalog, tmp_path, VERSION)) == 6
    err = capsys.readouterr().err
    assert "hash mismatch" in err and "baseline" not in err


def test_without_a_mirror_nothing_is_looked_at_first(
    x86_64: PBSBuilds, tmp_path: Path, uv_env: dict[str, str]
) -> None:
    """Astral's mirror and GitHub publish every level: no HEAD before each install."""
    from tui.core.install import InstallOptions
    from tui.core.level_fallback import available_or_baseline
    from tui.core.mirrors import MirrorSettings

    level, baseline = _level_and_baseline(x86_64, tmp_path)
    with_mirror = InstallOptions(mirrors=MirrorSettings(python_mirror=x86_64.mirror.as_uri()))
    assert available_or_baseline(level, baseline, with_mirror)[0] == baseline
    assert available_or_baseline(level, baseline, InstallOptions()) == (level, None)


def _level_and_baseline(pbs_builds: PBSBuilds, tmp_path: Path) -> tuple[Build, Build]:
    catalog = _with_level_entry(pbs_builds, tmp_path)
    builds = parse_catalog(catalog.read_bytes(), str(catalog))
    [level] = [b for b in builds if b.arch_level == LEVEL]
    [baseline] = [b for b in builds if b.arch_level is None]
    return level, baseline
