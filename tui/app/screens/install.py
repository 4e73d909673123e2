"""The install dialog: pick the flavour and the mirror before an install starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tui.app.details import install_flavour
from tui.app.widgets.dialog_frame import DialogFrame
from tui.core.catalog import Build
from tui.core.redact import redact_url

CATALOG_FLAVOUR = "(catalog)"
"""Select value for "the flavour the catalog entry points at"."""


@dataclass(frozen=True, slots=True)
class InstallDefaults:
    """What the dialog starts with, from the settings and the catalog."""

    flavour: str
    """The catalog entry's flavour (`install_only_stripped`)."""
    flavours: tuple[str, ...]
    """Every flavour published for the release; empty when there is no choice."""
    preferred_flavour: str | None
    """The `default-flavour` preference, used when the release has it."""
    mirror: str | None
    """The mirror in force for the build's implementation."""
    mirror_origin: str | None
    saved_mirrors: tuple[str, ...]
    bin_dir: Path
    note: str | None = None
    """A warning to show, e.g. that another build of this version will be replaced."""
    unmirrored: str = "the catalog's URL"
    """Where the build downloads from without a mirror: `Astral's mirror, then the catalog's
    URL` for CPython."""


@dataclass(frozen=True, slots=True)
class InstallChoice:
    """What the user chose in the dialog."""

    build: Build
    flavour: str | None
    """None for the catalog's flavour."""
    mirror: str | None
    """None for no mirror (upstream)."""
    mirror_changed: bool
    """The mirror differs from the one in the settings."""
    link_bin: bool
    reinstall: bool


class InstallDialog(ModalScreen[InstallChoice | None]):
    """Choose flavour and mirror, then Install (Enter) or Cancel (Escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="install-cancel", tooltip="Close without installing"
        ),
        Binding("ctrl+s", "install", "Install", id="install-confirm", tooltip="Start the install"),
    ]

    def __init__(self, build: Build, defaults: InstallDefaults, *, reinstall: bool = False) -> None:
        super().__init__()
        self.build = build
        self.defaults = defaults
        self.reinstall = reinstall

    def compose(self) -> ComposeResult:
        defaults = self.defaults
        verb = "Reinstall" if self.reinstall else "Install"
        with DialogFrame(classes="dialog", id="install-dialog"):
            yield Static(f"{verb} {self.build.install_key}", classes="dialog-title", markup=False)
            if defaults.note:
                yield Static(defaults.note, classes="dialog-note", markup=False)
            yield Label("Flavour")
            options = [(f"{defaults.flavour or 'as listed'} (catalog)", CATALOG_FLAVOUR)]
            options += [(f, f) for f in defaults.flavours if f != defaults.flavour]
            # The details panel shows the URL of the same flavour.
            preferred = install_flavour(
                defaults.flavour, defaults.flavours, defaults.preferred_flavour
            )
            initial = preferred or CATALOG_FLAVOUR
            yield Select(options, value=initial, allow_blank=False, compact=True, id="flavour")
            yield Label("Mirror")
            yield Input(
                # Credentials never reach the screen: unchanged text means the configured mirror.
                value=self._shown_mirror,
                placeholder="none; type a mirror URL to use one for this install",
                suggester=SuggestFromList(defaults.saved_mirrors)
                if defaults.saved_mirrors
                else None,
                compact=True,
                id="mirror",
            )
            yield Static(self._origin_text(), id="mirror-origin", markup=False)
            yield Checkbox(
                f"Link the executable into {defaults.bin_dir}",
                value=True,
                compact=True,
                id="link-bin",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(verb, variant="primary", id="install")
                yield Button("Cancel", id="cancel")

    def _origin_text(self) -> str:
        """What the configured mirror field means: its setting, or where downloads go."""
        if self.defaults.mirror_origin:
            return f"from {self.defaults.mirror_origin}"
        return f"no mirror set: {self.defaults.unmirrored}"

    @property
    def _shown_mirror(self) -> str:
        return redact_url(self.defaults.mirror) if self.defaults.mirror else ""

    def on_mount(self) -> None:
        self.query_one("#install", Button).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_install(self) -> None:
        flavour = self.query_one("#flavour", Select).value
        typed = self.query_one("#mirror", Input).value.strip() or None
        # The field shows the configured mirror without its credentials: left as shown, it
        # means that mirror, credentials included.
        mirror = self.defaults.mirror if (typed or "") == self._shown_mirror else typed
        self.dismiss(
            InstallChoice(
                build=self.build,
                flavour=None
                if flavour == CATALOG_FLAVOUR or flavour is Select.NULL
                else str(flavour),
                mirror=mirror,
                mirror_changed=mirror != (self.defaults.mirror or None),
                link_bin=self.query_one("#link-bin", Checkbox).value,
                reinstall=self.reinstall,
            )
        )

    @on(Input.Changed, "#mirror")
    def _mirror_changed(self, event: Input.Changed) -> None:
        typed = event.value.strip() or None
        label = self.query_one("#mirror-origin", Static)
        if (typed or "") == self._shown_mirror:
            label.update(self._origin_text())
        elif typed:
            label.update(f"for this install only: {redact_url(typed)}")
        else:
            label.update(f"no mirror for this install: {self.defaults.unmirrored}")

    @on(Input.Submitted, "#mirror")
    def _mirror_submitted(self) -> None:
        self.action_install()

    @on(Button.Pressed, "#install")
    def _install_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_install()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
