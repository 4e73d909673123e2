"""The help screen: every key (read from the bindings themselves) and the filter syntax."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.app.keymap import shown_keys

_FILTER_HELP = """\
[b]Filter[/b] (press [b]$filter[/b], type; Enter returns to the list, $escape clears)
  Words must all match. A version matches as a prefix: [b]3.1[/b] lists 3.10 to 3.14,
  [b]3.13.1[/b] lists 3.13.1 and 3.13.10+. [b]3.13t[/b] free-threaded, [b]3.12d[/b] debug.
  Other words search the key, file name and build tag: [b]musl[/b], [b]stripped[/b], [b]2025[/b].
  uv request syntax works too: [b]pypy@3.10[/b], [b]cp312[/b], [b]>=3.11,<3.13[/b].
  Typing [b]pypy[/b], [b]3.13t[/b], [b]rc[/b] or a platform word turns its toggle on (◩).

[b]List[/b]
  One row per release for the browsed platform, newest first; the newest patch of each
  minor version unless [b]$all_patches[/b]; installed builds always show. Green rows are installed,
  yellow ones hold another build of the same version (installing replaces it).
  The details panel shows the URL through the active mirror (credentials hidden),
  the checksum, the catalog, the release's flavours and the install folder.

[b]Installs[/b]
  Several can run at once; each row has ✕ to cancel (a cancelled install leaves nothing).
  [b]$cancel[/b] cancels the selected build's install, else the newest one.

[b]Keys[/b]
  Remap any key in pybuilds.toml, by the binding's id: [b]\\[ui][/b] then [b]key-install = "I"[/b].
  Ids: $ids.
"""


def _key_lines(bindings: Iterable[BindingType], keymap: Mapping[str, str]) -> list[str]:
    """One line per action: the keys bound to it now, its name and its tooltip."""
    keys: dict[str, list[str]] = {}
    found: dict[str, Binding] = {}
    for binding in Binding.make_bindings(bindings):
        remapped = keymap.get(binding.id or "")
        shown = shown_keys(remapped or binding.key)
        known = keys.setdefault(binding.action, [])
        known += [key for key in shown if key not in known]
        found.setdefault(binding.action, binding)
    return [
        f"  {' '.join(keys[action]):<9} {binding.description:<15} {binding.tooltip}"
        for action, binding in found.items()
    ]


class HelpScreen(ModalScreen[None]):
    """Keys and syntax; Escape, q or ? closes it."""

    def __init__(self) -> None:
        super().__init__(id="help")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help-close", tooltip="Close")
    ]

    def compose(self) -> ComposeResult:
        from tui.app.app import PybuildsApp
        from tui.app.screens.browse import BrowseScreen
        from tui.app.screens.mirrors import MirrorsScreen
        from tui.app.widgets.build_table import BuildTable

        app = self.app
        assert isinstance(app, PybuildsApp)

        sections = [
            ("Everywhere", PybuildsApp.BINDINGS),
            ("Build list", BrowseScreen.BINDINGS),
            ("In the table (Tab moves between filter, table and details)", BuildTable.BINDINGS),
            ("Mirrors screen", MirrorsScreen.BINDINGS),
        ]
        with VerticalScroll(classes="dialog", id="help"):
            yield Static("pybuilds help", classes="dialog-title")
            keymap = app.keymap
            for title, bindings in sections:
                lines = _escaped(_key_lines(bindings, keymap))
                text = "\n".join([f"[b]{title}[/b]", *lines])
                yield Static(Content.from_markup(text), classes="help-section")
            yield Static(
                Content.from_markup("  ^p        Commands        Every action by name"),
                classes="help-section",
            )
            ids = ", ".join(
                dict.fromkeys(
                    binding.id
                    for _, bindings in sections
                    for binding in Binding.make_bindings(bindings)
                    if binding.id and binding.id != "escape"
                )
            )
            keys = {
                "filter": app.key("filter"),
                "escape": app.key("escape"),
                "all_patches": app.key("toggle-all-patches"),
                "cancel": app.key("cancel-install"),
            }
            syntax = Content.from_markup(_FILTER_HELP, ids=ids, **keys)
            yield Static(syntax, classes="help-section")


def _escaped(lines: list[str]) -> list[str]:
    return [line.replace("[", r"\[") for line in lines]
