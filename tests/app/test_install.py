"""Pilot tests of installs: file:// and HTTP mirrors, cancel, failures, uninstall, reinstall."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpserver import HTTPTestServer
from textual.message import Message
from textual.pilot import Pilot

from app.conftest import BAD_CHECKSUM, BIG, GOOD, MISSING, AppFactory, FakeRelease
from app.helpers import browse, listed, running, screen_text, settle, table, wait_until
from app.trickle import TrickleServer
from tui.app.messages import InstallFinished
from tui.app.rows import format_size
from tui.app.screens.confirm import ConfirmScreen
from tui.app.screens.install import InstallDialog
from tui.app.widgets.progress_row import InstallPanel, ProgressRow
from tui.core.errors import Cancelled, ChecksumMismatch, DownloadFailed
from tui.core.events import Done, Failed
from tui.core.install import InstallOptions, install_or_raise
from tui.core.layout import Layout
from tui.core.mirrors import MirrorSettings
from tui.core.platform import Platform

KEY = "cpython-{}-linux-x86_64-gnu"


def finished(seen: list[Message]) -> list[InstallFinished]:
    """Each InstallFinished once (the hook sees a bubbling message at every level)."""
    unique = {id(m): m for m in seen if isinstance(m, InstallFinished)}
    return list(unique.values())


def rows(app: object) -> list[ProgressRow]:
    return list(browse(app).query(ProgressRow))  # type: ignore[arg-type]


async def start_download(pilot: Pilot[int]) -> ProgressRow:
    """Install the highlighted build from the dialog's defaults; its row once downloading."""
    await pilot.press("i", "enter")
    await wait_until(pilot, lambda: bool(rows(pilot.app)))
    row = rows(pilot.app)[0]
    await wait_until(pilot, lambda: row.tracker.snapshot.phase == "downloading")
    return row


def leftovers(root: Path) -> list[str]:
    """Anything in the scratch folder an install may leave behind."""
    temp = root / ".temp"
    return sorted(p.name for p in temp.iterdir()) if temp.is_dir() else []


async def test_install_from_file_mirror(
    make_app: AppFactory, fake_release: FakeRelease, install_root: Path
) -> None:
    app = make_app(fake_release.mirror.as_uri())
    async with running(app, showing=GOOD) as (pilot, seen):
        details = browse(app).query_one("#details").details  # type: ignore[attr-defined]
        assert details.url.startswith(fake_release.mirror.as_uri())
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, InstallDialog)
        await pilot.press("enter")
        await settle(pilot)
        done = finished(seen)
        assert [type(m.event) for m in done] == [Done]
        target = install_root / KEY.format(GOOD)
        assert (target / "bin" / "python3.13").is_file()
        assert table(app).row_at(0).state == "installed"
        assert str(target) in table(app).row_at(0).cells[-1]
        assert rows(app)[0].tracker.snapshot.phase == "done"
        assert leftovers(install_root) == []


async def test_a_level_build_the_mirror_lacks_installs_the_baseline(
    make_app: AppFactory, fake_release: FakeRelease, install_root: Path
) -> None:
    """On an x86-64-v3 CPU the row shows the `x86_64_v3` build; a mirror filled for uv has
    only the baseline archive, which is what installs then, as `pybuilds install` does."""
    [good] = [b for b in fake_release.builds if str(b.version) == GOOD]
    level = good._replace(
        key=good.key.replace("-x86_64-", "-x86_64_v3-"),
        url=good.url.replace("-x86_64-unknown-", "-x86_64_v3-unknown-"),
        arch_level="v3",
    )
    v3_cpu = Platform("linux", "x86_64", "gnu", "v3", "2.36")
    app = make_app(
        fake_release.mirror.as_uri(), builds=(level, *fake_release.builds), platform=v3_cpu
    )
    async with running(app, showing=GOOD) as (pilot, seen):
        assert table(app).row_at(0).build == level
        await pilot.press("i")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        [done] = finished(seen)
        assert isinstance(done.event, Done), done.event
    assert (install_root / KEY.format(GOOD) / "bin" / "python3.13").is_file()
    assert not (install_root / KEY.format(GOOD).replace("-x86_64-", "-x86_64_v3-")).exists()


