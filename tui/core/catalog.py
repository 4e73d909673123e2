"""Download catalogs in uv's `download-metadata.json` format -> frozen Build records."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable
from typing import Any, NamedTuple
from urllib.parse import unquote

from tui.core.errors import CatalogError
from tui.core.names import (
    ARCH_VARIANTS,
    ARCHES,
    IMPLEMENTATION_RANK,
    IMPLEMENTATIONS,
    LIBCS,
    OSES,
    VARIANTS,
    InstallKey,
    Variant,
    arch_name,
    install_arch,
    install_os,
    variant_suffix,
)
from tui.core.redact import redact_url
from tui.core.versions import Version, build_sort_key, prerelease_rank

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_VARIANT_RANK = {"default": 3, "freethreaded": 2, "debug": 1, "freethreaded+debug": 0}


class Build(NamedTuple):
    """One downloadable build: a catalog entry plus where the entry came from."""

    key: str
    """The catalog's key for the entry (uv ignores it except in logs)."""
    implementation: str
    """`cpython`, `pypy`, `graalpy` (`pyodide` for CPython on emscripten)."""
    major: int
    minor: int
    patch: int
    prerelease: str
    variant: Variant
    os: str
    arch: str
    """Arch family in catalog spelling (`x86_64`, `i686`, `riscv64`)."""
    arch_level: str | None
    """x86-64 level `v2`..`v4`, None for the baseline."""
    libc: str
    url: str
    """Canonical URL as in the catalog (`+` written `%2B`); may carry credentials: redact it."""
    sha256: str | None
    build: str | None
    """PBS release tag (`20260814`), PyPy/GraalPy version, or a custom build number."""
    source: str
    """Where the catalog came from: `embedded`, a path or a redacted URL."""

    @property
    def version(self) -> Version:
        return Version(self.major, self.minor, self.patch, self.prerelease)

    @property
    def install_key(self) -> InstallKey:
        """uv's installation folder name for this build."""
        return InstallKey(
            self.implementation,
            str(self.version),
            self.variant,
            install_os(self.os),
            install_arch(self.arch, self.arch_level),
            self.libc,
        )

    @property
    def platform_key(self) -> str:
        return f"{self.os}-{arch_name(self.arch, self.arch_level)}-{self.libc}"

    @property
    def filename(self) -> str:
        """The archive's real file name (`+`, not `%2B`)."""
        return unquote(self.url.rsplit("/", 1)[-1].split("?", 1)[0])

    @property
    def display_url(self) -> str:
        return redact_url(self.url)

    def sort_key(self) -> tuple[Any, ...]:
        """uv's order, ascending: sort with reverse=True for best first."""
        return uv_order(
            self.implementation,
            Version(self.major, self.minor, self.patch, self.prerelease),
            self.build,
            baseline_arch=self.arch_level is None,
            variant=self.variant,
        )


def uv_order(
    implementation: str, version: Version, build: str | None, *, baseline_arch: bool, variant: str
) -> tuple[Any, ...]:
    """uv's preference among builds and installations, ascending: implementation, version,
    build tag, baseline arch over a level, then variant."""
    return (
        IMPLEMENTATION_RANK.get(implementation, -1),
        version.major,
        version.minor,
        version.patch,
        prerelease_rank(version.prerelease),
        build_sort_key(build),
        baseline_arch,
        _VARIANT_RANK[variant],
    )


