"""Progress events of an install: the only vocabulary the core shares with a front end."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tui.core.errors import PybuildsError


@dataclass(frozen=True, slots=True)
class Resolved:
    """The build and the URL it will be fetched from (redacted)."""

    key: str
    """uv installation key being installed."""
    url: str
    """Redacted URL after the mirror rewrite (or a file path)."""
    setting: str | None = None
    """Which setting chose the mirror (`--mirror`, `UV_PYTHON_INSTALL_MIRROR`, a file), if any."""


@dataclass(frozen=True, slots=True)
class Downloading:
    """Bytes read so far; `total` is None when the server does not say."""

    key: str
    done: int
    total: int | None


@dataclass(frozen=True, slots=True)
class Verifying:
    key: str
    sha256: str
    verified: bool
    """False when no checksum was known: the build is installed unverified."""


@dataclass(frozen=True, slots=True)
class Extracting:
    key: str
    files: int
    """Archive members written so far."""


@dataclass(frozen=True, slots=True)
class Patching:
    key: str
    step: str
    """What is being applied: `sysconfig`, `pkgconfig`, `links`…"""


@dataclass(frozen=True, slots=True)
class Warned:
    key: str
    message: str


@dataclass(frozen=True, slots=True)
class Done:
    key: str
    path: Path
    already_installed: bool = False


@dataclass(frozen=True, slots=True)
class Failed:
    key: str
    error: PybuildsError


InstallEvent = Resolved | Downloading | Verifying | Extracting | Patching | Warned | Done | Failed
