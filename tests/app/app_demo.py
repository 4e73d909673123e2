"""The fixed app used by snapshot tests and scripts/screenshots.py: same inputs, same pictures."""

from __future__ import annotations

from pathlib import Path

from tui.app.app import PybuildsApp
from tui.core.catalog import Build, parse_catalog
from tui.core.config import Settings, load_settings
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
