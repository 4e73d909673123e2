"""Settings for commands: common flags mapped onto uv's keys, then one `load_settings` call."""

from __future__ import annotations

import argparse

from tui.commands.common import warn
from tui.core.config import Settings, load_settings

# argparse attribute -> uv key name; commands add the flags they take, absent ones are skipped.
_FLAG_KEYS = {
    "mirror": "python-install-mirror",
    "pypy_mirror": "pypy-install-mirror",
    "graalpy_mirror": "graalpy-install-mirror",
    "pyodide_mirror": "pyodide-install-mirror",
    "python_downloads_json_url": "python-downloads-json-url",
    "python_preference": "python-preference",
    "install_dir": "python-install-dir",
    "bin_dir": "python-bin-dir",
}


def settings_from_args(args: argparse.Namespace, *, show_warnings: bool = True) -> Settings:
    """Load settings with the command's flags on top; warnings go to stderr unless told not to."""
    cli: dict[str, str | None] = {}
    for attribute, key in _FLAG_KEYS.items():
        value = getattr(args, attribute, None)
        cli[key] = None if value is None else str(value)
    if getattr(args, "no_python_downloads", False):
        cli["python-downloads"] = "never"
    settings = load_settings(
        cli,
        config_file=getattr(args, "config_file", None),
        no_config=bool(getattr(args, "no_config", False)),
    )
    if show_warnings:
        report_warnings(settings)
    return settings


def report_warnings(settings: Settings) -> None:
    for message in settings.warnings:
        warn(message)
