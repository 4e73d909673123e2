"""Build real PBS-shaped archives for install tests: a staged interpreter, fakes, hostile ones."""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

PBS_PREFIX = "https://github.com/astral-sh/python-build-standalone/releases/download"
TAG = "20260101"
VERSION = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
MINOR = f"{sys.version_info.major}.{sys.version_info.minor}"
PC_FILE = b"# See: man pkg-config\nprefix=/install\nexec_prefix=${prefix}\nName: Python\n"
SYSCONFIG_HEADER = "# system configuration generated and used by the sysconfig module\n"

# Folders of the stdlib a PBS install_only archive drops or a test does not need.
_SKIP_STDLIB = {
    "site-packages",
    "test",
    "idlelib",
    "tkinter",
    "turtledemo",
    "ensurepip",
    "__pycache__",
    "lib2to3",
    "pydoc_data",
}


@dataclass(frozen=True, slots=True)
class HostTriple:
    """The PBS triple and catalog spellings of this machine."""

    triple: str
    os: str
    arch: str
    libc: str

    @property
    def install_suffix(self) -> str:
        """`linux-x86_64-gnu`: the platform part of uv's installation keys."""
        os_name = {"darwin": "macos"}.get(self.os, self.os)
        return f"{os_name}-{self.arch}-{self.libc}"


def host_triple() -> HostTriple | None:
    """None on hosts the staged interpreter cannot represent (Windows, odd arches)."""
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if arch not in ("x86_64", "aarch64"):
        return None
    if sys.platform == "darwin":
        return HostTriple(f"{arch}-apple-darwin", "darwin", arch, "none")
    if sys.platform.startswith("linux"):
        libc = "gnu" if platform.libc_ver()[0] == "glibc" else "musl"
        return HostTriple(f"{arch}-unknown-linux-{libc}", "linux", arch, libc)
    return None


def asset_name(version: str, triple: str, flavour: str, tag: str = TAG) -> str:
    ext = "tar.zst" if flavour.endswith("-full") else "tar.gz"
    return f"cpython-{version}+{tag}-{triple}-{flavour}.{ext}"


def _copy_stdlib(source: Path, target: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in _SKIP_STDLIB or n.startswith("config-")}
        if os.path.basename(folder) == "lib-dynload":
            skipped |= {n for n in names if n.startswith(("_test", "xxlimited", "_xx"))}
        return skipped

    shutil.copytree(source, target, ignore=ignore, symlinks=True)
    # A distro's stdlib can link out of itself (Debian: sitecustomize.py -> /etc/python3.X/);
    # a build never does, and installs refuse such links: take what they point at instead.
    for folder, folders, files in os.walk(target):
        for name in folders + files:
            link = os.path.join(folder, name)
            if os.path.islink(link) and os.path.isabs(os.readlink(link)):
                pointed = os.path.realpath(link)
                os.unlink(link)
                if os.path.isfile(pointed):
                    shutil.copy2(pointed, link)


def stage_interpreter(dest: Path) -> Path:
    """Copy the running interpreter, stdlib only, into `dest/python` in PBS's install_only shape.

    `_sysconfigdata_*.py` is rewritten to the `/install` prefix PBS builds with, and a
    `lib/pkgconfig/python3.pc` with `prefix=/install` is added; `bin/python` is left out, as
    in PBS releases before 20240726. Returns `dest/python`.
    """
    base = Path(sys.base_prefix)
    root = dest / "python"
    (root / "bin").mkdir(parents=True)
    executable = Path(os.path.realpath(sys.executable))
    if not executable.is_relative_to(base):
        executable = base / "bin" / f"python{MINOR}"
    shutil.copy2(executable, root / "bin" / f"python{MINOR}")
    os.symlink(f"python{MINOR}", root / "bin" / "python3")
    stdlib = Path(sysconfig.get_path("stdlib"))
    _copy_stdlib(stdlib, root / "lib" / f"python{MINOR}")
    data = next((root / "lib" / f"python{MINOR}").glob("_sysconfigdata_*.py"))
    text = data.read_text()
    if not text.startswith("#"):
        text = SYSCONFIG_HEADER + text
    data.write_text(text.replace(str(base), "/install"))
    (root / "lib" / "pkgconfig").mkdir(parents=True)
    (root / "lib" / "pkgconfig" / "python3.pc").write_bytes(PC_FILE)
    if not _runs(root):
        # A shared libpython found through $ORIGIN must come along.
        for lib in (base / "lib").glob("libpython*"):
            shutil.copy2(lib, root / "lib" / lib.name, follow_symlinks=False)
    if not _runs(root):
        raise RuntimeError(f"the staged interpreter in {root} does not start")
    return root


