"""Row text, column layout, progress wording and save previews (no Textual app running)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.app_demo import DEMO_ROOT, demo_builds
from tui.app.details import Source, describe
from tui.app.progress import ProgressTracker, format_duration
from tui.app.rows import Column, format_size, layout_widths, row_for, state_of, table_columns
from tui.app.settings_view import preview_edit, with_mirror
from tui.core.errors import Cancelled, ChecksumMismatch, ConfigError
from tui.core.events import Done, Downloading, Extracting, Failed, Resolved, Verifying
from tui.core.layout import Installation, Layout
from tui.core.mirrors import MirrorSettings


@pytest.mark.parametrize(
    ("size", "text"),
    [(None, ""), (0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (31_234_567, "29.8 MiB")],
)
def test_format_size(size: int | None, text: str) -> None:
    assert format_size(size) == text


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (7.4, "0:07"), (3723, "1:02:03")])
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_columns_shrink_flexible_ones_first_and_fill_the_line() -> None:
    columns = (
        Column("a", "A", 10, 10),
        Column("b", "B", 20, 5),
        Column("c", "C", 30, 8),
    )
    assert layout_widths(columns, 100) == [10, 20, 68]
    narrow = layout_widths(columns, 40)
    assert sum(narrow) + 2 == 40 and narrow[0] == 10
    assert layout_widths(columns, 10) == [10, 5, 8]


def test_row_states_for_installed_and_other_builds(tmp_path: Path) -> None:
    build = next(b for b in demo_builds() if b.key == "cpython-3.13.15-linux-x86_64-gnu")
    key = build.install_key
    same = Installation(key, tmp_path / str(key), build.build)
    other = Installation(key, tmp_path / str(key), "20250101")
    assert state_of(build, {}) == "available"
    assert state_of(build, {str(key): same}) == "installed"
    assert state_of(build, {str(key): other}) == "other-build"
    assert state_of(build, {}, frozenset({str(key)})) == "installing"
    columns = table_columns([build], platform_column=False)
    row = row_for(build, columns, state="installed", installation=same, flavour="x", size=2048)
    assert row.cells[:4] == ("cpython", "3.13.15", "default", "20260814")
    assert row.cells[5] == "2.0 KiB" and row.cells[-1] == f"✓ {same.path}"


def test_progress_tracker_reports_bytes_speed_eta_and_outcome() -> None:
    tracker = ProgressTracker("k")
    tracker.update(Resolved("k", "https://m/x.tar.gz"), 0.0)
    tracker.update(Downloading("k", 0, 4 << 20), 0.0)
    snap = tracker.update(Downloading("k", 1 << 20, 4 << 20), 1.0)
    assert snap.text == "1.0 MiB / 4.0 MiB · 1.0 MiB/s · ETA 0:03"
    assert (snap.done, snap.total) == (1 << 20, 4 << 20)
    tracker.update(Downloading("k", 4 << 20, 4 << 20), 2.0)
    assert tracker.update(Verifying("k", "ab", True), 2.0).text == "checksum verified"
    assert tracker.update(Extracting("k", 1234), 2.0).text == "extracting (1,234 files)"
    assert tracker.update(Done("k", Path("/x")), 3.0).phase == "done"
    assert ProgressTracker("k").update(Failed("k", Cancelled("install")), 0).phase == "cancelled"
    failed = ProgressTracker("k").update(Failed("k", ChecksumMismatch("k", "a", "b")), 0)
    assert failed.phase == "failed" and "hash mismatch" in failed.text


def test_progress_tracker_keeps_the_download_bar_while_files_unpack() -> None:
    tracker = ProgressTracker("k")
    tracker.update(Downloading("k", 0, 4 << 20), 0.0)
    tracker.update(Downloading("k", 1 << 20, 4 << 20), 1.0)
    # Unpacking runs alongside the download: the row stays a download, with the files added.
    snap = tracker.update(Extracting("k", 300), 1.0)
    assert snap.phase == "downloading" and (snap.done, snap.total) == (1 << 20, 4 << 20)
    assert snap.text == "1.0 MiB / 4.0 MiB · 1.0 MiB/s · ETA 0:03 · 300 files"
    snap = tracker.update(Downloading("k", 2 << 20, 4 << 20), 2.0)
    assert snap.text == "2.0 MiB / 4.0 MiB · 1.0 MiB/s · ETA 0:02 · 300 files"
    tracker.update(Downloading("k", 4 << 20, 4 << 20), 3.0)
    snap = tracker.update(Extracting("k", 1234), 3.0)  # all read: only unpacking is left
    assert (snap.phase, snap.text) == ("extracting", "extracting (1,234 files)")


def test_with_mirror_overrides_one_implementation() -> None:
    base = MirrorSettings(python_mirror="https://a", python_origin="UV_PYTHON_INSTALL_MIRROR")
    assert with_mirror(base, "cpython", None, "dialog").python_mirror is None
    changed = with_mirror(base, "pypy", "file:///p", "dialog")
    assert (changed.pypy_mirror, changed.pypy_origin) == ("file:///p", "dialog")
    assert changed.python_mirror == "https://a"


def test_preview_of_a_new_and_an_edited_user_file(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    first = preview_edit("python-install-mirror", mirror.as_uri(), "user", env=env, cwd=tmp_path)
    assert first.creates_file and first.path == tmp_path / "cfg" / "uv" / "uv.toml"
    assert first.lines()[-1] == f'+ python-install-mirror = "{mirror.as_uri()}"'
    first.path.parent.mkdir(parents=True)
    first.path.write_text('python-install-mirror = "https://u:pw@old.example/pbs"\n')
    second = preview_edit(
        "python-install-mirror", "https://new.example/pbs", "user", env=env, cwd=tmp_path
    )
    assert not second.creates_file
    assert second.old == "https://***@old.example/pbs"
    with pytest.raises(ConfigError):
        preview_edit("python-install-mirror", "ftp://x", "user", env=env, cwd=tmp_path)


def test_view_logic_does_not_import_textual() -> None:
    # The filtering, rows and progress logic runs in workers and in benchmarks without a UI.
    code = (
        "import sys, tui.app.filtering, tui.app.rows, tui.app.progress, tui.app.details, "
        "tui.app.settings_view; print('textual' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


_PBS = "https://github.com/astral-sh/python-build-standalone/releases/download/20260814"
_ASTRAL = "https://releases.astral.sh/github/python-build-standalone/releases/download/20260814"
_FILE = "cpython-3.13.15%2B20260814-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
_PGO = "cpython-3.13.15%2B20260814-x86_64-unknown-linux-gnu-pgo%2Blto-full.tar.zst"


@pytest.mark.parametrize(
    ("mirrors", "preferred", "sources"),
    [
        # No mirror: Astral's mirror first, then GitHub (the panel showed only GitHub).
        (
            MirrorSettings(),
            None,
            [Source(f"{_ASTRAL}/{_FILE}", "Astral's mirror"), Source(f"{_PBS}/{_FILE}", None)],
        ),
        # UV_ASTRAL_MIRROR_URL is the only source (the panel showed GitHub).
        (
            MirrorSettings(
                astral_mirror="https://astral.example.com",
                astral_origin="UV_ASTRAL_MIRROR_URL",
            ),
            None,
            [
                Source(
                    "https://astral.example.com/github/python-build-standalone/releases/"
                    f"download/20260814/{_FILE}",
                    "UV_ASTRAL_MIRROR_URL",
                )
            ],
        ),
        (
            MirrorSettings(
                python_mirror="https://u:pw@m.example/pbs",
                python_origin="UV_PYTHON_INSTALL_MIRROR",
            ),
            None,
            [Source(f"https://***@m.example/pbs/20260814/{_FILE}", "UV_PYTHON_INSTALL_MIRROR")],
        ),
        # default-flavour picks the archive an install fetches.
        (
            MirrorSettings(),
            "pgo+lto-full",
            [Source(f"{_ASTRAL}/{_PGO}", "Astral's mirror"), Source(f"{_PBS}/{_PGO}", None)],
        ),
    ],
)
def test_details_show_the_urls_an_install_tries(
    mirrors: MirrorSettings, preferred: str | None, sources: list[Source]
) -> None:
    build = next(b for b in demo_builds() if b.key == "cpython-3.13.15-linux-x86_64-gnu")
    details = describe(
        build,
        mirrors=mirrors,
        layout=Layout(DEMO_ROOT, DEMO_ROOT / "bin"),
        state="available",
        installation=None,
        preferred_flavour=preferred,
    )
    assert list(details.sources) == sources
    assert details.url_problem is None
    assert details.flavour == (preferred or "install_only_stripped")
