"""The browse table's selection rules, on the demo catalog and the embedded one (no Textual)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from app.app_demo import DEMO_PLATFORM, DEMO_ROOT, demo_builds
from tui.app.filter_terms import term
from tui.app.filtering import BuildIndex, ViewOptions
from tui.app.rows import NOT_IN_CATALOG, state_of
from tui.core.catalog_embedded import load_embedded
from tui.core.layout import Installation
from tui.core.names import InstallKey
from tui.core.platform import Platform

EVERYTHING = ViewOptions(
    all_patches=True,
    prereleases=True,
    variants=True,
    other_implementations=True,
    all_platforms=True,
)


@pytest.fixture(scope="module")
def demo() -> BuildIndex:
    return BuildIndex(demo_builds())


@pytest.fixture(scope="module")
def full() -> BuildIndex:
    return BuildIndex(load_embedded())


def keys(index: BuildIndex, options: ViewOptions, platform: Platform = DEMO_PLATFORM) -> list[str]:
    return [b.key for b in index.select(options, platform).builds]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["3.14.7", "3.13.15", "3.12.14", "3.11.16", "3.10.21", "3.9.25"]),
        ("3.12", ["3.12.14"]),
        ("3.1", ["3.14.7", "3.13.15", "3.12.14", "3.11.16", "3.10.21"]),
        ("3.13t", ["3.13.15+freethreaded"]),
        ("3.14d", ["3.14.7+debug"]),
        ("rc", ["3.15.0rc1"]),
        ("pypy", ["pypy"]),
        ("cp312", ["3.12.14"]),
        (">=3.11,<3.13", ["3.12.14", "3.11.16"]),
        ("20260814 3.14", ["3.14.7"]),
        ("no-such-thing", []),
    ],
)
def test_filter_text(demo: BuildIndex, text: str, expected: list[str]) -> None:
    found = keys(demo, ViewOptions(text=text))
    if expected == ["pypy"]:
        assert found and all(key.startswith("pypy-") for key in found)
        return
    shown = [key.split("-", 2)[1] for key in found]
    assert shown == expected


def test_default_view_is_one_row_per_minor_for_the_best_runnable_arch(demo: BuildIndex) -> None:
    found = keys(demo, ViewOptions())
    assert found[0] == "cpython-3.14.7-linux-x86_64_v3-gnu"
    assert "cpython-3.12.14-linux-x86_64-gnu" in found  # no v3 build of it: the baseline
    assert not any("aarch64" in key or "darwin" in key for key in found)


def installed(*keys: str, build: str | None = None) -> dict[str, Installation]:
    """Installations in uv's layout, as `Layout.installations()` reads them."""
    found = {}
    for key in keys:
        parsed = InstallKey.parse(key)
        assert parsed is not None, key
        found[key] = Installation(parsed, Path(DEMO_ROOT, key), build)
    return found


def listed(
    index: BuildIndex,
    options: ViewOptions,
    on_disk: dict[str, Installation],
    platform: Platform = DEMO_PLATFORM,
) -> list[str]:
    selection = index.select(options, platform, on_disk, host=DEMO_PLATFORM)
    return [str(b.install_key) for b in selection.builds]


def test_installed_builds_stay_listed_without_all_patches(demo: BuildIndex) -> None:
    older = "cpython-3.13.14-linux-x86_64-gnu"
    assert older not in keys(demo, ViewOptions())
    assert older in listed(demo, ViewOptions(), installed(older))
    assert listed(demo, ViewOptions(installed_only=True), installed(older)) == [older]


def test_the_installed_build_of_a_release_is_its_row(demo: BuildIndex) -> None:
    # uv installs the baseline x86-64 build; the list picked the v3 one and hid it.
    baseline = "cpython-3.13.15-linux-x86_64-gnu"
    found = listed(demo, ViewOptions(), installed(baseline))
    assert baseline in found
    assert "cpython-3.13.15-linux-x86_64_v3-gnu" not in found
    assert found.index(baseline) == 1  # in its release's place, after 3.14.7


def test_every_installation_shows_whatever_the_toggles(demo: BuildIndex) -> None:
    on_disk = installed(
        "cpython-3.15.0rc1-linux-x86_64-gnu",
        "cpython-3.14.7+freethreaded-linux-x86_64-gnu",
        "pypy-3.10.16-linux-x86_64-gnu",
        "cpython-3.14.7-linux-x86_64-musl",
        # Not in the catalog: a custom build and an older PyPy.
        "cpython-3.11.99-linux-x86_64-gnu",
        "pypy-3.10.14-linux-x86_64-gnu",
    )
    for options in (ViewOptions(), ViewOptions(installed_only=True)):
        assert set(on_disk) <= set(listed(demo, options, on_disk))
    only = listed(demo, ViewOptions(installed_only=True), on_disk)
    assert only == [
        "cpython-3.15.0rc1-linux-x86_64-gnu",
        "cpython-3.14.7-linux-x86_64-musl",
        "cpython-3.14.7+freethreaded-linux-x86_64-gnu",
        "cpython-3.11.99-linux-x86_64-gnu",
        "pypy-3.10.16-linux-x86_64-gnu",
        "pypy-3.10.14-linux-x86_64-gnu",
    ]