def _runs(root: Path) -> bool:
    exe = root / "bin" / f"python{MINOR}"
    result = subprocess.run(
        [str(exe), "-c", "import sys; print(sys.prefix)"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "")},
    )
    return result.returncode == 0 and result.stdout.strip() == str(root)


def fake_tree(
    dest: Path, version: str = "3.12.99", *, suffix: str = "", sysconfig_header: bool = True
) -> Path:
    """A tiny Python-shaped tree (a shell script for an interpreter) in `dest/python`."""
    major_minor = ".".join(version.split(".")[:2])
    root = dest / "python"
    lib = root / "lib" / f"python{major_minor}{'t' if 't' in suffix else ''}"
    lib.mkdir(parents=True)
    (root / "bin").mkdir()
    exe = root / "bin" / f"python{major_minor}{suffix}"
    exe.write_text(f"#!/bin/sh\necho {version}\n")
    exe.chmod(0o755)
    header = SYSCONFIG_HEADER if sysconfig_header else ""
    (lib / "_sysconfigdata__fake.py").write_text(
        f"{header}build_time_vars = {{'prefix': '/install', 'CC': 'clang -pthread',\n"
        " 'LIBDIR': '/install/lib', 'CFLAGS': '-I/install/include  -O2'}\n"
    )
    (lib / "os.py").write_text("")
    (root / "lib" / "pkgconfig").mkdir()
    (root / "lib" / "pkgconfig" / "python3.pc").write_bytes(PC_FILE)
    return root


def _tarinfo(name: str, path: Path) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    st = os.lstat(path)
    info.mtime = int(st.st_mtime)
    info.mode = st.st_mode & 0o7777
    if path.is_symlink():
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(path)
    elif path.is_dir():
        info.type = tarfile.DIRTYPE
    else:
        info.size = st.st_size
    return info


def _add_tree(tar: tarfile.TarFile, root: Path, prefix: str) -> None:
    tar.addfile(_tarinfo(prefix, root))
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs) + sorted(files):
            path = Path(folder) / name
            member = f"{prefix}/{path.relative_to(root).as_posix()}"
            info = _tarinfo(member, path)
            if info.isreg():
                with open(path, "rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
                if path.is_symlink() and path.is_dir():
                    dirs.remove(name)


def pack_install_only(tree: Path, out: Path, *, level: int = 1) -> Path:
    """`python/...` as a `.tar.gz` (gzip level 1 by default: fast to build in tests)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w:gz", compresslevel=level, format=tarfile.PAX_FORMAT) as tar:
        _add_tree(tar, tree, "python")
    return out


def pack_folder(tree: Path, out: Path, top: str) -> Path:
    """`<top>/...` as a `.tar.gz`: the shape of PyPy and GraalPy archives."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w:gz", compresslevel=1, format=tarfile.PAX_FORMAT) as tar:
        _add_tree(tar, tree, top)
    return out


def pack_full(tree: Path, out: Path, python_json: dict[str, Any]) -> Path:
    """A full `.tar.zst`: `python/PYTHON.json` first, `python/install/`, `build/`, `licenses/`."""
    import zstandard

    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "python/PYTHON.json", json.dumps(python_json, indent=4).encode())
        _add_tree(tar, tree, "python/install")
        _add_bytes(tar, "python/build/lib/libpython-static.a", b"\0" * 4096)
        _add_bytes(tar, "python/build/run_tests.py", b"print('not shipped')\n")
        _add_bytes(tar, "python/licenses/LICENSE.txt", b"license text\n")
    out.write_bytes(zstandard.ZstdCompressor(level=1).compress(buffer.getvalue()))
    return out


