"""The fixed app used by snapshot tests and scripts/screenshots.py: same inputs, same pictures."""

from __future__ import annotations

import contextlib
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled, WorkerFailed

from tui.app.app import PybuildsApp
from tui.app.widgets.progress_row import InstallPanel, ProgressRow
from tui.core.catalog import Build, parse_catalog
from tui.core.config import Settings, load_settings
from tui.core.errors import ChecksumMismatch
from tui.core.events import Downloading, Extracting, Failed, InstallEvent
from tui.core.layout import Layout
from tui.core.platform import Platform

DATA = Path(__file__).resolve().parent / "data"
DEMO_CATALOG = DATA / "catalog.json"
DEMO_PLATFORM = Platform("linux", "x86_64", "gnu", "v3", "2.36")
DEMO_ROOT = Path("/pybuilds-demo")
"""A folder that does not exist: an empty install root, and paths that read the same anywhere."""
DEMO_MIRROR = "https://ci:s3cret@mirror.example.com/pbs"
"""A mirror with credentials, to show that they never reach the screen."""


def demo_builds() -> tuple[Build, ...]:
    return parse_catalog(DEMO_CATALOG.read_bytes(), "tests/app/data/catalog.json")


def demo_settings() -> Settings:
    """Settings from a fixed environment only: no files are discovered."""
    env = {
        "HOME": str(DEMO_ROOT / "home"),
        "XDG_CONFIG_HOME": str(DEMO_ROOT / "home" / ".config"),
        "UV_NO_SYSTEM_CONFIG": "1",
        "UV_PYTHON_INSTALL_MIRROR": DEMO_MIRROR,
        "PYBUILDS_CONFIG_FILE": str(DEMO_ROOT / "home" / ".config" / "pybuilds.toml"),
    }
    return load_settings(env=env, cwd=DEMO_ROOT / "project")


def make_demo_app(*, settings: bool = True) -> PybuildsApp:
    """The app with the demo catalog, a fixed platform, an empty install root, no animation."""
    app = PybuildsApp(
        demo_builds(),
        Layout(DEMO_ROOT / "uv" / "python", DEMO_ROOT / "bin"),
        DEMO_PLATFORM,
        demo_settings if settings else None,
        cwd=DEMO_ROOT / "project",
    )
    app.animation_level = "none"
    return app


async def settle(pilot: Pilot[int]) -> None:
    """Wait until the app's workers finished and their messages were handled."""
    for _ in range(10):
        # An exclusive worker (filter, size probe) replaced by a newer one ends cancelled; a
        # failing one is the app's to report (tests check that it does).
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in pilot.app.workers):
            return


def no_blink(app: App[int]) -> None:
    """Stop cursors blinking, so pictures do not depend on timing."""
    for field in app.screen.query(Input):
        field.cursor_blink = False


async def show_installs(pilot: Pilot[int]) -> None:
    """Fill the install panel with rows in fixed states: a live download differs every time."""
    app = pilot.app
    panel = app.screen.query_one(InstallPanel)
    downloading, extracting, failing = (
        "cpython-3.14.7-linux-x86_64_v3-gnu",
        "cpython-3.13.15-linux-x86_64_v3-gnu",
        "cpython-3.12.14-linux-x86_64-gnu",
    )
    mismatch = ChecksumMismatch(failing, "5e1d…", "0b7a…")
    rows: list[tuple[int, str, list[InstallEvent]]] = [
        (1, downloading, [Downloading(downloading, 0, 31_400_000),
                          Downloading(downloading, 12_600_000, 31_400_000)]),
        (2, extracting, [Extracting(extracting, 1_864)]),
        (3, failing, [Failed(failing, mismatch)]),
    ]  # fmt: skip
    for install_id, key, events in rows:
        row = ProgressRow(install_id, key)
        await panel.mount(row)
        for moment, event in enumerate(events):
            row.show(row.tracker.update(event, moment * 3.0))
    panel.add_class("-active")
    await pilot.pause()
