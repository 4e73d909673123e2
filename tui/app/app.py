"""PybuildsApp: modes, global bindings, loading the catalog, and where worker errors surface."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias, TypeVar, Union

from textual import on, work
from textual.actions import ActionParseResult
from textual.app import App, ScreenStackError
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.dom import DOMNode
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.app.details import release_flavours
from tui.app.filtering import BuildIndex
from tui.app.messages import CatalogLoaded, InstallationsChanged, InstallFinished, WorkerFailed
from tui.app.rows import installation_map
from tui.app.screens.browse import BrowseScreen
from tui.app.settings_view import mirror_settings
from tui.app.widgets.progress_row import InstallPanel
from tui.core.catalog import Build
from tui.core.errors import PybuildsError
from tui.core.layout import Installation, Layout
from tui.core.mirrors import MirrorSettings
from tui.core.platform import Platform
from tui.core.redact import redact_text

if TYPE_CHECKING:
    from tui.core.config import Settings

T = TypeVar("T")
Loader: TypeAlias = Union[T, Callable[[], T]]  # noqa: UP007 - a generic alias needs Union on 3.10
"""A value, or a function that produces it in a worker (so the first screen shows at once)."""


def _resolve(loader: Loader[T]) -> T:
    # pyright reads callable() on a TypeVar as "T or any callable object"; mypy does not.
    return loader() if callable(loader) else loader  # pyright: ignore[reportReturnType]


# Screens and commands not on the first screen are imported when first used: the app must
# show its first rows within half a second, and every import counts.
def _mirrors_screen() -> Screen[None]:
    from tui.app.screens.mirrors import MirrorsScreen

    return MirrorsScreen()


def _help_screen() -> Screen[None]:
    from tui.app.screens.help import HelpScreen

    return HelpScreen()


def _commands() -> type[Provider]:
    from tui.app.commands import PybuildsCommands

    return PybuildsCommands


class PybuildsApp(App[int]):
    """Browse builds, install and uninstall them, and manage mirrors."""

    CSS_PATH = "pybuilds.tcss"
    TITLE = "pybuilds"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "browse": BrowseScreen,
        "mirrors": _mirrors_screen,
    }
    DEFAULT_MODE = "browse"
    COMMANDS = App.COMMANDS | {_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "question_mark,f1", "help", "Help", id="help", tooltip="Keys, filter syntax, concepts"
        ),
        Binding("m", "mode('mirrors')", "Mirrors", id="mirrors", tooltip="Mirrors and settings"),
        Binding(
            "b",
            "mode('browse')",
            "Builds",
            id="browse",
            tooltip="Back to the build list",
            show=False,
        ),
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave pybuilds"),
    ]

    index: reactive[BuildIndex | None] = reactive(None, init=False)
    """The catalog, once loaded."""
    host: reactive[Platform | None] = reactive(None, init=False)
    """This machine's platform, once detected."""
    installed: reactive[Mapping[str, Installation]] = reactive(dict, init=False)
    """What is in the managed-Python folder, by install key."""
    settings: reactive[Settings | None] = reactive(None, init=False)
    """Effective settings with their sources; None until read (or when they cannot be)."""
    key_names: reactive[Mapping[str, str]] = reactive(lambda: _key_names({}), init=False)
    """The key shown for each binding id of the app and the build list (`P`, `?`), as bound
    after pybuilds.toml's remaps: text that names a key reads it here."""

    def __init__(
        self,
        builds: Loader[tuple[Build, ...]],
        layout: Layout,
        platform: Loader[Platform],
        settings_loader: Callable[[], Settings] | None = None,
        *,
        settings: Settings | None = None,
        cwd: Path | None = None,
    ) -> None:
        """Create the app; tests pass fixed inputs, `pybuilds` passes loaders.

        Args:
            builds: The catalog, or a function that loads it.
            layout: The managed-Python folder and the bin folder.
            platform: The host platform, or a function that detects it.
            settings_loader: Reads the effective settings (again after a save); None uses
                no settings at all (no mirrors).
            settings: Settings already read; without them `settings_loader` runs at start.
            cwd: Where project-scope settings are looked up (default: the working directory).
        """
        # With NO_COLOR Textual would still draw in shades of grey; in ANSI mode its filter
        # strips every colour and leaves bold, reverse and underline, as NO_COLOR asks.
        no_color = os.environ.get("NO_COLOR") is not None
        super().__init__(ansi_color=True if no_color else None)
        if no_color:
            self.theme = "ansi-dark"
        self.layout = layout
        self.cwd = cwd or Path.cwd()
        self._builds = builds
        self._platform = platform
        self._settings_loader = settings_loader
        self.sizes: dict[str, int] = {}
        """Download sizes learnt this session, by catalog URL."""
        self.selected: Build | None = None
        """The build highlighted in the browse table (mirror tests use it)."""
        self._mirrors: tuple[Settings | None, MirrorSettings] | None = None
        """The mirrors of the settings they were read from: a stale pair is never used."""
        self._quitting = False
        """The user chose to quit; the app ends once the cancelled installs have stopped."""
        self.keymap: dict[str, str] = {}
        """The key remaps in force (binding id -> keys), from pybuilds.toml."""
        self._keymap_problems: tuple[str, ...] = ()
        self.set_reactive(PybuildsApp.settings, settings)

    @property
    def mirrors(self) -> MirrorSettings:
        """The mirror settings in force."""
        if self._mirrors is None or self._mirrors[0] is not self.settings:
            self._mirrors = (self.settings, mirror_settings(self.settings))
        return self._mirrors[1]

    def clear_selection(self) -> None:
        # Textual 8.2 (textual#6444): from Python 3.12 its tasks start eagerly, so the filter
        # Input of the first mode's screen mounts before that screen is on the stack, and its
        # selection watcher calls this with no screen; the base method lets that error out.
        with contextlib.suppress(ScreenStackError):
            super().clear_selection()

    def on_mount(self) -> None:
        self._load()
        if self.settings is None:
            self.reload_settings()
        else:
            self._apply_keymap(self.settings)

    @work(thread=True, exit_on_error=False, group="load")
    def _load(self) -> None:
        host: Platform = _resolve(self._platform)
        index = BuildIndex(_resolve(self._builds))
        if index.builds:
            # Compiles the file-name patterns here, not when the first details are drawn
            # (which also import the download sources, ~2 ms).
            release_flavours(index.builds[0])
            import tui.core.sources  # noqa: F401
        installed = installation_map(self.layout.installations())
        self.post_message(CatalogLoaded(index, host, installed))

    @on(CatalogLoaded)
    def _loaded(self, message: CatalogLoaded) -> None:
        self.host = message.host
        self.installed = message.installed
        self.index = message.index
        if message.reloaded_from is not None:
            self.notify(
                f"{len(message.index):,} builds from {message.reloaded_from}",
                title="Catalog loaded",
            )

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def reload_catalog(self, location: str | None, host: Platform) -> None:
        """Load the catalog `python-downloads-json-url` names now (it changed in a save).

        Args:
            location: The setting's value; None for the cached or embedded catalog.
            host: The platform already detected.
        """
        from tui.core.catalog_source import load_catalog

        loaded = load_catalog(location)
        index = BuildIndex(loaded.builds)
        installed = installation_map(self.layout.installations())
        self.post_message(CatalogLoaded(index, host, installed, reloaded_from=loaded.source))

    @work(thread=True, exit_on_error=False, group="settings")
    def reload_settings(self) -> None:
        """Re-read the settings (after a save, or when the app starts)."""
        if self._settings_loader is not None:
            settings = self._settings_loader()
            mirrors = mirror_settings(settings)
            self.call_from_thread(self._set_settings, settings, mirrors)

    def _set_settings(self, settings: Settings, mirrors: MirrorSettings) -> None:
        # The mirrors were worked out on the loading thread, not the UI's.
        previous = self.settings
        self._mirrors = (settings, mirrors)
        self.settings = settings
        # A saved catalog URL takes effect at once, as it would at the next start. (The
        # catalog first loaded is the one the starting settings name: no reload for those.)
        location = settings.get("python-downloads-json-url")
        changed = previous is not None and previous.get("python-downloads-json-url") != location
        if changed and self.host is not None:
            self.reload_catalog(location, self.host)

    def watch_settings(self, settings: Settings | None) -> None:
        self._apply_keymap(settings)

    def _apply_keymap(self, settings: Settings | None) -> None:
        """Rebind keys from pybuilds.toml: `[ui]` `key-install = "I"` (binding ids as in help).

        An entry naming no binding, holding no valid key, or taking a key another action has
        is left out with a notification naming it; that binding keeps its key.
        """
        if settings is None:
            return
        entries = {
            name: value
            for name, value in settings.preferences.ui.items()
            if name.startswith("key-")
        }
        if entries:
            self._check_keys(entries, str(settings.preferences.path))
        else:
            self._use_keymap({}, (), "")

    @work(thread=True, exclusive=True, group="keymap", exit_on_error=False)
    def _check_keys(self, entries: dict[str, object], path: str) -> None:
        # In a thread: checking imports every screen (~40 ms), which would delay the first rows.
        from tui.app.keymap import check_keymap, scopes

        check = check_keymap(entries, scopes())
        problems = tuple(str(problem) for problem in check.problems)
        self.call_from_thread(self._use_keymap, check.keymap, problems, path)

    def _use_keymap(self, keymap: dict[str, str], problems: tuple[str, ...], path: str) -> None:
        if problems and problems != self._keymap_problems:
            self.notify(
                "\n".join(problems),
                title=f"Key settings ignored ({path})",
                severity="warning",
                timeout=20,
            )
        self._keymap_problems = problems
        if keymap != self.keymap:
            self.keymap = keymap
            self.set_keymap(keymap)
            self.key_names = _key_names(keymap)

    def key(self, binding_id: str) -> str:
        """The key bound to `binding_id` of the app or the build list, as the footer shows it."""
        return self.key_names.get(binding_id, binding_id)

    @work(thread=True, exit_on_error=False, group="installed")
    def reload_installations(self) -> None:
        """Re-read the managed-Python folder."""
        installed = installation_map(self.layout.installations())
        self.post_message(InstallationsChanged(installed))

    @on(InstallationsChanged)
    def _installations_changed(self, message: InstallationsChanged) -> None:
        self.installed = message.installed

    @property
    def _installs(self) -> InstallPanel:
        return self.get_screen_stack("browse")[0].query_one(InstallPanel)

    async def action_quit(self) -> None:
        """Quit; while installs run, ask first, then cancel them and wait for their cleanup."""
        running = sorted(self._installs.running_keys)
        if not running or self._quitting:
            # A second quit while cancelling leaves at once: each install cleans up after
            # itself even so, as after Ctrl-C in the CLI.
            self.exit()
            return
        from tui.app.screens.confirm import ConfirmScreen

        count = f"{len(running)} installs" if len(running) > 1 else "an install"
        detail = "\n".join([*running, "", "They are cancelled; nothing half-installed is left."])
        self.push_screen(
            ConfirmScreen(f"Quit and cancel {count}?", detail, confirm="Quit"),
            self._quit_answered,
        )

    def _quit_answered(self, answer: bool | None) -> None:
        if not answer:
            return
        self._quitting = True
        if not self._installs.cancel_all():
            self.exit()  # they ended while the question was open
            return
        self.notify("Quitting once the installs have stopped (q again: now)", title="Cancelling")

    @on(InstallFinished)
    def _install_finished(self) -> None:
        if self._quitting and not self._installs.running_keys:
            self.exit()

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Run an action; one the browse screen refuses (its key is dimmed) says why.

        Textual skips a refused action silently, whether its key was pressed or the command
        palette ran it.
        """
        if await super().run_action(action, default_namespace, namespaces):
            return True
        if isinstance(action, str) and isinstance(default_namespace, BrowseScreen):
            return default_namespace.explain_refusal(action)
        return False

    def action_help(self) -> None:
        if self.screen.id != "help":
            # A new one each time: it shows the keys bound now, which a save may change.
            self.push_screen(_help_screen())

    def action_mode(self, mode: str) -> None:
        self.switch_mode(mode)

    def action_reload_installed(self) -> None:
        self.reload_installations()

    def run_mode_action(self, mode: str, action: str) -> None:
        """Switch to `mode` and run one of its screen's actions (for the command palette)."""

        async def run() -> None:
            await self.switch_mode(mode)
            await self.screen.run_action(action)

        self.call_later(run)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.post_message(WorkerFailed.from_event(event))

    @on(WorkerFailed)
    def _worker_failed(self, message: WorkerFailed) -> None:
        """The one place worker failures reach the user."""
        from tui.app.screens.error import ErrorModal

        error = message.error
        if message.task == "_load":
            # Without a catalog there is nothing to browse: leave with the error.
            self.exit(return_code=1, message=f"error: {redact_text(str(error))}")
            return
        if isinstance(error, PybuildsError):
            self.push_screen(
                ErrorModal(_TASKS.get(message.task, message.task), str(error), error.hint)
            )
        else:
            detail = f"{type(error).__name__}: {error}"
            self.push_screen(
                ErrorModal(
                    _TASKS.get(message.task, message.task),
                    redact_text(detail),
                    "this is a bug in pybuilds; run `pybuilds -v` from a terminal to see more",
                )
            )


def _key_names(keymap: Mapping[str, str]) -> dict[str, str]:
    from tui.app.keymap import key_names

    bindings = Binding.make_bindings([*PybuildsApp.BINDINGS, *BrowseScreen.BINDINGS])
    return key_names(bindings, keymap)


_TASKS = {
    "reload_settings": "Reading settings failed",
    "reload_installations": "Reading installations failed",
    "reload_catalog": "Loading the catalog failed",
    "_run": "Install failed",
    "_uninstall": "Uninstall failed",
    "_probe": "Checking the download failed",
    "_test": "Testing failed",
    "_save": "Saving failed",
    "_preview": "Preview failed",
    "_filter": "Filtering failed",
    "_check_keys": "Reading the key settings failed",
}