def python_json(version: str, triple: str, *, options: str = "pgo+lto") -> dict[str, Any]:
    major_minor = ".".join(version.split(".")[:2])
    suffix = "t" if "freethreaded" in options else ""
    return {
        "version": "8",
        "target_triple": triple,
        "build_options": options,
        "python_version": version,
        "python_major_minor_version": major_minor,
        "python_exe": f"install/bin/python{major_minor}{suffix}",
        "python_paths": {"stdlib": f"install/lib/python{major_minor}{suffix}"},
    }


def _add_bytes(
    tar: tarfile.TarFile, name: str, data: bytes, *, mode: int = 0o644, kind: bytes | None = None
) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = 1_700_000_000
    if kind is not None:
        info.type = kind
        info.size = 0
    tar.addfile(info, io.BytesIO(data) if kind is None else None)


def _add_link(tar: tarfile.TarFile, name: str, kind: bytes, target: str) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    tar.addfile(info)


def hostile_archive(out: Path, attack: str) -> Path:
    """A small `.tar.gz` whose last member is the attack named by `attack`."""
    with tarfile.open(out, "w:gz", compresslevel=1) as tar:
        _add_bytes(tar, "python/bin/python3.12", b"#!/bin/sh\n", mode=0o755)
        if attack == "absolute":
            _add_bytes(tar, "/tmp/pybuilds-owned", b"x")
        elif attack == "dotdot":
            _add_bytes(tar, "python/../../escaped", b"x")
        elif attack == "symlink":
            _add_link(tar, "python/lib/evil", tarfile.SYMTYPE, "../../../../etc")
        elif attack == "symlink-absolute":
            _add_link(tar, "python/lib/evil", tarfile.SYMTYPE, "/etc")
        elif attack == "symlink-write":
            _add_link(tar, "python/lib", tarfile.SYMTYPE, "bin")
            _add_bytes(tar, "python/lib/through-link", b"x")
        elif attack == "hardlink":
            _add_link(tar, "python/lib/passwd", tarfile.LNKTYPE, "../../etc/passwd")
        elif attack == "hardlink-absolute":
            _add_link(tar, "python/lib/passwd", tarfile.LNKTYPE, "/etc/passwd")
        elif attack == "device":
            _add_bytes(tar, "python/dev-null", b"", kind=tarfile.CHRTYPE)
        elif attack == "fifo":
            _add_bytes(tar, "python/fifo", b"", kind=tarfile.FIFOTYPE)
        else:
            raise ValueError(attack)
    return out


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def catalog_entry(
    version: str,
    host: HostTriple,
    name: str,
    sha256: str | None,
    *,
    variant: str | None = None,
    tag: str = TAG,
    prefix: str = PBS_PREFIX,
) -> tuple[str, dict[str, Any]]:
    """A uv catalog entry for an archive published at `<prefix>/<tag>/<name>`."""
    major, minor, patch = version.split(".")
    variant_part = f"+{variant}" if variant else ""
    key = f"cpython-{version}{variant_part}-{host.os}-{host.arch}-{host.libc}"
    return key, {
        "name": "cpython",
        "arch": {"family": host.arch, "variant": None},
        "os": host.os,
        "libc": host.libc,
        "major": int(major),
        "minor": int(minor),
        "patch": int(patch),
        "prerelease": "",
        "url": f"{prefix}/{tag}/{quote(name, safe='')}",
        "sha256": sha256,
        "variant": variant,
        "build": tag,
    }


def write_catalog(path: Path, entries: Iterable[tuple[str, dict[str, Any]]]) -> Path:
    path.write_text(json.dumps(dict(entries), indent=1))
    return path


def publish(mirror: Path, archive: Path, *, tag: str = TAG) -> Path:
    """Put `archive` at `<mirror>/<tag>/<name>` and list it in that folder's SHA256SUMS."""
    folder = mirror / tag
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / archive.name
    if archive != target:
        shutil.copyfile(archive, target)
    sums = folder / "SHA256SUMS"
    lines = sums.read_text().splitlines() if sums.exists() else []
    lines = [line for line in lines if not line.endswith(f"  {archive.name}")]
    lines.append(f"{sha256_of(target)}  {archive.name}")
    sums.write_text("\n".join(sorted(lines, key=lambda x: x.split("  ", 1)[1])) + "\n")
    return target
