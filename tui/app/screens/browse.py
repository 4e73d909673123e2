"""The main screen: platform, filter and toggles, build table, details; installs in its base."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input
from textual.worker import Worker, WorkerState, get_current_worker

from tui.app.details import describe
from tui.app.filtering import BuildIndex, Selection, ViewOptions
from tui.app.messages import SizeKnown, WorkerFailed
from tui.app.rows import Column, TableRow, flavour_label, installation_for, row_for, state_of
from tui.app.screens.browse_installs import InstallActions
from tui.app.widgets.build_detail import BuildDetail
from tui.app.widgets.build_table import BuildTable
from tui.app.widgets.filters import FilterBar, ToggleName
from tui.app.widgets.footer import KeyFooter
from tui.app.widgets.platform_header import PlatformHeader
from tui.app.widgets.progress_row import InstallPanel
from tui.core.catalog import Build
from tui.core.errors import PybuildsError
from tui.core.layout import Installation
from tui.core.platform import Platform

# The platform dialog loads on first use, keeping start-up short.
if TYPE_CHECKING:
    from tui.app.screens.platform import PlatformChoice

_WIDENING = (
    ("all_patches", "toggle-all-patches"),
    ("prereleases", "toggle-prereleases"),
    ("variants", "toggle-variants"),
    ("other_implementations", "toggle-other-implementations"),
)
"""The toggles that widen the list (option, binding id), for the empty list's hint."""


@dataclass
class _Filtered(Message):
    """A filter worker finished."""

    index: BuildIndex
    selection: Selection


