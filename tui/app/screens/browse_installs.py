"""The browse screen's actions on a build: install, reinstall, uninstall, cancel, and refusals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.message import Message
from textual.screen import Screen

from tui.app.details import release_flavours
from tui.app.messages import InstallFinished
from tui.app.rows import in_catalog, installation_for, state_of
from tui.app.settings_view import mirror_key, with_mirror
from tui.app.widgets.build_table import BuildTable
from tui.app.widgets.progress_row import InstallPanel
from tui.core.catalog import Build
from tui.core.errors import Cancelled, ConfigError
from tui.core.events import Done
from tui.core.layout import Installation
from tui.core.mirrors import MirrorKind, sources_without_mirror

# Dialogs and the install and fetch code load on first use, keeping start-up short.
if TYPE_CHECKING:
    from tui.app.app import PybuildsApp
    from tui.app.screens.install import InstallChoice, InstallDefaults

_BUILD_ACTIONS = ("install", "uninstall", "reinstall")
"""Actions on the highlighted build, each available only in some of its states."""


def _refused(action: str, state: str, *, downloadable: bool = True) -> bool:
    """Whether install, uninstall or reinstall cannot act on a build in `state`.

    A build only on disk (`downloadable` False) can be uninstalled, not fetched again.
    """
    if state == "installing":
        return True
    if action == "install":
        return state == "installed" or not downloadable
    if action == "reinstall" and not downloadable:
        return True
    return state == "available"


@dataclass
class _Uninstalled(Message):
    installation: Installation


class InstallActions(Screen[None]):
    """Install, reinstall, uninstall and cancel the highlighted build of `#builds`.

    The base of the browse screen, which composes `#builds` and `#installs` and shows details.
    A Screen rather than a plain mixin, since Textual only registers `@on` handlers of its classes.
    """

    def __init__(self) -> None:
        super().__init__()
        self._binding_state: tuple[bool | None, ...] = ()

    @property
    def papp(self) -> PybuildsApp:
        return cast("PybuildsApp", self.app)

    @property
    def table(self) -> BuildTable:
        return self.query_one("#builds", BuildTable)

    @property
    def installs(self) -> InstallPanel:
        return self.query_one("#installs", InstallPanel)

    def _show_details(self, build: Build | None) -> None:
        """Show `build` (None: nothing) in the details panel, which the subclass composes."""
        raise NotImplementedError

    # --- availability --------------------------------------------------------------------------

    def _update_bindings(self) -> None:
        # The footer rebuilds its keys on every refresh: only ask when install/uninstall
        # availability changed, not on every cursor move.
        state = tuple(self.check_action(a, ()) for a in ("install", "uninstall", "reinstall"))
        if state != self._binding_state:
            self._binding_state = state
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _BUILD_ACTIONS:
            build = self.table.highlighted if self.is_mounted else None
            # Before the catalog loads, answer as for the usual first row (not installed), so
            # the footer need not be rebuilt the moment the rows arrive.
            state = (
                "available"
                if build is None
                else state_of(build, self.papp.installed, self.installs.running_keys)
            )
            downloadable = build is None or in_catalog(build)
            return None if _refused(action, state, downloadable=downloadable) else True
        return True

    def refusal(self, action: str) -> str | None:
        """Why install, uninstall or reinstall cannot act on the highlighted build, or None."""
        build = self.table.highlighted
        if build is None:
            return "No build is selected"
        state = state_of(build, self.papp.installed, self.installs.running_keys)
        if not _refused(action, state, downloadable=in_catalog(build)):
            return None
        key = build.install_key
        if action in ("install", "reinstall") and not in_catalog(build):
            return f"{key} is not in the catalog, so pybuilds cannot download it"
        if state == "installing":
            return f"{key} is being installed; {self._key('cancel-install')} cancels it"
        if action == "install":
            return f"{key} is installed; press {self._key('reinstall')} to reinstall"
        if action == "reinstall":
            return f"{key} is not installed; press {self._key('install')} to install"
        return f"{key} is not installed"

    def explain_refusal(self, action: str) -> bool:
        """Say why `action` cannot act on the highlighted build (the footer dims its key).

        Returns:
            False when `action` is not one this screen refuses for a reason.
        """
        reason = self.refusal(action) if action in _BUILD_ACTIONS else None
        if reason is None:
            return False
        self.notify(reason)
        return True

    def _key(self, binding_id: str) -> str:
        """The key bound to `binding_id` now (keys can be remapped in pybuilds.toml)."""
        for active in self.active_bindings.values():
            if active.binding.id == binding_id:
                return self.app.get_key_display(active.binding)
        return binding_id

    # --- install -------------------------------------------------------------------------------

    def action_install(self) -> None:
        self._open_install(reinstall=False)

    def action_reinstall(self) -> None:
        self._open_install(reinstall=True)

    def _open_install(self, *, reinstall: bool) -> None:
        build = self.table.highlighted
        action = "reinstall" if reinstall else "install"
        if build is None or self.refusal(action) is not None:
            self.explain_refusal(action)
            return
        state = state_of(build, self.papp.installed, self.installs.running_keys)
        if not self._downloads_allowed():
            return
        from tui.app.screens.install import InstallDialog

        self.app.push_screen(
            InstallDialog(build, self._install_defaults(build, state), reinstall=reinstall),
            callback=self._install_chosen,
        )

    def _downloads_allowed(self) -> bool:
        """False, with the reason shown, when python-downloads is "never" (as uv refuses)."""
        settings = self.papp.settings
        try:
            if settings is not None:
                settings.require_downloads()
        except ConfigError as error:
            hint = f"\n{error.hint}" if error.hint else ""
            self.notify(f"{error}{hint}", title="Install refused", severity="error")
            return False
        return True

    def _install_defaults(self, build: Build, state: str) -> InstallDefaults:
        from tui.app.screens.install import InstallDefaults

        settings = self.papp.settings
        mirrors = self.papp.mirrors
        mirror, origin = None, None
        if mirror_key(build.implementation) is not None:
            mirror, setting = mirrors.mirror_for(cast("MirrorKind", build.implementation))
            origin = setting if mirror else None
        flavour, flavours = release_flavours(build)
        note = None
        installation = installation_for(build, self.papp.installed)
        if state == "other-build" and installation is not None:
            note = f"Build {installation.build} is installed in that folder; this replaces it."
        return InstallDefaults(
            flavour=flavour,
            flavours=flavours,
            preferred_flavour=settings.get("default-flavour") if settings else None,
            mirror=mirror,
            mirror_origin=origin,
            saved_mirrors=tuple(m.url for m in settings.preferences.mirrors) if settings else (),
            bin_dir=self.papp.layout.bin_dir,
            note=note,
            unmirrored=sources_without_mirror(build.url, mirrors, build.implementation),
        )

    def _install_chosen(self, choice: InstallChoice | None) -> None:
        if choice is None:
            return
        from tui.core.fetch import network_options
        from tui.core.install import InstallOptions
        from tui.core.level_fallback import baseline_of

        build = choice.build
        mirrors = self.papp.mirrors
        if choice.mirror_changed:
            mirrors = with_mirror(mirrors, build.implementation, choice.mirror, "install dialog")
        state = state_of(build, self.papp.installed, self.installs.running_keys)
        options = InstallOptions(
            mirrors=mirrors,
            fetch=network_options(),
            flavour=choice.flavour,
            reinstall=choice.reinstall or state == "other-build",
            link_bin=choice.link_bin,
        )
        index = self.papp.index
        self.installs.start(build, options, baseline_of(build, index.builds) if index else None)
        self.table.refresh_rows()
        self._show_details(self.table.highlighted)
        self._update_bindings()

    @on(InstallFinished)
    def _install_finished(self, message: InstallFinished) -> None:
        event = message.event
        if isinstance(event, Done):
            self.notify(f"{message.key} → {event.path}", title="Installed")
        elif isinstance(event.error, Cancelled):
            self.notify(f"{message.key}: nothing was installed", title="Install cancelled")
        else:
            hint = f"\n{event.error.hint}" if event.error.hint else ""
            self.notify(f"{event.error}{hint}", title="Install failed", severity="error")
        if message.archive_size:
            self.papp.sizes[message.build.url] = message.archive_size
        self.papp.reload_installations()
        self.table.refresh_rows()
        # The install is no longer running: a failed one or a reinstall leaves the map of
        # installations as it was, so its watcher would not redraw the details.
        self._show_details(self.table.highlighted)
        self._update_bindings()

    def action_cancel_install(self) -> None:
        build = self.table.highlighted
        if build is not None and self.installs.cancel_key(str(build.install_key)):
            return
        if not self.installs.cancel_newest():
            self.notify("No install is running")

    # --- uninstall -----------------------------------------------------------------------------

    def action_uninstall(self) -> None:
        build = self.table.highlighted
        installation = None if build is None else installation_for(build, self.papp.installed)
        if installation is None or self.refusal("uninstall") is not None:
            self.explain_refusal("uninstall")
            return

        from tui.app.screens.confirm import ConfirmScreen

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._uninstall(installation)

        self.app.push_screen(
            ConfirmScreen(
                f"Uninstall {installation.key}?",
                f"This deletes {installation.path}\nand the links uv made to it.",
                confirm="Uninstall",
            ),
            callback=confirmed,
        )

    @work(thread=True, exit_on_error=False, group="uninstall")
    def _uninstall(self, installation: Installation) -> None:
        from tui.core.install import uninstall

        uninstall(installation, self.papp.layout)
        self.post_message(_Uninstalled(installation))

    @on(_Uninstalled)
    def _uninstalled(self, message: _Uninstalled) -> None:
        self.notify(f"{message.installation.key}", title="Uninstalled")
        self.papp.reload_installations()
