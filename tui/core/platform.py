"""The platform builds are chosen for: the host's, detected, or one a user names."""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.names import arch_name, install_arch, install_os


@dataclass(frozen=True, slots=True)
class Platform:
    """An OS, CPU and C library, in the catalog's spellings."""

    os: str
    """`linux`, `darwin`, `windows`, `emscripten`."""
    arch: str
    """Arch family: `x86_64`, `aarch64`, `i686`, `armv7`, `powerpc64le`, `s390x`, `riscv64`."""
    libc: str
    """`gnu`, `musl`, `gnueabi`, `gnueabihf`, or `none` off Linux."""
    arch_level: str | None = None
    """Highest x86-64 microarchitecture level the CPU supports (`v2`..`v4`), None for v1/other."""
    libc_version: str | None = None
    """glibc or musl version, when detected."""

    @property
    def key(self) -> str:
        """Catalog-style platform key: `linux-x86_64_v3-gnu`."""
        return f"{self.os}-{arch_name(self.arch, self.arch_level)}-{self.libc}"

    @property
    def install_key(self) -> str:
        """uv's spelling of the platform part of an installation key."""
        return f"{install_os(self.os)}-{install_arch(self.arch, None)}-{self.libc}"

    def runnable_arches(self) -> tuple[tuple[str, str | None], ...]:
        """(family, level) pairs whose builds run here, best first.

        x86-64 levels up to the detected one are runnable, the highest preferred; Windows and
        macOS on aarch64 also run x86-64 builds under emulation, least preferred.
        """
        arches: list[tuple[str, str | None]] = []
        if self.arch == "x86_64":
            top = int(self.arch_level[1]) if self.arch_level else 1
            arches += [("x86_64", f"v{n}") for n in range(top, 1, -1)]
            arches.append(("x86_64", None))
            if self.os == "windows":
                arches.append(("i686", None))
        else:
            arches.append((self.arch, None))
            if self.arch == "aarch64" and self.os in ("windows", "darwin"):
                arches.append(("x86_64", None))
                if self.os == "windows":
                    arches.append(("i686", None))
        return tuple(arches)

    def describe(self) -> str:
        """Human summary: `linux x86_64 (x86-64-v3) glibc 2.36`."""
        parts = [self.os, self.arch]
        if self.arch == "x86_64":
            parts.append(f"(x86-64-{self.arch_level or 'v1'})")
        if self.libc == "gnu" or self.libc.startswith("gnueabi"):
            parts.append(f"glibc {self.libc_version}" if self.libc_version else "glibc")
        elif self.libc == "musl":
            parts.append(f"musl {self.libc_version}" if self.libc_version else "musl")
        return " ".join(parts)
