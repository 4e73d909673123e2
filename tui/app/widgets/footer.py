"""Textual's footer, rebuilt only when the keys it shows actually change."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """The key bar. Textual's Footer remounts all its keys on every binding signal.

    Focus moving, the app gaining focus and actions becoming available each send one; at
    start-up that rebuilt the footer three or four times (some 50 ms) before the first rows
    were drawn, and again on many cursor moves, though the keys shown rarely changed.
    """

    # Compact keys keep a one-cell right margin; on the palette key, docked at the right end,
    # that cell let the keys scrolled beneath it show through (`^p paletter` at 40 columns).
    DEFAULT_CSS = """
    KeyFooter.-compact FooterKey.-command-palette {
        margin-right: 0;
        padding-right: 1;
    }
    """

    def __init__(self, *, compact: bool = True) -> None:
        super().__init__(compact=compact)
        self._rebuild_pending = False
        self._shown: tuple[tuple[str, str, bool, str], ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    def _keys(self) -> tuple[tuple[str, str, bool, str], ...]:
        return tuple(
            (binding.key, binding.description, enabled, tooltip)
            for _, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show
        )

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        keys = self._keys()
        if keys != self._shown:
            self._shown = keys
            await self.recompose()
