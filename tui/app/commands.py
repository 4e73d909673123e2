"""Command palette: every pybuilds action by name (ctrl+p)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from tui.app.app import PybuildsApp

COMMANDS: tuple[tuple[str, str, str, str], ...] = (
    ("Install selected build", "browse", "install", "Choose flavour and mirror, then install"),
    ("Reinstall selected build", "browse", "reinstall", "Install the selected build again"),
    ("Uninstall selected build", "browse", "uninstall", "Remove it after confirming"),
    ("Cancel install", "browse", "cancel_install", "Stop the selected or newest install"),
    ("Filter builds", "browse", "focus_filter", "Type to filter the list"),
    ("Toggle all patch versions", "browse", "flip('all_patches')", "Not only the newest"),
    ("Toggle pre-releases", "browse", "flip('prereleases')", "Alphas, betas, candidates"),
    ("Toggle variants", "browse", "flip('variants')", "Free-threaded and debug builds"),
    (
        "Toggle other implementations",
        "browse",
        "flip('other_implementations')",
        "PyPy, GraalPy, Pyodide",
    ),
    ("Toggle installed only", "browse", "flip('installed_only')", "Only what is installed"),
    ("Browse another platform", "browse", "choose_platform", "Or all platforms at once"),
    ("Mirrors and settings", "app", "mode('mirrors')", "Edit, test and save mirrors"),
    ("Build list", "app", "mode('browse')", "Back to the builds"),
    ("Test mirror setting", "mirrors", "test", "Diagnose the value in the mirrors form"),
    ("Save mirror setting", "mirrors", "save", "Preview, then write the mirrors form"),
    ("Reload installations", "app", "reload_installed", "Re-read the managed-Python folder"),
    ("Help", "app", "help", "Keys and filter syntax"),
    ("Quit", "app", "quit", "Leave pybuilds"),
)
"""(title, where, action, help) for each command; `where` is the screen that runs it."""


class PybuildsCommands(Provider):
    """Offers COMMANDS; browse and mirrors actions switch to their screen first."""

    def _run(self, where: str, action: str) -> None:
        app = cast("PybuildsApp", self.app)
        if where == "app":
            app.call_later(app.run_action, action)
        else:
            app.run_mode_action(where, action)

    async def discover(self) -> Hits:
        for title, where, action, help_text in COMMANDS:
            yield DiscoveryHit(title, partial(self._run, where, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, where, action, help_text in COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self._run, where, action),
                    help=help_text,
                )
