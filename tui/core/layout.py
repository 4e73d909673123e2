"""uv's managed-Python folder: where it is, and the installations in it."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from tui.core.names import InstallKey, variant_suffix
from tui.core.quietlog import debug
from tui.core.versions import Version, build_sort_key

SCRATCH = ".temp"
"""uv's extraction scratch folder inside the root (same filesystem, so renames are atomic)."""
LOCK = ".lock"


def _env(env: Mapping[str, str], name: str) -> str | None:
    """uv treats an empty variable as unset."""
    value = env.get(name)
    return value or None


def default_install_dir(env: Mapping[str, str] | None = None) -> Path:
    """uv's root: `UV_PYTHON_INSTALL_DIR` > XDG data dir > `~/.local/share/uv/python`."""
    env = os.environ if env is None else env
    if explicit := _env(env, "UV_PYTHON_INSTALL_DIR"):
        return Path(explicit).absolute()  # as given: uv expands no `~`
    if sys.platform == "win32":
        appdata = _env(env, "APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(appdata) / "uv" / "data" / "python"
    if sys.platform == "darwin":
        legacy = Path.home() / "Library" / "Application Support" / "uv" / "python"
        if legacy.is_dir():
            return legacy
    xdg = _env(env, "XDG_DATA_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "uv" / "python"
    return Path.home() / ".local" / "share" / "uv" / "python"


def default_bin_dir(env: Mapping[str, str] | None = None) -> Path:
    """uv's executable dir.

    `UV_PYTHON_BIN_DIR` > `XDG_BIN_HOME` > `XDG_DATA_HOME/../bin` > `~/.local/bin`.
    """
    env = os.environ if env is None else env
    if explicit := _env(env, "UV_PYTHON_BIN_DIR"):
        return Path(explicit).absolute()  # as given: uv expands no `~`
    xdg_bin = _env(env, "XDG_BIN_HOME")
    if xdg_bin and Path(xdg_bin).is_absolute():
        return Path(xdg_bin)
    xdg_data = _env(env, "XDG_DATA_HOME")
    if xdg_data and Path(xdg_data).is_absolute():
        return Path(xdg_data).parent / "bin"
    return Path.home() / ".local" / "bin"


class Installation(NamedTuple):
    """A Python in the managed folder, read in uv's layout."""

    key: InstallKey
    path: Path
    build: str | None
    """Contents of the `BUILD` file (PBS tag or custom build), None on old installs."""

    @property
    def version(self) -> Version:
        return Version.parse(self.key.version)

    @property
    def executable(self) -> Path:
        """The interpreter: `bin/python3.X[t|d|td]`, or `python.exe` on Windows."""
        version = self.version
        if self.key.os == "windows":
            executable = self.path / "python.exe"
            if self.key.variant == "freethreaded" and not executable.exists():
                # As uv: PBS 20241016 free-threaded builds lack python.exe (uv issue 8298).
                return self.path / f"python{version.major}.{version.minor}t.exe"
            return executable
        base = self.path / "install" if (self.path / "install" / "bin").is_dir() else self.path
        if self.key.implementation == "pypy":
            return base / "bin" / f"pypy{version.major}.{version.minor}"
        if self.key.implementation == "graalpy":
            return base / "bin" / "graalpy"
        suffix = {"default": "", "freethreaded": "t", "debug": "d", "freethreaded+debug": "td"}
        return base / "bin" / f"python{version.major}.{version.minor}{suffix[self.key.variant]}"

    def has_interpreter(self) -> bool:
        """Whether `executable` is there: a folder left by a crash, or emptied, is not a
        working Python, though uv still counts it as installed until `--reinstall`."""
        return self.executable.is_file()

    def sort_key(self) -> tuple[object, ...]:
        return (self.version.sort_key(), build_sort_key(self.build), str(self.key))


def minor_link_name(key: InstallKey) -> str:
    """`cpython-3.12-linux-x86_64-gnu` (with `+freethreaded` etc.) for a patch install key."""
    major_minor = ".".join(key.version.split(".")[:2])
    return (
        f"{key.implementation}-{major_minor}{variant_suffix(key.variant)}"
        f"-{key.os}-{key.arch}-{key.libc}"
    )


class Layout(NamedTuple):
    """The managed-Python root and the folder executables are linked into."""

    root: Path
    bin_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Layout:
        return cls(default_install_dir(env), default_bin_dir(env))

    @property
    def temp_dir(self) -> Path:
        return self.root / SCRATCH

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK

    def path_for(self, key: InstallKey) -> Path:
        return self.root / str(key)

    def stable_executable(self, installation: Installation) -> Path:
        """The executable through the minor-version folder when that folder leads to
        `installation`, else its own: uv prints this path for requests without a patch
        version, and what is built on it (a venv) follows later patch installs."""
        own = installation.executable
        minor = self.root / minor_link_name(installation.key)
        if installation.key.implementation != "cpython" or os.path.realpath(
            minor
        ) != os.path.realpath(installation.path):
            return own
        return minor / own.relative_to(installation.path)

    def init(self) -> None:
        """Create the root and its scratch folder, and a `.gitignore` of `*` if there is none."""
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        try:
            with open(self.root / ".gitignore", "x", encoding="utf-8") as handle:
                handle.write("*")
        except FileExistsError:
            pass

    def installation(self, key: InstallKey) -> Installation | None:
        """The installation named `key`, if its folder exists."""
        path = self.path_for(key)
        if path.is_symlink() or not path.is_dir():
            return None
        try:
            build: str | None = (path / "BUILD").read_text().strip() or None
        except OSError:
            build = None
        return Installation(key, path, build)

    def installations(self) -> list[Installation]:
        """Every installation in the root, newest first; skips links and malformed names."""
        try:
            entries = list(os.scandir(self.root))
        except (FileNotFoundError, NotADirectoryError):
            return []
        found = []
        for entry in entries:
            if entry.name.startswith(".") or entry.is_symlink() or not entry.is_dir():
                continue
            key = InstallKey.parse(entry.name)
            if key is None:
                debug(__name__, "ignoring malformed managed Python entry %s", entry.name)
                continue
            try:
                Version.parse(key.version)
            except ValueError:
                debug(__name__, "ignoring managed Python entry with a bad version: %s", entry.name)
                continue
            try:
                build: str | None = (Path(entry.path) / "BUILD").read_text().strip() or None
            except OSError:
                build = None
            found.append(Installation(key, Path(entry.path), build))
        found.sort(key=Installation.sort_key, reverse=True)
        return found
