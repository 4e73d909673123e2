"""`pybuilds config`: which setting won and where it came from; set and unset keys safely."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tui.commands.common import ExitCode, add_config_arguments, warn
from tui.commands.settings import report_warnings, settings_from_args
from tui.core.config import Setting, Settings, load_settings
from tui.core.config_files import KEY_SPECS, env_flag
from tui.core.config_write import Scope, edit_setting, target_file
from tui.core.errors import ConfigError
from tui.core.redact import redact_text

SCOPES: tuple[Scope, ...] = ("project", "user", "system")
_KEY_HELP = (
    "a uv setting (python-install-mirror, pypy-install-mirror, python-downloads-json-url, "
    "python-preference, python-downloads, …) or a pybuilds one (default-flavour, ui.<name>)"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "config",
        help="show where each setting comes from; set or unset uv and pybuilds settings",
        description="Settings are read like uv reads them: command line > environment > "
        "project (uv.toml or [tool.uv]) > user (~/.config/uv/uv.toml) > system. "
        "Without an action, shows the effective settings.",
    )
    parser.set_defaults(run=run)
    actions = parser.add_subparsers(dest="config_action", metavar="ACTION")

    show = actions.add_parser("show", help="each setting's value, its source, what it shadows")
    show.add_argument("--json", action="store_true", help="structured output")
    add_config_arguments(show)

    get = actions.add_parser("get", help="print one setting's effective value (exit 1 if unset)")
    get.add_argument("key", metavar="KEY", help=_KEY_HELP)
    add_config_arguments(get)

    set_ = actions.add_parser("set", help="write KEY = VALUE into a settings file")
    set_.add_argument("key", metavar="KEY", help=_KEY_HELP)
    set_.add_argument("value", metavar="VALUE")
    set_.add_argument(
        "--scope",
        choices=SCOPES,
        help="file to write (default: user; pybuilds keys: pybuilds.toml)",
    )

    unset = actions.add_parser("unset", help="remove KEY from a settings file")
    unset.add_argument("key", metavar="KEY", help=_KEY_HELP)
    unset.add_argument("--scope", choices=SCOPES, help="file to edit (default: user)")

    path = actions.add_parser("path", help="which settings files are read, and where edits go")
    path.add_argument("--json", action="store_true", help="structured output")
    add_config_arguments(path)


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "config_action", None) or "show"
    if action in ("set", "unset"):
        return _edit(args, action)
    settings = settings_from_args(args, show_warnings=False)
    if action == "get":
        return _get(settings, args.key)
    report_warnings(settings)
    if action == "path":
        return _path(settings, json_output=getattr(args, "json", False))
    return _show(settings, json_output=getattr(args, "json", False))


# --- show ---------------------------------------------------------------------------------


def _shown(value: str | None) -> str | None:
    return None if value is None else redact_text(value)


def _default(settings: Settings, key: str) -> str | None:
    """What uv uses when nothing sets `key` (None when that means "no mirror" or similar)."""
    if key == "python-install-dir":
        return str(settings.install_dir())
    if key == "python-bin-dir":
        return str(settings.bin_dir())
    spec = KEY_SPECS.get(key)
    return spec.default if spec else None


def _show(settings: Settings, *, json_output: bool) -> int:
    preferences = settings.preferences
    if json_output:
        document = {
            "settings": [
                {
                    **_setting_json(s),
                    "default": _default(settings, s.key),
                    "shadowed": [_setting_json(x) for x in s.shadowed],
                }
                for s in settings.all()
            ],
            "files": _files_json(settings),
            "override": settings.discovery.override,
            "pybuilds_file": str(preferences.path),
            "saved_mirrors": [
                {"name": m.name, "url": redact_text(m.url)} for m in preferences.mirrors
            ],
            "warnings": [redact_text(w) for w in settings.warnings],
        }
        print(json.dumps(document, indent=2))
        return ExitCode.OK
    rows: list[tuple[str, str, str]] = []
    for setting in settings.all():
        value = _shown(setting.value)
        if value is None:
            default = _default(settings, setting.key)
            value = f"{default} (default)" if default else "-"
        rows.append((setting.key, value, _source(setting)))
        for hidden in setting.shadowed:
            rows.append(("  shadows", _shown(hidden.value) or "", _source(hidden)))
    _table([("KEY", "VALUE", "SOURCE"), *rows])
    if preferences.mirrors:
        print(f"\nsaved mirrors ({preferences.path}):")
        _table([(f"  {m.name}", redact_text(m.url), "") for m in preferences.mirrors])
    if override := settings.discovery.override:
        what = "only that file is read" if override.endswith(("FILE", "file")) else "files ignored"
        print(f"note: {override} is set: {what}", file=sys.stderr)
    return ExitCode.OK


def _source(setting: Setting) -> str:
    """A file origin with its scope (`/etc/uv/uv.toml (system)`); flags and variables as is."""
    if setting.kind in ("cli", "env", "default"):
        return setting.origin
    return f"{setting.origin} ({setting.kind})"


def _setting_json(setting: Setting) -> dict[str, Any]:
    return {
        "key": setting.key,
        "value": _shown(setting.value),
        "source": setting.kind,
        "origin": setting.origin,
    }


def _table(rows: list[tuple[str, str, str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for key, value, source in rows:
        print(f"{key:<{widths[0]}}  {value:<{widths[1]}}  {source}".rstrip())


# --- get ----------------------------------------------------------------------------------


def _get(settings: Settings, key: str) -> int:
    try:
        setting = settings.setting(key)
    except KeyError:
        raise ConfigError(
            key, "unknown setting", hint=f"known settings: {', '.join(KEY_SPECS)}, ui.<name>"
        ) from None
    if setting.value is None:
        default = _default(settings, key)
        suffix = f" (uv's default: {default})" if default else ""
        print(f"{key} is not set{suffix}", file=sys.stderr)
        return ExitCode.FAILURE
    print(redact_text(setting.value))
    return ExitCode.OK


# --- path ---------------------------------------------------------------------------------


def _files_json(settings: Settings) -> list[dict[str, Any]]:
    return [
        {"path": str(f.path), "scope": f.scope, "table": ".".join(f.table) or None}
        for f in settings.files
    ]


def _path(settings: Settings, *, json_output: bool) -> int:
    env, cwd = settings.env, settings.cwd
    used = {f.scope: f for f in settings.files}
    rows: list[tuple[str, str, str]] = []
    for scope in SCOPES:
        if scope in used:
            rows.append((scope, used[scope].origin, "read"))
            continue
        target, table = target_file(scope, env=env, cwd=cwd)
        state = "not read" if target.exists() else "absent"
        rows.append((scope, f"{target} [tool.uv]" if table else str(target), state))
    if "config-file" in used:
        rows.insert(
            0, ("file", used["config-file"].origin, f"read ({settings.discovery.override})")
        )
    prefs = settings.preferences
    rows.append(("pybuilds", str(prefs.path), "read" if prefs.exists else "absent"))
    if json_output:
        print(json.dumps([{"scope": s, "path": p, "state": st} for s, p, st in rows], indent=2))
    else:
        _table(rows)
    return ExitCode.OK


# --- set / unset --------------------------------------------------------------------------


def _edit(args: argparse.Namespace, action: str) -> int:
    key: str = args.key
    value: str | None = args.value if action == "set" else None
    spec = KEY_SPECS.get(key)
    pybuilds_key = key.startswith("ui.") or (spec is not None and spec.home == "pybuilds")
    scope: Scope = args.scope or "user"
    if value is not None and key.startswith("ui.key-"):
        _check_key_remap(key, value)
    result = edit_setting(key, value, scope)
    where = f"{result.path} [tool.uv]" if result.table == ("tool", "uv") else str(result.path)
    if action == "set":
        # What was written: a relative path is stored absolute, as uv would resolve it.
        written = result.stored if isinstance(result.stored, str) else value
        shown = redact_text(written or "")
        verb = "set" if result.changed else "unchanged:"
        print(f"{verb} {key} = {shown} in {where}", file=sys.stderr)
    elif result.changed:
        print(f"removed {key} from {where}", file=sys.stderr)
    elif not result.path.exists():
        print(f"{key} was not set: {where} does not exist", file=sys.stderr)
    else:
        print(f"{key} was not set in {where}", file=sys.stderr)
    _after_edit(key, result.path, pybuilds_key, removed=action == "unset")
    return ExitCode.OK


def _check_key_remap(key: str, value: str) -> None:
    """Refuse a `ui.key-*` remap the app would ignore, with the app's reason (this imports
    Textual, for its key names and the app's bindings)."""
    from tui.app.keymap import check_keymap, scopes

    name = key.removeprefix("ui.")
    current = load_settings().preferences.ui
    entries = {k: v for k, v in current.items() if k.startswith("key-") and k != name}
    entries[name] = value
    for problem in check_keymap(entries, scopes()).problems:
        if problem.entry == name:
            raise ConfigError(
                key,
                problem.reason,
                hint="nothing was written; the app's help (?) lists each key's id",
            )


def _after_edit(key: str, path: Path, pybuilds_key: bool, *, removed: bool) -> None:
    """Say when the edited file is not what decides the value (env, project, UV_NO_CONFIG…)."""
    try:
        settings = load_settings()
    except ConfigError as error:
        warn(f"settings no longer load: {error}")
        return
    for message in settings.warnings:
        if str(path) in message:
            warn(message)
    # A file that does not exist is neither read nor ignored: there is nothing to say about it.
    if not pybuilds_key and path.exists() and all(f.path != path for f in settings.files):
        reason = settings.discovery.override
        if reason is None and env_flag(settings.env, "UV_NO_SYSTEM_CONFIG"):
            reason = "UV_NO_SYSTEM_CONFIG"
        because = f" while {reason} is set" if reason else ""
        print(f"note: uv does not read {path}{because}", file=sys.stderr)
    effective = settings.setting(key)
    if effective.value is not None and not effective.origin.startswith(str(path)):
        shown = redact_text(effective.value)
        if removed:  # nothing of the file's is left to override: say what applies now
            print(f"note: {key} = {shown} still applies, from {effective.origin}", file=sys.stderr)
        else:
            print(f"note: {effective.origin} takes precedence ({key} = {shown})", file=sys.stderr)
