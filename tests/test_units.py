"""One size style for the CLI, the doctor and the app."""

from __future__ import annotations

import pytest

from tui.core.units import format_size


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (812, "812 B"), (1024, "1.0 KiB"), (31_234_567, "29.8 MiB"), (3 << 30, "3.0 GiB"),
     (5 << 40, "5120.0 GiB")],
)  # fmt: skip
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text
