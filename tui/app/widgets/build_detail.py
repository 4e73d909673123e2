"""The details panel: where the highlighted build comes from and where it goes."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tui.app.details import BuildDetails
from tui.app.rows import format_size
from tui.core.mirrors import ASTRAL_ORIGIN


class BuildDetail(VerticalScroll, can_focus=True):
    """Install path, URL through the active mirror, checksum, flavours and catalog.

    It is focusable (Tab, or Enter on a row) and scrolls when a small terminal cuts it off.

    | Key(s) | Description |
    | :- | :- |
    | up / down | Scroll one line. |
    | pageup / pagedown | Scroll a page. |
    | home / end | Scroll to the top / bottom. |
    """

    DEFAULT_CSS = """
    BuildDetail {
        height: auto;
        /* 9 lines at 80x24, leaving the table its rows; taller terminals show it all. */
        max-height: 40%;
        padding: 0 1;
        background: $surface-lighten-1;
        border-top: solid $primary-muted;
        scrollbar-size-vertical: 1;
        &:focus { border-top: solid $primary; background-tint: $foreground 3%; }
        & > #detail-text { width: 1fr; height: auto; }
    }
    """

    details: reactive[BuildDetails | None] = reactive(None, init=False)
    """What to show; None when no build is highlighted."""
    archive_size: reactive[int | None] = reactive(None, init=False)
    """Archive size in bytes, once known."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-text")

    def on_mount(self) -> None:
        self._show()

    def watch_details(self) -> None:
        self._show()
        self.scroll_home(animate=False, immediate=True)

    def watch_archive_size(self) -> None:
        self._show()

    def _show(self) -> None:
        text = self.query_one("#detail-text", Static)
        details = self.details
        if details is None:
            text.update(Content.from_markup("[dim]No build selected.[/]"))
            return
        # A grid keeps long URLs and paths wrapping under their value, not under the label.
        # The rows most asked for come first, so they show even when the panel is cut short.
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True, min_width=8)
        grid.add_column(overflow="fold")
        size = f"  ·  {format_size(self.archive_size)} download" if self.archive_size else ""
        grid.add_row("Path", Text(f"{details.path}{size}"))
        for number, (url, origin) in enumerate(details.sources):
            # Install tries them in order; each is said with the setting that chose it.
            if number == 0:
                grid.add_row("URL", Text(url + (f"  ({_origin(origin)})" if origin else "")))
            else:
                grid.add_row("then", Text(f"{url}  ({_origin(origin)}, if that fails)"))
        if details.url_problem:
            grid.add_row("" if details.url else "URL", Text(details.url_problem, style="red"))
        if details.url:
            other = details.catalog_flavour if details.flavour != details.catalog_flavour else ""
            if other:
                grid.add_row("SHA256", f"from the release's SHA256SUMS (the catalog's: {other})")
            else:
                grid.add_row("SHA256", details.sha256 or "none in the catalog: installs unverified")
            chosen = f"  (default-flavour; the catalog lists {other})" if other else ""
            release = f"  (release: {', '.join(details.flavours)})" if details.flavours else ""
            grid.add_row("Flavour", Text(f"{details.flavour or '?'}{chosen}{release}"))
        grid.add_row("Catalog", Text(details.source))
        title = Text.assemble((details.key, "bold"), "  ", (details.installed, "italic"))
        text.update(Group(title, grid))


def _origin(origin: str | None) -> str:
    """What chose a URL: a mirror setting, Astral's mirror, or the catalog."""
    if origin is None:
        return "the catalog's URL"
    if origin == ASTRAL_ORIGIN:
        return origin
    return f"mirror: {origin}"
