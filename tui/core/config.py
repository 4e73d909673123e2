"""Effective settings, uv's way: CLI > env > project > user > system, and where each came from.

pybuilds reads the files uv reads (see `config_files`) and edits them so uv keeps working (see
`config_write`); its own preferences live in pybuilds.toml, which uv never reads.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar

from tui.core.config_files import (
    KEY_SPECS,
    KEYS,
    MIRROR_SETTING_OF,
    ConfigFile,
    allowed_values,
    env_flag,
    env_value,
    find_project_file,
    normalize_choice,
    pybuilds_config_path,
    read_toml,
    system_config_path,
    user_config_path,
    value_problems,
)
from tui.core.errors import ConfigError
from tui.core.layout import default_bin_dir, default_install_dir
from tui.core.redact import redact_text

if TYPE_CHECKING:
    from tui.core.config_write import (
        add_saved_mirror,
        remove_saved_mirror,
        save_preference,
        set_value,
        unset_value,
    )

T = TypeVar("T", list[Any], dict[str, Any])

_WRITE_FUNCTIONS = frozenset(
    {"add_saved_mirror", "remove_saved_mirror", "save_preference", "set_value", "unset_value"}
)


def __getattr__(name: str) -> Any:
    """Load the writer (difflib, tomlkit) only when something is written: listing
    and installing read settings on every run and should not pay for it."""
    if name in _WRITE_FUNCTIONS:
        from tui.core import config_write

        return getattr(config_write, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "KEYS",
    "ConfigFile",
    "Discovery",
    "Preferences",
    "SavedMirror",
    "Setting",
    "SettingSource",
    "Settings",
    "add_saved_mirror",
    "discover",
    "load_preferences",
    "load_settings",
    "remove_saved_mirror",
    "save_preference",
    "set_value",
    "unset_value",
]

SettingSource = Literal[
    "cli", "env", "config-file", "project", "user", "system", "pybuilds", "default"
]


class Setting(NamedTuple):
    """One setting's value and where it came from."""

    key: str
    """uv key name (`python-install-mirror`), or an env-only or pybuilds name."""
    value: str | None
    kind: SettingSource
    origin: str
    """`--mirror`, `UV_PYTHON_INSTALL_MIRROR`, a file path (`<path> [tool.uv]`), or `default`."""
    shadowed: tuple[Setting, ...] = ()
    """Lower-precedence values this one hides, highest first."""


class SavedMirror(NamedTuple):
    """A mirror the user saved in pybuilds.toml to switch to later."""

    name: str
    url: str


class Preferences(NamedTuple):
    """pybuilds' own preferences (pybuilds.toml)."""

    path: Path
    default_flavour: str | None = None
    mirrors: tuple[SavedMirror, ...] = ()
    ui: Mapping[str, str | int | bool] = MappingProxyType({})
    exists: bool = False
    warnings: tuple[str, ...] = ()


def load_preferences(*, env: Mapping[str, str] | None = None) -> Preferences:
    """Read pybuilds.toml; an absent file gives empty preferences, a broken one a ConfigError."""
    path = pybuilds_config_path(os.environ if env is None else env)
    try:
        data = read_toml(path)
    except (FileNotFoundError, NotADirectoryError):
        return Preferences(path)
    warnings: list[str] = []
    flavour = _default_flavour(data.get("default-flavour"), path, warnings)
    mirrors = []
    for index, item in enumerate(_typed(data, "mirrors", list, path, warnings)):
        name, url = (item.get("name"), item.get("url")) if isinstance(item, dict) else (None, None)
        if isinstance(name, str) and isinstance(url, str):
            mirrors.append(SavedMirror(name, url))
        else:
            warnings.append(f"{path}: mirrors[{index}] needs string `name` and `url`; ignored")
    ui: dict[str, str | int | bool] = {}
    for name, value in _typed(data, "ui", dict, path, warnings).items():
        if isinstance(value, (str, int, bool)):
            ui[name] = value
        else:
            warnings.append(f"{path}: `ui.{name}` must be a string, number or boolean; ignored")
    return Preferences(path, flavour, tuple(mirrors), ui, True, tuple(warnings))


def _default_flavour(value: object, path: Path, warnings: list[str]) -> str | None:
    """The flavour if it is one; a bad one is reported here, naming this file, rather than
    by install or doctor as if it had come from `--flavour`."""
    if value is None:
        return None
    if not isinstance(value, str):
        warnings.append(f"{path}: `default-flavour` must be a string; ignored")
        return None
    from tui.core.filenames import flavour_problem  # only when pybuilds.toml sets one

    if problem := flavour_problem(value):
        warnings.append(f"{path}: `default-flavour`: {problem}; ignored")
        return None
    return value


