"""Live install progress: one row per running install, each with its own cancel button."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tui.app.messages import InstallFinished, InstallProgress, WorkerFailed
from tui.app.progress import ProgressTracker, Snapshot
from tui.core.catalog import Build
from tui.core.errors import InstallError
from tui.core.events import Done, Failed
from tui.core.layout import Layout

if TYPE_CHECKING:
    from tui.core.install import InstallOptions

_BAR_WIDTH = 16


def bar(snapshot: Snapshot) -> Content:
    """A fixed-width text bar; an unknown total shows a hatched bar (no animation to race)."""
    if snapshot.phase in ("done",):
        filled = _BAR_WIDTH
    elif snapshot.done is not None and snapshot.total:
        filled = min(_BAR_WIDTH, snapshot.done * _BAR_WIDTH // snapshot.total)
    elif snapshot.phase in ("verifying", "extracting", "finishing"):
        filled = _BAR_WIDTH
    else:
        return Content.styled("╌" * _BAR_WIDTH, "$text-muted")
    return Content.assemble(
        ("━" * filled, "$accent"), ("━" * (_BAR_WIDTH - filled), "$panel-lighten-2")
    )


class ProgressRow(Horizontal):
    """`cpython-3.13.5-linux-x86_64-gnu ━━━━━━━━━━━━ 12.0 MB / 30.1 MB · 4.2 MB/s · ETA 0:04 ✕`."""

    DEFAULT_CSS = """
    ProgressRow {
        height: 1;
        & > .key { width: 2fr; text-wrap: nowrap; text-overflow: ellipsis; }
        & > .bar { width: 18; padding: 0 1; }
        & > .status { width: 3fr; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
        & > Button { min-width: 5; width: 5; }
        &.-done > .status { color: $text-success; }
        &.-failed > .status { color: $text-error; }
        &.-cancelling > .status, &.-cancelled > .status { color: $text-warning; }
    }
    """

    phase: reactive[str] = reactive("starting", init=False)
    """Current phase; finished rows offer to be dismissed instead of cancelled."""

    @dataclass
    class CancelPressed(Message):
        """The user asked to cancel (or dismiss) this row's install."""

        row: ProgressRow
        install_id: int

        @property
        def control(self) -> ProgressRow:
            return self.row

    def __init__(self, install_id: int, key: str) -> None:
        super().__init__(id=f"install-{install_id}")
        self.install_id = install_id
        self.key = key
        self.tracker = ProgressTracker(key)

    def compose(self) -> ComposeResult:
        yield Static(self.key, classes="key", markup=False)
        yield Static(bar(self.tracker.snapshot), classes="bar")
        yield Static(self.tracker.snapshot.text, classes="status", markup=False)
        yield Button(
            "✕", compact=True, tooltip="Cancel this install", id=f"cancel-{self.install_id}"
        )

    def show(self, snapshot: Snapshot) -> None:
        """Draw `snapshot`."""
        self.query_one(".bar", Static).update(bar(snapshot))
        self.query_one(".status", Static).update(snapshot.text)
        self.phase = snapshot.phase

    def watch_phase(self, phase: str) -> None:
        for name in ("cancelling", "done", "failed", "cancelled"):
            self.set_class(phase == name, f"-{name}")
        if phase in ("done", "failed", "cancelled"):
            self.query_one(Button).tooltip = "Dismiss"

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.CancelPressed(self, self.install_id))


@dataclass
class _Job:
    build: Build
    key: str
    cancel: threading.Event
    own_flavour: bool
    """The catalog's own archive is installed (not another flavour)."""
    baseline: Build | None = None
    """The baseline x86-64 build to install if the mirror lacks `build` (a level build)."""
    worker: Worker[None] | None = None
    finished: bool = False


