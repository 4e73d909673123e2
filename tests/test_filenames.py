"""Archive file names: every URL of the real catalog, round trips, sibling flavours, bad names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tui.core.filenames import (
    AssetName,
    flavours_of_release,
    parse_asset_name,
    sibling_asset,
    sibling_url,
)
from tui.core.versions import Version

CATALOG = Path(__file__).resolve().parents[2] / "shared" / "data" / "download-metadata.json"
PBS = "https://github.com/astral-sh/python-build-standalone/releases/download"


@pytest.fixture(scope="module")
def entries() -> dict[str, Any]:
    if not CATALOG.is_file():
        pytest.skip(f"the real catalog is not at {CATALOG} (clone `shared/` beside the repo)")
    document: dict[str, Any] = json.loads(CATALOG.read_bytes())
    return document


@pytest.fixture(scope="module")
def parsed(entries: dict[str, Any]) -> list[tuple[str, dict[str, Any], AssetName]]:
    """(key, entry, parsed URL) for every catalog entry, parsed once for the module."""
    return [(key, entry, parse_asset_name(entry["url"])) for key, entry in entries.items()]


def test_every_catalog_url_parses_to_the_entry_fields(
    parsed: list[tuple[str, dict[str, Any], AssetName]],
) -> None:
    kinds: dict[str, int] = {}
    for key, entry, asset in parsed:
        kinds[asset.implementation] = kinds.get(asset.implementation, 0) + 1
        assert (asset.os, asset.arch, asset.libc) == (
            entry["os"],
            entry["arch"]["family"],
            entry["libc"],
        ), key
        assert asset.arch_level == entry["arch"]["variant"], key
        assert asset.variant == (entry["variant"] or "default"), key
        expected = Version(entry["major"], entry["minor"], entry["patch"], entry["prerelease"])
        if asset.python_minor is not None:
            assert asset.python_minor == expected.minor_version, key
        if asset.implementation == "cpython":
            assert asset.version == expected, key
            if asset.timestamp is None:
                assert asset.tag == entry["build"], key
            else:
                assert asset.tag is None and asset.build_options, key
        else:
            # PyPy, GraalPy and Pyodide names carry their own release, which is the `build`.
            assert asset.version is None and asset.tag == entry["build"], key
    assert kinds == {"cpython": 5480, "pypy": 26, "graalpy": 19, "pyodide": 5}


def test_catalog_names_round_trip_with_their_encoding(
    parsed: list[tuple[str, dict[str, Any], AssetName]],
) -> None:
    legacy = shared = 0
    for _, entry, asset in parsed:
        last = entry["url"].rsplit("/", 1)[-1]
        assert asset.filename == unquote(last)
        assert parse_asset_name(asset.filename) == asset
        legacy += asset.is_legacy
        shared += asset.link == "shared"
    assert legacy == 148
    assert shared == 74 + 36  # `shared-install_only` and pre-2022 `shared-pgo`


def test_each_catalog_flavour_is_one_pbs_publishes(
    parsed: list[tuple[str, dict[str, Any], AssetName]],
) -> None:
    for key, _, asset in parsed:
        if asset.implementation == "cpython" and not asset.is_legacy:
            assert asset.flavour in flavours_of_release(asset), key


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        (
            "cpython-3.13.1+20250115-x86_64-unknown-linux-gnu-freethreaded+pgo+lto-full.tar.zst",
            {
                "tag": "20250115",
                "triple": "x86_64-unknown-linux-gnu",
                "flavour": "freethreaded+pgo+lto-full",
                "build_options": "freethreaded+pgo+lto",
                "variant": "freethreaded",
                "kind": "full",
                "extension": "tar.zst",
            },
        ),
        (
            "cpython-3.15.0rc1+20260814-x86_64_v3-unknown-linux-gnu-freethreaded-install_only_stripped.tar.gz",
            {
                "version": Version(3, 15, 0, "rc1"),
                "arch_level": "v3",
                "flavour": "freethreaded-install_only_stripped",
                "build_options": None,
                "variant": "freethreaded",
                "kind": "install_only_stripped",
            },
        ),
        (
            "cpython-3.10.13+20240224-i686-pc-windows-msvc-shared-install_only.tar.gz",
            {
                "os": "windows",
                "arch": "i686",
                "libc": "none",
                "link": "shared",
                "flavour": "shared-install_only",
                "kind": "install_only",
            },
        ),
        (
            "cpython-3.10.2+20220227-x86_64-pc-windows-msvc-static-noopt-full.tar.zst",
            {"link": "static", "flavour": "static-noopt-full", "build_options": "noopt"},
        ),
        (
            "cpython-3.12.9+20250311-aarch64-unknown-linux-musl-debug+static-full.tar.zst",
            {"libc": "musl", "build_options": "debug+static", "variant": "debug"},
        ),
        (
            "cpython-3.13.5+20250723-ppc64le-unknown-linux-gnu-freethreaded+debug-full.tar.zst",
            {"arch": "powerpc64le", "variant": "freethreaded+debug", "debug": True},
        ),
        (
            "cpython-3.9.4-x86_64-unknown-linux-gnu-debug-20210413T2055.tar.zst",
            {
                "tag": None,
                "timestamp": "20210413T2055",
                "flavour": "debug",
                "kind": "full",
                "is_legacy": True,
            },
        ),
        (
            "cpython-3.10.0-i686-pc-windows-msvc-shared-pgo-20211017T1616.tar.zst",
            {"link": "shared", "flavour": "shared-pgo", "build_options": "pgo"},
        ),
    ],
)
def test_pbs_names_parse_and_round_trip(name: str, fields: dict[str, object]) -> None:
    asset = parse_asset_name(name)
    for field, value in fields.items():
        assert getattr(asset, field) == value, field
    assert asset.filename == name


@pytest.mark.parametrize(
    "url",
    [
        f"{PBS}/20241008/cpython-3.12.7%2B20241008-x86_64_v3-unknown-linux-gnu-install_only_stripped.tar.gz",
        f"{PBS}/20241008/cpython-3.12.7%2b20241008-x86_64_v3-unknown-linux-gnu-install_only_stripped.tar.gz",
        f"{PBS}/20241008/cpython-3.12.7+20241008-x86_64_v3-unknown-linux-gnu-install_only_stripped.tar.gz",
        "https://user:secret@mirror.example/pbs/20241008/cpython-3.12.7%2B20241008-x86_64_v3-unknown-linux-gnu-install_only_stripped.tar.gz?sig=abc#frag",
        "file:///srv/mirror/20241008/cpython-3.12.7+20241008-x86_64_v3-unknown-linux-gnu-install_only_stripped.tar.gz",
        "/srv/mirror/20241008/cpython-3.12.7+20241008-x86_64_v3-unknown-linux-gnu-install_only_stripped.tar.gz",
    ],
)
def test_urls_and_paths_are_read_by_their_file_name(url: str) -> None:
    asset = parse_asset_name(url)
    assert asset.filename == (
        "cpython-3.12.7+20241008-x86_64_v3-unknown-linux-gnu-install_only_stripped.tar.gz"
    )
    assert (asset.platform_key, asset.variant, asset.kind) == (
        "linux-x86_64_v3-gnu",
        "default",
        "install_only_stripped",
    )


@pytest.mark.parametrize(
    ("name", "implementation", "tag", "platform_key", "python_minor", "extension"),
    [
        (
            "pypy3.11-v7.3.23-macos_arm64.tar.bz2",
            "pypy",
            "7.3.23",
            "darwin-aarch64-none",
            (3, 11),
            "tar.bz2",
        ),
        ("pypy3.9-v7.3.16-linux32.tar.bz2", "pypy", "7.3.16", "linux-i686-gnu", (3, 9), "tar.bz2"),
        ("pypy3.10-v7.3.19-win64.zip", "pypy", "7.3.19", "windows-x86_64-none", (3, 10), "zip"),
        (
            "graalpy3.12-25.2.4-macos-aarch64.tar.gz",
            "graalpy",
            "25.2.4",
            "darwin-aarch64-none",
            (3, 12),
            "tar.gz",
        ),
        (
            "graalpy-24.2.2-linux-amd64.tar.gz",
            "graalpy",
            "24.2.2",
            "linux-x86_64-gnu",
            None,
            "tar.gz",
        ),
        (
            "graalpy-community-jvm-24.0.2-windows-amd64.zip",
            "graalpy",
            "24.0.2",
            "windows-x86_64-none",
            None,
            "zip",
        ),
        (
            "xbuildenv-314.0.5.tar.gz",
            "pyodide",
            "314.0.5",
            "emscripten-wasm32-musl",
            None,
            "tar.gz",
        ),
        (
            "xbuildenv-0.27.7.tar.bz2",
            "pyodide",
            "0.27.7",
            "emscripten-wasm32-musl",
            None,
            "tar.bz2",
        ),
    ],
)
def test_other_implementations_keep_what_their_names_hold(
    name: str,
    implementation: str,
    tag: str,
    platform_key: str,
    python_minor: tuple[int, int] | None,
    extension: str,
) -> None:
    asset = parse_asset_name(f"https://example.org/releases/{name}")
    assert (asset.implementation, asset.tag, asset.platform_key) == (
        implementation,
        tag,
        platform_key,
    )
    assert (asset.python_minor, asset.extension) == (python_minor, extension)
    assert asset.version is None and asset.triple is None
    assert (asset.flavour, asset.kind, asset.variant) == ("", "distribution", "default")
    assert asset.filename == name
    with pytest.raises(ValueError, match="only python-build-standalone archives"):
        flavours_of_release(asset)


def test_sibling_url_from_a_catalog_entry(entries: dict[str, Any]) -> None:
    # uv's catalog pins 3.12.7 to release 20241016 (PBS also published it in 20241008).
    url = entries["cpython-3.12.7-linux-x86_64_v3-gnu"]["url"]
    assert url == (
        f"{PBS}/20241016/cpython-3.12.7%2B20241016-x86_64_v3-unknown-linux-gnu"
        "-install_only_stripped.tar.gz"
    )
    assert sibling_url(url, "pgo+lto-full") == (
        f"{PBS}/20241016/cpython-3.12.7%2B20241016-x86_64_v3-unknown-linux-gnu-pgo%2Blto-full.tar.zst"
    )
    debug = entries["cpython-3.12.7+debug-linux-x86_64_v3-gnu"]["url"]
    assert sibling_url(url, "debug-full") == debug
    assert sibling_url(debug, "install_only_stripped") == url


def test_sibling_asset_of_the_20241008_build() -> None:
    stripped = parse_asset_name(
        f"{PBS}/20241008/cpython-3.12.7%2B20241008-x86_64_v3-unknown-linux-gnu"
        "-install_only_stripped.tar.gz"
    )
    full = sibling_asset(stripped, "pgo+lto-full")
    assert full.filename == (
        "cpython-3.12.7+20241008-x86_64_v3-unknown-linux-gnu-pgo+lto-full.tar.zst"
    )
    assert (full.kind, full.build_options, full.variant) == ("full", "pgo+lto", "default")
    assert (full.version, full.tag, full.triple) == (stripped.version, "20241008", stripped.triple)
    assert sibling_asset(full, "install_only_stripped") == stripped


def test_sibling_url_keeps_a_literal_plus_prefix_and_query() -> None:
    url = "https://mirror.example/pbs/20260814/cpython-3.14.2+20260814-aarch64-apple-darwin-install_only_stripped.tar.gz?x=1"
    assert sibling_url(url, "freethreaded-install_only") == (
        "https://mirror.example/pbs/20260814/"
        "cpython-3.14.2+20260814-aarch64-apple-darwin-freethreaded-install_only.tar.gz?x=1"
    )
    bare = "cpython-3.14.2%2B20260814-aarch64-apple-darwin-install_only_stripped.tar.gz"
    assert sibling_url(bare, "debug-full") == (
        "cpython-3.14.2%2B20260814-aarch64-apple-darwin-debug-full.tar.zst"
    )


def _asset(version: str, tag: str, triple: str) -> AssetName:
    return parse_asset_name(f"cpython-{version}+{tag}-{triple}-install_only.tar.gz")


@pytest.mark.parametrize(
    ("version", "tag", "triple", "flavours"),
    [
        ("3.10.2", "20220227", "x86_64-unknown-linux-gnu",
         ["install_only", "debug-full", "pgo+lto-full"]),
        ("3.12.2", "20240224", "x86_64-pc-windows-msvc",
         ["shared-install_only", "shared-pgo-full"]),
        ("3.12.3", "20240415", "x86_64-pc-windows-msvc", ["install_only", "pgo-full"]),
        ("3.12.5", "20240726", "armv7-unknown-linux-gnueabihf",
         ["install_only", "install_only_stripped", "debug-full", "lto-full", "noopt-full"]),
        ("3.12.7", "20241016", "x86_64_v4-unknown-linux-gnu",
         ["install_only", "install_only_stripped", "debug-full", "lto-full", "noopt-full"]),
        ("3.13.0", "20241016", "aarch64-apple-darwin",
         ["install_only", "install_only_stripped", "debug-full", "pgo+lto-full",
          "freethreaded+debug-full", "freethreaded+pgo+lto-full"]),
        ("3.13.5", "20250702", "aarch64-unknown-linux-gnu",
         ["install_only", "install_only_stripped", "debug-full", "pgo+lto-full",
          "freethreaded+debug-full", "freethreaded+pgo+lto-full"]),
        ("3.13.1", "20250115", "aarch64-unknown-linux-gnu",
         ["install_only", "install_only_stripped", "debug-full", "lto-full", "noopt-full",
          "freethreaded+debug-full", "freethreaded+lto-full", "freethreaded+noopt-full"]),
        ("3.12.8", "20250115", "x86_64-unknown-linux-musl",
         ["install_only", "install_only_stripped", "debug-full", "lto-full", "noopt-full"]),
        ("3.13.2", "20250317", "x86_64_v2-unknown-linux-musl",
         ["install_only", "install_only_stripped", "debug-full", "lto-full", "noopt-full",
          "debug+static-full", "lto+static-full", "noopt+static-full"]),
        ("3.14.4", "20260414", "x86_64-pc-windows-msvc",
         ["install_only", "install_only_stripped", "pgo-full", "freethreaded-install_only",
          "freethreaded-install_only_stripped", "freethreaded+pgo-full"]),
        ("3.12.13", "20260414", "s390x-unknown-linux-gnu",
         ["install_only", "install_only_stripped", "debug-full", "lto-full", "noopt-full"]),
    ],
)  # fmt: skip
def test_flavours_of_release_follow_pbs_rules(
    version: str, tag: str, triple: str, flavours: list[str]
) -> None:
    assert flavours_of_release(_asset(version, tag, triple)) == flavours


def test_sibling_refuses_flavours_pbs_did_not_publish() -> None:
    asset = _asset("3.12.7", "20241008", "x86_64-unknown-linux-gnu")
    with pytest.raises(ValueError, match=r"no `freethreaded\+pgo\+lto-full` archive beside"):
        sibling_asset(asset, "freethreaded+pgo+lto-full")
    unchecked = sibling_asset(asset, "freethreaded+pgo+lto-full", check=False)
    assert unchecked.variant == "freethreaded"
    with pytest.raises(ValueError, match="unknown flavour `turbo-full`"):
        sibling_asset(asset, "turbo-full")
    windows = _asset("3.11.8", "20240224", "x86_64-pc-windows-msvc-shared")
    assert sibling_asset(windows, "shared-pgo-full").filename == (
        "cpython-3.11.8+20240224-x86_64-pc-windows-msvc-shared-pgo-full.tar.zst"
    )


def test_legacy_names_have_no_derivable_siblings() -> None:
    legacy = parse_asset_name("cpython-3.9.4-x86_64-apple-darwin-pgo+lto-20210414T1515.tar.zst")
    with pytest.raises(ValueError, match="pre-2022 timestamped name"):
        flavours_of_release(legacy)
    with pytest.raises(ValueError, match="pre-2022 timestamped name"):
        sibling_asset(legacy, "debug-full")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "no file name"),
        ("https://example.org/releases/", "no file name"),
        ("python-3.12.7.tar.gz", "not a python-build-standalone, PyPy, GraalPy or Pyodide"),
        ("cpython-3.12.7+20241008-x86_64-unknown-freebsd-install_only.tar.gz", "known triple"),
        ("cpython-3.12+20241008-x86_64-unknown-linux-gnu-install_only.tar.gz", "known triple"),
        ("cpython-3.12.7+20241008-x86_64-unknown-linux-gnu-install_only.rar", "known triple"),
        (
            "cpython-3.12.7+20241008-x86_64-unknown-linux-gnu-turbo-full.tar.zst",
            "unknown flavour `turbo-full`",
        ),
        (
            "cpython-3.12.7+20241008-x86_64-unknown-linux-gnu-pgo+lto.tar.zst",
            "unknown flavour `pgo\\+lto`",
        ),
        ("cpython-3.9.4-x86_64-unknown-linux-gnu-install_only.tar.gz", "unknown flavour"),
        ("pypy3.11-v7.3.23-haiku.tar.bz2", "unknown PyPy platform `haiku`"),
        ("graalpy-24.2.2-solaris-sparc.tar.gz", "not a python-build-standalone, PyPy"),
    ],
)
def test_garbage_names_raise_one_clear_line(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_asset_name(name)
    assert "\n" not in str(caught.value)
