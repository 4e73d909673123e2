"""`.python-version(s)` discovery, as uv does it for `uv python install` without a request."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.core.errors import ConfigError
from tui.core.version_files import find_version_file


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "config")}


def test_the_nearest_file_wins_and_the_plural_one_first(
    tmp_path: Path, env: dict[str, str]
) -> None:
    project = tmp_path / "project"
    deep = project / "src" / "pkg"
    deep.mkdir(parents=True)
    (project / ".python-version").write_text("# pinned for CI\n\n3.12\n  3.13t  \n")
    assert find_version_file(deep, env) == (project / ".python-version", ("3.12", "3.13t"))
    (project / ".python-versions").write_text("3.11\n")
    assert find_version_file(deep, env) == (project / ".python-versions", ("3.11",))
    (project / "src" / ".python-version").write_text("pypy@3.10\n")
    assert find_version_file(deep, env) == (project / "src" / ".python-version", ("pypy@3.10",))


def test_the_global_pin_is_the_fallback(tmp_path: Path, env: dict[str, str]) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    assert find_version_file(folder, env) is None
    pin = tmp_path / "config" / "uv" / ".python-version"  # `uv python pin --global`
    pin.parent.mkdir(parents=True)
    pin.write_text("3.13\n")
    assert find_version_file(folder, env) == (pin, ("3.13",))


def test_a_file_that_pins_nothing_is_an_error(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / ".python-version").write_text("# nothing yet\n")
    with pytest.raises(ConfigError, match="pins no Python version"):
        find_version_file(tmp_path, env)
