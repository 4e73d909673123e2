"""What `pybuilds list` shows: uv's defaults over the real catalog, installs, custom builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.core.catalog import Build, parse_catalog
from tui.core.catalog_embedded import load_embedded
from tui.core.layout import Layout
from tui.core.listing import ListOptions, ListRow, list_rows
from tui.core.platform import Platform
from tui.core.requests import parse_request

LINUX = Platform("linux", "x86_64", "gnu")
LINUX_V3 = Platform("linux", "x86_64", "gnu", arch_level="v3")


@pytest.fixture(scope="module")
def builds() -> tuple[Build, ...]:
    return load_embedded()


def keys(rows: list[ListRow]) -> list[str]:
    return [row.key for row in rows]


def test_default_lists_newest_patch_of_each_minor(builds: tuple[Build, ...]) -> None:
    rows = list_rows(builds, [], parse_request("any"), LINUX)
    listed = keys(rows)
    assert listed[0] == "cpython-3.15.0rc1-linux-x86_64-gnu"
    assert "cpython-3.14.7-linux-x86_64-gnu" in listed
    assert "cpython-3.13.15+freethreaded-linux-x86_64-gnu" in listed
    assert "cpython-3.12.14-linux-x86_64-gnu" in listed
    assert not any("3.12.13" in key or "debug" in key for key in listed)
    assert "pypy-3.11.15-linux-x86_64-gnu" in listed
    groups = [(r.build.implementation, r.build.minor, r.build.variant) for r in rows if r.build]
    assert len(groups) == len(set(groups))  # one row per minor and variant


def test_preferred_x86_64_level_replaces_the_baseline(builds: tuple[Build, ...]) -> None:
    listed = keys(list_rows(builds, [], parse_request("3.12"), LINUX_V3))
    assert listed[0] == "cpython-3.12.14-linux-x86_64_v3-gnu"
    assert not any(key.startswith("cpython-3.12.") and "_v3" not in key for key in listed)


def test_all_versions_and_all_arches(builds: tuple[Build, ...]) -> None:
    every = keys(
        list_rows(builds, [], parse_request("3.12"), LINUX, ListOptions(all_versions=True))
    )
    assert "cpython-3.12.0-linux-x86_64-gnu" in every
    assert len([k for k in every if k.startswith("cpython-3.12.")]) > 10
    arches = keys(list_rows(builds, [], parse_request("3.12"), LINUX, ListOptions(all_arches=True)))
    assert {"cpython-3.12.14-linux-aarch64-gnu", "cpython-3.12.14-linux-x86_64_v4-gnu"} <= set(
        arches
    )
    assert not any("musl" in k or "macos" in k for k in arches)


def test_all_platforms_and_other_platform(builds: tuple[Build, ...]) -> None:
    rows = list_rows(builds, [], parse_request("3.13"), LINUX, ListOptions(all_platforms=True))
    oses = {row.build.os for row in rows if row.build}
    assert oses == {"linux", "darwin", "windows", "emscripten"}
    mac = Platform("darwin", "aarch64", "none")
    assert keys(list_rows(builds, [], parse_request("3.13"), mac))[0] == (
        "cpython-3.13.15-macos-aarch64-none"
    )


def test_prerelease_only_minor_is_listed(builds: tuple[Build, ...]) -> None:
    assert keys(list_rows(builds, [], parse_request("3.15"), LINUX))[0] == (
        "cpython-3.15.0rc1-linux-x86_64-gnu"
    )


def test_debug_builds_only_when_asked(builds: tuple[Build, ...]) -> None:
    assert keys(list_rows(builds, [], parse_request("3.12+debug"), LINUX)) == [
        "cpython-3.12.14+debug-linux-x86_64-gnu"
    ]
    default = keys(list_rows(builds, [], parse_request("3.12"), LINUX))
    assert not any("debug" in k for k in default)
    shown = keys(list_rows(builds, [], parse_request("3.12"), LINUX, ListOptions(show_debug=True)))
    assert "cpython-3.12.14+debug-linux-x86_64-gnu" in shown


def write_install(root: Path, key: str, build: str | None) -> None:
    folder = root / key
    (folder / "bin").mkdir(parents=True)
    if build is not None:
        (folder / "BUILD").write_text(build)


def test_installed_rows_merge_with_downloads(tmp_path: Path, builds: tuple[Build, ...]) -> None:
    write_install(tmp_path, "cpython-3.12.14-linux-x86_64-gnu", "20260814")
    write_install(tmp_path, "cpython-3.11.2-linux-x86_64-gnu", "20230226")
    (tmp_path / "cpython-3.12-linux-x86_64-gnu").symlink_to(
        tmp_path / "cpython-3.12.14-linux-x86_64-gnu"
    )
    installs = Layout(tmp_path, tmp_path / "bin").installations()
    rows = list_rows(builds, installs, parse_request("any"), LINUX)
    by_key = {row.key: row for row in rows}
    merged = by_key["cpython-3.12.14-linux-x86_64-gnu"]
    assert merged.build is not None and merged.installation is not None
    old = by_key["cpython-3.11.2-linux-x86_64-gnu"]
    assert old.build is None and old.installation is not None
    # Among the 3.11 rows by version, not after every download (uv's order).
    listed = keys(rows)
    assert listed.index("cpython-3.11.2-linux-x86_64-gnu") < listed.index(
        "cpython-3.10.21-linux-x86_64-gnu"
    )
    assert listed.index("cpython-3.11.2-linux-x86_64-gnu") > listed.index(
        "cpython-3.11.16-linux-x86_64-gnu"
    )
    assert "cpython-3.12-linux-x86_64-gnu" not in by_key  # the minor link is not an install
    only = list_rows(
        builds, installs, parse_request("any"), LINUX, ListOptions(only_installed=True)
    )
    assert sorted(keys(only)) == [
        "cpython-3.11.2-linux-x86_64-gnu",
        "cpython-3.12.14-linux-x86_64-gnu",
    ]
    downloads = list_rows(
        builds, installs, parse_request("any"), LINUX, ListOptions(only_downloads=True)
    )
    assert all(row.installation is None for row in downloads)
    data = merged.to_json("install_only_stripped")
    assert data["installed"] is True and data["path"].endswith("bin/python3.12")
    assert data["source"] == "embedded" and data["build"] == "20260814"


def test_custom_builds_are_listed_side_by_side(tmp_path: Path) -> None:
    entry = {
        "name": "cpython", "arch": {"family": "x86_64", "variant": None}, "os": "linux",
        "libc": "gnu", "major": 3, "minor": 13, "patch": 1, "prerelease": "",
        "url": "https://builds.example.invalid/3.13.1/cpython.tar.gz", "sha256": None,
        "variant": None,
    }  # fmt: skip
    document = {f"cpython-3.13.1-b{n}": {**entry, "build": n} for n in ("40", "45", "9")}
    builds = parse_catalog(json.dumps(document).encode(), "custom.json")
    write_install(tmp_path, "cpython-3.13.1-linux-x86_64-gnu", "40")
    installs = Layout(tmp_path, tmp_path / "bin").installations()
    rows = list_rows(builds, installs, parse_request("3.13"), LINUX)
    assert [(row.build.build if row.build else None) for row in rows] == ["45", "40", "9"]
    assert [row.installation is not None for row in rows] == [False, True, False]


@pytest.mark.parametrize(
    "text",
    [
        "any",
        "3.12",
        "3.13t",
        "pypy",
        "cpython-3.12-linux-aarch64-gnu",
        "cpython-3.12-macos",
        "cpython-any-linux-any-musl",
        "3.12-linux-any",
        "pyodide",
    ],
)
@pytest.mark.parametrize("all_arches", [False, True])
@pytest.mark.parametrize("platform", [LINUX_V3, Platform("darwin", "aarch64", "none")])
def test_reading_only_the_requests_scope_lists_the_same(
    builds: tuple[Build, ...], text: str, all_arches: bool, platform: Platform
) -> None:
    request = parse_request(text)
    options = ListOptions(all_arches=all_arches, all_versions=True)
    scoped = load_embedded(request.catalog_scope(platform, all_arches=all_arches))
    assert len(scoped) < len(builds)
    assert list_rows(scoped, [], request, platform, options) == list_rows(
        builds, [], request, platform, options
    )
