"""The CLI and the core must not pay for Textual, httpx or zstandard until they need them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("textual", "httpx", "zstandard", "tomli_w", "tomlkit", "rich")
PACKAGE = Path(__file__).resolve().parents[1] / "tui"
# Every module of the core and the CLI: a new module is covered without being listed here.
MODULES = sorted(
    ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    for folder in ("core", "commands")
    for path in (PACKAGE / folder).glob("*.py")
    if path.name != "__init__.py"
)


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.mark.parametrize("module", MODULES)
def test_core_module_imports_nothing_heavy(module: str) -> None:
    heavy = {name for name in loaded_after(f"import {module}") if name.split(".")[0] in HEAVY}
    assert not heavy, f"{module} imports {sorted(heavy)}"


def test_cli_parser_and_listing_import_nothing_heavy() -> None:
    code = "from tui.cli import build_parser\nbuild_parser()"
    heavy = {name for name in loaded_after(code) if name.split(".")[0] in HEAVY}
    assert not heavy, sorted(heavy)


# What `pybuilds list` must not pay for at start-up (each costs 3-8 ms; uv lists in ~50 ms).
STARTUP_HEAVY = (*HEAVY, "logging", "subprocess", "platformdirs", "dataclasses", "inspect")


def test_list_command_imports_only_what_listing_needs(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "UV_PYTHON_INSTALL_DIR": str(tmp_path / "python"),
    }
    probe = (
        "import contextlib, io, sys\n"
        "from tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['list', '--only-downloads'])\n"
        "print(code, ' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(PACKAGE.parent)},
    )
    code, *loaded = result.stdout.split()
    assert code == "0", result.stderr
    heavy = {name for name in loaded if name.split(".")[0] in STARTUP_HEAVY}
    assert not heavy, sorted(heavy)


def test_install_path_imports_only_what_installing_needs() -> None:
    code = (
        "from tui.cli import build_parser\n"
        "build_parser(['install', '3.12'])\n"
        "import tui.commands.install_cmd, tui.core.install, tui.core.fetch, tui.core.archive"
    )
    unwanted = (*HEAVY, "logging", "subprocess", "dataclasses", "inspect", "uuid", "tempfile")
    loaded = {name for name in loaded_after(code) if name.split(".")[0] in unwanted}
    assert not loaded, sorted(loaded)
