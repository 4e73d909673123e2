"""`pybuilds` without a command: open the terminal app on the real catalog and settings."""

from __future__ import annotations

import argparse


def run_app(args: argparse.Namespace) -> int:
    """Run the app until the user quits; returns the exit code.

    The catalog and the platform load in a worker once the first screen is up; settings are
    read here first because they choose the install folder (and their warnings belong on
    stderr, before the terminal switches to the app).
    """
    from tui.app.app import PybuildsApp  # imports Textual (~120 ms): only for the app
    from tui.commands.catalog_args import layout_from, load_builds
    from tui.commands.settings import settings_from_args
    from tui.core.fetch import network_options
    from tui.core.mirrors import mirrors_from_settings
    from tui.core.platform import detect_platform

    settings = settings_from_args(args)
    # Settings the app cannot use fail here, as one line, before the screen switches over.
    mirrors_from_settings(settings)
    network_options()
    app = PybuildsApp(
        lambda: load_builds(settings).builds,
        layout_from(settings),
        detect_platform,
        lambda: settings_from_args(args, show_warnings=False),
        settings=settings,
    )
    app.run()
    return app.return_code or 0
