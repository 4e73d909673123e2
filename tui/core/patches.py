"""uv's post-install fixes to a Python build: EXTERNALLY-MANAGED, sysconfig, pkg-config, BUILD."""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from tui.core.errors import InstallError
from tui.core.names import InstallKey
from tui.core.quietlog import debug

EXTERNALLY_MANAGED = (
    "[externally-managed]\n"
    "Error=This Python installation is managed by uv and should not be modified.\n"
)
SYSCONFIG_HEADER = "# system configuration generated and used by the sysconfig module\n"
BUILD_PREFIX = "/install"
"""The prefix PBS builds with; uv rewrites it to the installation's real path."""

_CC_KEYS = frozenset({"CC", "LDSHARED", "BLDSHARED", "LINKCC"})
_CXX_KEYS = frozenset({"CXX", "LDCXXSHARED"})
_CROSS_GCC = re.compile(r"^/usr/bin/[^/\s]+-gcc$")
_CROSS_GXX = re.compile(r"^/usr/bin/[^/\s]+-g\+\+$")
_PKGCONFIG_VAR = re.compile(r"^[A-Za-z]*$")

SysconfigValue = str | int


def base_dir(path: Path) -> Path:
    """Where bin/ and lib/ are: `install/` in the oldest layout, else the folder itself."""
    install = path / "install"
    return install if install.is_dir() else path


def lib_suffix(key: InstallKey) -> str:
    """Free-threaded builds keep their stdlib in `lib/python3.13t`; debug builds do not add `d`."""
    return "t" if key.variant.startswith("freethreaded") else ""


def executable_suffix(key: InstallKey) -> str:
    return {"default": "", "freethreaded": "t", "debug": "d", "freethreaded+debug": "td"}[
        key.variant
    ]


def stdlib_dir(path: Path, key: InstallKey) -> Path:
    major_minor = ".".join(key.version.split(".")[:2])
    base = base_dir(path)
    if key.os == "windows":
        return base / "Lib"
    if key.implementation == "pypy":
        return base / "lib" / f"pypy{major_minor}"
    return base / "lib" / f"python{major_minor}{lib_suffix(key)}"


def write_externally_managed(path: Path, key: InstallKey) -> bool:
    """PEP 668 marker so pip refuses to modify the installation; False if no stdlib folder."""
    if key.implementation == "pyodide":
        return False
    stdlib = stdlib_dir(path, key)
    if not stdlib.is_dir():
        return False
    (stdlib / "EXTERNALLY-MANAGED").write_text(EXTERNALLY_MANAGED, encoding="utf-8")
    return True


# -- sysconfig -------------------------------------------------------------------------------


def parse_sysconfigdata(text: str, *, source: str = "_sysconfigdata_") -> dict[str, SysconfigValue]:
    """The `build_time_vars` dict of a `_sysconfigdata_*.py` file (strings and ints only)."""
    if not text.startswith("#"):
        raise InstallError(f"`{source}` is missing a header comment")
    try:
        module = ast.parse(text)
    except SyntaxError as error:
        raise InstallError(f"cannot parse `{source}`: {error.msg}") from None
    for node in module.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "build_time_vars"
        ):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                break
            if not isinstance(value, dict):
                break
            for name, item in value.items():
                if not isinstance(name, str) or isinstance(item, bool):
                    raise InstallError(f"`{source}`: unexpected entry {name!r}")
                if not isinstance(item, (str, int)):
                    raise InstallError(f"`{source}`: value of `{name}` is not a string or int")
            return value
    raise InstallError(f"`{source}` is missing an assignment to `build_time_vars`")


def _update_prefix(token: str, real_prefix: str) -> str:
    if not token.startswith(BUILD_PREFIX):
        return token
    rest = token[len(BUILD_PREFIX) :]
    if not rest:
        return real_prefix
    # uv joins what follows the separator as a path: an absolute remainder replaces the prefix.
    tail = rest[1:]
    return tail if tail.startswith("/") else f"{real_prefix}/{tail}"


def patch_value(key: str, value: str, real_prefix: str) -> str:
    """One sysconfig string as uv rewrites it (whitespace is normalized to single spaces)."""
    tokens = [_update_prefix(token, real_prefix) for token in value.split()]
    kept: list[str] = []
    skip = False
    for token in tokens:
        if skip:
            skip = False
        elif token == "-isysroot":
            skip = True
        else:
            kept.append(token)
    if key == "AR":
        return "ar"
    if key in _CC_KEYS:
        kept = ["cc" if t in ("clang", "musl-clang") or _CROSS_GCC.match(t) else t for t in kept]
    elif key in _CXX_KEYS:
        kept = ["c++" if t == "clang++" or _CROSS_GXX.match(t) else t for t in kept]
    return " ".join(kept)


def patch_sysconfigdata(
    data: dict[str, SysconfigValue], real_prefix: str
) -> dict[str, SysconfigValue]:
    patched: dict[str, SysconfigValue] = {
        key: patch_value(key, value, real_prefix) if isinstance(value, str) else value
        for key, value in data.items()
    }
    patched["PYTHON_BUILD_STANDALONE"] = 1
    return patched


def format_sysconfigdata(data: dict[str, SysconfigValue]) -> str:
    """uv's output: its header, `build_time_vars = ` and sorted JSON with 4-space indent."""
    body = json.dumps(dict(sorted(data.items())), indent=4, ensure_ascii=False)
    return f"{SYSCONFIG_HEADER}build_time_vars = {body}\n"