class InstallPanel(VerticalScroll):
    """Runs installs in thread workers and shows one ProgressRow each.

    Rows of finished installs stay (with `done` or the error) until dismissed or replaced.
    """

    DEFAULT_CSS = """
    InstallPanel {
        height: auto;
        max-height: 5;
        display: none;
        background: $surface-darken-1;
        border-top: solid $primary-muted;
        &.-active { display: block; }
    }
    """

    def __init__(self, layout: Layout, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.install_layout = layout
        self._jobs: dict[int, _Job] = {}
        self._next_id = 1

    @property
    def running_keys(self) -> frozenset[str]:
        """Install keys with an install under way."""
        return frozenset(job.key for job in self._jobs.values() if not job.finished)

    def start(self, build: Build, options: InstallOptions, baseline: Build | None = None) -> int:
        """Start installing `build` (`baseline` instead when the mirror lacks it, as
        `pybuilds install` does); returns the install's id."""
        install_id = self._next_id
        self._next_id += 1
        key = str(build.install_key)
        for row in list(self.query(ProgressRow)):
            # A finished row for the same key is replaced by the new attempt.
            if row.key == key and self._jobs[row.install_id].finished:
                self._forget(row.install_id)
        job = _Job(
            build, key, threading.Event(), own_flavour=options.flavour is None, baseline=baseline
        )
        self._jobs[install_id] = job
        self.mount(ProgressRow(install_id, key))
        self.add_class("-active")
        job.worker = self._run(install_id, job, options)
        return install_id

    def cancel(self, install_id: int) -> bool:
        """Ask a running install to stop; returns False when it already finished."""
        job = self._jobs.get(install_id)
        if job is None or job.finished:
            return False
        job.cancel.set()
        row = self._row(install_id)
        if row is not None:
            row.show(row.tracker.cancelling())
        return True

    def cancel_key(self, key: str) -> bool:
        """Cancel the running install of `key`, if any."""
        return any(
            self.cancel(install_id)
            for install_id, job in list(self._jobs.items())
            if job.key == key and not job.finished
        )

    def cancel_all(self) -> int:
        """Ask every running install to stop; returns how many were asked."""
        return sum(self.cancel(install_id) for install_id in list(self._jobs))

    def cancel_newest(self) -> bool:
        """Cancel the most recently started install still running."""
        return any(self.cancel(install_id) for install_id in sorted(self._jobs, reverse=True))

    @work(thread=True, exit_on_error=False, group="install")
    def _run(self, install_id: int, job: _Job, options: InstallOptions) -> None:
        from tui.core.install import install  # archive and link code: only once installing

        worker = get_current_worker()
        events = install(
            job.build,
            self.install_layout,
            options=options,
            cancel=job.cancel,
            baseline=job.baseline,
        )
        for event in events:
            if worker.is_cancelled:
                job.cancel.set()
            self.post_message(InstallProgress(install_id, event))

    @on(InstallProgress)
    def _progress(self, message: InstallProgress) -> None:
        message.stop()
        row = self._row(message.install_id)
        job = self._jobs.get(message.install_id)
        if row is None or job is None:
            return
        row.show(row.tracker.update(message.event, time.monotonic()))
        if isinstance(message.event, Done | Failed):
            job.finished = True
            size = row.tracker.archive_size if job.own_flavour else None
            self.post_message(
                InstallFinished(message.install_id, job.key, message.event, job.build, size)
            )

    @on(ProgressRow.CancelPressed)
    def _cancel_pressed(self, message: ProgressRow.CancelPressed) -> None:
        message.stop()
        if not self.cancel(message.install_id):
            self._forget(message.install_id)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        # install() reports its own failures as events; an exception here is a bug, shown
        # in the row and, by the app, in an error dialog.
        if event.state != WorkerState.ERROR or event.worker.group != "install":
            return
        for install_id, job in self._jobs.items():
            if job.worker is event.worker and not job.finished:
                error = InstallError(f"install stopped unexpectedly: {event.worker.error}")
                self.post_message(InstallProgress(install_id, Failed(job.key, error)))
        self.post_message(WorkerFailed.from_event(event))

    def _row(self, install_id: int) -> ProgressRow | None:
        rows = self.query(f"#install-{install_id}").results(ProgressRow)
        return next(iter(rows), None)

    def _forget(self, install_id: int) -> None:
        self._jobs.pop(install_id, None)
        row = self._row(install_id)
        if row is not None:
            row.remove()
        if not self._jobs:
            self.remove_class("-active")
