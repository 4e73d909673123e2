"""The frame of a modal dialog: as tall as its content, scrolling when the terminal is not."""

from __future__ import annotations

from textual.containers import VerticalScroll


class DialogFrame(VerticalScroll):
    """A dialog's box (styled by `.dialog` in pybuilds.tcss).

    In a terminal too small for the dialog it scrolls, and a field or button taking focus
    scrolls into view, so none is out of reach. It takes focus itself only while it can
    scroll, so the keys can bring back the text above the first field.
    """

    DEFAULT_CSS = """
    DialogFrame {
        height: auto;
        max-height: 100%;
    }
    """

    def allow_focus(self) -> bool:
        return self.max_scroll_y > 0