class BrowseScreen(InstallActions):
    """Browse the catalog, see details, install, uninstall and cancel installs."""

    AUTO_FOCUS = "#builds"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash", "focus_filter", "Filter", id="filter", tooltip="Type to filter the list",
            # Priority, or the key that moves focus would also be typed into the box.
            priority=True, show=False,
        ),
        Binding("i", "install", "Install", id="install", tooltip="Install the selected build"),
        Binding("u", "uninstall", "Uninstall", id="uninstall", tooltip="Remove it, after asking"),
        Binding(
            "r", "reinstall", "Reinstall", id="reinstall", tooltip="Install it again", show=False
        ),
        Binding("x", "cancel_install", "Cancel", id="cancel-install", tooltip="Stop an install"),
        Binding(
            "P", "choose_platform", "Platform", id="platform", tooltip="Browse a platform",
            show=False,
        ),
        Binding(
            "a", "flip('all_patches')", "All patches", show=False, id="toggle-all-patches",
            tooltip="Every patch version, not only the newest per minor",
        ),
        Binding(
            "p", "flip('prereleases')", "Pre-releases", show=False, id="toggle-prereleases",
            tooltip="Show alphas, betas and release candidates",
        ),
        Binding(
            "v", "flip('variants')", "Variants", show=False, id="toggle-variants",
            tooltip="Show free-threaded and debug builds",
        ),
        Binding(
            "o", "flip('other_implementations')", "Other impls", show=False,
            id="toggle-other-implementations", tooltip="Show PyPy, GraalPy and Pyodide",
        ),
        Binding(
            "n", "flip('installed_only')", "Installed only", show=False,
            id="toggle-installed-only", tooltip="Show only installed builds",
        ),
        Binding(
            "escape", "escape", "Clear filter", show=False, id="escape",
            tooltip="Clear the filter text, or go back to the table",
        ),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.options = ViewOptions()
        self.platform: Platform | None = None
        """The platform browsed (the host's once detected)."""
        self._shown_columns: tuple[Column, ...] = ()
        self._effective = self.options
        """The options in force for the rows shown (as the filter text widened them)."""

    def compose(self) -> ComposeResult:
        yield PlatformHeader(id="platform-header")
        yield FilterBar(id="filters")
        # Plain text while loading: a loading animation would cost start-up time itself.
        yield BuildTable(id="builds", empty_text="Loading the catalog…")
        yield BuildDetail(id="details")
        yield InstallPanel(self.papp.layout, id="installs")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.watch(self.papp, "key_names", self._keys_changed)
        self.watch(self.papp, "index", self._catalog_changed)
        self.watch(self.papp, "installed", self._installed_changed, init=False)
        self.watch(self.papp, "settings", self._settings_changed, init=False)

    # --- loading and filtering ---------------------------------------------------------------

    def _keys_changed(self, names: Mapping[str, str]) -> None:
        """Name the keys bound now wherever text names one (pybuilds.toml can remap them)."""
        self.query_one(FilterBar).show_keys(names)
        self.query_one(PlatformHeader).key = self.papp.key("platform")
        if not self.table.row_count and self.papp.index is not None:
            self.table.empty_text = self._empty_text(self._effective)

    def _empty_text(self, effective: ViewOptions) -> str:
        """Why the list is empty, and only the ways out that would change it."""
        key = self.papp.key
        clear = f"press {key('escape')} to clear the filter" if effective.text else ""
        if effective.installed_only:
            every = f"{key('toggle-installed-only')} lists every build"
            if not self.papp.installed:
                return f"Nothing is installed in {self.papp.layout.root}; {every}."
            return "No installed build matches; " + "; ".join(filter(None, [clear, every])) + "."
        off = [key(binding_id) for name, binding_id in _WIDENING if not getattr(effective, name)]
        widen = f"{', '.join(off)} widen{'s' if len(off) == 1 else ''} the list" if off else ""
        platform = "" if effective.all_platforms else f"{key('platform')} picks a platform"
        hints = [hint for hint in (clear, widen, platform) if hint]
        if not hints:
            return "The catalog lists no builds."
        return f"No builds match: {'; '.join(hints)}."

    def _catalog_changed(self, index: BuildIndex | None) -> None:
        if index is None:
            return
        if self.platform is None:
            self.platform = self.papp.host
        header = self.query_one(PlatformHeader)
        header.host = self.papp.host
        header.platform = self.platform
        if self.focused is None:
            self.table.focus()
        # The first list is small and quick to pick (~2 ms): no worker round trip for it.
        if self.platform is not None:
            selection = index.select(
                self.options, self.platform, self.papp.installed, host=self.papp.host
            )
            self._show_selection(_Filtered(index, selection))

    def _installed_changed(self) -> None:
        self.refilter()
        self._show_details(self.table.highlighted)

    def _settings_changed(self) -> None:
        self._show_details(self.table.highlighted)

    def refilter(self) -> None:
        """Recompute the listed builds from the options (in a worker: never blocks typing)."""
        index = self.papp.index
        if index is None or self.platform is None:
            return
        self._filter(index, self.options, self.platform, self.papp.installed, self.papp.host)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def _filter(
        self,
        index: BuildIndex,
        options: ViewOptions,
        platform: Platform,
        installed: Mapping[str, Installation],
        host: Platform | None,
    ) -> None:
        # The map is replaced, never changed in place, when installations are re-read.
        selection = index.select(options, platform, installed, host=host)
        if not get_current_worker().is_cancelled:
            self.post_message(_Filtered(index, selection))

    @on(_Filtered)
    def _show_selection(self, message: _Filtered) -> None:
        if message.index is not self.papp.index:
            return
        effective = self._effective = message.selection.effective
        all_platforms = effective.all_platforms
        columns = message.index.columns(platform_column=all_platforms)
        self._shown_columns = columns
        self.table.set_builds(
            columns, message.selection.builds, self._row_for, empty_text=self._empty_text(effective)
        )
        filters = self.query_one(FilterBar)
        filters.show_result(len(message.selection.builds), len(message.index), effective)
        self.query_one(PlatformHeader).all_platforms = all_platforms

    def _row_for(self, build: Build) -> TableRow:
        installed = self.papp.installed
        return row_for(
            build,
            self._shown_columns,
            state=state_of(build, installed, self.installs.running_keys),
            installation=installation_for(build, installed),
            flavour=flavour_label(build),
            size=self.papp.sizes.get(build.url),
        )

    @on(FilterBar.Changed)
    def _options_changed(self, message: FilterBar.Changed) -> None:
        self.options = replace(message.options, all_platforms=self.options.all_platforms)
        self.refilter()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.table.focus()

    # --- details -------------------------------------------------------------------------------

    @on(BuildTable.Highlighted)
    def _highlighted(self, message: BuildTable.Highlighted) -> None:
        self.papp.selected = message.build
        self._show_details(message.build)
        self._update_bindings()

    def _show_details(self, build: Build | None) -> None:
        panel = self.query_one(BuildDetail)
        if build is None:
            panel.details = None
            return
        installed = self.papp.installed
        settings = self.papp.settings
        details = describe(
            build,
            mirrors=self.papp.mirrors,
            layout=self.papp.layout,
            state=state_of(build, installed, self.installs.running_keys),
            installation=installation_for(build, installed),
            preferred_flavour=settings.get("default-flavour") if settings else None,
        )
        panel.details = details
        panel.archive_size = self.papp.sizes.get(build.url)
        local = details.url.startswith("file://") or "://" not in details.url
        probe = details.url and details.url_problem is None and local
        if panel.archive_size is None and probe:
            self._probe(build, details.url)

    @work(thread=True, exclusive=True, group="probe", exit_on_error=False)
    def _probe(self, build: Build, url: str) -> None:
        # Only local files are probed, as they answer at once; the size is a hint, so a
        # missing file stays silent here and is reported by the install that needs it.
        from tui.core.fetch import probe

        try:
            size = probe(url)
        except PybuildsError:
            return
        if size is not None:
            self.post_message(SizeKnown(build.url, size))

    @on(SizeKnown)
    def _size_known(self, message: SizeKnown) -> None:
        self.papp.sizes[message.url] = message.size
        self.table.refresh_rows()
        build = self.table.highlighted
        if build is not None and build.url == message.url:
            self.query_one(BuildDetail).archive_size = message.size

    # --- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_filter" and self.is_mounted:
            # The filter key is a priority binding, so that it is not typed into the box it
            # focuses; once there, its key is typed (remapped to `s`, it is a letter).
            return not self.query_one("#filter", Input).has_focus
        return super().check_action(action, parameters)

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_flip(self, name: ToggleName) -> None:
        self.query_one(FilterBar).toggle(name)

    @on(BuildTable.Selected)
    def _selected(self) -> None:
        # Enter on a row: read its details, scrolling them by keys; esc comes back.
        self.query_one(BuildDetail).focus()

    def action_escape(self) -> None:
        details = self.query_one(BuildDetail)
        if details.has_focus:
            self.table.focus()
            return
        field = self.query_one("#filter", Input)
        if field.value:
            self.query_one(FilterBar).clear_text()
        elif field.has_focus:
            self.table.focus()

    def action_choose_platform(self) -> None:
        index, host = self.papp.index, self.papp.host
        if index is None or host is None:
            return
        from tui.app.screens.platform import PlatformDialog, catalog_platforms

        current = None if self.options.all_platforms else self.platform
        dialog = PlatformDialog(host, catalog_platforms(index.builds), current)
        self.app.push_screen(dialog, callback=self._platform_chosen)

    def _platform_chosen(self, choice: PlatformChoice | None) -> None:
        if choice is None:
            return
        if choice.platform is not None:
            self.platform = choice.platform
            self.query_one(PlatformHeader).platform = choice.platform
        self.options = replace(self.options, all_platforms=choice.platform is None)
        self.refilter()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.post_message(WorkerFailed.from_event(event))
            if event.worker.group == "uninstall":
                self.papp.reload_installations()