async def test_install_from_http_mirror_shows_progress(
    make_app: AppFactory, http_mirror: str, install_root: Path
) -> None:
    app = make_app(http_mirror)
    async with running(app, showing=GOOD) as (pilot, seen):
        await pilot.press("i", "enter")
        await settle(pilot)
        assert [type(m.event) for m in finished(seen)] == [Done]
        assert (install_root / KEY.format(GOOD)).is_dir()
        tracker = rows(app)[0].tracker
        assert tracker.url is not None and tracker.url.startswith(http_mirror)
        assert tracker.archive_size and tracker.archive_size > 0
        # The size learnt from the download now shows in the table.
        assert table(app).row_at(0).cells[5] == format_size(tracker.archive_size)


async def test_mirror_with_credentials_installs_without_showing_them(
    make_app: AppFactory, http_mirror: str, http_server: HTTPTestServer, install_root: Path
) -> None:
    http_server.auth = ("me", "s3cret")
    app = make_app(http_mirror.replace("://", "://me:s3cret@"))
    async with running(app, showing=GOOD) as (pilot, seen):
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, InstallDialog)
        assert "s3cret" not in app.export_screenshot()
        await pilot.press("enter")  # the mirror as shown: the configured one, password included
        await settle(pilot)
        assert [type(m.event) for m in finished(seen)] == [Done]
        assert (install_root / KEY.format(GOOD)).is_dir()
        assert "s3cret" not in app.export_screenshot()


async def test_the_dialog_says_where_downloads_go_without_a_mirror(
    make_app: AppFactory, fake_release: FakeRelease
) -> None:
    from textual.widgets import Input, Static

    def origin(app: object) -> str:
        return str(app.screen.query_one("#mirror-origin", Static).render())  # type: ignore[attr-defined]

    upstream = "Astral's mirror, then the catalog's URL"
    for mirror in (None, fake_release.mirror.as_uri()):
        app = make_app(mirror)
        async with running(app, showing=GOOD) as (pilot, _):
            await pilot.press("i")
            await pilot.pause()
            assert isinstance(app.screen, InstallDialog)
            if mirror is None:
                assert origin(app) == f"no mirror set: {upstream}"
            else:
                assert origin(app) == "from UV_PYTHON_INSTALL_MIRROR"
            app.screen.query_one("#mirror", Input).value = ""
            await pilot.pause()
            cleared = "no mirror set" if mirror is None else "no mirror for this install"
            assert origin(app) == f"{cleared}: {upstream}"
            await pilot.press("escape")


async def test_cancel_leaves_nothing_behind(
    make_app: AppFactory, fake_release: FakeRelease, install_root: Path
) -> None:
    with TrickleServer(fake_release.mirror, pause=0.05) as server:
        app = make_app(server.url)
        async with running(app, showing=BIG) as (pilot, seen):
            row = await start_download(pilot)
            assert table(app).row_at(0).state == "installing"
            await pilot.press("x")
            await wait_until(pilot, lambda: bool(finished(seen)))
            await settle(pilot)
            event = finished(seen)[0].event
            assert isinstance(event, Failed) and isinstance(event.error, Cancelled)
            assert row.tracker.snapshot.phase == "cancelled"
            assert not (install_root / KEY.format(BIG)).exists()
            assert leftovers(install_root) == []
            assert table(app).row_at(0).state == "available"


