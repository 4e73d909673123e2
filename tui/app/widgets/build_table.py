"""A virtual table of builds: renders only the visible rows, so 5,500 rows refill instantly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.app.rows import Column, TableRow, layout_widths
from tui.core.catalog import Build


def _fit(text: str, width: int, align: str) -> str:
    if len(text) > width:
        return text[: max(width - 1, 0)] + "…" if width > 0 else ""
    return text.rjust(width) if align == "right" else text.ljust(width)


class BuildTable(ScrollView, can_focus=True):
    """The browse table: one row per build, a row cursor, a fixed header line.

    | Key(s) | Description |
    | :- | :- |
    | up, k | Move the cursor up. |
    | down, j | Move the cursor down. |
    | pageup / pagedown | Move the cursor a page. |
    | home / end | First / last row. |
    | enter | Select the row (posts `BuildTable.Selected`; the screen shows its details). |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, tooltip="The build above"),
        Binding("down,j", "cursor(1)", "Down", show=False, tooltip="The build below"),
        Binding("pageup", "page(-1)", "Page up", show=False, tooltip="A page up"),
        Binding("pagedown", "page(1)", "Page down", show=False, tooltip="A page down"),
        Binding("home", "jump(0)", "First", show=False, tooltip="The first build"),
        Binding("end", "jump(-1)", "Last", show=False, tooltip="The last build"),
        Binding(
            "enter", "select", "Details", show=False,
            tooltip="Into the details panel, to scroll it (esc comes back)",
        ),
    ]  # fmt: skip

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "build-table--header",
        "build-table--cursor",
        "build-table--installed",
        "build-table--other-build",
        "build-table--installing",
        "build-table--empty",
    }

    DEFAULT_CSS = """
    BuildTable {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        height: 1fr;
        & > .build-table--header { text-style: bold; color: $text-primary; }
        & > .build-table--cursor { background: $block-cursor-blurred-background; }
        &:focus > .build-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        &:nocolor > .build-table--cursor { text-style: reverse; }
        & > .build-table--installed { color: $text-success; }
        & > .build-table--other-build { color: $text-warning; }
        & > .build-table--installing { color: $text-accent; }
        & > .build-table--empty { color: $text-muted; }
    }
    """

    cursor_row: reactive[int] = reactive(0, init=False)
    """Index of the highlighted row."""

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another build (None when the table is empty)."""

        table: BuildTable
        build: Build | None

        @property
        def control(self) -> BuildTable:
            return self.table

    @dataclass
    class Selected(Message):
        """Enter or a double click on a row."""

        table: BuildTable
        build: Build

        @property
        def control(self) -> BuildTable:
            return self.table

    def __init__(
        self,
        *,
        empty_text: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._columns: tuple[Column, ...] = ()
        self._builds: Sequence[Build] = ()
        self._row_for: Callable[[Build], TableRow] | None = None
        self._row_cache: dict[int, TableRow] = {}
        self._empty_text = empty_text
        self._widths_for: tuple[int, list[int]] = (-1, [])
        self._highlighted: Build | None = None
        self.generation = 0
        """How many times rows were set: tests and benchmarks wait for it to change."""

    @property
    def builds(self) -> Sequence[Build]:
        """The builds listed, in display order."""
        return self._builds

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def row_count(self) -> int:
        return len(self._builds)

    @property
    def empty_text(self) -> str:
        """What the table says when no build is listed."""
        return self._empty_text

    @empty_text.setter
    def empty_text(self, text: str) -> None:
        self._empty_text = text
        self.refresh()

    @property
    def highlighted(self) -> Build | None:
        """The build under the cursor."""
        if 0 <= self.cursor_row < len(self._builds):
            return self._builds[self.cursor_row]
        return None

    def row_at(self, index: int) -> TableRow:
        """The row shown at `index`, made on demand: only visible rows are ever formatted."""
        row = self._row_cache.get(index)
        if row is None:
            assert self._row_for is not None
            row = self._row_cache[index] = self._row_for(self._builds[index])
        return row

    def set_builds(
        self,
        columns: tuple[Column, ...],
        builds: Sequence[Build],
        row_for: Callable[[Build], TableRow],
        *,
        empty_text: str = "",
    ) -> None:
        """List `builds`, keeping the cursor on the same build when it is still listed.

        Args:
            columns: Column definitions (they change when the platform column appears).
            builds: The builds, in display order.
            row_for: Formats one build; called only for rows that get drawn.
            empty_text: What to say when `builds` is empty.
        """
        current = self.highlighted
        if columns != self._columns:
            self._columns = columns
            self._widths_for = (-1, [])
        self._builds = builds
        self.generation += 1
        self._row_for = row_for
        self._row_cache.clear()
        self._empty_text = empty_text
        position = 0
        if current is not None:
            for index, build in enumerate(builds):
                if build is current:
                    position = index
                    break
        self.virtual_size = Size(self.scrollable_content_region.width, len(builds) + 1)
        self.set_reactive(BuildTable.cursor_row, min(position, max(len(builds) - 1, 0)))
        self._scroll_cursor_into_view()
        self.refresh()
        self._announce()

    def refresh_rows(self) -> None:
        """Re-format every row, e.g. after an install changed what is on disk."""
        self._row_cache.clear()
        self.refresh()

    def validate_cursor_row(self, value: int) -> int:
        return max(0, min(value, len(self._builds) - 1))

    def watch_cursor_row(self) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        build = self.highlighted
        if build is not self._highlighted:
            self._highlighted = build
            self.post_message(self.Highlighted(self, build))

    def _scroll_cursor_into_view(self) -> None:
        visible = max(self.scrollable_content_region.height - 1, 1)
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._builds) + 1)
        self._scroll_cursor_into_view()

    def action_cursor(self, delta: int) -> None:
        self.cursor_row += delta

    def action_page(self, direction: int) -> None:
        page = max(self.scrollable_content_region.height - 2, 1)
        self.cursor_row += direction * page

    def action_jump(self, position: int) -> None:
        self.cursor_row = position if position >= 0 else len(self._builds) - 1

    def action_select(self) -> None:
        build = self.highlighted
        if build is not None:
            self.post_message(self.Selected(self, build))

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        index = round(self.scroll_y) + event.y - 1
        if 0 <= index < len(self._builds):
            self.cursor_row = index
            if event.chain >= 2:
                self.action_select()

    def _widths(self, width: int) -> list[int]:
        if self._widths_for[0] != width:
            self._widths_for = (width, layout_widths(self._columns, width))
        return self._widths_for[1]

    def _line_text(self, cells: Sequence[str], width: int) -> str:
        widths = self._widths(width)
        parts = [
            _fit(cell, cell_width, column.align)
            for cell, cell_width, column in zip(cells, widths, self._columns, strict=False)
        ]
        return " ".join(parts)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("build-table--header")
            text = self._line_text([column.label for column in self._columns], width)
            return Strip([Segment(text, style)]).adjust_cell_length(width, base)
        index = round(self.scroll_y) + y - 1
        if not self._builds:
            if index == 0 and self._empty_text:
                style = base + self.get_component_rich_style("build-table--empty")
                return Strip([Segment(self._empty_text, style)]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        if index >= len(self._builds):
            return Strip.blank(width, base)
        row = self.row_at(index)
        row_style: Style = base
        if row.state != "available":
            row_style += self.get_component_rich_style(f"build-table--{row.state}")
        if index == self.cursor_row:
            row_style += self.get_component_rich_style("build-table--cursor")
        text = self._line_text(row.cells, width)
        return Strip([Segment(text, row_style)]).adjust_cell_length(width, row_style)
