"""The top line: which platform's builds are listed, and how to browse another one."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tui.core.platform import Platform


class PlatformHeader(Static):
    """`pybuilds  linux x86_64 (x86-64-v3) glibc 2.36 (this machine)  P platform…`."""

    DEFAULT_CSS = """
    PlatformHeader {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text;
        padding: 0 1;
        link-style: none;
        link-color: $text-accent;
        link-background-hover: $boost;
    }
    """

    platform: reactive[Platform | None] = reactive(None, init=False)
    """The platform whose builds are listed; None while it is being detected."""
    host: reactive[Platform | None] = reactive(None, init=False)
    """The machine pybuilds runs on."""
    all_platforms: reactive[bool] = reactive(False, init=False)
    """Every platform in the catalog is listed."""
    key: reactive[str] = reactive("P", init=False)
    """The key that opens the platform dialog (pybuilds.toml can remap it)."""

    def on_mount(self) -> None:
        self._show()

    def watch_platform(self) -> None:
        self._show()

    def watch_host(self) -> None:
        self._show()

    def watch_all_platforms(self) -> None:
        self._show()

    def watch_key(self) -> None:
        self._show()

    def _show(self) -> None:
        if self.all_platforms:
            where = Content.from_markup("[b]all platforms[/b]")
        elif self.platform is None:
            where = Content("detecting platform…")
        else:
            # The host's libc version is known, a platform picked from the catalog's is not.
            here = self.host is not None and self.platform.key == self.host.key
            platform = self.host if here and self.host is not None else self.platform
            where = Content.from_markup(
                "[b]$platform[/b] [i]($note)[/i]",
                platform=platform.describe(),
                note="this machine" if here else "not this machine",
            )
        self.update(
            Content.assemble(
                Content.from_markup("[b]pybuilds[/b]  "),
                where,
                Content.from_markup(
                    "  [b]$key[/b] [@click=screen.choose_platform]platform…[/]", key=self.key
                ),
            )
        )