async def test_two_installs_at_once(
    make_app: AppFactory, fake_release: FakeRelease, install_root: Path
) -> None:
    with TrickleServer(fake_release.mirror, pause=0.05) as server:
        app = make_app(server.url)
        async with running(app, showing=BIG) as (pilot, seen):
            await pilot.press("i", "enter")
            # No settle() from here: it would wait for the slow install to end.
            await pilot.press("slash", "ctrl+u", *GOOD, "enter")
            await wait_until(pilot, lambda: listed(app) == [KEY.format(GOOD)])
            await pilot.press("i", "enter")
            await wait_until(pilot, lambda: len(rows(app)) == 2)
            assert browse(app).query_one(InstallPanel).running_keys <= {
                KEY.format(BIG),
                KEY.format(GOOD),
            }
            await wait_until(pilot, lambda: any(isinstance(m.event, Done) for m in finished(seen)))
            await pilot.press("x")  # the selected build is done: cancels the other one
            await wait_until(pilot, lambda: len(finished(seen)) == 2)
            await settle(pilot)
            results = {m.key: type(m.event) for m in finished(seen)}
            assert results == {KEY.format(GOOD): Done, KEY.format(BIG): Failed}
            assert (install_root / KEY.format(GOOD)).is_dir()
            assert not (install_root / KEY.format(BIG)).exists()


async def test_checksum_mismatch_is_shown(
    make_app: AppFactory, fake_release: FakeRelease, install_root: Path
) -> None:
    app = make_app(fake_release.mirror.as_uri())
    async with running(app, showing=BAD_CHECKSUM) as (pilot, seen):
        await pilot.press("i", "enter")
        await settle(pilot)
        event = finished(seen)[0].event
        assert isinstance(event, Failed) and isinstance(event.error, ChecksumMismatch)
        row = rows(app)[0]
        assert row.has_class("-failed")
        assert "hash mismatch" in row.tracker.snapshot.text
        assert not (install_root / KEY.format(BAD_CHECKSUM)).exists()
        assert any("hash mismatch" in str(n.message) for n in app._notifications)
        details = browse(app).query_one("#details").details  # type: ignore[attr-defined]
        assert details.installed == "not installed"  # no longer "installing…"


async def test_python_downloads_never_refuses_before_the_dialog(
    make_app: AppFactory,
    fake_release: FakeRelease,
    install_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    app = make_app(fake_release.mirror.as_uri())
    async with running(app, showing=GOOD) as (pilot, _seen):
        await pilot.press("i")
        await pilot.pause()
        assert not isinstance(app.screen, InstallDialog)
        messages = [str(n.message) for n in app._notifications]
        assert any('python-downloads = "never"' in m for m in messages), messages
        assert not (install_root / KEY.format(GOOD)).exists()


async def test_missing_file_on_http_mirror_is_shown(
    make_app: AppFactory, http_mirror: str, install_root: Path
) -> None:
    app = make_app(http_mirror)
    async with running(app, showing=MISSING) as (pilot, seen):
        await pilot.press("i", "enter")
        await settle(pilot)
        event = finished(seen)[0].event
        assert isinstance(event, Failed) and isinstance(event.error, DownloadFailed)
        assert "404" in rows(app)[0].tracker.snapshot.text
        assert not (install_root / KEY.format(MISSING)).exists()


async def test_uninstall_asks_first(
    make_app: AppFactory, fake_release: FakeRelease, install_root: Path
) -> None:
    layout = Layout(install_root, install_root.parent / "bin")
    mirrors = MirrorSettings(python_mirror=fake_release.mirror.as_uri())
    install_or_raise(fake_release.build(GOOD), layout, options=InstallOptions(mirrors=mirrors))
    target = install_root / KEY.format(GOOD)
    app = make_app(fake_release.mirror.as_uri())
    async with running(app, showing=GOOD) as (pilot, _):
        assert table(app).row_at(0).state == "installed"
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert target.is_dir()
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert not target.exists()
        assert table(app).row_at(0).state == "available"


async def test_reinstall_replaces_the_installation(
    make_app: AppFactory, fake_release: FakeRelease, install_root: Path
) -> None:
    layout = Layout(install_root, install_root.parent / "bin")
    mirrors = MirrorSettings(python_mirror=fake_release.mirror.as_uri())
    install_or_raise(fake_release.build(GOOD), layout, options=InstallOptions(mirrors=mirrors))
    marker = install_root / KEY.format(GOOD) / "marker"
    marker.write_text("old")
    app = make_app(fake_release.mirror.as_uri())
    async with running(app, showing=GOOD) as (pilot, seen):
        await pilot.press("i")  # already installed: only a hint
        await pilot.pause()
        assert not isinstance(app.screen, InstallDialog)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, InstallDialog) and app.screen.reinstall
        await pilot.press("enter")
        await settle(pilot)
        assert [type(m.event) for m in finished(seen)] == [Done]
        assert not marker.exists()
        details = browse(app).query_one("#details").details  # type: ignore[attr-defined]
        assert details.installed.startswith("installed")  # no longer "installing…"