_KIND_NAMES = {list: "an array of tables", dict: "a table"}


def _typed(data: Mapping[str, Any], key: str, kind: type[T], path: Path, warnings: list[str]) -> T:
    """`data[key]` if it is a `kind`, else an empty one (with a warning when it was something
    else): a hand-edited `ui = "dark"` must not stop every command."""
    value = data.get(key)
    if isinstance(value, kind):
        return value
    if value is not None:
        warnings.append(f"{path}: `{key}` must be {_KIND_NAMES[kind]}; ignored")
    return kind()


class Discovery(NamedTuple):
    """The uv settings files in effect, highest precedence first."""

    files: tuple[ConfigFile, ...]
    warnings: tuple[str, ...]
    override: str | None
    """What replaced discovery: `--config-file`, `UV_CONFIG_FILE`, `--no-config`, `UV_NO_CONFIG`."""
    project_start: Path
    """Where the project search began (the workspace root inside a project, else the cwd)."""


def discover(
    *,
    env: Mapping[str, str],
    cwd: Path,
    config_file: str | Path | None = None,
    no_config: bool = False,
) -> Discovery:
    """Find the files uv would read, the way uv does; a broken uv.toml raises ConfigError."""
    override = "--config-file" if config_file else None
    if not config_file and (config_file := env_value(env, "UV_CONFIG_FILE")):
        override = "UV_CONFIG_FILE"
    if config_file:
        return _explicit_file(cwd / Path(config_file).expanduser(), override or "", cwd)
    if no_config or env_flag(env, "UV_NO_CONFIG"):
        return Discovery((), (), "--no-config" if no_config else "UV_NO_CONFIG", cwd)
    project, start, warnings = find_project_file(cwd)
    files = [project] if project else []
    user = user_config_path(env)
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        files.append(ConfigFile(user, "user", (), read_toml(user)))
    if not env_flag(env, "UV_NO_SYSTEM_CONFIG") and (system := system_config_path(env)):
        files.append(ConfigFile(system, "system", (), read_toml(system)))
    for file in files:
        warnings.extend(_file_warnings(file))
    return Discovery(tuple(files), tuple(warnings), None, start)


def _explicit_file(path: Path, origin: str, cwd: Path) -> Discovery:
    try:
        values = read_toml(path)
    except (FileNotFoundError, NotADirectoryError):
        raise ConfigError(
            str(path), "file not found", hint=f"{origin} must name an existing uv.toml"
        ) from None
    file = ConfigFile(path, "config-file", (), values)
    warnings = _file_warnings(file)
    if path.name == "pyproject.toml":
        warnings.insert(0, f"{origin} expects a uv.toml file, not a pyproject.toml")
    return Discovery((file,), tuple(warnings), origin, cwd)


def _file_warnings(file: ConfigFile) -> list[str]:
    if file.table:
        # A [tool.uv] that uv would skip is never used (find_project_file says why). Mirror
        # keys there are fine: uv 0.13.9 reads them, though its docs list them for uv.toml.
        return []
    return [
        f"{file.path}: {problem}; uv refuses this file" for problem in value_problems(file.values)
    ]


