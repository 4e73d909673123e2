"""The platform builds are chosen for: the host's, detected, or one a user names."""

from __future__ import annotations

import functools
import os
import struct
import sys
from collections.abc import Mapping
from typing import NamedTuple

from tui.core.errors import InvalidPlatform
from tui.core.names import (
    LIBCS,
    arch_name,
    install_arch,
    install_os,
    normalize_arch,
    normalize_os,
)
from tui.core.platform_probe import (
    HostFacts,
    arch_from_machine,
    arm_libc_from_cpuinfo,
    machine,
    os_from_sys_platform,
    read_host_facts,
    x86_64_level_from_cpuinfo,
)
from tui.core.quietlog import debug


class Platform(NamedTuple):
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

    def runs(self, os_name: str, arch: str, arch_level: str | None, libc: str) -> bool:
        """Whether a build for this OS, arch and libc runs here (as uv matches them)."""
        return (
            os_name == self.os
            and libc == self.libc
            and (arch, arch_level) in self.runnable_arches()
        )

    def describe(self) -> str:
        """Human summary: `linux x86_64 (x86-64-v3) glibc 2.36`."""
        parts = [self.os, self.arch]
        if self.arch == "x86_64" and self.os == "linux":  # PBS ships levels for Linux only
            parts.append(f"(x86-64-{self.arch_level or 'v1'})")
        if self.libc == "gnu" or self.libc.startswith("gnueabi"):
            parts.append(f"glibc {self.libc_version}" if self.libc_version else "glibc")
            if self.libc != "gnu":  # armv7's two ABIs run different builds
                parts.append("hard-float" if self.libc == "gnueabihf" else "soft-float")
        elif self.libc == "musl":
            parts.append(f"musl {self.libc_version}" if self.libc_version else "musl")
        return " ".join(parts)

    def to_json(self) -> dict[str, str | None]:
        return {
            "os": self.os,
            "arch": self.arch,
            "arch_level": self.arch_level,
            "libc": self.libc,
            "libc_version": self.libc_version,
            "key": self.key,
            "install_key": self.install_key,
        }


# --- Putting the facts together ---------------------------------------------------------------


def platform_from_facts(facts: HostFacts) -> Platform:
    """The Platform that HostFacts describe."""
    os_name = os_from_sys_platform(facts.sys_platform)
    arch = arch_from_machine(facts.machine, facts.pointer_bits)
    if os_name != "linux":
        return Platform(os_name, arch, "musl" if os_name == "emscripten" else "none")
    level = x86_64_level_from_cpuinfo(facts.cpuinfo) if arch == "x86_64" else None
    libc, version = facts.loader_libc or ("gnu", None)
    if facts.uv_libc:
        if (facts.uv_libc == "musl") != (libc == "musl"):
            version = None
        libc = facts.uv_libc
    elif arch == "armv7" and libc == "gnu":
        libc = _arm_float_abi(facts)
    return Platform(os_name, arch, libc, level, version)


def _arm_float_abi(facts: HostFacts) -> str:
    # The loader's name is decisive (a soft-float userland may run on a CPU with VFP).
    name = os.path.basename(facts.loader or "")
    if name == "ld-linux-armhf.so.3":
        return "gnueabihf"
    if name == "ld-linux.so.3":
        return "gnueabi"
    return arm_libc_from_cpuinfo(facts.cpuinfo)


def detect_platform(env: Mapping[str, str] | None = None) -> Platform:
    """This machine's platform, in catalog spellings; never raises (falls back, logs at debug).

    The result is cached per `UV_LIBC` value: detection may run the dynamic loader.
    """
    environ = os.environ if env is None else env
    return _detect(environ.get("UV_LIBC") or None)


