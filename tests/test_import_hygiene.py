"""The CLI and the core must not pay for Textual, httpx or zstandard until they need them."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("textual", "httpx", "zstandard", "tomli_w", "tomlkit", "rich")
MODULES = (
    "tui",
    "tui.cli",
    "tui.core.catalog",
    "tui.core.catalog_source",
    "tui.core.listing",
    "tui.core.layout",
    "tui.core.names",
    "tui.core.platform",
    "tui.core.requests",
    "tui.core.filenames",
    "tui.core.config",
    "tui.core.fetch",
    "tui.core.install",
    "tui.core.archive",
    "tui.core.doctor",
    "tui.core.mirror",
)


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.mark.parametrize("module", MODULES)
def test_core_module_imports_nothing_heavy(module: str) -> None:
    try:
        __import__(module)
    except ModuleNotFoundError as error:
        if error.name == module:
            pytest.skip(f"{module} does not exist yet")
        raise
    heavy = {name for name in loaded_after(f"import {module}") if name.split(".")[0] in HEAVY}
    assert not heavy, f"{module} imports {sorted(heavy)}"


def test_cli_parser_and_listing_import_nothing_heavy() -> None:
    code = "from tui.cli import build_parser\nbuild_parser()"
    heavy = {name for name in loaded_after(code) if name.split(".")[0] in HEAVY}
    assert not heavy, sorted(heavy)
