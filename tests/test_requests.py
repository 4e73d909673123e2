"""Request grammar and build selection against the real embedded catalog (FORMATS.md §7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tui.core.catalog import Build, builds_from_json
from tui.core.catalog_embedded import load_embedded
from tui.core.errors import InvalidRequest
from tui.core.layout import Installation, Layout
from tui.core.names import InstallKey
from tui.core.platform import Platform
from tui.core.request_grammar import parse_request
from tui.core.requests import Request, find_installation, select_build
from tui.core.versions import Version

LINUX = Platform("linux", "x86_64", "gnu")
LINUX_V3 = Platform("linux", "x86_64", "gnu", arch_level="v3")
NEWEST = "cpython-3.14.7-linux-x86_64-gnu"


@pytest.fixture(scope="module")
def catalog() -> tuple[Build, ...]:
    return load_embedded()


def expect(
    impl: str | None = None,
    version: str = "",
    variant: str | None = None,
    os: str | None = None,
    arch: tuple[str, str | None] | None = None,
    libc: str | None = None,
    wild: str = "",
    pre: bool = False,
) -> dict[str, Any]:
    return {
        "implementation": impl,
        "version": version,
        "variant": variant,
        "os": os,
        "arch": arch,
        "libc": libc,
        "wild": wild,
        "pre": pre,
    }


def fields(request: Request) -> dict[str, Any]:
    wild = [name for name in ("os", "arch", "libc") if getattr(request, f"any_{name}")]
    return {
        "implementation": request.implementation,
        "version": request.version_text,
        "variant": request.variant,
        "os": request.os,
        "arch": request.arch,
        "libc": request.libc,
        "wild": ",".join(wild),
        "pre": request.allows_prereleases,
    }


ACCEPTED = [
    ("default", expect()),
    ("cpython", expect("cpython")),
    ("3", expect(version="3")),
    ("312", expect(version="3.12")),
    ("3.12", expect(version="3.12")),
    (" 3.12 ", expect(version="3.12")),
    ("3.12.3", expect(version="3.12.3")),
    ("cp312", expect("cpython", "3.12")),
    ("cpython3.12", expect("cpython", "3.12")),
    ("cpython@3.12", expect("cpython", "3.12")),
    ("python3.12", expect(version="3.12")),
    ("python@3.12", expect(version="3.12")),
    ("CPython3.12", expect("cpython", "3.12")),
    (">=3.12,<3.13", expect(version=">=3.12,<3.13")),
    (">= 3.12, < 3.13", expect(version=">=3.12,<3.13")),
    ("==3.12.*", expect(version="==3.12.*")),
    ("cpython@>=3.12,<3.13", expect("cpython", ">=3.12,<3.13")),
    ("~=3.11.0", expect(version="~=3.11.0")),
    ("!=3.12.*", expect(version="!=3.12.*")),
    ("<3.9", expect(version="<3.9")),
    (">=3.15.0b1", expect(version=">=3.15.0b1", pre=True)),
    ("3.13t", expect(version="3.13", variant="freethreaded")),
    ("3.13+freethreaded", expect(version="3.13", variant="freethreaded")),
    ("3.12.0d", expect(version="3.12.0", variant="debug")),
    ("3.12+debug", expect(version="3.12", variant="debug")),
    ("3.12+DEBUG", expect(version="3.12", variant="debug")),
    ("3.13td", expect(version="3.13", variant="freethreaded+debug")),
    ("3.13+freethreaded+debug", expect(version="3.13", variant="freethreaded+debug")),
    # pybuilds reads `+gil` as the default variant (uv 0.13.9 finds nothing for it).
    ("3.14+gil", expect(version="3.14", variant="default")),
    ("3.14+gil+debug", expect(version="3.14", variant="debug")),
    ("+gil+debug", expect(variant="debug")),
    ("+freethreaded", expect(variant="freethreaded")),
    ("3.14.0rc1", expect(version="3.14.0rc1", pre=True)),
    ("3.14rc1", expect(version="3.14rc1", pre=True)),
    ("3.14.0b1", expect(version="3.14.0b1", pre=True)),
    ("3.14.0c1", expect(version="3.14.0rc1", pre=True)),
    ("3.14.5rc1", expect(version="3.14.5rc1", pre=True)),
    ("pypy3.10", expect("pypy", "3.10")),
    ("pp310", expect("pypy", "3.10")),
    ("pypy@3.10", expect("pypy", "3.10")),
    ("pypy", expect("pypy")),
    ("pp", expect("pypy")),
    ("graalpy", expect("graalpy")),
    ("gp", expect("graalpy")),
    ("pyodide", expect("pyodide")),
    ("any", expect(pre=True)),
    ("ANY", expect(pre=True)),
    (
        "cpython-3.12.3-linux-x86_64-gnu",
        expect("cpython", "3.12.3", os="linux", arch=("x86_64", None), libc="gnu"),
    ),
    ("3.12-linux", expect(version="3.12", os="linux")),
    ("aarch64-musl", expect(arch=("aarch64", None), libc="musl")),
    ("3.12-ANY-any", expect(version="3.12", wild="os,arch")),
    ("any-any-any-any-any", expect(wild="os,arch,libc")),
    (
        "cpython-3.12-linux-x86_64_v3-gnu",
        expect("cpython", "3.12", os="linux", arch=("x86_64", "v3"), libc="gnu"),
    ),
    (
        "cpython-3.12-windows-x86-none",
        expect("cpython", "3.12", os="windows", arch=("i686", None), libc="none"),
    ),
    (
        "cpython-3.12-linux-riscv64gc-gnu",
        expect("cpython", "3.12", os="linux", arch=("riscv64", None), libc="gnu"),
    ),
    (
        "cpython-3.12-linux-powerpc64le-gnu",
        expect("cpython", "3.12", os="linux", arch=("powerpc64le", None), libc="gnu"),
    ),
    ("CPython-3.13t-linux", expect("cpython", "3.13", "freethreaded", os="linux")),
    ("pp-3.10", expect("pypy", "3.10")),
    ("linux", expect(os="linux")),
    ("x86_64", expect(arch=("x86_64", None))),
    ("macos", expect(os="darwin")),
    ("darwin", expect(os="darwin")),
    ("x86", expect(arch=("i686", None))),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=[t for t, _ in ACCEPTED])
def test_accepted_forms_parse_to_their_fields(text: str, expected: dict[str, Any]) -> None:
    request = parse_request(text)
    assert fields(request) == expected
    assert request.text == text


REJECTED = [
    ("", "the request is empty"),
    ("   ", "the request is empty"),
    ("3.12-cpython", "`cpython` is out of order"),
    ("linux-3.12", "`3.12` is out of order"),
    ("cpython-3.12-linux-x86_64-gnu-extra", "too many parts (6)"),
    ("@3.12", "`@` goes between an implementation and a version"),
    ("cpython@latest", "`@latest` is not supported; `cpython` alone"),
    ("python@latest", "`default` alone selects the newest"),
    ("cpython@", "a version must follow `@`"),
    ("cpython@foo", "`foo` is not a version"),
    ("3.12.3.4", "`3.12.3.4` has too many version numbers"),
    ("3rc1", "a pre-release needs a minor version"),
    ("3.12.3.post1", "post- and dev-releases are not Python releases"),
    ("3.12.3+20240415", "`+20240415` looks like a build tag"),
    ("3.12+foo", "`+foo` is not a variant"),
    ("3.13t+debug", "write `td` or `+freethreaded+debug`"),
    ("3.13dt", "written `td`"),
    (
        "cpython-3.12-linux-ppc64le-gnu",
        "unknown architecture `ppc64le` (did you mean `powerpc64le`?)",
    ),
    ("cpython-3.12-Linux", "unknown OS `Linux` (did you mean `linux`?)"),
    ("3.12-linx", "unknown OS `linx` (did you mean `linux`?)"),
    ("cpython-3.12-linux-x86_64-glibc", "unknown libc `glibc` (did you mean `gnu`?)"),
    ("cpython-3.12-linux-x86_64-foo", "`foo` is not a libc"),
    ("cpython-3.12--gnu", "empty part"),
    ("pypy3.10-linux", "separate parts: `pypy-3.10`"),
    ("foo", "not a version (`3.12`), an implementation"),
    ("python", "`python` needs a version"),
    (">=3.12,", "an empty specifier"),
    ("3.12,<3.13", "every part of a range needs an operator"),
    ("~=3", "`~=` needs at least two version numbers"),
    ("===3.12", "`===` is not supported"),
    (">3.12.*", "`.*` only follows a plain version after `==` or `!=`"),
    ("3.256", "above 255"),
]


@pytest.mark.parametrize(("text", "detail"), REJECTED, ids=[t or "empty" for t, _ in REJECTED])
def test_rejected_forms_say_what_is_wrong(text: str, detail: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(text)
    message = str(caught.value)
    assert message.startswith(f"`{text}` is not a valid Python request: ")
    assert detail in message
    assert caught.value.request == text
    assert caught.value.hint


def test_requests_module_still_parses_requests() -> None:
    # Callers import parse_request from tui.core.requests; it hands off to the grammar module.
    from tui.core import requests

    assert requests.parse_request("pypy@3.10t") == parse_request("pypy@3.10t")
    with pytest.raises(InvalidRequest, match="a version must follow `@`"):
        requests.parse_request("pypy@")


# Every spelling FORMATS.md §7 lists as selecting 3.12.14.
SAME_AS_3_12 = (
    "3.12", "312", "cp312", "cpython3.12", "cpython@3.12", "python3.12", "python@3.12",
    "CPython3.12", ">=3.12,<3.13", "==3.12.*", "cpython@>=3.12,<3.13", "3.12-linux", "3.12-ANY-any",
)  # fmt: skip

SELECTED = [
    *[(text, NEWEST) for text in ("default", "cpython", "3", "linux", "x86_64")],
    ("any", "cpython-3.15.0rc1-linux-x86_64-gnu"),
    *[(text, "cpython-3.12.14-linux-x86_64-gnu") for text in SAME_AS_3_12],
    ("cpython-3.12.3-linux-x86_64-gnu", "cpython-3.12.3-linux-x86_64-gnu"),
    ("3.13t", "cpython-3.13.15+freethreaded-linux-x86_64-gnu"),
    ("3.13+freethreaded", "cpython-3.13.15+freethreaded-linux-x86_64-gnu"),
    ("3.12.0d", "cpython-3.12.0+debug-linux-x86_64-gnu"),
    ("3.12+debug", "cpython-3.12.14+debug-linux-x86_64-gnu"),
    ("3.13td", "cpython-3.13.15+freethreaded+debug-linux-x86_64-gnu"),
    ("3.13+freethreaded+debug", "cpython-3.13.15+freethreaded+debug-linux-x86_64-gnu"),
    ("3.14+gil", NEWEST),
    ("3.14+gil+debug", "cpython-3.14.7+debug-linux-x86_64-gnu"),
    ("3.14.0rc1", "cpython-3.14.0rc1-linux-x86_64-gnu"),
    ("3.14rc1", "cpython-3.14.0rc1-linux-x86_64-gnu"),
    ("3.14.0b1", "cpython-3.14.0b1-linux-x86_64-gnu"),
    ("3.14.5rc1", "cpython-3.14.5rc1-linux-x86_64-gnu"),
    ("pypy3.10", "pypy-3.10.16-linux-x86_64-gnu"),
    ("pp310", "pypy-3.10.16-linux-x86_64-gnu"),
    ("pypy@3.10", "pypy-3.10.16-linux-x86_64-gnu"),
    ("pypy", "pypy-3.11.15-linux-x86_64-gnu"),
    ("pp", "pypy-3.11.15-linux-x86_64-gnu"),
    ("graalpy", "graalpy-3.12.0-linux-x86_64-gnu"),
    ("gp", "graalpy-3.12.0-linux-x86_64-gnu"),
    ("pyodide", "cpython-3.14.2-emscripten-wasm32-musl"),
    ("3.15", "cpython-3.15.0rc1-linux-x86_64-gnu"),  # the pre-release retry
    ("==3.15.*", "cpython-3.15.0rc1-linux-x86_64-gnu"),
    ("<3.15", NEWEST),
    ("~=3.11.0", "cpython-3.11.16-linux-x86_64-gnu"),
    ("<3.9", "cpython-3.8.20-linux-x86_64-gnu"),
    ("aarch64-musl", "cpython-3.14.7-linux-aarch64-musl"),
    ("cpython-3.12-linux-x86_64_v3-gnu", "cpython-3.12.14-linux-x86_64_v3-gnu"),
    ("cpython-3.12-windows-x86-none", "cpython-3.12.14-windows-i686-none"),
    ("cpython-3.12-linux-riscv64gc-gnu", "cpython-3.12.14-linux-riscv64-gnu"),
    ("cpython-3.12-linux-powerpc64le-gnu", "cpython-3.12.14-linux-powerpc64le-gnu"),
    # uv keeps the host libc here and finds nothing; pybuilds uses the only libc macOS has.
    ("cpython-any-macos", "cpython-3.14.7-darwin-x86_64-none"),
    ("x86", "cpython-3.11.5-linux-i686-gnu"),
    # `3.15.0` names the final release, which does not exist yet: no fallback to 3.15.0rc1.
    ("3.15.0", None),
    ("3.7", None),
    ("cpython-3.12-linux-aarch64-gnueabihf", None),
]


@pytest.mark.parametrize(("text", "key"), SELECTED, ids=[t for t, _ in SELECTED])
def test_select_build_reproduces_uv(catalog: tuple[Build, ...], text: str, key: str | None) -> None:
    build = select_build(catalog, parse_request(text), LINUX)
    assert (build.key if build else None) == key


def test_patch_request_selects_its_pinned_build(catalog: tuple[Build, ...]) -> None:
    build = select_build(catalog, parse_request("3.12.3"), LINUX)
    assert build is not None
    assert (build.key, build.build) == ("cpython-3.12.3-linux-x86_64-gnu", "20240415")
    assert build.filename.endswith("-install_only.tar.gz")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("3.12", "cpython-3.12.14-linux-x86_64_v3-gnu"),
        ("3.13t", "cpython-3.13.15+freethreaded-linux-x86_64_v3-gnu"),
        ("cpython-3.12-linux-x86_64-gnu", "cpython-3.12.14-linux-x86_64-gnu"),
        ("cpython-3.12-linux-x86_64_v2-gnu", "cpython-3.12.14-linux-x86_64_v2-gnu"),
        ("pypy3.10", "pypy-3.10.16-linux-x86_64-gnu"),
    ],
)
def test_best_supported_x86_64_level_is_preferred(
    catalog: tuple[Build, ...], text: str, key: str
) -> None:
    build = select_build(catalog, parse_request(text), LINUX_V3)
    assert build is not None and build.key == key


@pytest.mark.parametrize(
    ("platform", "text", "key"),
    [
        (Platform("darwin", "aarch64", "none"), "3.12", "cpython-3.12.14-darwin-aarch64-none"),
        (Platform("windows", "x86_64", "none"), "3.12", "cpython-3.12.14-windows-x86_64-none"),
        # PyPy has no Windows arm64 build: the emulated x86-64 one is next in preference.
        (Platform("windows", "aarch64", "none"), "pypy3.9", "pypy-3.9.19-windows-x86_64-none"),
        (Platform("linux", "x86_64", "musl"), "3.12", "cpython-3.12.14-linux-x86_64-musl"),
    ],
)
def test_host_platform_fills_missing_parts(
    catalog: tuple[Build, ...], platform: Platform, text: str, key: str
) -> None:
    build = select_build(catalog, parse_request(text), platform)
    assert build is not None and build.key == key


def test_build_tag_restricts_selection(catalog: tuple[Build, ...]) -> None:
    build = select_build(catalog, parse_request("3.12"), LINUX, build_tag="20240415")
    assert build is not None and build.key == "cpython-3.12.3-linux-x86_64-gnu"
    assert select_build(catalog, parse_request("3.12"), LINUX, build_tag="19990101") is None


def custom_builds() -> tuple[Build, ...]:
    """Two own builds of 3.13.1 that differ only in their build number."""

    def entry(build: str) -> dict[str, Any]:
        return {
            "name": "cpython", "arch": {"family": "x86_64", "variant": None}, "os": "linux",
            "libc": "gnu", "major": 3, "minor": 13, "patch": 1, "prerelease": "",
            "url": f"https://example.invalid/{build}/cpython-3.13.1+{build}-x86_64-unknown-linux-gnu-install_only.tar.gz",
            "sha256": None, "variant": None, "build": build,
        }  # fmt: skip

    document = {
        "cpython-3.13.1-linux-x86_64-gnu-40": entry("40"),
        "cpython-3.13.1-linux-x86_64-gnu-45": entry("45"),
    }
    return builds_from_json(document, "custom")


@pytest.mark.parametrize(
    ("tag", "expected"), [(None, "45"), ("45", "45"), ("40", "40"), ("4", None)]
)
def test_custom_build_numbers_are_told_apart_by_build_tag(
    tag: str | None, expected: str | None
) -> None:
    build = select_build(custom_builds(), parse_request("3.13.1"), LINUX, build_tag=tag)
    assert (build.build if build else None) == expected


def find(catalog: tuple[Build, ...], key: str) -> Build:
    return next(build for build in catalog if build.key == key)


def test_matches_accepts_every_variant_when_none_is_given(catalog: tuple[Build, ...]) -> None:
    freethreaded = find(catalog, "cpython-3.13.15+freethreaded-linux-x86_64-gnu")
    assert parse_request("3.13").matches(freethreaded, LINUX)
    assert parse_request("3.13t").matches(freethreaded, LINUX)
    assert not parse_request("3.13+gil").matches(freethreaded, LINUX)
    assert not parse_request("3.13d").matches(freethreaded, LINUX)


def test_matches_skips_prereleases_unless_allowed(catalog: tuple[Build, ...]) -> None:
    rc = find(catalog, "cpython-3.15.0rc1-linux-x86_64-gnu")
    assert not parse_request("3.15").matches(rc, LINUX)
    assert parse_request("3.15").matches(rc, LINUX, prereleases=True)
    assert parse_request("3.15rc1").matches(rc, LINUX)
    assert parse_request("any").matches(rc, LINUX)


def test_matches_honours_platform_parts(catalog: tuple[Build, ...]) -> None:
    v3 = find(catalog, "cpython-3.12.14-linux-x86_64_v3-gnu")
    mac = find(catalog, "cpython-3.12.14-darwin-aarch64-none")
    assert not parse_request("3.12").matches(v3, LINUX)
    assert parse_request("3.12").matches(v3, LINUX_V3)
    assert not parse_request("3.12-linux-x86_64").matches(v3, LINUX_V3)
    assert not parse_request("3.12").matches(mac, LINUX)
    assert parse_request("3.12-any-any-any").matches(mac, LINUX)
    assert parse_request("3.12-macos-aarch64").matches(mac, LINUX)


@pytest.mark.parametrize(
    ("spec", "version", "expected"),
    [
        ("<3.15", "3.15.0rc1", False),
        ("<3.15.0rc2", "3.15.0rc1", True),
        ("<=3.12", "3.12.1", False),
        ("==3.12", "3.12.0", True),
        ("==3.12.*", "3.12.0rc1", True),
        ("!=3.12.*", "3.12.5", False),
        ("!=3.12", "3.12.5", True),
        ("~=3.11.0", "3.11.9", True),
        ("~=3.11.0", "3.12.0", False),
        ("~=3.11", "3.14.0", True),
        (">3.12", "3.12.0", False),
        (">=3.14.0rc1", "3.14.0rc2", True),
        ("3.14rc1", "3.14.5rc1", False),
        ("3.12.3", "3.12.3", True),
        ("3.12", "3.13.0", False),
    ],
)
def test_version_constraints(spec: str, version: str, expected: bool) -> None:
    request = parse_request(spec)
    assert request.matches_version(Version.parse(version), prereleases=True) is expected


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    """A managed-Python root in uv's layout with a few installations."""
    builds = {
        "cpython-3.12.3-linux-x86_64-gnu": "20240415",
        "cpython-3.12.14-linux-x86_64-gnu": "20260814",
        "cpython-3.12.14-linux-x86_64_v3-gnu": "20260814",
        "cpython-3.12.14-macos-aarch64-none": "20260814",
        "cpython-3.13.15+freethreaded-linux-x86_64-gnu": "20260814",
        "cpython-3.13.15+debug-linux-x86_64-gnu": "20260814",
        "cpython-3.15.0rc1-linux-x86_64-gnu": "20260814",
        "pypy-3.10.16-linux-x86_64-gnu": "7.3.19",
    }
    root = tmp_path / "python"
    for name, tag in builds.items():
        (root / name / "bin").mkdir(parents=True)
        (root / name / "BUILD").write_text(tag)
    return Layout(root, tmp_path / "bin")


