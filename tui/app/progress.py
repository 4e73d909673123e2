"""Turn install events into the words and numbers a progress row shows (no Textual)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import Literal

from tui.app.rows import format_size
from tui.core.errors import Cancelled
from tui.core.events import (
    Done,
    Downloading,
    Extracting,
    Failed,
    InstallEvent,
    Patching,
    Resolved,
    Verifying,
    Warned,
)

Phase = Literal[
    "starting",
    "downloading",
    "verifying",
    "extracting",
    "finishing",
    "cancelling",
    "done",
    "failed",
    "cancelled",
]
_WINDOW_SECONDS = 3.0


def format_duration(seconds: float) -> str:
    """`0:07`, `12:40`, `1:02:03`."""
    whole = max(int(seconds + 0.5), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a progress row shows at one moment."""

    phase: Phase
    text: str
    """One line: `12.0 MB / 30.1 MB · 4.2 MB/s · ETA 0:04`, `extracting (1,234 files)`…"""
    done: int | None = None
    """Progress-bar position, None for an indeterminate bar."""
    total: int | None = None

    @property
    def finished(self) -> bool:
        return self.phase in ("done", "failed", "cancelled")


class ProgressTracker:
    """Accumulates one install's events; measures speed over the last few seconds."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.url: str | None = None
        self.warnings: list[str] = []
        self.archive_size: int | None = None
        self._samples: deque[tuple[float, int]] = deque()
        self._snapshot = Snapshot("starting", "waiting…")
        self._download: Downloading | None = None
        self._download_text = ""
        """Bytes, speed and ETA of the last Downloading event."""
        self._files: int | None = None
        self._cancelling = False

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def cancelling(self) -> Snapshot:
        """The user asked to stop: say so at once, as the install notices only between reads
        (seconds later when the download stalls); how it ended replaces this."""
        self._cancelling = True
        self._snapshot = self._marked(self._snapshot)
        return self._snapshot

    def _marked(self, snapshot: Snapshot) -> Snapshot:
        if not self._cancelling or snapshot.finished:
            return snapshot
        return replace(snapshot, phase="cancelling", text="cancelling…")

    def speed(self) -> float | None:
        """Bytes per second over the sampling window, None until two samples exist."""
        if len(self._samples) < 2:
            return None
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else None

    def update(self, event: InstallEvent, now: float) -> Snapshot:
        """Fold `event` in, observed at monotonic time `now`, and return the new snapshot."""
        self._snapshot = self._marked(self._next(event, now))
        return self._snapshot

    def _next(self, event: InstallEvent, now: float) -> Snapshot:
        if isinstance(event, Resolved):
            self.url = event.url
            return Snapshot("starting", "connecting…")
        if isinstance(event, Downloading):
            return self._downloading(event, now)
        if isinstance(event, Verifying):
            text = "checksum verified" if event.verified else "no checksum known: unverified"
            return Snapshot("verifying", text, self._snapshot.done, self._snapshot.total)
        if isinstance(event, Extracting):
            self._files = event.files
            download = self._download
            if download is not None and (download.total is None or download.done < download.total):
                return self._streaming()  # files unpack while the rest still downloads
            return Snapshot("extracting", f"extracting ({event.files:,} files)")
        if isinstance(event, Patching):
            return Snapshot("finishing", f"finishing: {event.step}")
        if isinstance(event, Warned):
            self.warnings.append(event.message)
            return self._snapshot
        if isinstance(event, Done):
            text = "already installed" if event.already_installed else "done"
            return Snapshot("done", text, 1, 1)
        if isinstance(event, Failed):
            if isinstance(event.error, Cancelled):
                return Snapshot("cancelled", "cancelled; nothing was installed")
            return Snapshot("failed", str(event.error))
        raise AssertionError(f"unexpected event {event!r}")

    def _downloading(self, event: Downloading, now: float) -> Snapshot:
        self._samples.append((now, event.done))
        while len(self._samples) > 2 and now - self._samples[0][0] > _WINDOW_SECONDS:
            self._samples.popleft()
        if event.total is not None:
            self.archive_size = event.total
        parts = [format_size(event.done)]
        if event.total is not None:
            parts[0] += f" / {format_size(event.total)}"
        speed = self.speed()
        if speed is not None and speed > 0:
            parts.append(f"{format_size(int(speed))}/s")
            if event.total is not None and event.total >= event.done:
                parts.append(f"ETA {format_duration((event.total - event.done) / speed)}")
        self._download, self._download_text = event, " · ".join(parts)
        return self._streaming()

    def _streaming(self) -> Snapshot:
        """The download's bar and numbers, with the files unpacked from it so far."""
        download = self._download
        assert download is not None
        text = self._download_text
        if self._files:
            text += f" · {self._files:,} files"
        return Snapshot("downloading", text, download.done, download.total)
