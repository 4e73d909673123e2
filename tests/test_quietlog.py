"""Logging on the start-up path: nothing imported until a record could be shown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE_PARENT = Path(__file__).resolve().parents[1]


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(PACKAGE_PARENT), "PATH": "/usr/bin:/bin"},
    )


def test_debug_records_do_not_import_logging() -> None:
    result = run(
        "import sys\n"
        "from tui.core import quietlog\n"
        "quietlog.configure(0)\n"
        "quietlog.debug('tui.x', 'detail %s', 1)\n"
        "print('logging' in sys.modules)"
    )
    assert result.stdout.strip() == "False"
    assert result.stderr == ""


def test_a_warning_sets_up_logging_as_configured() -> None:
    result = run(
        "from tui.core import quietlog\n"
        "quietlog.configure(0)\n"
        "quietlog.debug('tui.x', 'hidden')\n"
        "quietlog.warning('tui.x', 'careful with %s', 'this')\n"
        "quietlog.debug('tui.x', 'still hidden')"
    )
    assert result.stderr == "warning: careful with this\n"  # as the CLI's own warnings


@pytest.mark.parametrize(("verbose", "shown"), [(1, False), (2, True)])
def test_verbose_shows_debug_records(verbose: int, shown: bool) -> None:
    result = run(
        "from tui.core import quietlog\n"
        f"quietlog.configure({verbose})\n"
        "quietlog.debug('tui.x', 'detail')"
    )
    assert ("debug tui.x: detail" in result.stderr) is shown
