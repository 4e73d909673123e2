"""Pilot tests of the mirrors screen: sources, test with the doctor, preview and save."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from httpserver import HTTPTestServer
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from app.app_demo import DEMO_CATALOG, demo_builds
from app.conftest import GOOD, MISSING, AppFactory, FakeRelease
from app.helpers import browse, filter_to, listed, screen_text, settle
from tui.app.screens.confirm import ConfirmScreen
from tui.app.screens.error import ErrorModal
from tui.app.screens.mirrors import MirrorsScreen
from tui.core.config_files import parse_toml

KEY = "cpython-{}-linux-x86_64-gnu"


def mirrors_screen(app: object) -> MirrorsScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, MirrorsScreen)
    return screen


async def open_mirrors(pilot: Pilot[int]) -> MirrorsScreen:
    """Press `m` and wait for the mirrors screen to settle."""
    await pilot.press("m")
    await settle(pilot)
    return mirrors_screen(pilot.app)


async def test_settings_show_their_sources(make_app: AppFactory, fake_release: FakeRelease) -> None:
    app = make_app(fake_release.mirror.as_uri())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_mirrors(pilot)
        table = screen.query_one("#settings", DataTable)
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first[:3] == [
            "python-install-mirror",
            fake_release.mirror.as_uri(),
            "env UV_PYTHON_INSTALL_MIRROR",
        ]
        assert screen.query_one("#value", Input).value == fake_release.mirror.as_uri()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is browse(app)


async def test_save_mirror_to_user_config(
    make_app: AppFactory, fake_release: FakeRelease, isolated_home: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_mirrors(pilot)
        screen.query_one("#value", Input).value = fake_release.mirror.as_uri()
        assert screen.query_one("#scope", Select).value == "user"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        user_file = isolated_home / ".config" / "uv" / "uv.toml"
        assert f"create {user_file}" in app.screen.detail
        assert not user_file.exists()
        await pilot.press("y")
        await settle(pilot)
        saved = parse_toml(user_file.read_text(), user_file)
        assert saved == {"python-install-mirror": fake_release.mirror.as_uri()}
        # The screen re-reads the settings: the new value and its file are listed.
        row = [str(cell) for cell in screen.query_one("#settings", DataTable).get_row_at(0)]
        assert row[1:3] == [fake_release.mirror.as_uri(), "user ~/.config/uv/uv.toml"]
        assert app.mirrors.python_mirror == fake_release.mirror.as_uri()


async def test_invalid_value_is_explained_not_saved(
    make_app: AppFactory, isolated_home: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_mirrors(pilot)
        screen.query_one("#value", Input).value = "ftp://mirror.example/pbs"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert screen.result_text.startswith("✗") and "ftp://" in screen.result_text
        assert not (isolated_home / ".config" / "uv" / "uv.toml").exists()


async def test_test_button_runs_the_doctor_on_the_selected_build(
    make_app: AppFactory, fake_release: FakeRelease, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await filter_to(pilot, GOOD)
        screen = await open_mirrors(pilot)
        screen.query_one("#value", Input).value = fake_release.mirror.as_uri()
        await pilot.click("#test")
        await settle(pilot)
        assert "✗" not in screen.result_text
        assert GOOD in screen.result_text and "✓" in screen.result_text
        empty = tmp_path / "empty-mirror"
        empty.mkdir()
        screen.query_one("#value", Input).value = empty.as_uri()
        await screen.run_action("test")  # a second click this soon is ignored as a bounce
        await settle(pilot)
        assert "✗" in screen.result_text


async def test_a_mirror_only_pybuilds_copes_with_is_not_passed(
    make_app: AppFactory, fake_release: FakeRelease, tmp_path: Path
) -> None:
    encoded = tmp_path / "encoded-mirror"
    shutil.copytree(fake_release.mirror, encoded)
    for archive in encoded.glob("*/*+*"):
        archive.rename(archive.with_name(archive.name.replace("+", "%2B")))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await filter_to(pilot, GOOD)
        screen = await open_mirrors(pilot)
        screen.query_one("#value", Input).value = encoded.as_uri()
        await screen.run_action("test")
        await settle(pilot)
        first = screen.result_text.splitlines()[0]
        assert first.startswith(f"✗ `{KEY.format(GOOD)}` would install with pybuilds"), first
        assert "uv would fail" in first


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_failed_test_shows_its_verdict_and_every_line(
    make_app: AppFactory, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await filter_to(pilot, MISSING)
        screen = await open_mirrors(pilot)
        empty = tmp_path / "empty-mirror"
        empty.mkdir()
        screen.query_one("#value", Input).value = empty.as_uri()
        await screen.run_action("test")
        await settle(pilot)
        lines = screen.result_text.splitlines()
        # The verdict comes first and is on screen without scrolling.
        assert lines[0].startswith(f"✗ {KEY.format(MISSING)} would NOT install"), lines
        assert lines[0] in screen_text(app)
        # The rest is reached by keyboard: the result area takes focus and scrolls.
        result = screen.query_one("#result")
        assert result.can_focus
        result.focus()
        await pilot.press("end")
        await pilot.pause()
        print(screen_text(app))
        assert result.scroll_y == result.max_scroll_y
        assert lines[-1].startswith("  hint:")
        assert lines[-1].split()[-1] in screen_text(app).splitlines()[-2]


async def test_saving_the_catalog_url_loads_that_catalog(
    make_app: AppFactory, fake_release: FakeRelease, isolated_home: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.index is not None and len(app.index) == len(fake_release.builds)
        screen = await open_mirrors(pilot)
        screen.query_one("#key", Select).value = "python-downloads-json-url"
        await pilot.pause()  # the new key fills the value field with its current value
        screen.query_one("#value", Input).value = str(DEMO_CATALOG)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        # No restart needed: the catalog the setting names is the one browsed now.
        assert len(app.index) == len(demo_builds())
        messages = [str(n.message) for n in app._notifications]
        assert any(f"{len(demo_builds())} builds from {DEMO_CATALOG}" in m for m in messages)
        await pilot.press("escape")
        await settle(pilot)
        assert "cpython-3.14.7-linux-x86_64_v3-gnu" not in listed(app)  # not this platform
        assert "cpython-3.14.7-linux-x86_64-gnu" in listed(app)


async def test_a_catalog_that_fails_to_load_after_a_save_keeps_the_old_one(
    make_app: AppFactory, fake_release: FakeRelease, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_mirrors(pilot)
        screen.query_one("#key", Select).value = "python-downloads-json-url"
        await pilot.pause()  # the new key fills the value field with its current value
        screen.query_one("#value", Input).value = str(broken)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert app.screen.title_text == "Loading the catalog failed"
        assert app.is_running
        assert app.index is not None and len(app.index) == len(fake_release.builds)


async def test_saving_a_setting_the_environment_overrides_says_so(
    make_app: AppFactory, fake_release: FakeRelease, isolated_home: Path, tmp_path: Path
) -> None:
    in_env = fake_release.mirror.as_uri()
    app = make_app(in_env)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_mirrors(pilot)
        (tmp_path / "other").mkdir()
        saved = (tmp_path / "other").as_uri()
        screen.query_one("#value", Input).value = saved
        note = f'UV_PYTHON_INSTALL_MIRROR is set in the environment ("{in_env}")'
        await screen.run_action("preview")
        await settle(pilot)
        assert note in screen.result_text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert note in app.screen.detail
        await pilot.press("y")
        await settle(pilot)
        user_file = isolated_home / ".config" / "uv" / "uv.toml"
        assert parse_toml(user_file.read_text(), user_file) == {"python-install-mirror": saved}
        assert screen.result_text.startswith(f"✓ saved python-install-mirror in {user_file}")
        assert note in screen.result_text
        warned = [n for n in app._notifications if n.severity == "warning"]
        assert warned and "UV_PYTHON_INSTALL_MIRROR" in warned[-1].message
        assert app.mirrors.python_mirror == in_env


async def test_what_a_setting_shadows_can_be_seen_at_80_columns(
    make_app: AppFactory, fake_release: FakeRelease, isolated_home: Path
) -> None:
    user_file = isolated_home / ".config" / "uv" / "uv.toml"
    user_file.parent.mkdir(parents=True)
    user_file.write_text('python-install-mirror = "https://mirror.example/pbs"\n')
    app = make_app(fake_release.mirror.as_uri())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = (await open_mirrors(pilot)).query_one("#settings", DataTable)
        assert table.has_focus
        assert "Shadows" not in screen_text(app)
        await pilot.press("end")  # as far right as it goes; left/right scroll by a column
        await pilot.pause()
        shown = screen_text(app)
        assert "Shadows" in shown and "user ~/.config/uv/uv.toml" in shown


async def test_a_typed_password_is_hidden_once_the_field_is_left(
    make_app: AppFactory,
    http_mirror: str,
    http_server: HTTPTestServer,
    isolated_home: Path,
) -> None:
    http_server.auth = ("me", "s3cret")
    typed = http_mirror.replace("://", "://me:s3cret@")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await filter_to(pilot, GOOD)
        screen = await open_mirrors(pilot)
        field = screen.query_one("#value", Input)
        field.focus()
        await pilot.press(*typed, "tab")
        await pilot.pause()
        assert field.value == http_mirror.replace("://", "://***@")
        assert "s3cret" not in app.export_screenshot()
        # Test and Save use what was typed, password included: the server asks for it.
        await screen.run_action("test")
        await settle(pilot)
        assert screen.result_text.startswith(f"✓ {KEY.format(GOOD)} would install")
        assert "s3cret" not in app.export_screenshot()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "s3cret" not in app.export_screenshot()
        await pilot.press("y")
        await settle(pilot)
        user_file = isolated_home / ".config" / "uv" / "uv.toml"
        assert parse_toml(user_file.read_text(), user_file) == {"python-install-mirror": typed}
        assert "s3cret" not in app.export_screenshot()


async def test_a_hidden_password_is_not_saved_as_stars(
    make_app: AppFactory, isolated_home: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_mirrors(pilot)
        field = screen.query_one("#value", Input)
        field.focus()
        await pilot.press(*"https://me:s3cret@mirror.example/pbs", "tab")
        await pilot.pause()
        field.focus()
        await pilot.press("end", *"/v2")  # edits the shown text, whose password is ***
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert "type the whole URL again" in screen.result_text
        assert not (isolated_home / ".config" / "uv" / "uv.toml").exists()
