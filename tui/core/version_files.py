"""`.python-version(s)` files: the versions a project (or the user) pins, found as uv finds them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from tui.core.errors import ConfigError

VERSION_FILES = (".python-versions", ".python-version")
"""Looked for in this order in each folder: the plural file lists several versions."""


class VersionFile(NamedTuple):
    path: Path
    requests: tuple[str, ...]
    """Each non-empty line that is not a `#` comment, as written."""


def find_version_file(cwd: Path, env: Mapping[str, str] | None = None) -> VersionFile | None:
    """The pin uv would use: the nearest file in `cwd` or a parent, else the user's global one
    (`uv python pin --global` writes it in uv's config folder).

    Raises:
        ConfigError: the file found cannot be read or pins nothing.
    """
    env = os.environ if env is None else env
    for folder in (cwd, *cwd.parents):
        for name in VERSION_FILES:
            if (folder / name).is_file():
                return _read(folder / name)
    from tui.core.config_files import user_config_path

    pinned = user_config_path(env).with_name(".python-version")  # beside the user's uv.toml
    return _read(pinned) if pinned.is_file() else None


def _read(path: Path) -> VersionFile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        detail = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise ConfigError(str(path), f"cannot read it: {detail or error}") from None
    lines = (line.strip() for line in text.splitlines())
    requests = tuple(line for line in lines if line and not line.startswith("#"))
    if not requests:
        raise ConfigError(str(path), "it pins no Python version", hint="write one, e.g. 3.12")
    return VersionFile(path, requests)
