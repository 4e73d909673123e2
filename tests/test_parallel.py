"""Event streams run side by side (`tui.core.parallel.merged`), and installs run that way."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from app.trickle import TrickleServer
from conftest import TwoBuilds

from tui.core.events import Downloading
from tui.core.install import InstallOptions, install
from tui.core.layout import Layout
from tui.core.mirrors import MirrorSettings
from tui.core.parallel import merged


def _counting(name: str, count: int, cancel: threading.Event | None = None) -> Iterator[str]:
    for n in range(count):
        if cancel is not None and cancel.is_set():
            return
        time.sleep(0.001)
        yield f"{name}{n}"


def _job_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("pybuilds-job")]


def test_every_item_arrives_in_its_streams_order() -> None:
    streams = [_counting(name, 20) for name in "abc"]
    items = list(merged(streams, workers=3, cancel=threading.Event()))
    assert sorted(items) == sorted(f"{name}{n}" for name in "abc" for n in range(20))
    for name in "abc":
        assert [i for i in items if i[0] == name] == [f"{name}{n}" for n in range(20)]
    assert not _job_threads()


def test_no_more_streams_run_at_once_than_workers() -> None:
    running = peak = 0
    lock = threading.Lock()

    def stream() -> Iterator[int]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        yield 1
        with lock:
            running -= 1

    assert sum(merged([stream() for _ in range(6)], workers=2, cancel=threading.Event())) == 6
    assert peak == 2


def test_an_error_in_one_stream_stops_the_others() -> None:
    cancel = threading.Event()

    def broken() -> Iterator[str]:
        yield "x"
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError, match="bug"):
        list(merged([broken(), _counting("a", 10_000, cancel)], workers=2, cancel=cancel))
    assert cancel.is_set()
    assert not _job_threads()


def test_a_consumer_that_stops_early_cancels_and_waits() -> None:
    cancel = threading.Event()
    items = merged([_counting(n, 10_000, cancel) for n in "ab"], workers=2, cancel=cancel)
    next(items)
    items.close()
    assert cancel.is_set()
    assert not _job_threads()


def test_streams_not_started_when_cancelled_are_never_started() -> None:
    cancel = threading.Event()
    started: list[str] = []

    def stream(name: str) -> Iterator[str]:
        started.append(name)
        yield from _counting(name, 10_000, cancel)

    items = merged([stream(name) for name in "abcd"], workers=1, cancel=cancel)
    next(items)
    items.close()
    assert started == ["a"]
    assert not _job_threads()


def test_cancel_set_elsewhere_ends_the_merge() -> None:
    cancel = threading.Event()
    items = []
    for item in merged([_counting(n, 10_000, cancel) for n in "abc"], workers=1, cancel=cancel):
        items.append(item)
        cancel.set()  # e.g. a Cancel button: the running stream stops, the others never start
    assert items and all(item.startswith("a") for item in items)
    assert len(items) < 10_000


def test_finished_streams_leave_cancel_alone() -> None:
    cancel = threading.Event()
    list(merged([_counting("a", 3)], workers=1, cancel=cancel))
    assert not cancel.is_set()


def test_interrupted_side_by_side_installs_leave_nothing(
    two_builds: TwoBuilds, layout: Layout
) -> None:
    """Ctrl-C while two installs download: both stop, and neither leaves a folder behind."""
    cancel = threading.Event()
    with TrickleServer(two_builds.mirror, piece=16 << 10, pause=0.02) as server:
        options = InstallOptions(mirrors=MirrorSettings(python_mirror=server.url))
        jobs = [install(b, layout, options=options, cancel=cancel) for b in two_builds.builds()]
        downloading: set[str] = set()
        with pytest.raises(KeyboardInterrupt):
            for event in merged(jobs, workers=2, cancel=cancel):
                if isinstance(event, Downloading) and event.done:
                    downloading.add(event.key)
                if len(downloading) == 2:
                    raise KeyboardInterrupt  # what Ctrl-C raises in the main thread
    assert cancel.is_set()
    assert not _job_threads()
    assert not [p for p in layout.root.iterdir() if p.name.startswith("cpython")]
    assert not any(layout.temp_dir.iterdir())
