"""Pick the platform to browse: this machine, any platform in the catalog, or all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from tui.core.catalog import Build
from tui.core.platform import Platform


@dataclass(frozen=True, slots=True)
class PlatformChoice:
    """A platform to browse, or every platform (`platform` None)."""

    platform: Platform | None


def catalog_platforms(builds: Iterable[Build]) -> list[Platform]:
    """Each platform that has builds in the catalog, sorted by key."""
    found = {
        build.platform_key: Platform(build.os, build.arch, build.libc, build.arch_level)
        for build in builds
    }
    return [found[key] for key in sorted(found)]


class PlatformDialog(ModalScreen[PlatformChoice | None]):
    """An option list of platforms; Enter picks, Escape keeps the current one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "dismiss_none", "Cancel", id="platform-cancel", tooltip="Keep the platform"
        )
    ]

    def __init__(self, host: Platform, platforms: list[Platform], current: Platform | None) -> None:
        super().__init__()
        self.host = host
        self.platforms = platforms
        self.current = current

    def compose(self) -> ComposeResult:
        options = [
            Option(f"This machine: {self.host.describe()}", id="host"),
            Option("All platforms", id="all"),
            None,
        ]
        for platform in self.platforms:
            here = "  (this machine)" if platform.key == self.host.key else ""
            text = f"{platform.key:<24} {platform.describe()}{here}"
            options.append(Option(text, id=platform.key))
        with Vertical(classes="dialog", id="platform-dialog"):
            yield Static("Browse builds for", classes="dialog-title")
            yield OptionList(*options, id="platforms")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        target = "all" if self.current is None else self.current.key
        if self.current is not None and self.current.key == self.host.key:
            target = "host"
        try:
            options.highlighted = options.get_option_index(target)
        except OptionDoesNotExist:
            options.highlighted = 0

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id
        if option_id == "host":
            self.dismiss(PlatformChoice(self.host))
        elif option_id == "all":
            self.dismiss(PlatformChoice(None))
        elif option_id == self.host.key:
            # This machine's own entry: the host, with what only detection knows (glibc 2.36).
            self.dismiss(PlatformChoice(self.host))
        else:
            chosen = next(p for p in self.platforms if p.key == option_id)
            self.dismiss(PlatformChoice(chosen))
