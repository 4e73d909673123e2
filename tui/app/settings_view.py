"""Settings as the app shows and edits them: mirror settings, table rows, save previews."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.config_files import MIRROR_SETTING_OF
from tui.core.mirrors import MirrorSettings
from tui.core.redact import redact_url

if TYPE_CHECKING:
    from tui.core.config import Setting, Settings
    from tui.core.config_write import Scope

EDITABLE_KEYS = (
    "python-install-mirror",
    "pypy-install-mirror",
    "graalpy-install-mirror",
    "pyodide-install-mirror",
    "python-downloads-json-url",
)
"""Settings the mirrors screen edits: every one is a URL uv reads from uv.toml."""

_FIELDS_OF = {
    "python-install-mirror": ("python_mirror", "python_origin"),
    "pypy-install-mirror": ("pypy_mirror", "pypy_origin"),
    "graalpy-install-mirror": ("graalpy_mirror", "graalpy_origin"),
    "pyodide-install-mirror": ("pyodide_mirror", "pyodide_origin"),
}


def mirror_key(implementation: str) -> str | None:
    """The setting holding the mirror for an implementation's builds."""
    return MIRROR_SETTING_OF.get(implementation)


def mirror_settings(settings: Settings | None) -> MirrorSettings:
    """The mirrors in force, with where each came from; no settings means no mirrors."""
    if settings is None:
        return MirrorSettings()
    from tui.core.mirrors import mirrors_from_settings

    return mirrors_from_settings(settings)


def with_mirror(
    mirrors: MirrorSettings, implementation: str, url: str | None, origin: str
) -> MirrorSettings:
    """`mirrors` with the mirror for `implementation` replaced (None: fetch from upstream)."""
    key = mirror_key(implementation)
    if key is None:
        return mirrors
    value_field, origin_field = _FIELDS_OF[key]
    changes = {value_field: url or None, origin_field: origin if url else None}
    return mirrors._replace(**changes)


@dataclass(frozen=True, slots=True)
class SettingRow:
    """One line of the settings table."""

    key: str
    value: str
    """Redacted value, `(not set)` when nothing sets it."""
    source: str
    """`env UV_PYTHON_INSTALL_MIRROR`, `user ~/.config/uv/uv.toml`, `default`."""
    shadowed: str
    """Lower-precedence sources this one hides."""


def _shown(value: str | None) -> str:
    return redact_url(value) if value else "(not set)"


def _source(setting: Setting, home: str | None) -> str:
    """`env UV_PYTHON_INSTALL_MIRROR`, `user ~/.config/uv/uv.toml`: short enough for 80 columns."""
    if setting.kind == "default":
        return "default"
    origin = setting.origin
    if home and origin.startswith(home.rstrip("/") + "/"):
        origin = "~" + origin[len(home.rstrip("/")) :]
    return f"{setting.kind} {origin}"


def setting_rows(settings: Settings, keys: tuple[str, ...] | None = None) -> list[SettingRow]:
    """The effective settings with their sources, in key-table order."""
    home = settings.env.get("HOME")
    rows = []
    for setting in settings.all():
        if keys is not None and setting.key not in keys:
            continue
        shadowed = ", ".join(_source(s, home) for s in setting.shadowed)
        rows.append(
            SettingRow(setting.key, _shown(setting.value), _source(setting, home), shadowed)
        )
    return rows


_PRECEDENCE = ("cli", "env", "config-file", "project", "user", "system")
"""Where uv takes a setting from, first wins."""


def overriding_note(settings: Settings, key: str, scope: Scope) -> str | None:
    """Why a value saved to `scope` would not be in force, naming what wins instead.

    Returns:
        None when the saved value is the one uv and pybuilds would use.
    """
    override = settings.discovery.override
    if override is not None:
        return f"{override} replaces the discovered settings files: this file is not read"
    setting = settings.setting(key)
    rank = _PRECEDENCE.index
    if setting.kind not in _PRECEDENCE or rank(setting.kind) >= rank(scope):
        return None
    value = f'"{_shown(setting.value)}"'
    if setting.kind == "env":
        return (
            f"{setting.origin} is set in the environment ({value}) and stays in force; "
            "unset it to use the saved value"
        )
    if setting.kind == "cli":
        return f"{setting.origin} {value} on the command line stays in force in this session"
    return f"{setting.kind} {setting.origin} sets {value} and stays in force; remove it there"


@dataclass(frozen=True, slots=True)
class EditPreview:
    """What saving one setting would change."""

    key: str
    path: Path
    table: tuple[str, ...]
    """`("tool", "uv")` when the file is a pyproject.toml."""
    old: str | None
    """The value in that file now (redacted), None when absent."""
    new: str
    """The value to write (redacted)."""
    creates_file: bool
    overridden: str | None = None
    """Why the saved value would not be in force (see `overriding_note`); None when it would."""

    def lines(self) -> list[str]:
        """A small diff of the file, credentials hidden, and what overrides it."""
        section = f"[{'.'.join(self.table)}]" if self.table else None
        out = [f"{'create' if self.creates_file else 'edit'} {self.path}"]
        if section:
            out.append(f"  {section}")
        if self.old is not None:
            out.append(f'- {self.key} = "{self.old}"')
        out.append(f'+ {self.key} = "{self.new}"')
        if self.overridden:
            out.append(f"! {self.overridden}")
        return out


def preview_edit(
    key: str, value: str, scope: Scope, *, env: Mapping[str, str], cwd: Path
) -> EditPreview:
    """What `set_value(key, value, scope)` would write; validates the value first.

    Raises:
        ConfigError: the value is not acceptable, or the file cannot be read.
    """
    from tui.core.config_files import read_toml
    from tui.core.config_write import check_value, target_file

    stored = check_value(key, value, cwd=cwd)
    path, table = target_file(scope, env=env, cwd=cwd)
    try:
        data = read_toml(path)
    except FileNotFoundError:
        return EditPreview(key, path, table, None, redact_url(str(stored)), True)
    for part in table:
        inner = data.get(part)
        data = inner if isinstance(inner, dict) else {}
    old = data.get(key)
    return EditPreview(
        key,
        path,
        table,
        redact_url(old) if isinstance(old, str) else None if old is None else str(old),
        redact_url(str(stored)),
        False,
    )
