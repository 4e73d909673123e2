"""Edit one key of uv.toml, pyproject.toml [tool.uv] or pybuilds.toml, keeping every other byte."""

from __future__ import annotations

import contextlib
import copy
import difflib
import errno
import os
import re
import stat
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from tui.core.config_files import (
    KEY_SPECS,
    UTF8_BOM,
    KeySpec,
    allowed_values,
    decode_toml,
    find_project_file,
    has_tool_uv,
    normalize_choice,
    parse_toml,
    pybuilds_config_path,
    read_toml,
    system_config_target,
    url_path,
    user_config_path,
)
from tui.core.errors import ConfigError
from tui.core.mirrors import checked_url
from tui.core.redact import redact_text, redact_url

Scope = Literal["project", "user", "system"]
PrefValue = str | int | bool | Sequence[Mapping[str, str]]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
_LONE_LF = re.compile(r"(?<!\r)\n")
_SCHEMES = ("http", "https", "file")


@dataclass(frozen=True, slots=True)
class EditResult:
    """What an edit touched."""

    path: Path
    table: tuple[str, ...]
    """`("tool", "uv")` when the edit went into a pyproject.toml."""
    changed: bool
    """False when the file already said so (nothing was written)."""
    stored: PrefValue | None = None
    """The value as written (a relative path made absolute); None for a removal."""


# --- values -------------------------------------------------------------------------------


def check_value(key: str, value: str, *, cwd: Path) -> str | bool:
    """Validate a value before it is written; returns what to store."""
    shown = redact_text(value)
    if key.startswith("ui."):
        _check_name(key, key[3:])
        return {"true": True, "false": False}.get(value, value)
    spec = _writable_spec(key)
    if value != value.strip() or not value:
        raise ConfigError(key, f"`{shown}` is empty or has surrounding spaces")
    if spec.kind == "choice":
        if normalize_choice(key, value) is None:
            raise ConfigError(key, f"`{shown}` is not one of {allowed_values(key)}")
        return value
    if spec.kind == "name":
        _check_name(key, value)
        _check_flavour(key, value)
        return value
    if spec.kind == "mirror":
        _check_url(key, value, want_dir=True)
        return value
    if "://" in value:
        _check_url(key, value, want_dir=False)
        return value
    # uv resolves a relative path against its working directory, which differs per run, so
    # store it absolute; normalised as text (`a/../b` -> `b`), keeping symlinks as named.
    path = Path(os.path.normpath(cwd / Path(value).expanduser()))
    if not path.is_file():
        raise ConfigError(key, f"{path} is not an existing file", hint="give a path or a URL")
    return str(path)


def _writable_spec(key: str) -> KeySpec:
    """The key's spec; unknown and environment-only keys cannot be written."""
    spec = KEY_SPECS.get(key)
    if spec is None:
        raise ConfigError(
            key, "unknown setting", hint=f"known settings: {', '.join(KEY_SPECS)}, ui.<name>"
        )
    if spec.home == "env":
        raise ConfigError(
            key,
            f"uv reads this only from the environment variable {spec.env}",
            hint=f"set {spec.env} in your shell profile; uv.toml has no key for it",
        )
    return spec


def _check_name(key: str, value: str) -> None:
    if not _NAME.match(value):
        raise ConfigError(key, f"`{redact_text(value)}` is not a valid name")


def _check_flavour(key: str, value: str) -> None:
    """An unknown flavour would only fail later, in `install` or `doctor`, far from its cause."""
    from tui.core.filenames import flavour_problem

    if problem := flavour_problem(value):
        raise ConfigError(key, problem)


def _check_url(key: str, value: str, *, want_dir: bool) -> None:
    shown = redact_url(value)
    checked_url(value, key)
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname:
        return
    if parts.scheme == "file":
        path = url_path(value)
        if path.is_dir() if want_dir else path.is_file():
            return
        what = "directory" if want_dir else "file"
        raise ConfigError(key, f"{shown}: {path} is not an existing {what}")
    raise ConfigError(
        key, f"`{shown}` is not an http(s):// or file:// URL", hint="e.g. file:///srv/pbs-mirror"
    )


def _has_credentials(value: object) -> bool:
    return isinstance(value, str) and redact_url(value) != value


# --- where --------------------------------------------------------------------------------


def target_file(scope: Scope, *, env: Mapping[str, str], cwd: Path) -> tuple[Path, tuple[str, ...]]:
    """The file (and table) a scope's edits go to; it may not exist yet."""
    if scope == "user":
        return user_config_path(env), ()
    if scope == "system":
        return system_config_target(env), ()
    if scope != "project":
        raise ConfigError(str(scope), "unknown scope", hint="use project, user or system")
    project, start, _ = find_project_file(cwd)
    # Never start settings in a pyproject.toml: only edit [tool.uv] where uv already reads it.
    return (project.path, project.table) if project else (start / "uv.toml", ())


