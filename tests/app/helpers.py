"""Small waits and queries shared by the app's Pilot tests."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable

from textual.message import Message
from textual.pilot import Pilot

from app.app_demo import settle
from tui.app.app import PybuildsApp
from tui.app.screens.browse import BrowseScreen
from tui.app.widgets.build_table import BuildTable

__all__ = [
    "browse",
    "filter_to",
    "listed",
    "running",
    "screen_text",
    "settle",
    "table",
    "wait_until",
]


async def wait_until(
    pilot: Pilot[int], condition: Callable[[], bool], *, timeout: float = 10.0
) -> None:
    """Pause until `condition()` holds; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.02)


def browse(app: PybuildsApp) -> BrowseScreen:
    screen = app.get_screen_stack("browse")[0]
    assert isinstance(screen, BrowseScreen)
    return screen


def table(app: PybuildsApp) -> BuildTable:
    return browse(app).query_one(BuildTable)


def screen_text(app: PybuildsApp) -> str:
    """What the terminal shows, as plain text: one line per row."""
    # Textual exports only SVG, split at every style change; the compositor's strips are the
    # rows it draws, so a phrase can be looked for whole.
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def listed(app: PybuildsApp) -> list[str]:
    """The install keys listed, in order."""
    return [str(build.install_key) for build in table(app).builds]


async def filter_to(pilot: Pilot[int], text: str) -> None:
    """Type `text` into the filter box, then return to the table."""
    await pilot.press("slash", *text, "enter")
    await settle(pilot)


@contextlib.asynccontextmanager
async def running(
    app: PybuildsApp, *, showing: str
) -> AsyncIterator[tuple[Pilot[int], list[Message]]]:
    """The app at 100x30, settled and filtered to `showing`; with every message it posts."""
    seen: list[Message] = []
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await settle(pilot)
        await filter_to(pilot, showing)
        yield pilot, seen