async def test_quit_asks_while_installs_run_then_cancels_them(
    make_app: AppFactory, fake_release: FakeRelease, install_root: Path
) -> None:
    with TrickleServer(fake_release.mirror, pause=0.05) as server:
        app = make_app(server.url)
        async with running(app, showing=BIG) as (pilot, seen):
            await start_download(pilot)
            await pilot.press("q")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            assert KEY.format(BIG) in app.screen.detail
            await pilot.press("n")
            await pilot.pause()
            assert app.is_running and not finished(seen)
            await pilot.press("q")
            await pilot.pause()
            await pilot.press("y")
            await wait_until(pilot, lambda: not app.is_running)
        event = finished(seen)[0].event
        assert isinstance(event, Failed) and isinstance(event.error, Cancelled)
        assert not (install_root / KEY.format(BIG)).exists()
        assert leftovers(install_root) == []


async def test_quit_without_installs_running_does_not_ask(make_app: AppFactory) -> None:
    app = make_app()
    async with running(app, showing=GOOD) as (pilot, _):
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running)


async def test_cancel_shows_at_once_while_the_download_stalls(
    make_app: AppFactory, fake_release: FakeRelease, install_root: Path
) -> None:
    with TrickleServer(fake_release.mirror, pause=1.0) as server:
        app = make_app(server.url)
        async with running(app, showing=BIG) as (pilot, seen):
            row = await start_download(pilot)
            await pilot.press("x")
            # The worker notices only when the next bytes arrive; the row says so already.
            assert not finished(seen)
            assert row.tracker.snapshot.text == "cancelling…"
            assert "cancelling…" in screen_text(app)
            await wait_until(pilot, lambda: bool(finished(seen)))
            await settle(pilot)
            assert row.tracker.snapshot.text == "cancelled; nothing was installed"
            assert "cancelled; nothing was installed" in screen_text(app)


def notes(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


async def test_unavailable_keys_are_dimmed_and_say_why(
    make_app: AppFactory, fake_release: FakeRelease, install_root: Path
) -> None:
    layout = Layout(install_root, install_root.parent / "bin")
    mirrors = MirrorSettings(python_mirror=fake_release.mirror.as_uri())
    install_or_raise(fake_release.build(GOOD), layout, options=InstallOptions(mirrors=mirrors))
    app = make_app(fake_release.mirror.as_uri())
    async with running(app, showing=GOOD) as (pilot, _):
        bindings = app.screen.active_bindings
        assert not bindings["i"].enabled and bindings["u"].enabled
        await pilot.press("i")
        await pilot.pause()
        assert not isinstance(app.screen, InstallDialog)
        assert notes(app) == [f"{KEY.format(GOOD)} is installed; press r to reinstall"]


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("Uninstall selected build", "{} is not installed"),
        ("Reinstall selected build", "{} is not installed; press i to install"),
    ],
)
async def test_palette_commands_that_cannot_act_say_why(
    make_app: AppFactory, fake_release: FakeRelease, command: str, said: str
) -> None:
    app = make_app(fake_release.mirror.as_uri())
    async with running(app, showing=GOOD) as (pilot, _):
        assert not app.screen.active_bindings["u"].enabled  # dimmed in the footer
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*command, "enter")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen | InstallDialog)
        assert notes(app) == [said.format(KEY.format(GOOD))]
