"""Which settings exist and which files uv reads them from: the key table, discovery, reading."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from tui.core.errors import ConfigError
from tui.core.redact import redact_text

FileScope = Literal["config-file", "project", "user", "system"]
KeyHome = Literal["uv", "env", "pybuilds"]
ValueKind = Literal["mirror", "catalog", "choice", "path", "name"]


class KeySpec(NamedTuple):
    """One setting: its uv key name and where else it can be given."""

    key: str
    home: KeyHome
    """`uv`: a uv.toml key; `env`: only an environment variable in uv; `pybuilds`: pybuilds.toml."""
    env: str | None
    flag: str | None
    kind: ValueKind
    choices: tuple[str, ...] = ()
    default: str | None = None
    """uv's value when nothing sets it (None when it depends on the machine or means "off")."""


KEYS: tuple[KeySpec, ...] = (
    KeySpec("python-install-mirror", "uv", "UV_PYTHON_INSTALL_MIRROR", "--mirror", "mirror"),
    KeySpec("pypy-install-mirror", "uv", "UV_PYPY_INSTALL_MIRROR", "--pypy-mirror", "mirror"),
    KeySpec(
        "graalpy-install-mirror", "uv", "UV_GRAALPY_INSTALL_MIRROR", "--graalpy-mirror", "mirror"
    ),
    KeySpec(
        "pyodide-install-mirror", "uv", "UV_PYODIDE_INSTALL_MIRROR", "--pyodide-mirror", "mirror"
    ),
    KeySpec(
        "python-downloads-json-url",
        "uv",
        "UV_PYTHON_DOWNLOADS_JSON_URL",
        "--python-downloads-json-url",
        "catalog",
    ),
    KeySpec(
        "python-preference",
        "uv",
        "UV_PYTHON_PREFERENCE",
        "--python-preference",
        "choice",
        ("only-managed", "managed", "system", "only-system"),
        "managed",
    ),
    KeySpec(
        "python-downloads",
        "uv",
        "UV_PYTHON_DOWNLOADS",
        "--no-python-downloads",
        "choice",
        ("automatic", "manual", "never"),
        "automatic",
    ),
    KeySpec("python-install-dir", "env", "UV_PYTHON_INSTALL_DIR", "--install-dir", "path"),
    KeySpec("python-bin-dir", "env", "UV_PYTHON_BIN_DIR", "--bin-dir", "path"),
    KeySpec("python-cache-dir", "env", "UV_PYTHON_CACHE_DIR", None, "path"),
    KeySpec("astral-mirror-url", "env", "UV_ASTRAL_MIRROR_URL", None, "mirror"),
    KeySpec("default-flavour", "pybuilds", None, None, "name"),
)
KEY_SPECS: Mapping[str, KeySpec] = {spec.key: spec for spec in KEYS}

MIRROR_SETTING_OF = {
    "cpython": "python-install-mirror",
    "pypy": "pypy-install-mirror",
    "graalpy": "graalpy-install-mirror",
    "pyodide": "pyodide-install-mirror",
}
"""The setting that names each implementation's mirror."""

# Top-level keys uv 0.13.9 accepts in uv.toml and [tool.uv] (from its "unknown field" error).
# Any other key makes uv refuse a uv.toml, and skip a pyproject.toml's settings.
_UV_TOML_KEYS = """required-version system-certs native-tls offline no-cache cache-dir preview
    preview-features python-preference python-downloads concurrent-downloads concurrent-builds
    concurrent-installs index index-url extra-index-url no-index find-links index-strategy
    keyring-provider http-proxy https-proxy no-proxy allow-insecure-host resolution prerelease
    prerelease-package fork-strategy dependency-metadata config-settings config-settings-package
    no-build-isolation require-build-hashes no-build-isolation-package extra-build-dependencies
    extra-build-variables exclude-newer exclude-newer-package link-mode compile-bytecode
    no-sources no-sources-package upgrade upgrade-package reinstall reinstall-package no-build
    no-build-package no-binary no-binary-package torch-backend python-install-mirror
    pypy-install-mirror graalpy-install-mirror pyodide-install-mirror python-downloads-json-url
    publish-url trusted-publishing check-url add-bounds audit pip cache-keys
    override-dependencies exclude-dependencies constraint-dependencies
    build-constraint-dependencies environments required-environments minimum-libc-version
    conflicts workspace sources managed package default-groups dependency-groups
    dev-dependencies build-backend"""
UV_TOML_KEYS = frozenset(_UV_TOML_KEYS.split())

