"""The mirrors screen: effective settings and their sources; edit, test and save a mirror."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Label, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tui.app.messages import WorkerFailed
from tui.app.screens.confirm import ConfirmScreen
from tui.app.settings_view import (
    EDITABLE_KEYS,
    EditPreview,
    mirror_key,
    overriding_note,
    preview_edit,
    setting_rows,
)
from tui.app.widgets.footer import KeyFooter
from tui.core.catalog_source import LoadedCatalog
from tui.core.config import Setting, Settings, load_settings, set_value
from tui.core.config_write import Scope
from tui.core.doctor import iter_diagnosis
from tui.core.doctor_common import Finding, uv_failures, verdict, would_install
from tui.core.errors import PybuildsError
from tui.core.fetch import network_options
from tui.core.redact import redact_url

if TYPE_CHECKING:
    from tui.app.app import PybuildsApp

_SCOPES: tuple[tuple[str, Scope], ...] = (
    ("user (~/.config/uv/uv.toml)", "user"),
    ("project (uv.toml here)", "project"),
    ("system (/etc/uv/uv.toml)", "system"),
)


@dataclass
class _Finding(Message):
    finding: Finding


@dataclass
class _Tested(Message):
    """The doctor walked the whole chain for `request` (None: the default request)."""

    request: str | None
    findings: tuple[Finding, ...]


@dataclass
class _Previewed(Message):
    preview: EditPreview
    then_save: bool


@dataclass
class _Saved(Message):
    preview: EditPreview


class MirrorsScreen(Screen[None]):
    """Settings with their sources on top; below, a form to edit, test and save one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "test", "Test", id="mirror-test", tooltip="Check the value with the doctor"),
        Binding("ctrl+s", "save", "Save", id="mirror-save", tooltip="Preview, then write it"),
        Binding("escape", "back", "Builds", id="mirror-back", tooltip="Back to the build list"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[str] = []
        self._result: list[str] = []
        self._hidden: tuple[str, str] | None = None
        """(what the Value field shows, what was typed) once a typed value with credentials
        has been left: it shows redacted from then on, and the real one is kept for use."""

    @property
    def papp(self) -> PybuildsApp:
        return cast("PybuildsApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(
            Content.from_markup("[b]pybuilds[/b] │ mirrors and settings │ [b]esc[/b] builds"),
            id="mirrors-title",
        )
        yield DataTable(id="settings", cursor_type="row", zebra_stripes=True)
        with Vertical(id="editor"):
            with Horizontal(classes="field"):
                yield Label("Setting")
                yield Select(
                    [(key, key) for key in EDITABLE_KEYS],
                    value=EDITABLE_KEYS[0],
                    allow_blank=False,
                    compact=True,
                    id="key",
                )
            with Horizontal(classes="field"):
                yield Label("Value")
                yield Input(
                    placeholder="file:///srv/pbs-mirror or https://mirror.example/pbs",
                    compact=True,
                    id="value",
                )
            with Horizontal(classes="field"):
                yield Label("Save to")
                yield Select(
                    [(label, scope) for label, scope in _SCOPES],
                    value="user",
                    allow_blank=False,
                    compact=True,
                    id="scope",
                )
            with Horizontal(classes="field buttons"):
                yield Button("Test", id="test", compact=True)
                yield Button("Preview", id="preview", compact=True)
                yield Button("Save…", id="save", variant="primary", compact=True)
        # Focusable and scrollable by keyboard: a test's findings can outgrow any height.
        with VerticalScroll(id="result"):
            yield Static("", id="result-text", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#settings", DataTable)
        table.add_columns("Setting", "Value", "Source", "Shadows")
        self.watch(self.papp, "settings", self._show_settings)

    def _settings(self) -> Settings | None:
        return self.papp.settings

    def _show_settings(self, settings: Settings | None) -> None:
        table = self.query_one("#settings", DataTable)
        table.clear()
        self._rows = []
        if settings is None:
            table.add_row("(settings not loaded)", "", "", "")
            return
        for row in setting_rows(settings):
            table.add_row(row.key, row.value, row.source, row.shadowed or "")
            self._rows.append(row.key)

    @on(DataTable.RowHighlighted, "#settings")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        settings = self._settings()
        index = event.cursor_row
        if settings is None or not 0 <= index < len(self._rows):
            return
        key = self._rows[index]
        if key not in EDITABLE_KEYS:
            return
        self.query_one("#key", Select).value = key
        self._fill_value(settings.setting(key))

    @on(Select.Changed, "#key")
    def _key_changed(self, event: Select.Changed) -> None:
        settings = self._settings()
        if settings is not None and isinstance(event.value, str):
            self._fill_value(settings.setting(event.value))

    def _fill_value(self, setting: Setting) -> None:
        field = self.query_one("#value", Input)
        self._hidden = None
        value = setting.value or ""
        # A value with credentials is never put on screen; the user types a new one instead.
        if value and redact_url(value) != value:
            field.value = ""
            field.placeholder = f"{redact_url(value)} (has credentials: type a new value)"
        else:
            field.value = value

    @on(Input.Blurred, "#value")
    def _value_left(self, event: Input.Blurred) -> None:
        # Typed credentials show only while typing: not behind a dialog, nor in a screenshot.
        value = event.value.strip()
        shown = redact_url(value)
        if value and shown != value:
            self._hidden = (shown, value)
            event.input.value = shown

    def _form(self) -> tuple[str, str, Scope]:
        key = self.query_one("#key", Select).value
        scope = self.query_one("#scope", Select).value
        value = self.query_one("#value", Input).value.strip()
        if self._hidden is not None and value == self._hidden[0]:
            value = self._hidden[1]
        return str(key), value, cast(Scope, scope)

    def _hidden_was_edited(self, value: str) -> bool:
        """The redacted text was edited: its `***` would be used as the credentials."""
        if self._hidden is None or value == self._hidden[1] or "***" not in value:
            return False
        self._say("Credentials are hidden as ***: type the whole URL again to change it.")
        return True

    def _say(self, text: str) -> None:
        self._result = [text]
        self._show_result()

    def _show_result(self) -> None:
        result = self.query_one("#result", VerticalScroll)
        result.set_class(bool(self.result_text), "-shown")
        self.query_one("#result-text", Static).update(self.result_text)

    @property
    def result_text(self) -> str:
        """What the result area says (tests read it)."""
        return "\n".join(self._result)

    # --- test ----------------------------------------------------------------------------------

    def action_test(self) -> None:
        key, value, _ = self._form()
        if not value:
            self._say("Type a URL to test.")
            return
        if self._hidden_was_edited(value):
            return
        self._say(f"Testing {redact_url(value)}…")
        self._test(key, value)

    @work(thread=True, exclusive=True, group="test", exit_on_error=False)
    def _test(self, key: str, value: str) -> None:
        app = self.papp
        settings = app.settings or load_settings(env=dict(os.environ), cwd=app.cwd)
        trial = Setting(key, value, "cli", "mirrors screen")
        settings = settings._replace(entries={**settings.entries, key: trial})
        host = app.host
        if host is None:
            return
        build = app.selected
        request = None
        catalog = None
        if key != "python-downloads-json-url" and app.index is not None:
            # Test the mirror with the build highlighted in the list when the mirror serves it.
            catalog = LoadedCatalog(app.index.builds, "loaded catalog")
            if build is not None and mirror_key(build.implementation) == key:
                request = str(build.install_key)
            elif key != "python-install-mirror":
                request = key.split("-", 1)[0]
        worker = get_current_worker()
        options = network_options()
        findings: list[Finding] = []
        for finding in iter_diagnosis(request, settings, host, catalog=catalog, options=options):
            if worker.is_cancelled:
                return
            findings.append(finding)
            self.post_message(_Finding(finding))
        self.post_message(_Tested(request, tuple(findings)))

    @on(_Finding)
    def _finding(self, message: _Finding) -> None:
        self._result.append(_finding_text(message.finding))
        self._show_result()

    @on(_Tested)
    def _tested(self, message: _Tested) -> None:
        # The verdict replaces "Testing…" at the top, where it shows without scrolling.
        self._result[:1] = [_verdict(message.request, message.findings), ""]
        self._show_result()
        self.query_one("#result", VerticalScroll).scroll_home(animate=False)

    # --- preview and save ----------------------------------------------------------------------

    def action_preview(self) -> None:
        self._start_preview(then_save=False)

    def action_save(self) -> None:
        self._start_preview(then_save=True)

    def _start_preview(self, *, then_save: bool) -> None:
        key, value, scope = self._form()
        if not value:
            self._say("Type a value first.")
            return
        if self._hidden_was_edited(value):
            return
        self._preview(key, value, scope, then_save)

    def _env_cwd(self) -> tuple[dict[str, str], os.PathLike[str]]:
        settings = self._settings()
        if settings is not None:
            return dict(settings.env), settings.cwd
        return dict(os.environ), self.papp.cwd

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def _preview(self, key: str, value: str, scope: Scope, then_save: bool) -> None:
        env, cwd = self._env_cwd()
        try:
            preview = preview_edit(key, value, scope, env=env, cwd=cwd)  # type: ignore[arg-type]
        except PybuildsError as error:
            hint = f"\nhint: {error.hint}" if error.hint else ""
            self.app.call_from_thread(self._say, f"✗ {error}{hint}")
            return
        settings = self._settings()
        if settings is not None:
            preview = replace(preview, overridden=overriding_note(settings, key, scope))
        self.post_message(_Previewed(preview, then_save))

    @on(_Previewed)
    def _previewed(self, message: _Previewed) -> None:
        text = "\n".join(message.preview.lines())
        self._say(text)
        if not message.then_save:
            return
        key, value, scope = self._form()

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._save(key, value, scope, message.preview)

        confirm = "Save anyway" if message.preview.overridden else "Save"
        self.app.push_screen(ConfirmScreen(f"Save {key}?", text, confirm=confirm), confirmed)

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def _save(self, key: str, value: str, scope: Scope, preview: EditPreview) -> None:
        env, cwd = self._env_cwd()
        set_value(key, value, scope, env=env, cwd=cwd)  # type: ignore[arg-type]
        self.post_message(_Saved(preview))

    @on(_Saved)
    def _saved(self, message: _Saved) -> None:
        preview = message.preview
        saved = f"✓ saved {preview.key} in {preview.path}"
        if preview.overridden:
            self._say(f"{saved}\n! {preview.overridden}")
            self.notify(
                f"{preview.path}\n{preview.overridden}",
                title=f"Saved {preview.key}: not in force",
                severity="warning",
            )
        else:
            self._say(saved)
            self.notify(str(preview.path), title=f"Saved {preview.key}")
        self.papp.reload_settings()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "test": self.action_test,
            "preview": self.action_preview,
            "save": self.action_save,
        }
        if event.button.id in actions:
            actions[event.button.id]()

    def action_back(self) -> None:
        self.app.switch_mode("browse")

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.post_message(WorkerFailed.from_event(event))


def _finding_text(finding: Finding) -> str:
    """`✗ http: 500 …` and, for a failure, its hint on the next line."""
    text = f"{finding.symbol} {finding.message}"
    if finding.hint and finding.ok is False:
        text += f"\n  hint: {finding.hint}"
    return text


def _verdict(request: str | None, findings: tuple[Finding, ...]) -> str:
    """One line saying whether the install would work, with the step that stops it."""
    name = request or "default"
    if would_install(findings) and uv_failures(findings):
        # The settings are uv's: a mirror uv fails on (a `%2B` name) is not done yet.
        return f"✗ {verdict(name, findings)}"
    if would_install(findings):
        warnings = sum(finding.warning for finding in findings)
        return f"✓ {name} would install" + (f" ({warnings} warning(s) below)" if warnings else "")
    failed = next(finding for finding in findings if finding.ok is False)
    return f"✗ {name} would NOT install\n  {_finding_text(failed).removeprefix('✗ ')}"
