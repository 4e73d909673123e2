"""Pilot tests of the main screen: rows, filter, toggles, platform, details, help, palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, OptionList, Static

from app.app_demo import DEMO_PLATFORM, DEMO_ROOT, demo_builds, make_demo_app
from app.conftest import AppFactory
from app.helpers import browse, listed, screen_text, settle, table
from tui.app.app import PybuildsApp
from tui.app.commands import COMMANDS
from tui.app.screens.error import ErrorModal
from tui.app.screens.help import HelpScreen
from tui.app.screens.install import InstallDialog
from tui.app.screens.platform import PlatformChoice, PlatformDialog
from tui.app.widgets.build_detail import BuildDetail
from tui.app.widgets.filters import FilterBar
from tui.app.widgets.platform_header import PlatformHeader
from tui.core.catalog import Build
from tui.core.config import Settings
from tui.core.errors import CatalogError, ConfigError
from tui.core.layout import Layout


def test_clearing_the_selection_before_the_first_screen_is_stacked() -> None:
    # textual#6444: from Python 3.12 Textual starts tasks eagerly, so the filter Input mounts
    # and clears the selection while the first mode's screen stack is still empty. (On 3.12+
    # every app test also starts the app with eager tasks: see conftest.)
    app = make_demo_app()
    assert app.screen_stack == []
    app.clear_selection()  # raised ScreenStackError, and the app died at start-up


async def test_first_screen_lists_newest_patch_of_each_minor() -> None:
    app = make_demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        keys = listed(app)
        assert keys[:3] == [
            "cpython-3.14.7-linux-x86_64_v3-gnu",
            "cpython-3.13.15-linux-x86_64_v3-gnu",
            "cpython-3.12.14-linux-x86_64-gnu",
        ]
        assert len(keys) == len(set(keys))
        assert not any(k.startswith(("pypy", "graalpy")) or "+" in k or "rc" in k for k in keys)
        header = browse(app).query_one(PlatformHeader)
        assert header.platform == DEMO_PLATFORM == header.host
        assert "glibc 2.36" in DEMO_PLATFORM.describe()
        assert table(app).has_focus


async def test_typing_filters_and_escape_clears() -> None:
    app = make_demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        everything = listed(app)
        await pilot.press("slash", "3", ".", "1", "3")
        await settle(pilot)
        assert app.focused is browse(app).query_one("#filter", Input)
        assert listed(app) == ["cpython-3.13.15-linux-x86_64_v3-gnu"]
        await pilot.press("t")
        await settle(pilot)
        # `3.13t` asks for free-threaded builds, which the variants toggle hides.
        assert listed(app) == ["cpython-3.13.15+freethreaded-linux-x86_64-gnu"]
        await pilot.press("escape")
        await settle(pilot)
        assert listed(app) == everything
        await pilot.press("escape")
        assert table(app).has_focus


async def test_toggles_widen_the_list() -> None:
    app = make_demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        base = set(listed(app))
        await pilot.press("a")
        await settle(pilot)
        patches = set(listed(app))
        assert base < patches and "cpython-3.13.14-linux-x86_64-gnu" in patches
        await pilot.press("p", "v", "o")
        await settle(pilot)
        keys = set(listed(app))
        assert "cpython-3.15.0rc1-linux-x86_64-gnu" in keys
        assert "cpython-3.14.7+debug-linux-x86_64-gnu" in keys
        assert any(key.startswith("pypy-") for key in keys)
        options = browse(app).options
        assert options.all_patches and options.prereleases and options.variants
        await pilot.press("n")
        await settle(pilot)
        assert listed(app) == []
        assert table(app).empty_text == (
            "Nothing is installed in /pybuilds-demo/uv/python; n lists every build."
        )
        assert browse(app).query_one(FilterBar).options.installed_only


async def test_another_platform_and_all_platforms() -> None:
    app = make_demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, PlatformDialog)
        await pilot.press("down", "enter")  # "All platforms"
        await settle(pilot)
        keys = listed(app)
        assert any("darwin" in key or "macos" in key for key in keys)
        assert any(column.key == "platform" for column in table(app).columns)
        assert browse(app).query_one(PlatformHeader).all_platforms
        await pilot.press("P")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PlatformDialog)
        windows = next(p for p in dialog.platforms if p.os == "windows")
        dialog.dismiss(PlatformChoice(windows))
        await settle(pilot)
        assert listed(app)
        assert all(key.startswith("cpython-") and "-windows-" in key for key in listed(app))


async def test_details_show_mirror_url_without_credentials() -> None:
    app = make_demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        details = browse(app).query_one(BuildDetail).details
        assert details is not None
        assert details.url.startswith("https://***@mirror.example.com/pbs/20260814/cpython-3.14.7")
        assert details.mirror == "UV_PYTHON_INSTALL_MIRROR"
        assert details.sha256 and len(details.sha256) == 64
        assert details.source == "tests/app/data/catalog.json"
        assert "install_only" in details.flavours and "pgo+lto-full" in details.flavours
        assert str(details.path) == "/pybuilds-demo/uv/python/cpython-3.14.7-linux-x86_64_v3-gnu"
        screen = app.export_screenshot()
        assert "s3cret" not in screen and "ci:" not in screen
        await pilot.press("down")
        await settle(pilot)
        moved = browse(app).query_one(BuildDetail).details
        assert moved is not None and moved.key == "cpython-3.13.15-linux-x86_64_v3-gnu"


async def test_help_screen_lists_keys() -> None:
    app = make_demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(str(s.content) for s in app.screen.query(".help-section").results(Static))
        for word in ("Install", "Uninstall", "Mirrors", "Filter", "pypy@3.10", "^p"):
            assert word in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


def test_every_binding_has_an_id_a_tooltip_and_a_command() -> None:
    from tui.app.screens.browse import BrowseScreen
    from tui.app.screens.mirrors import MirrorsScreen

    actions = {action for _, _, action, _ in COMMANDS}
    for owner in (PybuildsApp, BrowseScreen, MirrorsScreen):
        for binding in Binding.make_bindings(owner.BINDINGS):
            assert binding.id and binding.tooltip, binding
            if binding.action not in ("escape", "back", "quit"):
                assert binding.action in actions or binding.action in (
                    f"mode('{m}')" for m in ("browse", "mirrors")
                ), binding.action
    assert {"install", "uninstall", "reinstall", "cancel_install", "quit", "help"} <= actions


async def test_command_palette_runs_an_action() -> None:
    app = make_demo_app()
    seen: list[Message] = []
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"toggle pre", "enter")
        await settle(pilot)
        assert browse(app).options.prereleases


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_fits_small_terminals(size: tuple[int, int]) -> None:
    app = make_demo_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        grid = table(app)
        assert grid.size.height >= 8
        assert grid.size.width == size[0]
        assert browse(app).query_one(BuildDetail).region.bottom <= size[1] - 1


async def test_no_color_keeps_the_cursor_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.no_color
        # ANSI mode makes Textual strip colours instead of drawing in shades of grey.
        assert app.native_ansi_color and app.theme == "ansi-dark"
        assert table(app).get_component_rich_style("build-table--cursor").reverse


async def test_keys_can_be_remapped_in_pybuilds_toml(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefs = tmp_path / "pybuilds.toml"
    prefs.write_text('[ui]\nkey-install = "I"\n')
    monkeypatch.setenv("PYBUILDS_CONFIG_FILE", str(prefs))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert not isinstance(app.screen, InstallDialog)
        await pilot.press("I")
        await pilot.pause()
        assert isinstance(app.screen, InstallDialog)


async def test_a_failing_settings_file_is_shown_not_fatal(make_app: AppFactory) -> None:
    def broken() -> Settings:
        raise ConfigError("/home/u/.config/uv/uv.toml", "unknown field `python-install-mirro`")

    app = PybuildsApp(demo_builds(), Layout(DEMO_ROOT, DEMO_ROOT / "bin"), DEMO_PLATFORM, broken)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert "python-install-mirro" in app.screen.message
        await pilot.press("enter")
        await pilot.pause()
        assert listed(app)  # the builds are still there to browse


async def test_a_catalog_that_cannot_load_ends_the_app_with_its_error() -> None:
    def broken() -> tuple[Build, ...]:
        raise CatalogError("https://***@example.com/catalog.json", "not valid JSON")

    app = PybuildsApp(broken, Layout(DEMO_ROOT, DEMO_ROOT / "bin"), DEMO_PLATFORM)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
    assert app.return_code == 1


async def test_the_install_dialog_scrolls_in_a_tiny_terminal() -> None:
    app = make_demo_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, InstallDialog)
        # The focused button is in view, not cut off below the frame.
        assert app.focused is app.screen.query_one("#install")
        assert "Install" in screen_text(app).splitlines()[-3]
        await pilot.press("shift+tab", "shift+tab", "shift+tab")  # to the flavour field
        await pilot.pause()
        assert app.focused is app.screen.query_one("#flavour")
        assert "Flavour" in screen_text(app)
        await pilot.press("shift+tab")  # the frame itself: it scrolls by keys
        await pilot.press("home")
        await pilot.pause()
        assert "cpython-3.14.7-linux-x86_64_v3" in screen_text(app)  # the title


@pytest.mark.parametrize("mode", ["browse", "mirrors"])
async def test_the_footer_ends_in_the_palette_key_at_40_columns(mode: str) -> None:
    app = make_demo_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        await app.switch_mode(mode)
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert footer.rstrip().endswith("^p palette"), footer


async def test_installations_show_and_one_the_catalog_lacks_can_be_uninstalled(
    tmp_path: Path,
) -> None:
    root = tmp_path / "uv-python"
    for key in (
        "cpython-3.13.15-linux-x86_64-gnu",  # uv's baseline build; the list picks v3
        "cpython-3.11.99-linux-x86_64-gnu",  # a custom build the catalog lacks
        "pypy-3.10.14-linux-x86_64-gnu",  # a PyPy the catalog no longer lists
    ):
        (root / key / "bin").mkdir(parents=True)
    (root / "cpython-3.11.99-linux-x86_64-gnu" / "BUILD").write_text("20260101\n")
    app = PybuildsApp(demo_builds(), Layout(root, tmp_path / "bin"), DEMO_PLATFORM)
    app.animation_level = "none"
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        keys = listed(app)
        assert {
            "cpython-3.13.15-linux-x86_64-gnu",
            "cpython-3.11.99-linux-x86_64-gnu",
            "pypy-3.10.14-linux-x86_64-gnu",
        } <= set(keys)
        assert "cpython-3.13.15-linux-x86_64_v3-gnu" not in keys
        table(app).cursor_row = keys.index("cpython-3.11.99-linux-x86_64-gnu")
        await settle(pilot)
        text = screen_text(app)
        assert "cpython-3.11.99-linux-x86_64-gnu  installed, build 20260101" in text
        assert "not in the catalog" in text
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, InstallDialog)
        assert "not in the catalog" in str(list(app._notifications)[-1].message)
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert not (root / "cpython-3.11.99-linux-x86_64-gnu").exists()
        assert "cpython-3.11.99-linux-x86_64-gnu" not in listed(app)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
async def test_every_detail_can_be_reached(size: tuple[int, int]) -> None:
    # At 80x24 the flavour list wrapped and pushed Path out of the panel, which could
    # neither take focus nor scroll.
    app = make_demo_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        panel = browse(app).query_one(BuildDetail)
        assert "/pybuilds-demo/uv/python/cpython-3.14.7-linux-x86_64_v3-gnu" in screen_text(app)
        assert table(app).size.height >= 8
        top = screen_text(app)
        await pilot.press("tab")
        assert app.focused is panel
        await pilot.press("end")
        await pilot.pause()
        shown = top + screen_text(app)
        for label in ("Path", "URL", "SHA256", "Flavour", "Catalog"):
            assert f" {label} " in shown, label
        assert "tests/app/data/catalog.json" in shown


@pytest.mark.parametrize("astral", [None, "https://astral.example.com"])
async def test_the_panel_shows_where_an_install_downloads_from(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, astral: str | None
) -> None:
    if astral:
        monkeypatch.setenv("UV_ASTRAL_MIRROR_URL", astral)
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        if astral:
            assert "URL      https://astral.example.com/github/" in text
            assert "(mirror: UV_ASTRAL_MIRROR_URL)" in text
            assert "https://github.com/" not in text
        else:
            assert "URL      https://releases.astral.sh/github/" in text
            assert "(Astral's mirror)" in text
            assert "then     https://github.com/astral-sh/" in text


def _prefs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    prefs = tmp_path / "pybuilds.toml"
    prefs.write_text(text)
    monkeypatch.setenv("PYBUILDS_CONFIG_FILE", str(prefs))
    return prefs


async def test_bad_key_entries_are_refused_by_name(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # All were taken silently: `i` toggled variants instead of installing, `m` was lost.
    _prefs(
        tmp_path,
        monkeypatch,
        '[ui]\nkey-nonexistent = "z"\nkey-install = ""\nkey-quit = 5\n'
        'key-mirrors = "not a key!!"\nkey-toggle-variants = "i"\nkey-reinstall = "R"\n',
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        notes = [n for n in app._notifications if n.severity == "warning"]
        assert len(notes) == 1
        lines = notes[0].message.splitlines()
        assert [line.split(" ")[0].rstrip(":") for line in lines] == [
            "key-nonexistent",
            "key-install",
            "key-quit",
            "key-mirrors",
            "key-toggle-variants",
        ]
        assert "is already Install (key-install)" in lines[-1]
        assert lines[-1].endswith("keeping v")
        assert app.keymap == {"reinstall": "R"}
        await pilot.press("v")
        await settle(pilot)
        assert browse(app).options.variants
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, InstallDialog)
        await pilot.press("escape", "m")
        await settle(pilot)
        assert app.current_mode == "mirrors"


async def test_remapped_keys_are_named_everywhere(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prefs(
        tmp_path,
        monkeypatch,
        '[ui]\nkey-install = "I"\nkey-toggle-variants = "V"\nkey-help = "h"\n'
        'key-platform = "ctrl+o"\nkey-toggle-all-patches = "A"\nkey-filter = "s"\n',
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        assert lines[0].rstrip().endswith("^o platform…")
        assert lines[1].startswith("s filter:")
        assert "A ☐ all patches  p ☐ pre-releases  V ☐ variants" in lines[2]
        await pilot.press("s", *"zzz", "enter")
        await settle(pilot)
        assert "A, p, V, o widen the list; ^o picks a platform" in table(app).empty_text
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(str(s.content) for s in app.screen.query(".help-section").results(Static))
        assert "  h         Help" in text and "  I         Install" in text
        assert "  ^o        Platform" in text and "  s         Filter" in text
        assert "(press s, type;" in text and "unless A;" in text
        assert "  i " not in text and "  ? f1" not in text


async def test_a_letter_as_the_filter_key_can_still_be_typed(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The filter key is a priority binding: remapped to `s`, no `s` reached the box.
    _prefs(tmp_path, monkeypatch, '[ui]\nkey-filter = "s"\n')
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        assert app.focused is browse(app).query_one("#filter", Input)
        await pilot.press(*"stripped")
        await settle(pilot)
        assert browse(app).query_one("#filter", Input).value == "stripped"


async def test_the_empty_list_names_only_the_ways_out_that_help() -> None:
    # With every toggle on it still said "a, p, v, o widen the list".
    app = make_demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zzz", "enter")
        await settle(pilot)
        assert table(app).empty_text == (
            "No builds match: press esc to clear the filter; a, p, v, o widen the list; "
            "P picks a platform."
        )
        await pilot.press("a", "p", "v")
        await settle(pilot)
        assert "; o widens the list; P picks" in table(app).empty_text
        await pilot.press("o", "P")
        await pilot.pause()
        await pilot.press("down", "enter")  # all platforms
        await settle(pilot)
        assert table(app).empty_text == "No builds match: press esc to clear the filter."


async def test_this_machines_own_platform_is_this_machine() -> None:
    app = make_demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PlatformDialog)
        options = dialog.query_one(OptionList)
        own = options.get_option(DEMO_PLATFORM.key)
        assert str(own.prompt).endswith("(this machine)")
        options.highlighted = options.get_option_index(DEMO_PLATFORM.key)
        await pilot.press("enter")
        await settle(pilot)
        header = screen_text(app).splitlines()[0]
        # It said "linux x86_64 (x86-64-v3) glibc (not this machine)".
        assert "linux x86_64 (x86-64-v3) glibc 2.36 (this machine)" in header


async def test_enter_on_a_row_opens_its_details() -> None:
    app = make_demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = browse(app).query_one(BuildDetail)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.focused is panel
        assert panel.details is not None
        assert panel.details.key == "cpython-3.13.15-linux-x86_64_v3-gnu"
        await pilot.press("end")
        await pilot.pause()
        assert "tests/app/data/catalog.json" in screen_text(app)
        await pilot.press("escape")
        assert table(app).has_focus
        await pilot.press("question_mark")
        await pilot.pause()
        text = "\n".join(str(s.content) for s in app.screen.query(".help-section").results(Static))
        assert "  ⏎         Details" in text and "  ↑ k       Up" in text
