"""Reading the host: ELF loaders, their libc, /proc/cpuinfo and the facts detection uses."""

from __future__ import annotations

import os
import re
import struct
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from tui.core.names import LIBCS
from tui.core.quietlog import debug, warning

# --- Reading the machine: small pure functions over recorded inputs ----------------------------

_X86_64_LEVELS = (
    ("v2", frozenset(["cx16", "lahf_lm", "popcnt", "pni", "ssse3", "sse4_1", "sse4_2"])),
    ("v3", frozenset(["avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"])),
    ("v4", frozenset(["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"])),
)


def machine() -> str:
    """The CPU name the kernel reports (`x86_64`, `aarch64`, `AMD64`)."""
    if hasattr(os, "uname"):
        return os.uname().machine
    import platform  # Windows; the module costs ~3 ms, so only there

    return platform.machine()


def _cpuinfo_field(text: str, name: str) -> frozenset[str]:
    """Words of the first `name : ...` line of /proc/cpuinfo (every CPU lists the same)."""
    match = re.search(rf"^{name}\s*:(.*)$", text, re.MULTILINE)
    return frozenset(match[1].split()) if match else frozenset()


def x86_64_level_from_cpuinfo(text: str) -> str | None:
    """Highest x86-64 level (`v2`..`v4`) whose flags all appear, cumulatively; None for v1."""
    flags = _cpuinfo_field(text, "flags")
    level = None
    for name, needed in _X86_64_LEVELS:
        if not needed <= flags:
            break
        level = name
    return level


def arm_libc_from_cpuinfo(text: str) -> str:
    """`gnueabihf` when the CPU has a VFP unit (`vfp`, or `fp` under a 64-bit kernel)."""
    features = _cpuinfo_field(text, "Features")
    return "gnueabihf" if features & {"vfp", "fp"} else "gnueabi"


def libc_from_loader_output(output: str) -> tuple[str, str | None] | None:
    """(`musl`|`gnu`, version) from what a loader, `ld.so --version` or `ldd --version` print."""
    if re.search(r"^musl libc\b", output, re.MULTILINE):
        version = re.search(r"^Version (\d+\.\d+(?:\.\d+)?)", output, re.MULTILINE)
        return ("musl", version[1] if version else None)
    for pattern in (
        r"^ld\.so \(.*?\) stable release version (\d+\.\d+)",
        r"^ldd \(.*?\) (\d+\.\d+)",
        r"^GNU C Library \(.*?\) (?:stable )?release version (\d+\.\d+)",
    ):
        match = re.search(pattern, output, re.MULTILINE)
        if match:
            return ("gnu", match[1])
    return None


def glibc_version_from_loader_name(name: str) -> str | None:
    """`2.31` from a loader symlink target `ld-2.31.so` (glibc before 2.34)."""
    match = re.fullmatch(r"ld-(\d+\.\d+)\.so", os.path.basename(name))
    return match[1] if match else None


_ELF_HEADER = {1: "HHIIIIIHHH", 2: "HHIQQQIHHH"}
"""e_type .. e_phnum after e_ident, for ELFCLASS32 and ELFCLASS64."""
_ELF_PHDR = {1: "IIIIIIII", 2: "IIQQQQQQ"}
_PT_INTERP = 3


def _elf_interpreter(read: Callable[[int, int], bytes]) -> str | None:
    ident = read(0, 16)
    if (
        len(ident) < 16
        or ident[:4] != b"\x7fELF"
        or ident[4] not in (1, 2)
        or ident[5] not in (1, 2)
    ):
        return None
    bits, order = ident[4], "<" if ident[5] == 1 else ">"
    header = struct.Struct(order + _ELF_HEADER[bits])
    data = read(16, header.size)
    if len(data) < header.size:
        return None
    fields = header.unpack(data)
    phoff, phentsize, phnum = fields[4], fields[8], fields[9]
    phdr = struct.Struct(order + _ELF_PHDR[bits])
    if phentsize < phdr.size or phnum > 256:
        return None
    for index in range(phnum):
        entry = read(phoff + index * phentsize, phdr.size)
        if len(entry) < phdr.size:
            return None
        program = phdr.unpack(entry)
        if program[0] != _PT_INTERP:
            continue
        offset, size = (program[1], program[4]) if bits == 1 else (program[2], program[5])
        if not 0 < size <= 4096:
            return None
        path = read(offset, size).split(b"\0", 1)[0]
        return os.fsdecode(path) or None
    return None


