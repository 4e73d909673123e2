"""Progress events of an install: the only vocabulary the core shares with a front end."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from tui.core.errors import PybuildsError


class Resolved(NamedTuple):
    """The build and the URL it will be fetched from (redacted)."""

    key: str
    """uv installation key being installed."""
    url: str
    """Redacted URL after the mirror rewrite (or a file path)."""
    setting: str | None = None
    """Which setting chose the mirror (`--mirror`, `UV_PYTHON_INSTALL_MIRROR`, a file), if any."""


class Downloading(NamedTuple):
    """Bytes read so far; `total` is None when the server does not say."""

    key: str
    done: int
    total: int | None


class Verifying(NamedTuple):
    key: str
    sha256: str
    verified: bool
    """False when no checksum was known: the build is installed unverified."""


class Extracting(NamedTuple):
    key: str
    files: int
    """Archive members written so far."""


class Patching(NamedTuple):
    key: str
    step: str
    """What is being applied: `sysconfig`, `pkgconfig`, `links`…"""


class Warned(NamedTuple):
    key: str
    message: str


class Done(NamedTuple):
    key: str
    path: Path
    already_installed: bool = False


class Failed(NamedTuple):
    key: str
    error: PybuildsError


InstallEvent = Resolved | Downloading | Verifying | Extracting | Patching | Warned | Done | Failed
