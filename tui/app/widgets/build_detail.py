"""The details panel: where the highlighted build comes from and where it goes."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tui.app.details import BuildDetails
from tui.app.rows import format_size


class BuildDetail(Static):
    """URL through the active mirror, checksum, catalog, flavours and install path."""

    DEFAULT_CSS = """
    BuildDetail {
        height: auto;
        max-height: 9;
        padding: 0 1;
        background: $surface-lighten-1;
        border-top: solid $primary-muted;
        overflow-y: auto;
    }
    """

    details: reactive[BuildDetails | None] = reactive(None, init=False)
    """What to show; None when no build is highlighted."""
    archive_size: reactive[int | None] = reactive(None, init=False)
    """Archive size in bytes, once known."""

    def on_mount(self) -> None:
        self._show()

    def watch_details(self) -> None:
        self._show()

    def watch_archive_size(self) -> None:
        self._show()

    def _show(self) -> None:
        details = self.details
        if details is None:
            self.update(Content.from_markup("[dim]No build selected.[/]"))
            return
        # A grid keeps long URLs and paths wrapping under their value, not under the label.
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True, min_width=8)
        grid.add_column(overflow="fold")
        via = f"  (mirror: {details.mirror})" if details.mirror else ""
        grid.add_row("URL", Text(details.url + via))
        if details.url_problem:
            grid.add_row("", Text(details.url_problem, style="red"))
        if details.url:
            grid.add_row("SHA256", details.sha256 or "none in the catalog: installs unverified")
        grid.add_row("Catalog", Text(details.source))
        release = f"  (release: {', '.join(details.flavours)})" if details.flavours else ""
        if details.url:
            grid.add_row("Flavour", Text(f"{details.flavour or '?'}{release}"))
        size = f"  ·  {format_size(self.archive_size)} download" if self.archive_size else ""
        grid.add_row("Path", Text(f"{details.path}{size}"))
        title = Text.assemble((details.key, "bold"), "  ", (details.installed, "italic"))
        self.update(Group(title, grid))