def elf_interpreter_from_bytes(data: bytes) -> str | None:
    """The PT_INTERP path of an ELF image (32/64-bit, either byte order); None if absent."""
    return _elf_interpreter(lambda offset, size: data[offset : offset + size])


def elf_interpreter(path: str | os.PathLike[str]) -> str | None:
    """The PT_INTERP path of an ELF file, reading only the headers; None if unreadable."""
    try:
        with open(path, "rb") as file:

            def read(offset: int, size: int) -> bytes:
                file.seek(offset)
                return file.read(size)

            return _elf_interpreter(read)
    except (OSError, ValueError, OverflowError) as error:
        debug(__name__, "cannot read ELF headers of %s: %s", path, error)
        return None


_MACHINES = {
    "x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64",
    "aarch64": "aarch64", "arm64": "aarch64", "armv8b": "aarch64",
    "i386": "i686", "i486": "i686", "i586": "i686", "i686": "i686", "x86": "i686",
    "armv7l": "armv7", "armv7": "armv7", "armv7hl": "armv7", "armv8l": "armv7",
    "ppc64le": "powerpc64le", "powerpc64le": "powerpc64le",
    "riscv64": "riscv64", "s390x": "s390x", "wasm32": "wasm32",
}  # fmt: skip
# A 32-bit Python on a 64-bit kernel runs 32-bit builds.
_32_BIT_OF = {"x86_64": "i686", "aarch64": "armv7"}


def arch_from_machine(machine: str, pointer_bits: int = 64) -> str:
    """Catalog arch family for `platform.machine()`; unknown machines keep their own name."""
    name = machine.strip().lower()
    arch = _MACHINES.get(name)
    if arch is None:
        debug(__name__, "unknown machine %r: no builds will match it", machine)
        return name or "unknown"
    return _32_BIT_OF.get(arch, arch) if pointer_bits == 32 else arch


def os_from_sys_platform(value: str) -> str:
    """Catalog OS for `sys.platform` (`linux`, `darwin`, `win32`...)."""
    if value.startswith("linux"):
        return "linux"
    if value in ("win32", "cygwin", "msys"):
        return "windows"
    if value in ("darwin", "emscripten"):
        return value
    debug(__name__, "unknown sys.platform %r: no builds will match it", value)
    return re.sub(r"\d+$", "", value) or "unknown"  # freebsd14 -> freebsd


# --- Reading this machine ---------------------------------------------------------------------


class HostFacts(NamedTuple):
    """What detection reads from the machine; tests build these from recorded inputs."""

    sys_platform: str
    machine: str
    pointer_bits: int = 64
    cpuinfo: str = ""
    """/proc/cpuinfo, read on Linux for x86-64 levels and the ARM float ABI."""
    loader: str | None = None
    """The ELF interpreter (dynamic loader) of system programs."""
    loader_libc: tuple[str, str | None] | None = None
    """(`gnu`|`musl`, version) found from the loader's name or output."""
    uv_libc: str | None = None
    """`UV_LIBC`, which overrides the detected libc."""


