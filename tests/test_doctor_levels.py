"""Doctor on a CPU with an x86-64 level: pybuilds' pick (the level build) and uv's (baseline)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from test_doctor import NAME, PBS, SHA, TAG, VERSION, entry, make_mirror, options, step

from tui.core.config import load_settings
from tui.core.doctor import Report, diagnose
from tui.core.doctor_common import uv_would_install, verdict
from tui.core.fetch import FetchOptions
from tui.core.platform import Platform

__all__ = ["options"]  # the fixture, used by name

V3_CPU = Platform("linux", "x86_64", "gnu", arch_level="v3")
BASELINE_KEY = f"cpython-{VERSION}-linux-x86_64-gnu"
LEVEL_KEY = f"cpython-{VERSION}-linux-x86_64_v3-gnu"


LEVEL_NAME = NAME.replace("x86_64-", "x86_64_v3-")


def _catalog(tmp_path: Path, base: str) -> Path:
    """A baseline build and its `x86_64_v3` sibling, as uv's catalog has for Linux."""
    level = entry(f"{base}/{TAG}/{quote(LEVEL_NAME)}", SHA)
    level["arch"] = {"family": "x86_64", "variant": "v3"}
    path = tmp_path / "catalog.json"
    path.write_text(
        json.dumps({BASELINE_KEY: entry(f"{base}/{TAG}/{quote(NAME)}", SHA), LEVEL_KEY: level})
    )
    return path


def _diagnose(
    tmp_path: Path,
    mirror: str | None,
    options: FetchOptions,
    *,
    base: str = PBS,
    level_named: bool = False,
) -> Report:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    settings = load_settings(
        {
            "python-install-mirror": mirror,
            "python-downloads-json-url": str(_catalog(tmp_path, base)),
        },
        env={"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".c"), "UV_NO_SYSTEM_CONFIG": "1"},
        cwd=tmp_path,
    )
    return diagnose("3.12", settings, V3_CPU, options=options, level_named=level_named)


def test_a_mirror_made_for_uv_checks_the_baseline_build_install_falls_back_to(
    tmp_path: Path, options: FetchOptions
) -> None:
    """It used to check the v3 file, which the mirror lacks, and say nothing would install,
    where uv (and now pybuilds) install the baseline build."""
    mirror = make_mirror(tmp_path / "mirror").as_uri()

    report = _diagnose(tmp_path, mirror, options)

    assert report.would_install and uv_would_install(report.findings)
    fallback = step(report, "build")[-1]
    assert fallback.message.startswith(f"build: {LEVEL_KEY} is not in {mirror}/{TAG}; installing")
    assert (
        verdict("3.12", report.findings) == f"`3.12` would install ({BASELINE_KEY}, release {TAG})"
    )


def test_without_a_mirror_uvs_baseline_pick_is_named_and_left_unchecked(
    tmp_path: Path, options: FetchOptions
) -> None:
    """Where both builds are (here a catalog of one's own, on file://), pybuilds' v3 is
    checked and uv's baseline pick is named, not claimed."""
    folder = make_mirror(tmp_path / "builds")
    (folder / TAG / LEVEL_NAME).write_bytes((folder / TAG / NAME).read_bytes())

    report = _diagnose(tmp_path, None, options, base=folder.as_uri())

    assert report.would_install
    notes = [f.message for f in step(report, "build") if f.ok is None]
    assert any(f"uv picks {BASELINE_KEY}, the baseline x86-64 build" in n for n in notes)
    assert verdict("3.12", report.findings) == (
        f"`3.12` would install with pybuilds ({LEVEL_KEY}, release {TAG}); "
        f"uv was not checked: it picks the baseline build {BASELINE_KEY}"
    )


def test_a_level_named_by_arch_is_checked_as_asked(tmp_path: Path, options: FetchOptions) -> None:
    """`--arch x86_64_v3`: install takes no baseline instead, so doctor checks v3 alone."""
    mirror = make_mirror(tmp_path / "mirror").as_uri()

    report = _diagnose(tmp_path, mirror, options, level_named=True)

    assert not report.would_install
    assert not any("baseline" in f.message for f in report.findings)
    assert verdict("3.12", report.findings).startswith(f"`3.12` would NOT install ({LEVEL_KEY}")
