"""Sizes and durations as pybuilds shows them everywhere: binary units, like uv."""

from __future__ import annotations


def format_size(size: float) -> str:
    """`812 B`, `31.2 MiB`: one style for the CLI, the doctor and the app."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