_SYSTEM_PROGRAMS = ("/bin/sh", "/usr/bin/env", "/bin/dash", "/bin/ls")
# Known loaders per arch, glibc first, for systems whose programs we cannot read.
_KNOWN_LOADERS = {
    "x86_64": ("/lib64/ld-linux-x86-64.so.2", "/lib/ld-musl-x86_64.so.1"),
    "aarch64": ("/lib/ld-linux-aarch64.so.1", "/lib/ld-musl-aarch64.so.1"),
    "i686": ("/lib/ld-linux.so.2", "/lib/ld-musl-i386.so.1"),
    "armv7": (
        "/lib/ld-linux-armhf.so.3",
        "/lib/ld-linux.so.3",
        "/lib/ld-musl-armhf.so.1",
        "/lib/ld-musl-arm.so.1",
    ),
    "powerpc64le": ("/lib64/ld64.so.2", "/lib/ld-musl-powerpc64le.so.1"),
    "s390x": ("/lib/ld64.so.1", "/lib/ld-musl-s390x.so.1"),
    "riscv64": ("/lib/ld-linux-riscv64-lp64d.so.1", "/lib/ld-musl-riscv64.so.1"),
}


def find_loader(arch: str) -> str | None:
    """The dynamic loader that system programs use (uv's order), else a known one on disk."""
    for program in _SYSTEM_PROGRAMS:
        interpreter = elf_interpreter(program)
        if interpreter:
            return interpreter
    for candidate in _KNOWN_LOADERS.get(arch, ()):
        if os.path.exists(candidate):
            return candidate
    debug(__name__, "no dynamic loader found for %s", arch)
    return None


def _run(command: list[str]) -> str:
    import subprocess  # ~3 ms; only when the loader has to be asked

    try:
        result = subprocess.run(
            command, capture_output=True, timeout=5, check=False, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError) as error:
        debug(__name__, "cannot run %s: %s", command, error)
        return ""
    return (result.stdout + result.stderr).decode("utf-8", "replace")


def own_glibc_version(loader: str) -> str | None:
    """The glibc version this process runs on, when it shares `loader` with system programs.

    Asking the C library in-process saves running the loader (~5 ms with the subprocess import);
    a Python on another glibc (Nix, a sysroot) has another loader, so it falls through to that.
    """
    try:
        banner = os.confstr("CS_GNU_LIBC_VERSION") or ""  # "glibc 2.36"
    except (AttributeError, ValueError, OSError):
        return None
    match = re.fullmatch(r"glibc (\d+\.\d+)(?:\.\S*)?", banner)
    own_loader = elf_interpreter(sys.executable) if match and sys.executable else None
    if not match or not own_loader:
        return None
    try:
        return match[1] if os.path.samefile(own_loader, loader) else None
    except OSError:
        return None


def libc_of_loader(loader: str) -> tuple[str, str | None] | None:
    """(`gnu`|`musl`, version) of a loader, running it only when its name does not tell."""
    if "musl" in os.path.basename(loader):
        # musl's loader prints `musl libc (x86_64)` and `Version 1.2.4` when run bare.
        found = libc_from_loader_output(_run([loader]))
        return ("musl", found[1] if found else None)
    version = glibc_version_from_loader_name(os.path.realpath(loader)) or own_glibc_version(loader)
    if version:
        return ("gnu", version)
    return libc_from_loader_output(_run([loader, "--version"])) or libc_from_loader_output(
        _run([loader])
    )


def read_host_facts(env: Mapping[str, str]) -> HostFacts:
    """Read this machine: OS, machine, pointer size, and on Linux cpuinfo and the loader."""
    facts = HostFacts(sys.platform, machine(), struct.calcsize("P") * 8)
    if os_from_sys_platform(facts.sys_platform) != "linux":
        return facts
    arch = arch_from_machine(facts.machine, facts.pointer_bits)
    cpuinfo = ""
    if arch in ("x86_64", "armv7"):
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError as error:
            debug(__name__, "cannot read /proc/cpuinfo: %s", error)
    uv_libc = env.get("UV_LIBC") or None
    if uv_libc is not None and uv_libc not in LIBCS:
        warning(__name__, "ignoring UV_LIBC=%r: expected one of %s", uv_libc, ", ".join(LIBCS))
        uv_libc = None
    loader = libc = None
    if uv_libc is None or arch == "armv7":
        loader = find_loader(arch)
    if uv_libc is None and loader:
        libc = libc_of_loader(loader)
    return HostFacts(
        facts.sys_platform, facts.machine, facts.pointer_bits, cpuinfo, loader, libc, uv_libc
    )
