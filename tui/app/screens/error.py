"""A modal that shows an error the user must read: one line, a hint, and OK."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.app.widgets.dialog_frame import DialogFrame
from tui.core.redact import redact_text


class ErrorModal(ModalScreen[None]):
    """`title`, the message and an optional hint; Enter or Escape closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss", "Close", id="error-close", tooltip="Close this dialog")
    ]

    def __init__(self, title: str, message: str, hint: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.message = redact_text(message)
        self.hint = redact_text(hint) if hint else None

    def compose(self) -> ComposeResult:
        with DialogFrame(classes="dialog -error"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.message, id="error-message", markup=False)
            if self.hint:
                yield Static(f"hint: {self.hint}", id="error-hint", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
