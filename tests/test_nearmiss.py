"""Near misses around a file missing from a file:// mirror, on real directory trees."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tui.core.nearmiss import find_near_misses

TAG = "20240713"
NAME = f"cpython-3.12.4+{TAG}-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


@pytest.fixture
def expected(tmp_path: Path) -> Path:
    (tmp_path / "mirror" / TAG).mkdir(parents=True)
    return tmp_path / "mirror" / TAG / NAME


def test_nothing_around_finds_nothing(expected: Path) -> None:
    _touch(expected.parent / "cpython-3.11.9+20240713-aarch64-apple-darwin-install_only.tar.gz")
    assert find_near_misses(expected) == []


def test_missing_mirror_folder_finds_nothing(tmp_path: Path) -> None:
    assert find_near_misses(tmp_path / "nope" / TAG / NAME) == []


def test_encoded_plus(expected: Path) -> None:
    saved = _touch(expected.with_name(NAME.replace("+", "%2B")))
    [miss] = find_near_misses(expected)
    assert miss.kind == "encoded-plus"
    assert miss.path == saved
    # The fix is a command the user can paste.
    command = miss.message.split("rename it: ", 1)[1]
    assert shlex.split(command) == ["mv", str(saved), str(expected)]


def test_missing_tag_dir(expected: Path) -> None:
    flat = _touch(expected.parent.parent / NAME)
    [miss] = find_near_misses(expected)
    assert miss.kind == "missing-tag-dir"
    assert miss.path == flat
    assert f"`{TAG}/`" in miss.message
    assert f"mkdir -p '{expected.parent}'" in miss.message


def test_mirror_set_to_the_tag_folder(tmp_path: Path) -> None:
    # The mirror is <root>/<tag>, so the URL asks for <root>/<tag>/<tag>/<name>.
    expected = tmp_path / "mirror" / TAG / TAG / NAME
    found = _touch(tmp_path / "mirror" / TAG / NAME)
    [miss] = find_near_misses(expected)
    assert (miss.kind, miss.path) == ("mirror-is-tag-dir", found)
    parent = (tmp_path / "mirror").as_uri()
    assert miss.message.endswith(f"set python-install-mirror to its parent folder, {parent}")
    assert "mkdir" not in miss.message


def test_interrupted_mirror_download(expected: Path) -> None:
    part = _touch(expected.with_name(NAME + ".part"))
    [miss] = find_near_misses(expected)
    assert (miss.kind, miss.path) == ("partial", part)
    assert "was interrupted" in miss.message and "`pybuilds mirror` command again" in miss.message


def test_release_folders_deeper_than_the_mirror(tmp_path: Path) -> None:
    # A copy of GitHub's path: <mirror>/releases/download/<tag>/<name>.
    deeper = tmp_path / "mirror" / "releases" / "download"
    found = _touch(deeper / TAG / NAME)
    _touch(tmp_path / "mirror" / "20240101" / "unrelated.tar.gz")
    [miss] = find_near_misses(tmp_path / "mirror" / TAG / NAME)
    assert (miss.kind, miss.path) == ("deeper", found)
    assert miss.message.endswith(f"set python-install-mirror to {deeper.as_uri()}")


def test_missing_tag_dir_and_encoded(expected: Path) -> None:
    flat = _touch(expected.parent.parent / NAME.replace("+", "%2B"))
    assert [(m.kind, m.path) for m in find_near_misses(expected)] == [("missing-tag-dir", flat)]


def test_other_flavour_ignores_checksum_files(expected: Path) -> None:
    other = _touch(expected.with_name(NAME.replace("install_only_stripped", "install_only")))
    _touch(expected.with_name(other.name + ".sha256"))
    debug = _touch(
        expected.with_name(f"cpython-3.12.4%2B{TAG}-x86_64-unknown-linux-gnu-debug-full.tar.zst")
    )
    # Another triple with a matching start is not the same build.
    _touch(expected.with_name(NAME.replace("x86_64-", "x86_64_v3-")))
    misses = find_near_misses(expected)
    assert [(m.kind, m.path) for m in misses] == [
        ("other-flavour", debug),
        ("other-flavour", other),
    ]
    assert "`install_only_stripped`" in misses[1].message


def test_case(expected: Path) -> None:
    upper = _touch(expected.with_name(NAME.replace("cpython", "CPython")))
    [miss] = find_near_misses(expected)
    assert miss.kind == "case"
    assert miss.path == upper


def test_same_file_under_another_tag_folder(expected: Path) -> None:
    wrong = _touch(expected.parent.parent / "20240726" / NAME)
    [miss] = find_near_misses(expected)
    assert miss.kind == "other-tag"
    assert miss.path == wrong
    assert "`20240726/`" in miss.message


def test_same_series_from_another_release(expected: Path) -> None:
    newer = "cpython-3.12.5+20240814-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
    found = _touch(expected.parent.parent / "20240814" / newer)
    _touch(expected.parent.parent / "20240814" / newer.replace("3.12.5", "3.13.0"))
    _touch(
        expected.parent.parent / "20240814" / newer.replace("-install_only_stripped", "-lto-full")
    )
    [miss] = find_near_misses(expected)
    assert (miss.kind, miss.path) == ("other-tag", found)
    assert "release 20240814" in miss.message
    assert f"release {TAG}" in miss.message


def test_windows_shared_names_parse(tmp_path: Path) -> None:
    name = "cpython-3.10.13+20240224-i686-pc-windows-msvc-shared-install_only.tar.gz"
    expected = tmp_path / "20240224" / name
    other = _touch(
        expected.with_name(name.replace("shared-install_only.tar.gz", "shared-pgo-full.tar.zst"))
    )
    [miss] = find_near_misses(expected)
    assert (miss.kind, miss.path) == ("other-flavour", other)
    assert "this install wants `shared-install_only`" in miss.message


def test_order_and_quoting(tmp_path: Path) -> None:
    expected = tmp_path / "it's mirror" / TAG / NAME
    _touch(expected.parent.parent / NAME)
    _touch(expected.with_name(NAME.replace("+", "%2B")))
    misses = find_near_misses(expected)
    assert [m.kind for m in misses] == ["encoded-plus", "missing-tag-dir"]
    command = misses[0].message.split("rename it: ", 1)[1]
    assert shlex.split(command)[2] == str(expected)