@pytest.mark.parametrize(
    ("text", "platform", "name"),
    [
        ("3.12", LINUX, "cpython-3.12.14-linux-x86_64-gnu"),
        ("3.12", LINUX_V3, "cpython-3.12.14-linux-x86_64_v3-gnu"),
        ("3.12.3", LINUX, "cpython-3.12.3-linux-x86_64-gnu"),
        ("3", LINUX, "cpython-3.12.14-linux-x86_64-gnu"),
        ("3.13", LINUX, "cpython-3.13.15+debug-linux-x86_64-gnu"),
        ("3.13t", LINUX, "cpython-3.13.15+freethreaded-linux-x86_64-gnu"),
        ("3.10", LINUX, "pypy-3.10.16-linux-x86_64-gnu"),
        ("pypy", LINUX, "pypy-3.10.16-linux-x86_64-gnu"),
        ("3.15", LINUX, "cpython-3.15.0rc1-linux-x86_64-gnu"),
        ("3.12-any-any", LINUX, "cpython-3.12.14-linux-x86_64-gnu"),
        ("cpython-3.12-macos-aarch64", LINUX, "cpython-3.12.14-macos-aarch64-none"),
        ("cpython-3.12-linux-x86_64", LINUX_V3, "cpython-3.12.14-linux-x86_64-gnu"),
        ("3.11", LINUX, None),
        ("graalpy", LINUX, None),
    ],
)
def test_find_installation(layout: Layout, text: str, platform: Platform, name: str | None) -> None:
    found = find_installation(layout.installations(), parse_request(text), platform)
    assert (found.path.name if found else None) == name
    if found is not None:
        assert found.build is not None