def find_sysconfigdata(path: Path, key: InstallKey) -> Path:
    major_minor = ".".join(key.version.split(".")[:2])
    lib = base_dir(path) / "lib" / f"python{major_minor}{lib_suffix(key)}"
    if not lib.is_dir():
        raise InstallError(
            f"the build has no `lib/python{major_minor}{lib_suffix(key)}` folder",
            hint="is this a python-build-standalone CPython build?",
        )
    for entry in sorted(os.scandir(lib), key=lambda e: e.name):
        if (
            entry.name.startswith("_sysconfigdata_")
            and entry.name.endswith(".py")
            and entry.is_file(follow_symlinks=False)
        ):
            return Path(entry.path)
    raise InstallError(
        "the build has no `_sysconfigdata_` file", hint="is this a python-build-standalone build?"
    )


def patch_sysconfig(path: Path, key: InstallKey, real_prefix: Path) -> Path | None:
    """Rewrite `_sysconfigdata_*.py` for the real location (CPython off Windows only)."""
    if key.implementation != "cpython" or key.os == "windows":
        return None
    target = find_sysconfigdata(path, key)
    data = parse_sysconfigdata(target.read_text(encoding="utf-8"), source=target.name)
    text = format_sysconfigdata(patch_sysconfigdata(data, str(real_prefix)))
    target.write_text(text, encoding="utf-8")
    return target


def patch_pkgconfig_text(text: str) -> str | None:
    """`prefix=/install` lines become `prefix=${pcfiledir}/../..`; None when nothing changes.

    Like uv, lines are rejoined with `\\n` and the final newline is dropped.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    changed = False
    out = []
    for line in lines:
        line = line.removesuffix("\r")
        name, sep, value = line.partition("=")
        if sep and value == BUILD_PREFIX and _PKGCONFIG_VAR.match(name):
            line = f"{name}=${{pcfiledir}}/../.."
            changed = True
        out.append(line)
    return "\n".join(out) if changed else None


def patch_pkgconfig(path: Path, key: InstallKey) -> list[Path]:
    if key.implementation != "cpython" or key.os == "windows":
        return []
    folder = base_dir(path) / "lib" / "pkgconfig"
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return []
    changed = []
    for entry in entries:
        if not entry.name.endswith(".pc") or not entry.is_file(follow_symlinks=False):
            continue
        file = Path(entry.path)
        text = file.read_text(encoding="utf-8", errors="surrogateescape")
        new = patch_pkgconfig_text(text)
        if new is not None:
            file.write_text(new, encoding="utf-8", errors="surrogateescape")
            changed.append(file)
    return changed


# -- executables and records -----------------------------------------------------------------


def executable_name(key: InstallKey) -> str:
    major_minor = ".".join(key.version.split(".")[:2])
    if key.os == "windows":
        return "python.exe"
    if key.implementation == "pypy":
        return f"pypy{major_minor}"
    if key.implementation == "graalpy":
        return "graalpy"
    return f"python{major_minor}{executable_suffix(key)}"


def ensure_python_link(path: Path, key: InstallKey) -> bool:
    """Unix: add `bin/python` -> `python3.X` when the build lacks it (PBS before 20240726)."""
    if key.os == "windows" or sys.platform == "win32":
        return False
    bin_dir = base_dir(path) / "bin"
    link = bin_dir / "python"
    if os.path.lexists(link) or not bin_dir.is_dir():
        return False
    major_minor = ".".join(key.version.split(".")[:2])
    target = f"python{major_minor}"
    if not (bin_dir / target).exists():
        target = executable_name(key)
        if not (bin_dir / target).exists():
            return False
    os.symlink(target, link)
    return True


def write_build_file(path: Path, build: str | None) -> None:
    """`BUILD` holds the catalog's build (PBS tag or custom number), without a newline."""
    if build:
        (path / "BUILD").write_text(build, encoding="utf-8")


def patch_macos_dylib(path: Path, key: InstallKey, real_path: Path) -> str | None:
    """macOS: set the dylib's install name to its real path; returns a warning on failure."""
    if sys.platform != "darwin" or key.os != "macos" or key.implementation != "cpython":
        return None
    major_minor = ".".join(key.version.split(".")[:2])
    name = f"libpython{major_minor}{executable_suffix(key)}.dylib"
    dylib = base_dir(path) / "lib" / name
    if not dylib.is_file():
        return None
    real = base_dir(real_path) / "lib" / name if path != real_path else dylib
    import subprocess  # macOS only

    try:
        subprocess.run(
            ["install_name_tool", "-id", str(real), str(dylib)],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        return f"could not set the install name of {name} (install_name_tool: {error})"
    return None


def apply(
    path: Path, key: InstallKey, *, build: str | None, real_path: Path | None = None
) -> Iterator[str]:
    """Apply uv's fixes to the installation at `path`; yields each step's name as it starts.

    Args:
        path: The installation's folder (possibly still in `.temp`).
        key: Its uv key.
        build: The catalog's build, written to `BUILD` (None keeps an existing file).
        real_path: Where the folder will live; sysconfig points there. Defaults to `path`.
    """
    real = real_path or path
    yield "EXTERNALLY-MANAGED"
    if not write_externally_managed(path, key):
        debug(__name__, "no stdlib folder for EXTERNALLY-MANAGED in %s", path)
    yield "sysconfig"
    patch_sysconfig(path, key, real / base_dir(path).relative_to(path))
    yield "pkgconfig"
    patch_pkgconfig(path, key)
    yield "python link"
    ensure_python_link(path, key)
    yield "BUILD"
    write_build_file(path, build)
