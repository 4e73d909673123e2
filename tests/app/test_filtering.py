"""The browse table's selection rules, on the demo catalog and the embedded one (no Textual)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from app.app_demo import DEMO_PLATFORM, demo_builds
from tui.app.filtering import BuildIndex, ViewOptions
from tui.core.catalog_embedded import load_embedded
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


def test_installed_builds_stay_listed_without_all_patches(demo: BuildIndex) -> None:
    older = "cpython-3.13.14-linux-x86_64-gnu"
    assert older not in keys(demo, ViewOptions())
    selection = demo.select(ViewOptions(), DEMO_PLATFORM, installed={older})
    assert older in [str(b.install_key) for b in selection.builds]
    only = demo.select(ViewOptions(installed_only=True), DEMO_PLATFORM, installed={older})
    assert [str(b.install_key) for b in only.builds] == [older]


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
