"""Installations read in uv's layout: whether each has its interpreter, as uv looks for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.core.layout import Layout
from tui.core.names import InstallKey


@pytest.mark.parametrize(
    ("key", "files", "complete"),
    [
        ("cpython-3.13.1-linux-x86_64-gnu", ["bin/python3.13"], True),
        ("cpython-3.13.1-linux-x86_64-gnu", [], False),  # left by a crash
        ("cpython-3.13.1-linux-x86_64-gnu", ["bin/python3", "bin/python"], False),
        ("cpython-3.13.1+freethreaded-linux-x86_64-gnu", ["bin/python3.13t"], True),
        ("cpython-3.13.1+freethreaded-linux-x86_64-gnu", ["bin/python3.13"], False),
        ("cpython-3.12.0+debug-macos-aarch64-none", ["bin/python3.12d"], True),
        ("cpython-3.9.1-linux-x86_64-gnu", ["install/bin/python3.9"], True),  # very old layout
        ("pypy-3.10.16-linux-x86_64-gnu", ["bin/pypy3.10"], True),
        # Windows: python.exe in the installation's root, not in bin/.
        ("cpython-3.12.3-windows-x86_64-none", ["python.exe"], True),
        ("cpython-3.12.3-windows-x86_64-none", ["bin/python3.12"], False),
        # PBS 20241016's free-threaded Windows builds have only python3.13t.exe, as uv knows.
        ("cpython-3.13.0+freethreaded-windows-x86_64-none", ["python3.13t.exe"], True),
        ("cpython-3.13.0+freethreaded-windows-x86_64-none", ["python.exe"], True),
    ],
)
def test_an_installation_is_complete_when_its_interpreter_is_there(
    key: str, files: list[str], complete: bool, tmp_path: Path
) -> None:
    layout = Layout(tmp_path / "root", tmp_path / "bin")
    folder = layout.path_for(InstallKey.parse(key) or pytest.fail(key))
    folder.mkdir(parents=True)
    for name in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"")
    (installation,) = layout.installations()
    assert installation.has_interpreter() is complete


def test_a_dangling_interpreter_link_is_no_interpreter(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "root", tmp_path / "bin")
    folder = tmp_path / "root" / "cpython-3.13.1-linux-x86_64-gnu"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python3.13").symlink_to("python3.13.real")
    (installation,) = layout.installations()
    assert not installation.has_interpreter()
