"""Snapshots of the main screens with the fixed demo inputs (tests/app/__snapshots__/)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from app.app_demo import make_demo_app, no_blink, settle, show_installs

SnapCompare = Callable[..., bool]


def after(
    *keys: str, then: Callable[[Pilot[int]], Awaitable[None]] | None = None
) -> Callable[[Pilot[int]], Awaitable[None]]:
    """Wait for loading, press `keys` (waiting for workers after each), stop cursor blink."""

    async def run(pilot: Pilot[int]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if then is not None:
            await then(pilot)
        no_blink(pilot.app)
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
def test_main_screen(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_demo_app(), terminal_size=size, run_before=after())


def test_filtered_with_variants(snap_compare: SnapCompare) -> None:
    keys = ("slash", "3", ".", "1", "3", "space", "f", "r", "e", "e")
    assert snap_compare(make_demo_app(), terminal_size=(100, 30), run_before=after(*keys))


def test_install_dialog(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_demo_app(), terminal_size=(100, 30), run_before=after("i"))


def test_install_progress(snap_compare: SnapCompare) -> None:
    run = after(then=show_installs)
    assert snap_compare(make_demo_app(), terminal_size=(100, 30), run_before=run)


def test_mirrors_screen(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_demo_app(), terminal_size=(100, 30), run_before=after("m"))


def test_help_screen(snap_compare: SnapCompare) -> None:
    run = after("question_mark")
    assert snap_compare(make_demo_app(), terminal_size=(100, 30), run_before=run)