# Keys uv 0.13.9 accepts in [pip] (from its "unknown field" error); any other refuses the file.
_UV_PIP_KEYS = """python system break-system-packages target prefix index-url extra-index-url
    no-index find-links index-strategy keyring-provider no-build no-binary only-binary
    no-build-isolation require-build-hashes no-build-isolation-package extra-build-dependencies
    extra-build-variables strict extra all-extras no-extra no-deps group allow-empty-requirements
    resolution prerelease fork-strategy dependency-metadata output-file no-strip-extras
    no-strip-markers no-annotate no-header custom-compile-command generate-hashes config-settings
    config-settings-package python-version python-platform universal exclude-newer
    exclude-newer-package no-emit-package emit-index-url emit-find-links emit-build-options
    emit-marker-expression emit-index-annotation annotation-style link-mode compile-bytecode
    require-hashes verify-hashes no-sources no-sources-package upgrade upgrade-package reinstall
    reinstall-package torch-backend"""
UV_PIP_KEYS = frozenset(_UV_PIP_KEYS.split())

_BOOL_TRUE = frozenset(("y", "yes", "t", "true", "on", "1"))
_BOOL_FALSE = frozenset(("n", "no", "f", "false", "off", "0"))
# uv reads UV_PYTHON_DOWNLOADS case-insensitively and takes booleans for automatic/never.
_DOWNLOADS_ALIASES = {
    "auto": "automatic",
    "true": "automatic",
    "1": "automatic",
    "false": "never",
    "0": "never",
}


def env_value(env: Mapping[str, str], name: str) -> str | None:
    """uv treats an empty variable as unset."""
    return env.get(name) or None


def env_flag(env: Mapping[str, str], name: str) -> bool:
    """A boolean variable the way uv parses one (`1/0`, `true/false`, `yes/no`, `on/off`)."""
    value = env_value(env, name)
    if value is None:
        return False
    lowered = value.lower()
    if lowered in _BOOL_TRUE:
        return True
    if lowered in _BOOL_FALSE:
        return False
    raise ConfigError(
        name, f"invalid value `{redact_text(value)}`: expected true/false, 1/0, yes/no or on/off"
    )


def normalize_choice(key: str, value: str, *, from_env: bool = False) -> str | None:
    """The canonical value of a choice key, or None when uv would reject `value`."""
    if key == "python-downloads":
        if from_env:
            value = _DOWNLOADS_ALIASES.get(value.lower(), value.lower())
        elif value == "auto":
            value = "automatic"
    return value if value in KEY_SPECS[key].choices else None


def allowed_values(key: str) -> str:
    spec = KEY_SPECS[key]
    extra = ", auto" if key == "python-downloads" else ""
    return ", ".join(spec.choices) + extra


def url_path(url: str) -> Path:
    """The local path a `file://` URL names (read the same way downloads read it)."""
    from tui.core.errors import DownloadFailed
    from tui.core.fetch import file_url_to_path

    try:
        return file_url_to_path(url)
    except DownloadFailed as error:
        raise ConfigError(redact_text(url), error.message, hint=error.hint) from None


# --- reading ------------------------------------------------------------------------------

_TOML_POSITION = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


def parse_toml(text: str, path: Path) -> dict[str, Any]:
    """Parse TOML; a syntax error becomes one ConfigError line naming file, line and column."""
    # Imported here: most runs find no settings file and need no parser (~5 ms). tomli, not
    # tomllib: uv reads TOML 1.1, which tomli parses from 2.4 and tomllib does not.
    import tomli

    try:
        data: dict[str, Any] = tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        message = str(error)
        if match := _TOML_POSITION.match(message):
            where = f"line {match['line']}, column {match['col']}"
            message = match["msg"]
        else:
            lines = text.splitlines() or [""]
            where = f"line {len(lines)}, column {len(lines[-1]) + 1}"
            message = message.replace(" (at end of document)", "")
        raise ConfigError(
            str(path),
            f"invalid TOML at {where}: {message}",
            hint="fix the file by hand; pybuilds never rewrites a file it cannot parse",
        ) from None
    return data


UTF8_BOM = b"\xef\xbb\xbf"
"""Some Windows editors start UTF-8 files with it; uv reads such files, TOML parsers do not."""


