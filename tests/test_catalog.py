"""Catalog parsing, validation errors, the embedded snapshot and the refreshable cache."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from shared_data import real_catalog_path

from tui.core.catalog import Build, catalog_key, parse_catalog, to_json
from tui.core.catalog_embedded import (
    Scope,
    embedded_origin,
    load_embedded,
    pack_embedded,
    unpack_embedded,
)
from tui.core.catalog_source import cache_path, clear_cache, load_catalog, update_cache
from tui.core.errors import CatalogError

ENTRY: dict[str, Any] = {
    "name": "cpython",
    "arch": {"family": "x86_64", "variant": None},
    "os": "linux",
    "libc": "gnu",
    "major": 3,
    "minor": 13,
    "patch": 1,
    "prerelease": "",
    "url": "https://example.invalid/20250115/cpython-3.13.1%2B20250115-x86_64-unknown-linux-gnu-install_only.tar.gz",
    "sha256": "a" * 64,
    "variant": None,
    "build": "20250115",
}


def entry(**changes: Any) -> dict[str, Any]:
    return {**ENTRY, **changes}


def doc(**entries: Any) -> bytes:
    return json.dumps(entries).encode()


def test_embedded_catalog_is_the_real_catalog() -> None:
    real = parse_catalog(real_catalog_path().read_bytes(), "embedded")
    embedded = load_embedded()
    assert len(embedded) == 5530
    assert embedded == real
    assert to_json(embedded) == json.loads(real_catalog_path().read_bytes())


def test_every_key_follows_uvs_key_form() -> None:
    for build in load_embedded():
        assert catalog_key(build) == build.key


def test_builds_are_sorted_best_first() -> None:
    builds = load_embedded()
    assert builds[0].implementation == "cpython"
    assert [b.sort_key() for b in builds] == sorted((b.sort_key() for b in builds), reverse=True)
    first_pypy = next(i for i, b in enumerate(builds) if b.implementation == "pypy")
    assert all(b.implementation == "cpython" for b in builds[:first_pypy])


def test_install_key_uses_uv_spellings() -> None:
    by_key = {b.key: b for b in load_embedded()}
    assert str(by_key["cpython-3.15.0rc1-darwin-aarch64-none"].install_key) == (
        "cpython-3.15.0rc1-macos-aarch64-none"
    )
    windows = next(b for b in by_key.values() if b.os == "windows" and b.arch == "i686")
    assert "-windows-x86-none" in str(windows.install_key)
    riscv = next(b for b in by_key.values() if b.arch == "riscv64")
    assert "-linux-riscv64gc-gnu" in str(riscv.install_key)
    pyodide = next(b for b in by_key.values() if b.os == "emscripten")
    assert str(pyodide.install_key).startswith("pyodide-")


def test_filename_decodes_plus() -> None:
    build = parse_catalog(doc(k=ENTRY), "t")[0]
    assert build.filename == "cpython-3.13.1+20250115-x86_64-unknown-linux-gnu-install_only.tar.gz"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),  # nested past the recursion limit
        (b'{"e": ' + b"9" * 5000 + b"}", "not valid JSON"),  # beyond int()'s 4,300 digits
        (b"[]", "top level is not a JSON object"),
        (doc(e={k: v for k, v in ENTRY.items() if k != "url"}), "entry `e`"),
        (doc(e={k: v for k, v in ENTRY.items() if k != "url"}), "missing required field `url`"),
        (doc(e=entry(major="3")), "field `major` should be int"),
        (doc(e=entry(major=True)), "field `major` should be int"),
        (doc(e=entry(patch=256)), "out of range"),
        (doc(e=entry(arch={"variant": None})), "`arch.family`"),
        (doc(e=entry(sha256="abc")), "64 hex digits"),
        (doc(e=entry(prerelease="post1")), "not a pre-release"),
        (doc(e=[1, 2]), "entry is not an object"),
        (json.dumps({"version": 2, "downloads": []}).encode(), "newer catalog format"),
    ],
)
def test_malformed_catalog_names_source_and_entry(data: bytes, message: str) -> None:
    with pytest.raises(CatalogError) as info:
        parse_catalog(data, "/srv/custom.json")
    text = str(info.value)
    assert message in text
    assert "/srv/custom.json" in text
    assert "\n" not in text


def test_unknown_platforms_and_variants_are_skipped_like_uv() -> None:
    builds = parse_catalog(
        doc(
            a=ENTRY,
            b=entry(os="haiku"),
            c=entry(arch={"family": "sparc", "variant": None}),
            d=entry(variant="jit"),
            e=entry(libc="uclibc"),
            f=entry(extra_field="ignored", sha256=None, build=None),
        ),
        "t",
    )
    assert sorted(b.key for b in builds) == ["a", "f"]


def test_custom_builds_of_one_version_stay_side_by_side() -> None:
    builds = parse_catalog(
        doc(
            **{
                "cpython-3.13.1-linux-x86_64-gnu-b40": entry(build="40"),
                "cpython-3.13.1-linux-x86_64-gnu-b45": entry(build="45"),
                "cpython-3.13.1-linux-x86_64-gnu-b9": entry(build="9"),
            }
        ),
        "custom",
    )
    assert [b.build for b in builds] == ["45", "40", "9"]
    assert {str(b.install_key) for b in builds} == {"cpython-3.13.1-linux-x86_64-gnu"}


@pytest.fixture
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PYBUILDS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "download-metadata.json"


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG rule is Linux/BSD only")
@pytest.mark.parametrize("xdg_cache_home", [None, "", "/srv/cache"])
def test_cache_path_follows_platformdirs(
    xdg_cache_home: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    monkeypatch.delenv("PYBUILDS_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg_cache_home is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg_cache_home)
    expected = Path(platformdirs.user_cache_dir("pybuilds", appauthor=False))
    assert cache_path() == expected / "download-metadata.json"


def test_cache_path_ignores_a_relative_xdg_cache_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYBUILDS_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_path() == tmp_path / ".cache" / "pybuilds" / "download-metadata.json"


def test_load_catalog_from_path_and_file_url(tmp_path: Path, isolated_cache: Path) -> None:
    path = tmp_path / "custom.json"
    path.write_bytes(doc(k=ENTRY))
    for location in (str(path), path.as_uri()):
        loaded = load_catalog(location)
        assert [b.key for b in loaded.builds] == ["k"]
        assert all(b.source == loaded.source for b in loaded.builds)
        assert str(path) in loaded.source
    assert load_catalog(None).source == "embedded"


def test_update_cache_validates_before_replacing(tmp_path: Path, isolated_cache: Path) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(doc(k=ENTRY))
    target, count, _ = update_cache(str(good))
    assert target == isolated_cache == cache_path()
    assert count == 1
    assert load_catalog(None).source == str(isolated_cache)

    bad = tmp_path / "bad.json"
    bad.write_bytes(doc(k=entry(major="x")))
    with pytest.raises(CatalogError):
        update_cache(str(bad))
    assert isolated_cache.read_bytes() == good.read_bytes()
    assert list(isolated_cache.parent.iterdir()) == [isolated_cache]

    empty = tmp_path / "empty.json"
    empty.write_bytes(b"{}")
    with pytest.raises(CatalogError, match="no build"):
        update_cache(str(empty))
    assert clear_cache()
    assert load_catalog(None).source == "embedded"


def test_missing_catalog_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="No such file"):
        load_catalog(str(tmp_path / "nope.json"))


def test_build_records_are_frozen() -> None:
    build: Build = load_embedded()[0]
    with pytest.raises(AttributeError):
        build.url = "x"  # type: ignore[misc]


def test_scoped_load_keeps_only_that_os_and_libc() -> None:
    every = load_embedded()
    musl = load_embedded(Scope("linux", "musl"))
    assert musl == tuple(b for b in every if b.os == "linux" and b.libc == "musl")
    assert load_embedded(Scope(None, "none")) == tuple(b for b in every if b.libc == "none")
    assert load_embedded(Scope()) == every


def test_each_embedded_section_is_its_platforms_slice() -> None:
    every = load_embedded()
    sections = {(b.os, b.libc, b.arch) for b in every}
    assert len(sections) > 10
    for os_name, libc, arch in sections:
        expected = tuple(b for b in every if (b.os, b.libc, b.arch) == (os_name, libc, arch))
        assert load_embedded(Scope(os_name, libc, frozenset([arch]))) == expected
    assert load_embedded(Scope("linux", "none")) == ()
    assert load_embedded(Scope("linux")) == tuple(b for b in every if b.os == "linux")
    two = frozenset(["x86_64", "aarch64"])
    assert load_embedded(Scope("linux", "gnu", two)) == tuple(
        b for b in every if b.os == "linux" and b.libc == "gnu" and b.arch in two
    )


def test_packed_catalog_round_trips_in_catalog_order() -> None:
    document = {
        "a": entry(minor=12, os="linux", libc="gnu", url="https://h/releases/download/1/a.tgz"),
        "b": entry(minor=13, os="darwin", libc="none", url="https://h/releases/download/1/b.tgz"),
        "c": entry(minor=11, os="linux", libc="gnu", url="https://other/x/c.tgz"),
        "d": entry(minor=14, os="linux", libc="musl", url="https://h/releases/download/2/d.tgz"),
    }
    packed = pack_embedded(document, "a test")
    expected = parse_catalog(json.dumps(document).encode(), "embedded")
    assert [b.key for b in expected] == ["d", "b", "a", "c"]
    assert unpack_embedded(packed) == expected
    assert unpack_embedded(packed, Scope("linux")) == tuple(b for b in expected if b.key != "b")
    assert unpack_embedded(packed, Scope("linux", "gnu")) == tuple(
        b for b in expected if b.key in "ac"
    )


@pytest.mark.parametrize("data", [b"", b"not json\n", b'{"format": 1}\n', b"[]\n"])
def test_unknown_embedded_format_is_one_clear_error(data: bytes) -> None:
    with pytest.raises(CatalogError, match="unknown format"):
        unpack_embedded(data)


def test_embedded_origin_names_the_snapshot() -> None:
    assert "download-metadata.json" in embedded_origin()
