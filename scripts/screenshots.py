"""Regenerate screenshots/*.svg from the fixed demo app the snapshot tests use.

Run `python scripts/screenshots.py` from the repository; it needs no network and no
installed Pythons (the demo catalog, platform and settings are in tests/app/app_demo.py).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from textual.pilot import Pilot

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "screenshots"
sys.path.insert(0, str(REPO / "tests"))

from app.app_demo import (  # type: ignore[import-not-found, unused-ignore]  # noqa: E402
    make_demo_app,
    no_blink,
    settle,
    show_installs,
)


@dataclass(frozen=True, slots=True)
class Shot:
    name: str
    keys: tuple[str, ...] = ()
    size: tuple[int, int] = (100, 30)
    then: Callable[[Pilot[int]], Awaitable[None]] | None = field(default=None)


SHOTS = (
    Shot("main"),
    Shot("main-80x24", size=(80, 24)),
    Shot("filter", ("slash", "3", ".", "1", "3", "space", "f", "r", "e", "e")),
    Shot("details", ("P", "down", "enter", "a", "down", "down")),
    Shot("install-dialog", ("i",)),
    Shot("install-progress", then=show_installs),
    Shot("mirrors", ("m",)),
    Shot("help", ("question_mark",)),
)


async def take(shot: Shot) -> Path:
    app = make_demo_app()
    async with app.run_test(size=shot.size) as pilot:
        await settle(pilot)
        for key in shot.keys:
            await pilot.press(key)
            await settle(pilot)
        if shot.then is not None:
            await shot.then(pilot)
        no_blink(app)
        await pilot.pause()
        return Path(app.save_screenshot(filename=f"{shot.name}.svg", path=str(OUT)))


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    for shot in SHOTS:
        print(await take(shot))


if __name__ == "__main__":
    asyncio.run(main())