def test_an_installation_the_catalog_lacks_gets_its_own_row(demo: BuildIndex) -> None:
    custom = "cpython-3.11.99-linux-x86_64-gnu"
    on_disk = installed(custom, build="20260101")
    selection = demo.select(ViewOptions(), DEMO_PLATFORM, on_disk, host=DEMO_PLATFORM)
    row = next(b for b in selection.builds if str(b.install_key) == custom)
    assert row.source == NOT_IN_CATALOG and row.build == "20260101" and not row.url
    assert state_of(row, on_disk) == "installed"
    # Placed by version, just before 3.11.16.
    keys_in_order = [str(b.install_key) for b in selection.builds]
    assert keys_in_order.index(custom) + 1 == keys_in_order.index(
        "cpython-3.11.16-linux-x86_64-gnu"
    )
    # The filter text applies to it as to any row.
    assert custom in listed(demo, ViewOptions(text="3.11"), on_disk)
    assert custom not in listed(demo, ViewOptions(text="3.12"), on_disk)


def test_installations_show_on_this_machine_and_all_platforms(demo: BuildIndex) -> None:
    on_disk = installed("cpython-3.14.7-linux-x86_64-musl", "cpython-3.11.99-linux-x86_64-gnu")
    everywhere = replace(EVERYTHING, all_patches=False)
    assert set(on_disk) <= set(listed(demo, everywhere, on_disk))
    mac = Platform("darwin", "aarch64", "none")
    assert not set(on_disk) & set(listed(demo, ViewOptions(), on_disk, mac))


def test_platform_words_widen_to_all_platforms(demo: BuildIndex) -> None:
    selection = demo.select(ViewOptions(text="darwin"), DEMO_PLATFORM)
    assert selection.effective.all_platforms
    assert selection.builds and all(b.os == "darwin" for b in selection.builds)


def test_other_platform(demo: BuildIndex) -> None:
    mac = Platform("darwin", "aarch64", "none")
    found = keys(demo, ViewOptions(), mac)
    assert found == ["cpython-3.14.7-darwin-aarch64-none", "cpython-3.13.15-darwin-aarch64-none"]


def test_everything_lists_the_whole_catalog_in_version_order(full: BuildIndex) -> None:
    builds = full.select(EVERYTHING, DEMO_PLATFORM).builds
    assert len(builds) == len(full) == 5530
    versions = [b.version for b in builds]
    assert versions == sorted(versions, reverse=True)


def test_filtering_the_full_catalog_is_fast(full: BuildIndex) -> None:
    # Each keystroke of a version filters every build of every platform.
    started = time.perf_counter()
    for text in ("3", "3.", "3.1", "3.13", "3.13.", "3.13.1", "musl", "freethreaded"):
        full.select(ViewOptions(text=text, all_patches=True, all_platforms=True), DEMO_PLATFORM)
    per_keystroke = (time.perf_counter() - started) / 8
    assert per_keystroke < 0.05


@pytest.mark.parametrize(
    ("text", "widened"),
    [
        ("fre", "variants"),
        ("3.13 free", "variants"),
        ("deb", "variants"),
        ("pyp", "other_implementations"),
        ("3.15.0rc", "prereleases"),
        ("musl", "all_platforms"),
    ],
)
def test_typing_widens_the_toggle_it_needs(demo: BuildIndex, text: str, widened: str) -> None:
    selection = demo.select(ViewOptions(text=text), DEMO_PLATFORM)
    assert getattr(selection.effective, widened)
    assert selection.builds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.14-linux-aarch64-gnu", ["cpython-3.14.7-linux-aarch64-gnu"]),
        ("cpython-3.14-linux-aarch64-gnu", ["cpython-3.14.7-linux-aarch64-gnu"]),
        (
            "linux-x86_64-musl",
            ["cpython-3.14.7-linux-x86_64-musl", "cpython-3.13.15-linux-x86_64-musl"],
        ),
        ("3.14-macos", ["cpython-3.14.7-darwin-aarch64-none"]),
        # A version in a request is exact: 3.13.14's key holds `3.14-linux-x86_64-gnu` too.
        ("3.14-linux-x86_64-gnu", ["cpython-3.14.7-linux-x86_64-gnu"]),
    ],
)
def test_a_request_naming_another_platform_lists_that_platform(
    demo: BuildIndex, text: str, expected: list[str]
) -> None:
    # As `pybuilds list` reads them, rather than within the host's platform (and so nothing).
    selection = demo.select(ViewOptions(text=text), DEMO_PLATFORM)
    assert selection.effective.all_platforms
    assert [b.key for b in selection.builds] == expected