def _entry_to_build(key: str, entry: Any, source: str) -> Build | None:
    """Validate one entry as uv does; None for entries uv would skip silently."""
    if not isinstance(entry, dict):
        raise CatalogError(source, "entry is not an object", entry=key)

    def field(name: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
        value = entry.get(name)
        if value is None:
            if required:
                raise CatalogError(source, f"missing required field `{name}`", entry=key)
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            expected = kind.__name__ if isinstance(kind, type) else "string"
            raise CatalogError(
                source, f"field `{name}` should be {expected}, not {value!r:.40}", entry=key
            )
        return value

    name = field("name", str)
    arch = field("arch", dict)
    family = arch.get("family")
    if not isinstance(family, str):
        raise CatalogError(source, "missing required field `arch.family`", entry=key)
    level = arch.get("variant")
    if level is not None and not isinstance(level, str):
        raise CatalogError(source, "field `arch.variant` should be a string", entry=key)
    os_name = field("os", str)
    libc = field("libc", str)
    numbers = []
    for part in ("major", "minor", "patch"):
        number = field(part, int)
        if not 0 <= number <= 255:
            raise CatalogError(source, f"field `{part}` out of range: {number}", entry=key)
        numbers.append(number)
    url = field("url", str)
    prerelease = field("prerelease", str, required=False) or ""
    if prerelease and not re.fullmatch(r"(a|b|rc)\d+", prerelease):
        raise CatalogError(
            source, f"field `prerelease` is not a pre-release: {prerelease!r}", entry=key
        )
    sha256 = field("sha256", str, required=False)
    if sha256 is not None and not _SHA256.match(sha256):
        raise CatalogError(source, "field `sha256` is not 64 hex digits", entry=key)
    variant = field("variant", str, required=False) or "default"
    build = field("build", str, required=False)
    if name not in IMPLEMENTATIONS or os_name not in OSES or libc not in LIBCS:
        return None
    if family not in ARCHES or (level is not None and level not in ARCH_VARIANTS):
        return None
    if variant not in VARIANTS:
        return None
    if os_name == "emscripten":
        name = "pyodide"
    return Build(
        key=key,
        implementation=name,
        major=numbers[0],
        minor=numbers[1],
        patch=numbers[2],
        prerelease=prerelease,
        variant=variant,
        os=os_name,
        arch=family,
        arch_level=level,
        libc=libc,
        url=url,
        sha256=sha256.lower() if sha256 else None,
        build=build,
        source=source,
    )


def builds_from_json(document: Any, source: str) -> tuple[Build, ...]:
    """Turn a parsed uv catalog into builds, best first; raises CatalogError on bad shape."""
    if not isinstance(document, dict):
        raise CatalogError(source, "top level is not a JSON object of entries")
    builds = [b for k, e in document.items() if (b := _entry_to_build(k, e, source)) is not None]
    builds.sort(key=Build.sort_key, reverse=True)
    return tuple(builds)


def parse_catalog(data: bytes, source: str) -> tuple[Build, ...]:
    """Parse catalog bytes (JSON, optionally gzip-compressed)."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        # ValueError: bad JSON or bytes, and integers of over 4,300 digits; RecursionError:
        # arrays nested thousands deep. Neither is a catalog, and neither is our bug.
        detail = f"not valid JSON ({str(error)[:200]})"
        raise CatalogError(source, detail) from None
    if isinstance(document, dict) and not isinstance(document.get("version", {}), dict):
        raise CatalogError(
            source, "this is a newer catalog format (top-level `version`) than pybuilds reads"
        )
    return builds_from_json(document, source)


def to_json(builds: Iterable[Build]) -> dict[str, Any]:
    """The uv-format document for `builds` (for mirrors and cached catalogs)."""
    return {
        build.key: {
            "name": "cpython" if build.implementation == "pyodide" else build.implementation,
            "arch": {"family": build.arch, "variant": build.arch_level},
            "os": build.os,
            "libc": build.libc,
            "major": build.major,
            "minor": build.minor,
            "patch": build.patch,
            "prerelease": build.prerelease,
            "url": build.url,
            "sha256": build.sha256,
            "variant": None if build.variant == "default" else build.variant,
            "build": build.build,
        }
        for build in builds
    }


def catalog_key(build: Build) -> str:
    """uv's key form for an entry: `cpython-3.13.1+freethreaded-linux-x86_64_v3-gnu`."""
    name = "cpython" if build.implementation == "pyodide" else build.implementation
    return (
        f"{name}-{build.version}{variant_suffix(build.variant)}-{build.os}"
        f"-{arch_name(build.arch, build.arch_level)}-{build.libc}"
    )