def edit_setting(
    key: str,
    value: str | None,
    scope: Scope = "user",
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> EditResult:
    """Set (or with None, remove) one setting in the file for `scope`."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd.absolute()
    spec = None if key.startswith("ui.") else _writable_spec(key)
    stored = None if value is None else check_value(key, value, cwd=cwd)
    if spec is None or spec.home == "pybuilds":
        if scope != "user":
            raise ConfigError(
                key,
                f"a pybuilds preference cannot go in the {scope} scope",
                hint="pybuilds.toml is per user; drop --scope",
            )
        return save_preference_result(key, stored, env=env)
    path, table = target_file(scope, env=env, cwd=cwd)
    if value is not None and not table:
        _refuse_to_hide_tool_uv(path)
    return EditResult(path, table, edit_key(path, table, key, stored, scope=scope), stored)


def _refuse_to_hide_tool_uv(path: Path) -> None:
    """uv ignores [tool.uv] once a uv.toml sits beside the pyproject.toml, so a new uv.toml
    would silently drop every setting there; only a uv.toml the user made is edited."""
    pyproject = path.with_name("pyproject.toml")
    if path.name != "uv.toml" or path.exists() or not has_tool_uv(pyproject):
        return
    raise ConfigError(
        str(pyproject),
        "has a [tool.uv] table pybuilds cannot edit; a new uv.toml beside it would make uv "
        "ignore every setting in [tool.uv]",
        hint="edit [tool.uv] by hand, or use --scope user",
    )


def set_value(
    key: str,
    value: str,
    scope: Scope = "user",
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Path:
    """Write `key = value` into the scope's file; returns the file written."""
    return edit_setting(key, value, scope, env=env, cwd=cwd).path


def unset_value(
    key: str,
    scope: Scope = "user",
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Path:
    """Remove `key` from the scope's file (nothing is written if it is absent)."""
    return edit_setting(key, None, scope, env=env, cwd=cwd).path


# --- pybuilds.toml ------------------------------------------------------------------------


def save_preference_result(
    key: str, value: PrefValue | None, *, env: Mapping[str, str] | None = None
) -> EditResult:
    path = pybuilds_config_path(os.environ if env is None else env)
    table: tuple[str, ...] = ()
    name = key
    if key.startswith("ui."):
        table, name = ("ui",), key[3:]
        _check_name(key, name)
    elif key == "mirrors" and value is not None:
        if isinstance(value, (str, int, bool)):
            raise ConfigError(key, "must be a list of {name, url} tables")
        value = [{"name": m["name"], "url": m["url"]} for m in value]
        for mirror in value:
            if not mirror["name"] or urlsplit(mirror["url"]).scheme not in _SCHEMES:
                raise ConfigError(key, f"saved mirror `{mirror['name']}` needs a name and a URL")
    elif key not in ("default-flavour", "mirrors"):
        raise ConfigError(key, "not a pybuilds preference")
    elif isinstance(value, str):
        _check_name(key, value)
        _check_flavour(key, value)
    return EditResult(path, table, edit_key(path, table, name, value), value)


def save_preference(
    key: str, value: PrefValue | None, *, env: Mapping[str, str] | None = None
) -> Path:
    """Set (None: remove) `default-flavour`, `mirrors` or `ui.<name>` in pybuilds.toml."""
    return save_preference_result(key, value, env=env).path


def _saved_mirrors(env: Mapping[str, str] | None) -> list[dict[str, str]]:
    try:
        data = read_toml(pybuilds_config_path(os.environ if env is None else env))
    except (FileNotFoundError, NotADirectoryError):
        return []
    items = data.get("mirrors")
    if not isinstance(items, list):  # absent, or not an array: load_preferences warns about it
        return []
    return [
        {"name": m["name"], "url": m["url"]}
        for m in items
        if isinstance(m, dict) and isinstance(m.get("name"), str) and isinstance(m.get("url"), str)
    ]


def add_saved_mirror(name: str, url: str, *, env: Mapping[str, str] | None = None) -> Path:
    """Save (or replace) a named mirror in pybuilds.toml."""
    mirrors = [m for m in _saved_mirrors(env) if m["name"] != name]
    return save_preference("mirrors", [*mirrors, {"name": name, "url": url}], env=env)


def remove_saved_mirror(name: str, *, env: Mapping[str, str] | None = None) -> Path:
    mirrors = [m for m in _saved_mirrors(env) if m["name"] != name]
    return save_preference("mirrors", mirrors or None, env=env)


# --- the edit -----------------------------------------------------------------------------


def edit_key(
    path: Path, table: tuple[str, ...], key: str, value: Any, *, scope: Scope = "user"
) -> bool:
    """Set `table.key` (None: remove it) in a TOML file; True if the file changed.

    The file is parsed before and after; a file that does not parse is never touched, and
    the result must parse to the same data with only this key changed before it is written.
    Edits of one file from several processes take turns, so none is lost.
    """
    target = Path(os.path.realpath(path))  # a symlink and its target share one lock
    with contextlib.ExitStack() as stack:
        if target.parent.is_dir() or value is not None:
            _take_edit_lock(stack, path, target, scope)
        return _edit_key_locked(path, table, key, value, scope)


def _take_edit_lock(stack: contextlib.ExitStack, path: Path, target: Path, scope: Scope) -> None:
    from tui.core.locking import sibling_lock

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        stack.enter_context(sibling_lock(target))
    except TimeoutError:
        raise ConfigError(
            str(path),
            "another process has been editing this file for 30 seconds",
            hint="try again once it is done",
        ) from None
    except OSError as error:
        if isinstance(error, PermissionError) or error.errno == errno.EROFS:
            # Where no lock file can be made no edit can be written either: go on unlocked,
            # so an edit that changes nothing still succeeds and one that does fails below.
            return
        raise _write_error(path, error, scope) from None


def _edit_key_locked(
    path: Path, table: tuple[str, ...], key: str, value: Any, scope: Scope
) -> bool:
    import tomlkit  # ~15 ms; only edits need it
    from tomlkit.exceptions import TOMLKitError

    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        data = b""
    except OSError as error:
        raise ConfigError(str(path), f"cannot read: {error.strerror or error}") from None
    text = decode_toml(data, path)
    bom = UTF8_BOM if data.startswith(UTF8_BOM) else b""
    before = parse_toml(text, path)
    expected = copy.deepcopy(before)
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as error:
        raise ConfigError(str(path), f"cannot edit this file safely: {error}") from None
    container: MutableMapping[str, Any] = doc
    plain: dict[str, Any] = expected
    for name in table:
        if name not in container:
            if value is None:
                return False
            container[name] = tomlkit.table()
            plain[name] = {}
        container, plain = container[name], plain[name]
        if not isinstance(container, MutableMapping) or not isinstance(plain, dict):
            raise ConfigError(str(path), f"`{'.'.join(table)}` is not a table")
    if value is None:
        if key not in container:
            return False
        del container[key]
        del plain[key]
    else:
        container[key] = _toml_value(value)
        plain[key] = value
    new_text = tomlkit.dumps(doc)
    if "\r\n" in text and not _LONE_LF.search(text):
        new_text = _LONE_LF.sub("\r\n", new_text)
    minimal = _without_added_blank_lines(text, new_text)
    if minimal != new_text and parse_toml(minimal, path) == expected:
        new_text = minimal
    if new_text == text:
        return False
    if parse_toml(new_text, path) != expected:
        raise ConfigError(
            str(path),
            "the edit would change other settings; the file was left as it was",
            hint="edit the file by hand",
        )
    data = bom + new_text.encode("utf-8")
    atomic_write(path, data, private=_has_credentials(value), scope=scope)
    return True


def _without_added_blank_lines(old: str, new: str) -> str:
    """tomlkit adds a blank line before the next table when it inserts a key; drop it."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        block = new_lines[j1:j2]
        if tag == "equal":
            out += old_lines[i1:i2]
        elif tag == "insert" and not any(line.lstrip().startswith("[") for line in block):
            out += [line for line in block if line.strip()]
        else:
            out += block
    return "".join(out)


def _toml_value(value: Any) -> Any:
    import tomlkit

    if isinstance(value, list):
        tables = tomlkit.aot()
        for item in value:
            entry = tomlkit.table()
            entry.update(item)
            tables.append(entry)
        return tables
    return tomlkit.item(value)


def atomic_write(path: Path, data: bytes, *, private: bool = False, scope: Scope = "user") -> None:
    """Replace `path` (through symlinks) with `data` atomically, keeping its permission bits.

    A new file gets 0o666 less the umask, or owner-only when it holds credentials; `scope`
    says which advice fits a permission error.
    """
    target = Path(os.path.realpath(path))
    tmp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            mode: int | None = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = None
        tmp, fd = _new_temp_file(target, 0o600 if private and mode is None else 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if mode is not None:
                os.chmod(tmp, mode)
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        tmp = None
        _fsync_dir(target.parent)
    except OSError as error:
        raise _write_error(path, error, scope) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _new_temp_file(target: Path, mode: int) -> tuple[Path, int]:
    """A new file beside `target`, created with `mode` so the OS applies the umask to it
    (tempfile.mkstemp always makes 0o600)."""
    while True:
        tmp = target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp")
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue


_DENIED_HINTS: Mapping[Scope, str] = {
    "system": "system settings need administrator rights (sudo), or use --scope user",
    "project": "check that you may write to the file and its folder, or use --scope user",
    "user": "check the owner and permissions of the file and its folder, and that neither "
    "is read-only or immutable",
}


def _write_error(path: Path, error: OSError, scope: Scope) -> ConfigError:
    if isinstance(error, PermissionError):
        return ConfigError(str(path), "permission denied", hint=_DENIED_HINTS[scope])
    return ConfigError(str(path), f"cannot write: {error.strerror or error}")


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
