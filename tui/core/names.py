"""Spellings of platforms and the keys that name builds in uv's catalog and install folder."""

from __future__ import annotations

from typing import Literal, NamedTuple

Variant = Literal["default", "freethreaded", "debug", "freethreaded+debug"]
VARIANTS: tuple[Variant, ...] = ("default", "freethreaded", "debug", "freethreaded+debug")

IMPLEMENTATIONS = ("cpython", "pypy", "graalpy", "pyodide")
"""Implementations in uv's preference order (CPython first)."""
IMPLEMENTATION_RANK = {name: rank for rank, name in enumerate(reversed(IMPLEMENTATIONS))}
"""Higher is preferred: CPython > PyPy > GraalPy > Pyodide."""

# Catalog spellings (download-metadata.json) -> uv's installation-key spellings.
_OS_TO_INSTALL = {"darwin": "macos"}
_ARCH_TO_INSTALL = {"i686": "x86", "riscv64": "riscv64gc"}
_OS_FROM_INSTALL = {v: k for k, v in _OS_TO_INSTALL.items()}
_ARCH_FROM_INSTALL = {v: k for k, v in _ARCH_TO_INSTALL.items()}

OSES = ("linux", "darwin", "windows", "emscripten")
ARCHES = ("x86_64", "aarch64", "i686", "armv7", "powerpc64le", "s390x", "riscv64", "wasm32")
ARCH_VARIANTS = ("v2", "v3", "v4")
LIBCS = ("gnu", "musl", "gnueabi", "gnueabihf", "none")


def normalize_os(name: str) -> str | None:
    """Map a user or uv spelling of an OS to the catalog's, or None if unknown."""
    name = _OS_FROM_INSTALL.get(name, name)
    return name if name in OSES else None


def normalize_arch(name: str) -> tuple[str, str | None] | None:
    """Map `x86_64_v3`, `x86`, `riscv64gc`… to the catalog's (family, level), or None."""
    family, _, level = name.partition("_v")
    if level:
        if family != "x86_64" or f"v{level}" not in ARCH_VARIANTS:
            return None
        return (family, f"v{level}")
    family = {"x86": "i686", "amd64": "x86_64", "arm64": "aarch64"}.get(name, name)
    family = _ARCH_FROM_INSTALL.get(family, family)
    return (family, None) if family in ARCHES else None


def arch_name(family: str, level: str | None) -> str:
    """Catalog spelling of an arch with its level: `x86_64_v3`."""
    return f"{family}_{level}" if level else family


def install_os(os_name: str) -> str:
    return _OS_TO_INSTALL.get(os_name, os_name)


def install_arch(family: str, level: str | None) -> str:
    return arch_name(_ARCH_TO_INSTALL.get(family, family), level)


def variant_suffix(variant: Variant) -> str:
    return "" if variant == "default" else f"+{variant}"


class InstallKey(NamedTuple):
    """uv's name for an installation folder: `cpython-3.13.1+freethreaded-linux-x86_64_v3-gnu`."""

    implementation: str
    version: str
    """`X.Y.Z[pre]` for an installation, `X.Y` for a minor-version link."""
    variant: Variant
    os: str
    """uv spelling: `linux`, `macos`, `windows`."""
    arch: str
    """uv spelling with level: `x86_64_v3`, `x86`, `riscv64gc`."""
    libc: str

    def __str__(self) -> str:
        return (
            f"{self.implementation}-{self.version}{variant_suffix(self.variant)}"
            f"-{self.os}-{self.arch}-{self.libc}"
        )

    @classmethod
    def parse(cls, name: str) -> InstallKey | None:
        """Parse a folder name in uv's layout; None when it is not one."""
        parts = name.split("-")
        if len(parts) != 5:
            return None
        implementation, version_part, os_name, arch, libc = parts
        version, _, variant_text = version_part.partition("+")
        variant = variant_text or "default"
        if implementation not in IMPLEMENTATIONS or variant not in VARIANTS or not version:
            return None
        if not version[0].isdigit():
            return None
        return cls(implementation, version, variant, os_name, arch, libc)