def test_matches_installation(layout: Layout) -> None:
    by_name = {inst.path.name: inst for inst in layout.installations()}
    request = parse_request("3.13")
    assert request.matches_installation(
        by_name["cpython-3.13.15+freethreaded-linux-x86_64-gnu"], LINUX
    )
    assert request.matches_installation(by_name["cpython-3.13.15+debug-linux-x86_64-gnu"], LINUX)
    assert not request.matches_installation(by_name["cpython-3.12.14-linux-x86_64-gnu"], LINUX)
    mac = by_name["cpython-3.12.14-macos-aarch64-none"]
    assert not parse_request("3.12").matches_installation(mac, LINUX)
    assert parse_request("cpython-3.12-darwin-aarch64-none").matches_installation(mac, LINUX)
    rc = by_name["cpython-3.15.0rc1-linux-x86_64-gnu"]
    assert not parse_request("3.15").matches_installation(rc, LINUX)
    assert parse_request("3.15").matches_installation(rc, LINUX, prereleases=True)


def test_matches_installation_built_by_hand() -> None:
    key = InstallKey.parse("cpython-3.12.3-windows-x86-none")
    assert key is not None
    installation = Installation(key, Path("/nonexistent") / str(key), "20240415")
    windows = Platform("windows", "x86_64", "none")
    assert parse_request("3.12").matches_installation(installation, windows)
    assert parse_request("cpython-3.12-windows-x86").matches_installation(installation, LINUX)
    assert not parse_request("3.12-windows-x86_64").matches_installation(installation, windows)