def test_any_matches_every_build(demo: BuildIndex, full: BuildIndex) -> None:
    assert keys(demo, ViewOptions(text="any")) == keys(demo, ViewOptions())
    assert keys(demo, ViewOptions(text="3.12 any")) == keys(demo, ViewOptions(text="3.12"))
    assert len(full.select(replace(EVERYTHING, text="any"), DEMO_PLATFORM).builds) == len(full)


@pytest.mark.parametrize("text", ["3.12+debug", "3.13+freethreaded", "3.14+debug", "3.13+gil"])
@pytest.mark.parametrize("all_patches", [False, True])
def test_a_variant_request_matches_its_version(
    full: BuildIndex, text: str, all_patches: bool
) -> None:
    # Not as text: `3.12+debug` is in `cpython-3.13.12+debug-…`, and listed 3.13.12.
    version, _, variant = text.partition("+")
    wanted = {"gil": "default"}.get(variant, variant)
    selection = full.select(ViewOptions(text=text, all_patches=all_patches), DEMO_PLATFORM)
    assert selection.builds
    for build in selection.builds:
        assert (f"{build.major}.{build.minor}", build.variant) == (version, wanted), build.key


@pytest.mark.parametrize(
    ("text", "version", "variant", "os"),
    [
        ("cp313t", "3.13", "freethreaded", "linux"),
        ("cpython3.13t", "3.13", "freethreaded", "linux"),
        ("cpython@3.13t", "3.13", "freethreaded", "linux"),
        ("3.13t-linux", "3.13", "freethreaded", "linux"),
        ("3.13t-windows", "3.13", "freethreaded", "windows"),
        ("3.13t-windows-x86_64", "3.13", "freethreaded", "windows"),
        ("3.12d-linux-x86_64-gnu", "3.12", "debug", "linux"),
        ("pypy-3.10-windows", "3.10", "default", "windows"),
    ],
)
def test_uv_variant_requests_widen_the_list_they_need(
    full: BuildIndex, text: str, version: str, variant: str, os: str
) -> None:
    # They found nothing: the variants (and platform) toggles hid every build they match.
    selection = full.select(ViewOptions(text=text), DEMO_PLATFORM)
    assert selection.builds, text
    for build in selection.builds:
        assert (f"{build.major}.{build.minor}", build.variant, build.os) == (version, variant, os)
    assert selection.effective.variants == (variant != "default")
    assert selection.effective.all_platforms == ("-" in text)


@pytest.mark.parametrize(
    ("text", "widened"),
    [("cp313t", "variants"), ("pp310", "other_implementations"), ("pyodide", "all_platforms")],
)
def test_requests_widen_from_what_they_parse_to(demo: BuildIndex, text: str, widened: str) -> None:
    assert getattr(demo.select(ViewOptions(text=text), DEMO_PLATFORM).effective, widened)


@pytest.mark.parametrize("text", ["3.15", "cp315", "3.15-linux"])
def test_a_version_with_only_prereleases_lists_them(demo: BuildIndex, text: str) -> None:
    # As uv finds 3.15.0rc1 for `3.15` before 3.15.0 is out; the list said "No builds match".
    selection = demo.select(ViewOptions(text=text), DEMO_PLATFORM)
    assert [b.key for b in selection.builds] == ["cpython-3.15.0rc1-linux-x86_64-gnu"]
    assert selection.effective.prereleases
    # A version with a final release keeps pre-releases behind their toggle.
    assert not demo.select(ViewOptions(text="3.14"), DEMO_PLATFORM).effective.prereleases


@pytest.mark.parametrize(
    "text",
    ["musl", "pypy", "cp313t", "3.12+debug", ">=3.11,<3.13", "3.14-macos", "x86_64_v3",
     "cpython-3.12-linux-any-gnu", "pyodide", "cp315rc1", "graalpy@3.12", "+freethreaded"],
)  # fmt: skip
def test_requests_match_as_request_matches_says(full: BuildIndex, text: str) -> None:
    # The filter asks Request.matches once per platform, not once per build.
    request = term(text).request
    assert request is not None
    fast = list(term(text).indices(full.builds))
    slow = [
        index
        for index, build in enumerate(full.builds)
        if request.matches(
            build, Platform(build.os, build.arch, build.libc, build.arch_level), prereleases=True
        )
    ]
    assert fast == slow and slow


def test_a_platform_with_only_pyodide_lists_it(full: BuildIndex) -> None:
    # Choosing emscripten-wasm32-musl showed nothing until `o` was pressed.
    selection = full.select(ViewOptions(), Platform("emscripten", "wasm32", "musl"))
    assert selection.builds
    assert {b.implementation for b in selection.builds} == {"pyodide"}
    assert selection.effective.other_implementations
    assert not full.select(ViewOptions(), DEMO_PLATFORM).effective.other_implementations
