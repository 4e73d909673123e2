"""Platform detection from recorded inputs and on this machine; platforms named by the user."""

from __future__ import annotations

import logging
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.core.errors import InvalidPlatform, InvalidRequest
from tui.core.platform import Platform, detect_platform, platform_from_facts, platform_from_parts
from tui.core.platform_probe import (
    HostFacts,
    arch_from_machine,
    arm_libc_from_cpuinfo,
    elf_interpreter,
    elf_interpreter_from_bytes,
    glibc_version_from_loader_name,
    libc_from_loader_output,
    libc_of_loader,
    os_from_sys_platform,
    own_glibc_version,
    read_host_facts,
    x86_64_level_from_cpuinfo,
)

DATA = Path(__file__).parent / "data" / "platform"
ON_LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux host only")


def cpuinfo(name: str) -> str:
    return (DATA / "cpuinfo" / name).read_text()


def loader_output(name: str) -> str:
    return (DATA / "loader" / name).read_text()


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("x86_64-v1-qemu64.txt", None),
        ("x86_64-v2-xeon-x5650-westmere.txt", "v2"),
        ("x86_64-v3-epyc-7742-zen2.txt", "v3"),
        ("x86_64-v3-xeon-phi-7250-knl.txt", "v3"),  # AVX-512F without BW/DQ/VL
        ("x86_64-v4-xeon-sapphire-rapids-vm.txt", "v4"),
        ("armv7-raspberry-pi-2-hf.txt", None),
    ],
)
def test_x86_64_level_from_recorded_cpuinfo(name: str, level: str | None) -> None:
    assert x86_64_level_from_cpuinfo(cpuinfo(name)) == level


def test_x86_64_levels_are_cumulative() -> None:
    # A VM that hides POPCNT but passes AVX-512 through is not v2, so not v3 or v4 either.
    masked = cpuinfo("x86_64-v4-xeon-sapphire-rapids-vm.txt").replace(" popcnt ", " ")
    assert x86_64_level_from_cpuinfo(masked) is None
    assert x86_64_level_from_cpuinfo("") is None


@pytest.mark.parametrize(
    ("name", "libc"),
    [
        ("armv7-raspberry-pi-2-hf.txt", "gnueabihf"),
        ("armv8-aarch64-kernel.txt", "gnueabihf"),
        ("armv7-no-vfp-synthetic.txt", "gnueabi"),
    ],
)
def test_arm_float_abi_from_cpuinfo_features(name: str, libc: str) -> None:
    assert arm_libc_from_cpuinfo(cpuinfo(name)) == libc


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("glibc-2.36-debian12-ld.so--version.txt", ("gnu", "2.36")),
        ("glibc-2.39-ubuntu24.04-ld.so--version.txt", ("gnu", "2.39")),
        ("glibc-2.39-fedora40-ld.so--version.txt", ("gnu", "2.39")),
        ("glibc-2.36-debian12-ldd--version.txt", ("gnu", "2.36")),
        ("glibc-2.31-ubuntu20.04-ldd--version.txt", ("gnu", "2.31")),
        ("glibc-2.17-centos7-ldd--version.txt", ("gnu", "2.17")),
        ("glibc-2.17-centos7-libc.so.6.txt", ("gnu", "2.17")),
        ("musl-1.2.4-alpine3.19-x86_64.txt", ("musl", "1.2.4")),
        ("musl-1.2.5-alpine3.21-aarch64.txt", ("musl", "1.2.5")),
        ("musl-1.1.24-alpine3.12-x86_64-ldd.txt", ("musl", "1.1.24")),
        ("glibc-2.36-debian12-ld.so-bare.txt", None),
        ("nixos-stub-ld.txt", None),
    ],
)
def test_libc_from_recorded_loader_output(name: str, expected: tuple[str, str] | None) -> None:
    assert libc_from_loader_output(loader_output(name)) == expected