@pytest.mark.parametrize(
    ("text", "platform", "described"),
    [
        ("3.12", LINUX, "cpython-3.12-linux-x86_64-gnu"),
        ("3.12", LINUX_V3, "cpython-3.12-linux-x86_64-gnu"),
        ("3.14+gil", LINUX, "cpython-3.14+gil-linux-x86_64-gnu"),
        ("3.13t", LINUX, "cpython-3.13+freethreaded-linux-x86_64-gnu"),
        ("3.12.0d", LINUX, "cpython-3.12.0+debug-linux-x86_64-gnu"),
        ("default", LINUX, "cpython-any-linux-x86_64-gnu"),
        ("pypy", LINUX, "pypy-any-linux-x86_64-gnu"),
        (">=3.12,<3.13", LINUX, "cpython->=3.12,<3.13-linux-x86_64-gnu"),
        ("cpython-3.12-windows-x86-none", LINUX, "cpython-3.12-windows-x86-none"),
        ("cpython-3.12-linux-x86_64_v3-gnu", LINUX, "cpython-3.12-linux-x86_64_v3-gnu"),
        ("3.12-any-any", LINUX, "cpython-3.12-any-any-gnu"),
        ("darwin", LINUX, "cpython-any-macos-x86_64-none"),
        ("pyodide", LINUX, "pyodide-any-emscripten-wasm32-musl"),
        ("3.12", Platform("darwin", "aarch64", "none"), "cpython-3.12-macos-aarch64-none"),
    ],
)
def test_describe(text: str, platform: Platform, described: str) -> None:
    assert parse_request(text).describe(platform) == described


@pytest.mark.parametrize(
    ("text", "pinned"),
    [
        ("3.12", False),
        ("3", False),
        ("any", False),
        (">=3.12.1", False),
        ("==3.12.*", False),
        ("cpython-3.12-linux-x86_64-gnu", False),
        ("3.12.3", True),
        ("3.14rc1", True),
        ("==3.12.3", True),
        ("cpython-3.12.3-linux-x86_64-gnu", True),
    ],
)
def test_pins_patch(text: str, pinned: bool) -> None:
    assert parse_request(text).pins_patch is pinned


@pytest.mark.parametrize(
    "text", ["3" * 5000, "3." + "1" * 5000, ">=" + "9" * 5000, "cpython-" + "3" * 5000 + "-linux"]
)
def test_numbers_of_thousands_of_digits_are_a_plain_invalid_request(text: str) -> None:
    # int() refuses over 4,300 digits with a ValueError, which is not an InvalidRequest.
    with pytest.raises(InvalidRequest, match="far too long for a Python version"):
        parse_request(text)