class Settings(NamedTuple):
    """Effective settings with their provenance; build with `load_settings`."""

    entries: Mapping[str, Setting]
    warnings: tuple[str, ...]
    """Things a user should fix: keys uv would refuse, ignored tables, invalid values."""
    discovery: Discovery
    preferences: Preferences
    env: Mapping[str, str]
    cwd: Path

    def get(self, key: str) -> str | None:
        return self.setting(key).value

    def setting(self, key: str) -> Setting:
        """The effective setting; value None and kind `default` when nothing sets it."""
        if key in self.entries:
            return self.entries[key]
        if key in KEY_SPECS or key.startswith("ui."):
            return Setting(key, None, "default", "default")
        raise KeyError(key)

    def all(self) -> list[Setting]:
        return list(self.entries.values())

    @property
    def files(self) -> tuple[ConfigFile, ...]:
        return self.discovery.files

    def mirror_setting(self, implementation: str) -> Setting | None:
        """The mirror setting for `cpython`, `pypy`, `graalpy` or `pyodide` URLs, if any."""
        key = MIRROR_SETTING_OF.get(implementation)
        return self.setting(key) if key else None

    def python_downloads(self) -> Literal["automatic", "manual", "never"]:
        return self._choice("python-downloads")  # type: ignore[return-value]

    def require_downloads(self) -> None:
        """As `uv python install`: with `python-downloads = "never"` nothing is downloaded,
        not even on request.

        Raises:
            ConfigError: downloads are off, naming the setting that turned them off.
        """
        if self.python_downloads() != "never":
            return
        raise ConfigError(
            self.setting("python-downloads").origin,
            'Python downloads are not allowed (python-downloads = "never")',
            hint='set python-downloads to "manual" to allow explicit installs',
        )

    def python_preference(self) -> Literal["only-managed", "managed", "system", "only-system"]:
        return self._choice("python-preference")  # type: ignore[return-value]

    def _choice(self, key: str) -> str:
        setting = self.setting(key)
        if setting.value is None:
            return KEY_SPECS[key].default or ""
        if setting.value not in KEY_SPECS[key].choices:
            raise ConfigError(
                setting.origin,
                f"`{key}` is `{redact_text(setting.value)}`, not one of {allowed_values(key)}",
            )
        return setting.value

    def install_dir(self) -> Path:
        """uv's managed-Python root after flags and UV_PYTHON_INSTALL_DIR."""
        value = self.get("python-install-dir")
        return self._path(value) if value else default_install_dir(self.env)

    def bin_dir(self) -> Path:
        value = self.get("python-bin-dir")
        return self._path(value) if value else default_bin_dir(self.env)

    def cache_dir(self) -> Path | None:
        value = self.get("python-cache-dir")
        return self._path(value) if value else None

    def _path(self, value: str) -> Path:
        # As given, as uv takes it: a quoted `~` is not expanded (`_checked` warns about it).
        return self.cwd / value


def load_settings(
    cli: Mapping[str, str | None] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    config_file: str | Path | None = None,
    no_config: bool = False,
) -> Settings:
    """Resolve every setting. `cli` maps uv key names to flag values (None = not given)."""
    env = dict(os.environ if env is None else env)
    cwd = Path.cwd() if cwd is None else cwd.absolute()
    found = discover(env=env, cwd=cwd, config_file=config_file, no_config=no_config)
    preferences = load_preferences(env=env)
    warnings = [*found.warnings, *preferences.warnings]
    given = {k: v for k, v in (cli or {}).items() if v is not None}
    unknown = [k for k in given if k not in KEY_SPECS and not k.startswith("ui.")]
    if unknown:
        raise ValueError(f"unknown setting names in cli: {unknown}")
    ui = {f"ui.{name}": _text(value) for name, value in preferences.ui.items()}
    entries: dict[str, Setting] = {}
    for key in [*KEY_SPECS, *sorted(set(ui) | {k for k in given if k.startswith("ui.")})]:
        spec = KEY_SPECS.get(key)
        candidates: list[Setting] = []
        if key in given:
            flag = spec.flag if spec and spec.flag else f"--{key}"
            candidates.append(_checked(key, given[key], "cli", flag, warnings))
        if spec and spec.env and (value := env_value(env, spec.env)):
            candidates.append(_checked(key, value, "env", spec.env, warnings))
        if spec and spec.home == "uv":
            for file in found.files:
                value = file.values.get(key)
                if isinstance(value, str):
                    candidates.append(_checked(key, value, file.scope, file.origin, None))
        if key == "default-flavour" and preferences.default_flavour is not None:
            candidates.append(
                Setting(key, preferences.default_flavour, "pybuilds", str(preferences.path))
            )
        if key in ui:
            candidates.append(Setting(key, ui[key], "pybuilds", str(preferences.path)))
        if candidates:
            entries[key] = candidates[0]._replace(shadowed=tuple(candidates[1:]))
        else:
            entries[key] = Setting(key, None, "default", "default")
    return Settings(entries, tuple(warnings), found, preferences, env, cwd)


def _text(value: str | int | bool) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _checked(
    key: str, value: str, kind: SettingSource, origin: str, warnings: list[str] | None
) -> Setting:
    """Normalise a choice value; an invalid one is kept as given and reported."""
    spec = KEY_SPECS.get(key)
    if spec is not None and spec.kind == "choice":
        normal = normalize_choice(key, value, from_env=kind == "env")
        if normal is not None:
            value = normal
        elif warnings is not None:
            warnings.append(
                f"{origin}: `{redact_text(value)}` is not a valid {key} "
                f"({allowed_values(key)}); uv refuses it"
            )
    elif (
        spec is not None and spec.kind == "path" and value.startswith("~") and warnings is not None
    ):
        # uv takes these paths as given; expanding `~` here would install where uv never looks.
        warnings.append(
            f"{origin}: `{value}` starts with `~`, which uv does not expand: it means a folder "
            "named `~` in the working directory; write the full path"
        )
    return Setting(key, value, kind, origin)