@pytest.mark.parametrize(
    ("path", "version"),
    [
        ("/lib/x86_64-linux-gnu/ld-2.31.so", "2.31"),
        ("/usr/lib64/ld-2.17.so", "2.17"),
        ("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", None),
        ("/lib/ld-musl-x86_64.so.1", None),
    ],
)
def test_glibc_version_from_loader_file_name(path: str, version: str | None) -> None:
    assert glibc_version_from_loader_name(path) == version


def elf_image(bits: int, order: str, interpreter: bytes | None, *, phnum_extra: int = 1) -> bytes:
    """A minimal ELF executable: header, program headers (a PT_LOAD, maybe PT_INTERP), string."""
    header_size, phdr_size = (52, 32) if bits == 32 else (64, 56)
    phnum = phnum_extra + (interpreter is not None)
    interp_offset = header_size + phnum * phdr_size
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 1 if order == "<" else 2, 1]) + bytes(9)
    fields = "HHIIIIIHHHHHH" if bits == 32 else "HHIQQQIHHHHHH"
    header = ident + struct.pack(
        order + fields, 2, 0x3E, 1, 0x400000, header_size, 0, 0, header_size, phdr_size,
        phnum, 0, 0, 0,
    )  # fmt: skip
    phdrs = b""
    for _ in range(phnum_extra):
        phdrs += _phdr(bits, order, 1, 0, 0x1000)
    if interpreter is not None:
        phdrs += _phdr(bits, order, 3, interp_offset, len(interpreter) + 1)
    return header + phdrs + (interpreter + b"\0" if interpreter is not None else b"")


def _phdr(bits: int, order: str, kind: int, offset: int, size: int) -> bytes:
    if bits == 32:
        return struct.pack(order + "IIIIIIII", kind, offset, 0, 0, size, size, 4, 1)
    return struct.pack(order + "IIQQQQQQ", kind, 4, offset, 0, 0, size, size, 1)


@pytest.mark.parametrize(
    ("bits", "order", "interpreter"),
    [
        (64, "<", b"/lib64/ld-linux-x86-64.so.2"),
        (64, ">", b"/lib/ld64.so.1"),  # s390x
        (32, "<", b"/lib/ld-linux-armhf.so.3"),
        (32, ">", b"/lib/ld.so.1"),  # 32-bit big-endian (mips, powerpc)
    ],
)
def test_elf_interpreter_of_every_class_and_byte_order(
    bits: int, order: str, interpreter: bytes, tmp_path: Path
) -> None:
    image = elf_image(bits, order, interpreter)
    assert elf_interpreter_from_bytes(image) == interpreter.decode()
    program = tmp_path / "program"
    program.write_bytes(image)
    assert elf_interpreter(program) == interpreter.decode()


@pytest.mark.parametrize(
    "image",
    [
        elf_image(64, "<", None),  # static executable: no PT_INTERP
        elf_image(64, "<", b"/lib64/ld-linux-x86-64.so.2")[:100],  # truncated
        b"#!/bin/sh\necho not an ELF file\n",
        b"",
        b"\x7fELF\x03\x01" + bytes(58),  # unknown class
    ],
)
def test_elf_interpreter_is_none_for_other_files(image: bytes) -> None:
    assert elf_interpreter_from_bytes(image) is None


def test_elf_interpreter_of_missing_file_is_none(tmp_path: Path) -> None:
    assert elf_interpreter(tmp_path / "missing") is None
    assert elf_interpreter(tmp_path) is None  # a directory


@ON_LINUX
def test_real_elf_interpreter_of_bin_sh_is_the_system_loader() -> None:
    interpreter = elf_interpreter("/bin/sh")
    assert interpreter is not None and interpreter.startswith("/")
    assert os.path.exists(interpreter)
    assert re.search(r"ld[-.]", os.path.basename(interpreter))
    assert elf_interpreter(os.path.realpath(sys.executable)) in (interpreter, None)
    found = libc_of_loader(interpreter)
    assert found is not None and found[0] in ("gnu", "musl")


