"""Python versions with pre-releases, ordered as Python orders its releases."""

from __future__ import annotations

import re
from typing import NamedTuple

_PRERELEASE = re.compile(r"^(a|b|rc)(\d+)$")
_PRE_RANK = {"a": 0, "b": 1, "rc": 2}


class Version(NamedTuple):
    """A CPython-style version: `3.13.1`, `3.15.0rc1`."""

    major: int
    minor: int
    patch: int
    prerelease: str = ""
    """`""` for a final release, else `aN`, `bN` or `rcN`."""

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse `X.Y.Z[(a|b|rc)N]`; raises ValueError otherwise."""
        match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)((?:a|b|rc)\d+)?", text)
        if not match:
            raise ValueError(f"not a Python version: {text!r}")
        return cls(int(match[1]), int(match[2]), int(match[3]), match[4] or "")

    @property
    def minor_version(self) -> tuple[int, int]:
        return (self.major, self.minor)

    def sort_key(self) -> tuple[int, int, int, int, int]:
        """A tuple that orders pre-releases before their final release."""
        return (self.major, self.minor, self.patch, *prerelease_rank(self.prerelease))

    # Plain tuple order would put `3.13.0` before `3.13.0rc1`: compare in release order instead.
    def __lt__(self, other: tuple[int | str, ...]) -> bool:
        return self.sort_key() < _release_order(other)

    def __le__(self, other: tuple[int | str, ...]) -> bool:
        return self.sort_key() <= _release_order(other)

    def __gt__(self, other: tuple[int | str, ...]) -> bool:
        return self.sort_key() > _release_order(other)

    def __ge__(self, other: tuple[int | str, ...]) -> bool:
        return self.sort_key() >= _release_order(other)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}{self.prerelease}"


def _release_order(value: tuple[int | str, ...]) -> tuple[int, int, int, int, int]:
    if not isinstance(value, Version):
        raise TypeError(f"cannot order a Version against a {type(value).__name__}")
    return value.sort_key()


def prerelease_rank(prerelease: str) -> tuple[int, int]:
    """Pre-releases before their final release: `a1` < `b2` < `rc1` < `` (final)."""
    if not prerelease:
        return (3, 0)
    match = _PRERELEASE.match(prerelease)
    if not match:
        return (-1, 0)
    return (_PRE_RANK[match[1]], int(match[2]))


def build_sort_key(build: str | None) -> tuple[int, tuple[int, ...], str]:
    """Order build tags numerically: `45` > `40`, `20260814` > `20250115`, `7.3.23` > `7.3.9`."""
    if build is None:
        return (0, (), "")
    return (1, tuple(int(part) for part in re.findall(r"\d+", build)), build)
