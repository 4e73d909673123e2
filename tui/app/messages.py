"""Textual messages that carry core results and install events from workers to widgets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.message import Message
from textual.worker import Worker

from tui.app.filtering import BuildIndex
from tui.core.catalog import Build
from tui.core.events import Done, Downloading, Failed, InstallEvent
from tui.core.layout import Installation
from tui.core.platform import Platform


@dataclass
class InstallProgress(Message):
    """One event of a running install, forwarded from its worker thread."""

    install_id: int
    event: InstallEvent

    def can_replace(self, message: Message) -> bool:
        # Only byte counts merge: a queued count is stale once a newer one arrives, while
        # every phase change, warning, success and failure must be seen.
        return (
            isinstance(message, InstallProgress)
            and message.install_id == self.install_id
            and isinstance(self.event, Downloading)
            and isinstance(message.event, Downloading)
        )


@dataclass
class InstallFinished(Message):
    """An install ended: done, failed or cancelled."""

    install_id: int
    key: str
    event: Done | Failed
    build: Build
    archive_size: int | None = None
    """Bytes of the catalog's own archive, when it was the one downloaded."""


@dataclass
class CatalogLoaded(Message):
    """The catalog, the host platform and the installations are known."""

    index: BuildIndex
    host: Platform
    installed: Mapping[str, Installation]
    reloaded_from: str | None = None
    """Where a catalog loaded after a settings change came from; None at start-up."""


@dataclass
class InstallationsChanged(Message):
    """What is on disk changed (install, uninstall) and was re-read."""

    installed: Mapping[str, Installation]


@dataclass
class SizeKnown(Message):
    """The download size of a build was learnt (from a download or a probe)."""

    url: str
    size: int


@dataclass
class WorkerFailed(Message):
    """A worker raised instead of reporting through its result; the app shows the error."""

    task: str
    """What the worker was doing, for the error dialog's title."""
    error: BaseException

    @classmethod
    def from_event(cls, event: Worker.StateChanged) -> WorkerFailed:
        worker = event.worker
        error = worker.error if worker.error is not None else RuntimeError("unknown failure")
        return cls(worker.name, error)