@ON_LINUX
def test_own_glibc_version_agrees_with_running_the_loader() -> None:
    loader = elf_interpreter("/bin/sh")
    assert loader is not None
    ran = subprocess.run([loader, "--version"], capture_output=True, text=True, check=False)
    asked = libc_from_loader_output(ran.stdout + ran.stderr)
    if asked is None or asked[0] != "gnu":
        assert own_glibc_version(loader) is None  # musl or an unusual loader: no shortcut
        return
    assert own_glibc_version(loader) == asked[1]
    assert libc_of_loader(loader) == asked


def test_own_glibc_version_needs_the_same_loader(tmp_path: Path) -> None:
    other = tmp_path / "ld-linux-x86-64.so.2"
    other.write_bytes(b"not the loader this process uses")
    assert own_glibc_version(str(other)) is None
    assert own_glibc_version(str(tmp_path / "missing")) is None


@pytest.mark.parametrize(
    ("machine", "bits", "arch"),
    [
        ("x86_64", 64, "x86_64"),
        ("AMD64", 64, "x86_64"),
        ("amd64", 64, "x86_64"),
        ("arm64", 64, "aarch64"),
        ("ARM64", 64, "aarch64"),
        ("aarch64", 64, "aarch64"),
        ("ppc64le", 64, "powerpc64le"),
        ("i386", 32, "i686"),
        ("i686", 32, "i686"),
        ("x86", 32, "i686"),
        ("armv7l", 32, "armv7"),
        ("armv8l", 32, "armv7"),
        ("riscv64", 64, "riscv64"),
        ("s390x", 64, "s390x"),
        ("x86_64", 32, "i686"),  # 32-bit Python on a 64-bit kernel
        ("aarch64", 32, "armv7"),
        ("mips64", 64, "mips64"),
        ("", 64, "unknown"),
    ],
)
def test_arch_from_machine(machine: str, bits: int, arch: str) -> None:
    assert arch_from_machine(machine, bits) == arch


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("linux", "linux"),
        ("darwin", "darwin"),
        ("win32", "windows"),
        ("cygwin", "windows"),
        ("emscripten", "emscripten"),
        ("freebsd14", "freebsd"),
    ],
)
def test_os_from_sys_platform(value: str, expected: str) -> None:
    assert os_from_sys_platform(value) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (
            HostFacts(
                "linux",
                "x86_64",
                cpuinfo=cpuinfo("x86_64-v3-epyc-7742-zen2.txt"),
                loader="/lib64/ld-linux-x86-64.so.2",
                loader_libc=libc_from_loader_output(
                    loader_output("glibc-2.39-ubuntu24.04-ld.so--version.txt")
                ),
            ),
            Platform("linux", "x86_64", "gnu", "v3", "2.39"),
        ),
        (
            HostFacts(
                "linux",
                "x86_64",
                cpuinfo=cpuinfo("x86_64-v2-xeon-x5650-westmere.txt"),
                loader="/lib/ld-musl-x86_64.so.1",
                loader_libc=libc_from_loader_output(
                    loader_output("musl-1.2.4-alpine3.19-x86_64.txt")
                ),
            ),
            Platform("linux", "x86_64", "musl", "v2", "1.2.4"),
        ),
        (
            HostFacts(
                "linux",
                "armv7l",
                32,
                cpuinfo=cpuinfo("armv7-raspberry-pi-2-hf.txt"),
                loader="/lib/ld-linux-armhf.so.3",
                loader_libc=("gnu", "2.36"),
            ),
            Platform("linux", "armv7", "gnueabihf", None, "2.36"),
        ),
        (  # the loader's name beats cpuinfo: a soft-float userland on a CPU with VFP
            HostFacts(
                "linux",
                "armv7l",
                32,
                cpuinfo=cpuinfo("armv7-raspberry-pi-2-hf.txt"),
                loader="/lib/ld-linux.so.3",
                loader_libc=("gnu", "2.31"),
            ),
            Platform("linux", "armv7", "gnueabi", None, "2.31"),
        ),
        (
            HostFacts(
                "linux", "armv7l", 32, cpuinfo=cpuinfo("armv7-no-vfp-synthetic.txt"), loader=None
            ),
            Platform("linux", "armv7", "gnueabi", None, None),
        ),
        (  # 32-bit Python on a 64-bit kernel: no x86-64 level applies
            HostFacts("linux", "x86_64", 32, cpuinfo("x86_64-v3-epyc-7742-zen2.txt")),
            Platform("linux", "i686", "gnu", None, None),
        ),
        (
            HostFacts("linux", "aarch64", loader_libc=("musl", "1.2.5"), uv_libc="gnu"),
            Platform("linux", "aarch64", "gnu", None, None),
        ),
        (
            HostFacts("linux", "x86_64", loader_libc=("gnu", "2.36"), uv_libc="gnu"),
            Platform("linux", "x86_64", "gnu", None, "2.36"),
        ),
        (HostFacts("darwin", "arm64"), Platform("darwin", "aarch64", "none")),
        (HostFacts("win32", "AMD64"), Platform("windows", "x86_64", "none")),
        (HostFacts("emscripten", "wasm32", 32), Platform("emscripten", "wasm32", "musl")),
        (HostFacts("linux", "loongarch64"), Platform("linux", "loongarch64", "gnu")),
    ],
)
def test_platform_from_recorded_facts(facts: HostFacts, expected: Platform) -> None:
    assert platform_from_facts(facts) == expected


