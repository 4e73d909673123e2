"""uv's post-install patches: sysconfig, pkg-config, EXTERNALLY-MANAGED, links and BUILD."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from archives import fake_tree

from tui.core.errors import InstallError
from tui.core.names import InstallKey
from tui.core.patches import (
    EXTERNALLY_MANAGED,
    apply,
    ensure_python_link,
    format_sysconfigdata,
    parse_sysconfigdata,
    patch_pkgconfig_text,
    patch_sysconfigdata,
    patch_value,
    stdlib_dir,
)

KEY = InstallKey("cpython", "3.12.99", "default", "linux", "x86_64", "gnu")
HEADER = "# system configuration generated and used by the sysconfig module\n"


@pytest.mark.parametrize(
    ("key", "value", "patched"),
    [
        ("BINDIR", "/install/bin", "/real/prefix/bin"),
        ("prefix", "/install", "/real/prefix"),
        ("BLDLIBRARY", "-L. -lpython3.10", "-L. -lpython3.10"),
        ("CPPFLAGS", "-I/install/include  -I.", "-I/install/include -I."),
        ("CC", "clang -pthread", "cc -pthread"),
        ("CC", "musl-clang -pthread", "cc -pthread"),
        ("CXX", "clang++ -pthread", "c++ -pthread"),
        ("CC", "/usr/bin/aarch64-linux-gnu-gcc", "cc"),
        ("LDCXXSHARED", "/usr/bin/x86_64-linux-gnu-g++ -shared", "c++ -shared"),
        ("CFLAGS", "clang -O2", "clang -O2"),
        ("AR", "/tools/llvm/bin/llvm-ar", "ar"),
        (
            "BLDSHARED",
            "clang -bundle -undefined dynamic_lookup -arch arm64 -isysroot /Applications/X.sdk",
            "cc -bundle -undefined dynamic_lookup -arch arm64",
        ),
    ],
)
def test_values_are_patched_like_uv(key: str, value: str, patched: str) -> None:
    assert patch_value(key, value, "/real/prefix") == patched


def test_sysconfigdata_is_rewritten_in_uvs_format() -> None:
    text = (
        HEADER + "build_time_vars = {'key1': 'multi-part' ' string',\n"
        " 'key2': 42, 'neg': -15, \"quoted\": 'single \\'escaped\\''}\n"
    )

    data = patch_sysconfigdata(parse_sysconfigdata(text), "/real")

    assert format_sysconfigdata(data) == (
        HEADER + "build_time_vars = {\n"
        '    "PYTHON_BUILD_STANDALONE": 1,\n'
        '    "key1": "multi-part string",\n'
        '    "key2": 42,\n'
        '    "neg": -15,\n'
        '    "quoted": "single \'escaped\'"\n'
        "}\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("build_time_vars = {}\n", "header comment"),
        (HEADER + "other = {}\n", "build_time_vars"),
        (HEADER + "build_time_vars = {'a': None}\n", "not a string or int"),
    ],
)
def test_bad_sysconfigdata(text: str, message: str) -> None:
    with pytest.raises(InstallError, match=message):
        parse_sysconfigdata(text)


def test_pkgconfig_prefix_lines_and_final_newline() -> None:
    text = "# c\nprefix=/install\nexec_prefix=${prefix}\nlib.dir=/install\nLibs: -ldl   -lm\n"

    assert patch_pkgconfig_text(text) == (
        "# c\nprefix=${pcfiledir}/../..\nexec_prefix=${prefix}\nlib.dir=/install\nLibs: -ldl   -lm"
    )
    assert patch_pkgconfig_text("prefix=/usr\n") is None


def test_apply_in_a_scratch_folder_points_at_the_final_path(tmp_path: Path) -> None:
    root = fake_tree(tmp_path / "scratch")
    final = tmp_path / "root" / str(KEY)

    steps = list(apply(root, KEY, build="20260101", real_path=final))

    assert steps == ["EXTERNALLY-MANAGED", "sysconfig", "pkgconfig", "python link", "BUILD"]
    lib = root / "lib" / "python3.12"
    assert (lib / "EXTERNALLY-MANAGED").read_text() == EXTERNALLY_MANAGED
    data = parse_sysconfigdata((lib / "_sysconfigdata__fake.py").read_text())
    assert data["LIBDIR"] == f"{final}/lib" and data["CC"] == "cc -pthread"
    assert data["PYTHON_BUILD_STANDALONE"] == 1
    assert (root / "BUILD").read_bytes() == b"20260101"
    assert os.readlink(root / "bin" / "python") == "python3.12"


def test_apply_twice_changes_nothing(tmp_path: Path) -> None:
    root = fake_tree(tmp_path)
    list(apply(root, KEY, build="1"))
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}

    list(apply(root, KEY, build=None))

    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_free_threaded_stdlib_and_link(tmp_path: Path) -> None:
    key = InstallKey("cpython", "3.13.5", "freethreaded", "linux", "x86_64", "gnu")
    root = fake_tree(tmp_path, "3.13.5", suffix="t")

    assert stdlib_dir(root, key) == root / "lib" / "python3.13t"
    assert ensure_python_link(root, key)
    assert os.readlink(root / "bin" / "python") == "python3.13t"


def test_existing_python_link_is_kept(tmp_path: Path) -> None:
    root = fake_tree(tmp_path)
    os.symlink("python3", root / "bin" / "python")

    assert not ensure_python_link(root, KEY)
    assert os.readlink(root / "bin" / "python") == "python3"