@functools.cache
def _detect(uv_libc: str | None) -> Platform:
    env = {"UV_LIBC": uv_libc} if uv_libc else {}
    try:
        return platform_from_facts(read_host_facts(env))
    except Exception as error:  # odd machines must still get a platform
        debug(__name__, "platform detection failed, using a minimal guess: %r", error)
        facts = HostFacts(sys.platform, machine(), struct.calcsize("P") * 8, uv_libc=uv_libc)
        return platform_from_facts(facts)


# --- A platform the user names ----------------------------------------------------------------

_OS_CHOICES = "linux, macos (darwin), windows, emscripten"
_ARCH_CHOICES = (
    "x86_64, x86_64_v2, x86_64_v3, x86_64_v4, aarch64, x86 (i686), armv7, powerpc64le, "
    "s390x, riscv64gc (riscv64), wasm32"
)
_ARCH_ALIASES = {"ppc64le": "powerpc64le", "i386": "x86", "armv7l": "armv7", "x64": "x86_64"}


def platform_from_parts(
    os: str | None, arch: str | None, libc: str | None, base: Platform
) -> Platform:
    """`base` with the parts a user named (`--os/--arch/--libc`, uv or catalog spellings).

    Raises:
        InvalidPlatform: an unknown value, or a libc that does not fit the OS.
    """
    os_name = base.os
    if os is not None:
        found = normalize_os(os.strip().lower())
        if found is None:
            raise InvalidPlatform("--os", os, f"expected one of {_OS_CHOICES}")
        os_name = found
    family, level = base.arch, base.arch_level
    if arch is not None:
        parsed = normalize_arch(arch.strip().lower())
        if parsed is None:
            alias = _ARCH_ALIASES.get(arch.strip().lower())
            better = f"uv spells it `{alias}`; " if alias else ""
            raise InvalidPlatform("--arch", arch, f"{better}expected one of {_ARCH_CHOICES}")
        family, level = parsed
    if os_name != "linux" or family != "x86_64":
        level = None  # PBS ships x86-64 levels for Linux only
    allowed = _ARCHES_OF.get(os_name, ())
    if family not in allowed:
        flag, value = ("--arch", arch) if arch is not None else ("--os", os or os_name)
        raise InvalidPlatform(flag, value, f"{os_name} builds are for {', '.join(allowed)}")
    libc_name, libc_version = _libc_for(os_name, family, libc, base)
    if family != base.arch:
        libc_version = None  # another machine's: this one's says nothing about it
    return Platform(os_name, family, libc_name, level, libc_version)


# What PBS, PyPy, GraalPy and Pyodide publish builds for, per OS.
_ARCHES_OF: dict[str, tuple[str, ...]] = {
    "linux": ("x86_64", "aarch64", "i686", "armv7", "powerpc64le", "s390x", "riscv64"),
    "darwin": ("x86_64", "aarch64"),
    "windows": ("x86_64", "i686", "aarch64"),
    "emscripten": ("wasm32",),
}


def _libc_for(
    os_name: str, family: str, libc: str | None, base: Platform
) -> tuple[str, str | None]:
    off_linux = "musl" if os_name == "emscripten" else "none"
    if libc is None:
        if os_name != "linux":
            return (off_linux, None)
        chosen = base.libc if base.os == "linux" else "gnu"
        # Keep the libc family when only the arch changes: ARM names its float ABI.
        if family == "armv7" and chosen == "gnu":
            chosen = "gnueabihf"
        elif family != "armv7" and chosen.startswith("gnueabi"):
            chosen = "gnu"
    else:
        chosen = libc.strip().lower()
        if chosen not in LIBCS:
            raise InvalidPlatform("--libc", libc, f"expected one of {', '.join(LIBCS)}")
        if os_name != "linux" and chosen != off_linux:
            raise InvalidPlatform("--libc", libc, f"{os_name} builds use `{off_linux}`")
        if os_name == "linux" and chosen == "none":
            raise InvalidPlatform(
                "--libc", libc, "linux builds use gnu, musl, gnueabi or gnueabihf"
            )
    same = (base.os, base.libc) == (os_name, chosen)
    return (chosen, base.libc_version if same else None)