@ON_LINUX
def test_detect_platform_on_this_machine() -> None:
    platform = detect_platform()
    assert platform.os == "linux"
    assert platform.libc in ("gnu", "musl")
    if platform.libc == "gnu":
        assert platform.libc_version is not None
        assert re.fullmatch(r"2\.\d+", platform.libc_version)
    if platform.arch == "x86_64":
        expected = x86_64_level_from_cpuinfo(Path("/proc/cpuinfo").read_text())
        assert platform.arch_level == expected
    assert detect_platform() is platform  # cached
    assert detect_platform({}) is platform
    data = platform.to_json()
    assert data["key"] == platform.key and data["install_key"] == platform.install_key


@ON_LINUX
def test_detection_reads_the_machine_quickly() -> None:
    started = time.perf_counter()
    facts = read_host_facts({})
    elapsed = time.perf_counter() - started
    assert facts.loader is not None and facts.loader_libc is not None
    assert elapsed < 0.5, f"detection took {elapsed * 1000:.0f} ms"


@ON_LINUX
def test_uv_libc_overrides_detection_and_bad_values_are_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    host = detect_platform()
    assert detect_platform({"UV_LIBC": "musl"}).libc == "musl"
    assert detect_platform({"UV_LIBC": ""}) is host  # empty means unset, as in uv
    with caplog.at_level(logging.WARNING, logger="tui.core.platform_probe"):
        facts = read_host_facts({"UV_LIBC": "glibc"})
    assert facts.uv_libc is None
    assert platform_from_facts(facts).libc == host.libc
    assert "ignoring UV_LIBC='glibc'" in caplog.text


GLIBC_V3 = Platform("linux", "x86_64", "gnu", "v3", "2.36")


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ((None, None, None), GLIBC_V3),
        ((None, None, "gnu"), GLIBC_V3),
        (("macos", None, None), Platform("darwin", "x86_64", "none")),
        (("darwin", "arm64", None), Platform("darwin", "aarch64", "none")),
        (("windows", "x86", None), Platform("windows", "i686", "none")),
        (("windows", "aarch64", "none"), Platform("windows", "aarch64", "none")),
        ((None, "x86_64", None), Platform("linux", "x86_64", "gnu", None, "2.36")),
        ((None, "x86_64_v4", None), Platform("linux", "x86_64", "gnu", "v4", "2.36")),
        ((None, "X86_64_V2", None), Platform("linux", "x86_64", "gnu", "v2", "2.36")),
        ((None, None, "musl"), Platform("linux", "x86_64", "musl", "v3")),
        ((None, "armv7", None), Platform("linux", "armv7", "gnueabihf")),
        ((None, "armv7", "gnueabi"), Platform("linux", "armv7", "gnueabi")),
        # Another CPU is another machine: its glibc version is not this one's.
        ((None, "riscv64gc", None), Platform("linux", "riscv64", "gnu")),
        ((None, "riscv64", None), Platform("linux", "riscv64", "gnu")),
        ((None, "powerpc64le", None), Platform("linux", "powerpc64le", "gnu")),
        (("emscripten", "wasm32", None), Platform("emscripten", "wasm32", "musl")),
    ],
)
def test_platform_from_parts(
    parts: tuple[str | None, str | None, str | None], expected: Platform
) -> None:
    assert platform_from_parts(*parts, base=GLIBC_V3) == expected