def decode_toml(data: bytes, path: Path) -> str:
    """The text of a TOML file, without a leading UTF-8 BOM."""
    data = data.removeprefix(UTF8_BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ConfigError(
            str(path), f"not UTF-8 text at line {line}, column {column}", hint="TOML is UTF-8"
        ) from None


def read_toml(path: Path) -> dict[str, Any]:
    """Read and parse a TOML file; FileNotFoundError passes through for callers to decide."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise ConfigError(str(path), "is a directory, not a TOML file") from None
    except OSError as error:
        raise ConfigError(str(path), f"cannot read: {error.strerror or error}") from None
    return parse_toml(decode_toml(data, path), path)


class ConfigFile(NamedTuple):
    """A settings file uv reads, with the uv settings found in it."""

    path: Path
    scope: FileScope
    table: tuple[str, ...] = ()
    """`("tool", "uv")` for a pyproject.toml; empty for a uv.toml."""
    values: Mapping[str, Any] = MappingProxyType({})

    @property
    def origin(self) -> str:
        return f"{self.path} [tool.uv]" if self.table else str(self.path)


def value_problems(values: Mapping[str, Any]) -> list[str]:
    """Why uv would refuse these settings: unknown keys, wrong types, unknown choices."""
    problems = [f"unknown key `{key}`" for key in values if key not in UV_TOML_KEYS]
    pip = values.get("pip")
    if isinstance(pip, dict):
        problems += [_pip_key_problem(key) for key in pip if key not in UV_PIP_KEYS]
    for key, value in values.items():
        spec = KEY_SPECS.get(key)
        if spec is None or spec.home != "uv":
            continue
        if not isinstance(value, str):
            problems.append(f"`{key}` must be a string, not {type(value).__name__}")
        elif spec.kind == "choice" and normalize_choice(key, value) is None:
            problems.append(f"`{key} = {value!r}` is not one of {allowed_values(key)}")
    return problems


def _pip_key_problem(key: str) -> str:
    if key in UV_TOML_KEYS:  # e.g. python-install-mirror pasted below [pip]
        return f"`{key}` is under [pip], but uv takes it only at the top level, before any table"
    return f"unknown key `pip.{key}`"


def _tool_uv(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    tool = data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    return uv if isinstance(uv, dict) else None


def _read_pyproject(path: Path) -> dict[str, Any] | None:
    """A pyproject.toml, or None when absent or unparsable (uv skips those with a warning)."""
    try:
        return read_toml(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def project_search_start(cwd: Path) -> Path:
    """Where uv starts looking for project settings: the workspace root when inside a project.

    uv ignores settings in workspace members and below the project root; outside any project
    (nearest pyproject.toml without `[project]` or a workspace table) it starts at `cwd`.
    """
    nearest = next((d for d in (cwd, *cwd.parents) if (d / "pyproject.toml").is_file()), None)
    if nearest is None:
        return cwd
    try:
        data = _read_pyproject(nearest / "pyproject.toml")
    except ConfigError:
        return cwd
    uv = _tool_uv(data or {}) or {}
    if data is None or ("project" not in data and "workspace" not in uv):
        return cwd
    if "workspace" in uv:
        return nearest
    for parent in nearest.parents:
        try:
            root = _read_pyproject(parent / "pyproject.toml")
        except ConfigError:
            continue
        workspace = (_tool_uv(root or {}) or {}).get("workspace")
        if isinstance(workspace, dict):
            if _member_of(parent, nearest, workspace):
                return parent
            break
    return nearest


def _member_of(root: Path, project: Path, workspace: Mapping[str, Any]) -> bool:
    def matches(key: str) -> bool:
        patterns = workspace.get(key) or []
        return any(project in root.glob(p) for p in patterns if isinstance(p, str))

    return matches("members") and not matches("exclude")


def find_project_file(cwd: Path) -> tuple[ConfigFile | None, Path, list[str]]:
    """uv's project settings file: (file or None, directory searched from, warnings)."""
    start = project_search_start(cwd)
    warnings: list[str] = []
    for directory in (start, *start.parents):
        uv_toml = directory / "uv.toml"
        pyproject = directory / "pyproject.toml"
        try:
            values = read_toml(uv_toml)
        except FileNotFoundError:
            values = None
        if values is not None:
            sibling = _sibling_tool_uv(pyproject)
            if sibling:
                keys = ", ".join(sorted(sibling))
                warnings.append(
                    f"{pyproject} [tool.uv] is ignored because {uv_toml} exists beside it "
                    f"(uv ignores: {keys})"
                )
            return ConfigFile(uv_toml, "project", (), values), start, warnings
        try:
            data = _read_pyproject(pyproject)
        except ConfigError as error:
            warnings.append(f"uv skips {error} and keeps looking in parent directories")
            continue
        uv = _tool_uv(data) if data is not None else None
        if uv is None:
            continue
        if problems := value_problems(uv):
            warnings.append(
                f"uv skips {pyproject} [tool.uv] ({'; '.join(problems)}) "
                "and keeps looking in parent directories"
            )
            continue
        return ConfigFile(pyproject, "project", ("tool", "uv"), uv), start, warnings
    return None, start, warnings


# `[tool.uv]`, `[tool.uv.pip]`, `[[tool.uv.index]]` or a `tool.uv.key = ...` line, quoted or not.
_TOOL_UV_LINE = re.compile(
    r"""^[ \t]*(?:\[\[?[ \t]*(["']?)tool\1[ \t]*\.[ \t]*(["']?)uv\2[ \t]*[.\]]"""
    r"""|(["']?)tool\3[ \t]*\.[ \t]*(["']?)uv\4[ \t]*[.=])""",
    re.MULTILINE,
)


def has_tool_uv(pyproject: Path) -> bool:
    """Whether a pyproject.toml has a [tool.uv] table, even in a file that does not parse or
    one uv skips for a bad key."""
    try:
        data = pyproject.read_bytes()
    except OSError:
        return False
    try:
        return _tool_uv(parse_toml(decode_toml(data, pyproject), pyproject)) is not None
    except ConfigError:
        text = data.removeprefix(UTF8_BOM).decode("utf-8", "replace")
        return _TOOL_UV_LINE.search(text) is not None


def _sibling_tool_uv(pyproject: Path) -> Mapping[str, Any] | None:
    try:
        data = _read_pyproject(pyproject)
    except ConfigError:
        return None
    return _tool_uv(data) if data is not None else None


def _home(env: Mapping[str, str]) -> Path:
    home = env_value(env, "HOME") or env_value(env, "USERPROFILE")
    return Path(home) if home else Path.home()


def _xdg_config_home(env: Mapping[str, str]) -> Path:
    xdg = env_value(env, "XDG_CONFIG_HOME")
    # uv (like the XDG spec) ignores a relative XDG_CONFIG_HOME.
    return Path(xdg) if xdg and Path(xdg).is_absolute() else _home(env) / ".config"


def user_config_path(env: Mapping[str, str]) -> Path:
    """uv's user file, whether or not it exists."""
    if sys.platform == "win32":
        appdata = env_value(env, "APPDATA")
        base = Path(appdata) if appdata else _home(env) / "AppData" / "Roaming"
        return base / "uv" / "uv.toml"
    return _xdg_config_home(env) / "uv" / "uv.toml"


def system_config_candidates(env: Mapping[str, str]) -> list[Path]:
    """Where uv looks for the system file, in order."""
    if sys.platform == "win32":
        programdata = env_value(env, "PROGRAMDATA") or r"C:\ProgramData"
        return [Path(programdata) / "uv" / "uv.toml"]
    dirs = env_value(env, "XDG_CONFIG_DIRS") or "/etc/xdg"
    found = [Path(d) / "uv" / "uv.toml" for d in dirs.split(":") if d]
    return [*found, Path("/etc/uv/uv.toml")]


def system_config_path(env: Mapping[str, str]) -> Path | None:
    """The system file uv would read, if one exists."""
    return next((p for p in system_config_candidates(env) if p.is_file()), None)


def system_config_target(env: Mapping[str, str]) -> Path:
    """The system file to edit: the one uv reads, else the first place uv would look.

    Without an explicit XDG_CONFIG_DIRS that is /etc/uv/uv.toml, uv's documented system path.
    """
    if existing := system_config_path(env):
        return existing
    candidates = system_config_candidates(env)
    return candidates[0] if env_value(env, "XDG_CONFIG_DIRS") else candidates[-1]


def pybuilds_config_path(env: Mapping[str, str]) -> Path:
    """pybuilds' own preferences file: $PYBUILDS_CONFIG_FILE or the platform's user config dir."""
    if explicit := env_value(env, "PYBUILDS_CONFIG_FILE"):
        return Path(explicit).expanduser()
    if sys.platform in ("win32", "darwin"):
        import platformdirs

        return Path(platformdirs.user_config_dir("pybuilds", appauthor=False)) / "pybuilds.toml"
    # platformdirs' Linux rule, applied to `env` so callers and tests can pass their own.
    return _xdg_config_home(env) / "pybuilds" / "pybuilds.toml"
