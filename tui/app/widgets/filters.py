"""The filter box and the one-line row of view toggles above the build table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Static

from tui.app.filtering import ViewOptions

ToggleName = Literal[
    "all_patches", "prereleases", "variants", "other_implementations", "installed_only"
]

TOGGLES: tuple[tuple[ToggleName, str, str], ...] = (
    ("all_patches", "toggle-all-patches", "all patches"),
    ("prereleases", "toggle-prereleases", "pre-releases"),
    ("variants", "toggle-variants", "variants"),
    ("other_implementations", "toggle-other-implementations", "other impls"),
    ("installed_only", "toggle-installed-only", "installed"),
)
"""(option, binding id, label) for each toggle, in display order."""
DEFAULT_KEYS: dict[str, str] = {
    "toggle-all-patches": "a",
    "toggle-prereleases": "p",
    "toggle-variants": "v",
    "toggle-other-implementations": "o",
    "toggle-installed-only": "n",
    "filter": "/",
}
"""Keys as the build list binds them, until the app says which are bound."""
_PLACEHOLDER = "{key} filter: 3.12  3.13t  pypy  musl  20250115  cp312  >=3.11,<3.13"


class ToggleBar(Static):
    """Shows each toggle as `a ☑ all patches`; a click flips it.

    Toggles widened by the filter text (typing `pypy` shows PyPy) are drawn as `◩`.
    """

    DEFAULT_CSS = """
    ToggleBar {
        height: 1;
        width: 1fr;
        color: $text-muted;
        link-style: none;
        link-color: $text;
        link-background-hover: $boost;
    }
    """

    options: reactive[ViewOptions] = reactive(ViewOptions, init=False)
    """The user's options."""
    effective: reactive[ViewOptions] = reactive(ViewOptions, init=False)
    """The options after the filter text widened them."""
    keys: reactive[Mapping[str, str]] = reactive(lambda: DEFAULT_KEYS, init=False)
    """The key bound to each toggle, by binding id (pybuilds.toml can remap them)."""

    def on_mount(self) -> None:
        self._show()

    def watch_options(self) -> None:
        self._show()

    def watch_effective(self) -> None:
        self._show()

    def watch_keys(self) -> None:
        self._show()

    def _show(self) -> None:
        parts: list[Content] = []
        for name, binding_id, label in TOGGLES:
            mine, shown = getattr(self.options, name), getattr(self.effective, name)
            mark = "☑" if mine else "◩" if shown else "☐"
            key = self.keys.get(binding_id, DEFAULT_KEYS[binding_id])
            # The name and label are constants from TOGGLES; only the key is a variable.
            parts.append(
                Content.from_markup(
                    f"[b]$key[/b] {mark} [@click=screen.flip('{name}')]{label}[/]", key=key
                )
            )
        self.update(Content("  ").join(parts))


class FilterBar(Widget):
    """Filter text plus view toggles; posts `FilterBar.Changed` with the new options.

    | Key(s) | Description |
    | :- | :- |
    | escape | Clear the filter text, or leave the box when it is empty. |
    """

    DEFAULT_CSS = """
    FilterBar {
        height: 2;
        & > #filter-line { height: 1; }
        & Input#filter { width: 1fr; }
        & #match-count { width: auto; min-width: 14; padding: 0 1; color: $text-muted; }
    }
    """

    options: reactive[ViewOptions] = reactive(ViewOptions, init=False)
    """The options the user chose (filter text and toggles)."""

    @dataclass
    class Changed(Message):
        """The filter text or a toggle changed."""

        bar: FilterBar
        options: ViewOptions

        @property
        def control(self) -> FilterBar:
            return self.bar

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-line"):
            yield Input(
                placeholder=_PLACEHOLDER.format(key=DEFAULT_KEYS["filter"]),
                id="filter",
                compact=True,
            )
            yield Static("", id="match-count")
        yield ToggleBar(id="toggles")

    def show_keys(self, keys: Mapping[str, str]) -> None:
        """Name the keys bound now in the placeholder and the toggles."""
        self.query_one(ToggleBar).keys = keys
        filter_key = keys.get("filter", DEFAULT_KEYS["filter"])
        self.query_one("#filter", Input).placeholder = _PLACEHOLDER.format(key=filter_key)

    def toggle(self, name: ToggleName) -> None:
        """Flip one toggle."""
        changes: dict[str, Any] = {name: not getattr(self.options, name)}
        self.options = replace(self.options, **changes)

    def clear_text(self) -> None:
        self.query_one("#filter", Input).value = ""

    def show_result(self, shown: int, total: int, effective: ViewOptions) -> None:
        """Update the match count and the toggles the filter text widened."""
        self.query_one("#match-count", Static).update(f"{shown:,} of {total:,}")
        self.query_one(ToggleBar).effective = effective

    def watch_options(self, options: ViewOptions) -> None:
        self.query_one(ToggleBar).options = options
        self.post_message(self.Changed(self, options))

    @on(Input.Changed, "#filter")
    def _text_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.options = replace(self.options, text=event.value)