def test_platform_from_parts_starting_off_linux() -> None:
    mac = Platform("darwin", "aarch64", "none")
    assert platform_from_parts("linux", None, None, mac) == Platform("linux", "aarch64", "gnu")
    armhf = Platform("linux", "armv7", "gnueabihf", None, "2.36")
    assert platform_from_parts(None, "aarch64", None, armhf) == Platform("linux", "aarch64", "gnu")


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("beos", None, None), "invalid --os `beos`: expected one of linux, macos"),
        ((None, "ppc64le", None), "invalid --arch `ppc64le`: uv spells it `powerpc64le`"),
        ((None, "i386", None), "invalid --arch `i386`: uv spells it `x86`"),
        ((None, "x86_64_v5", None), "invalid --arch `x86_64_v5`: expected one of x86_64"),
        ((None, "aarch64_v3", None), "invalid --arch `aarch64_v3`"),
        ((None, None, "glibc"), "invalid --libc `glibc`: expected one of gnu, musl"),
        (("macos", None, "gnu"), "invalid --libc `gnu`: darwin builds use `none`"),
        ((None, None, "none"), "invalid --libc `none`: linux builds use gnu, musl"),
        (("macos", "armv7", None), "invalid --arch `armv7`: darwin builds are for x86_64, aarch64"),
        (("emscripten", None, None), "invalid --os `emscripten`: emscripten builds are for wasm32"),
        ((None, "wasm32", None), "invalid --arch `wasm32`: linux builds are for x86_64"),
    ],
)
def test_platform_from_parts_rejects_unknown_values_in_one_line(
    parts: tuple[str | None, str | None, str | None], message: str
) -> None:
    with pytest.raises(InvalidPlatform) as caught:
        platform_from_parts(*parts, base=GLIBC_V3)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, InvalidRequest)  # the CLI maps it to exit code 2


def test_to_json_has_the_keys_and_both_spellings() -> None:
    data = Platform("linux", "riscv64", "gnu", None, "2.39").to_json()
    assert data == {
        "os": "linux",
        "arch": "riscv64",
        "arch_level": None,
        "libc": "gnu",
        "libc_version": "2.39",
        "key": "linux-riscv64-gnu",
        "install_key": "linux-riscv64gc-gnu",
    }


@pytest.mark.parametrize(
    ("platform", "text"),
    [
        (Platform("linux", "x86_64", "gnu", "v3", "2.36"), "linux x86_64 (x86-64-v3) glibc 2.36"),
        (Platform("linux", "aarch64", "musl", None, "1.2.5"), "linux aarch64 musl 1.2.5"),
        (
            Platform("linux", "armv7", "gnueabihf", None, "2.31"),
            "linux armv7 glibc 2.31 hard-float",
        ),
        (Platform("linux", "armv7", "gnueabi"), "linux armv7 glibc soft-float"),
        (Platform("darwin", "aarch64", "none"), "darwin aarch64"),
        (Platform("darwin", "x86_64", "none"), "darwin x86_64"),  # levels are Linux's only
    ],
)
def test_describe_names_what_chooses_the_builds(platform: Platform, text: str) -> None:
    assert platform.describe() == text
