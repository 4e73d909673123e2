"""The catalog shipped with pybuilds: validated, sorted rows in one compressed section per platform.

`tui/data/catalog.bin` is a one-line JSON header followed by zlib-compressed sections:

    {"format": 2, "origin": "...", "prefixes": [url prefix, ...],
     "sections": [[os, libc, arch, offset, size], ...]}\\n
    <section>...

Each section is the JSON `[positions, rows]` for one (os, libc, arch family): a row holds a
Build's fields except those three and the source, with the URL split into a prefix index and the
rest; `positions` are the rows' places in the whole catalog, best first. `pybuilds list` reads
only the sections its platform can run (a quarter of the file on x86-64 Linux): decompressing
and parsing rows is most of its start-up.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any, NamedTuple

from tui.core.catalog import Build, builds_from_json
from tui.core.errors import CatalogError

EMBEDDED_PATH = Path(__file__).resolve().parent.parent / "data" / "catalog.bin"
EMBEDDED_SOURCE = "embedded"
_FORMAT = 2


class Scope(NamedTuple):
    """The part of a catalog a caller will look at; None means any."""

    os: str | None = None
    libc: str | None = None
    arches: frozenset[str] | None = None
    """Arch families (`x86_64`, `aarch64`), whatever the x86-64 level."""

    def includes(self, os_name: str, libc: str, arch: str) -> bool:
        return (
            (self.os is None or os_name == self.os)
            and (self.libc is None or libc == self.libc)
            and (self.arches is None or arch in self.arches)
        )


def in_scope(build: Build, scope: Scope | None) -> bool:
    return scope is None or scope.includes(build.os, build.libc, build.arch)


def pack_embedded(document: dict[str, Any], origin: str) -> bytes:
    """A uv catalog in the embedded format (used by scripts/pack_catalog.py)."""
    prefixes: list[str] = []
    sections: dict[tuple[str, str, str], tuple[list[int], list[list[Any]]]] = {}
    for position, build in enumerate(builds_from_json(document, EMBEDDED_SOURCE)):
        head, sep, rest = build.url.rpartition("/releases/download/")
        prefix, rest = (head + sep, rest) if sep else build.url.rsplit("/", 1)
        prefix = prefix if sep else prefix + "/"
        if prefix not in prefixes:
            prefixes.append(prefix)
        positions, rows = sections.setdefault((build.os, build.libc, build.arch), ([], []))
        positions.append(position)
        rows.append([
            build.key, build.implementation, build.major, build.minor, build.patch,
            build.prerelease, build.variant, build.arch_level,
            prefixes.index(prefix), rest, build.sha256, build.build,
        ])  # fmt: skip
    bodies, table, offset = [], [], 0
    for (os_name, libc, arch), content in sections.items():
        body = zlib.compress(json.dumps(content, separators=(",", ":")).encode(), 9)
        table.append([os_name, libc, arch, offset, len(body)])
        bodies.append(body)
        offset += len(body)
    header = {"format": _FORMAT, "origin": origin, "prefixes": prefixes, "sections": table}
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + b"".join(bodies)


def _read_header(data: bytes) -> tuple[dict[str, Any], int]:
    end = data.find(b"\n")
    try:
        header = json.loads(data[:end]) if end > 0 else None
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        raise CatalogError(EMBEDDED_SOURCE, "the embedded catalog has an unknown format")
    return header, end + 1


def unpack_embedded(data: bytes, scope: Scope | None = None) -> tuple[Build, ...]:
    """Builds of the sections in `scope` (all without one), best first."""
    header, base = _read_header(data)
    prefixes: list[str] = header["prefixes"]
    scope = scope or Scope()
    sections: list[tuple[list[int], tuple[Build, ...]]] = []
    for os_name, libc, arch, offset, size in header["sections"]:
        if not scope.includes(os_name, libc, arch):
            continue
        positions, rows = json.loads(zlib.decompress(data[base + offset : base + offset + size]))
        builds = tuple(
            Build(key, impl, major, minor, patch, pre, variant, os_name, arch, level, libc,
                  prefixes[prefix] + rest, sha, tag, EMBEDDED_SOURCE)
            for key, impl, major, minor, patch, pre, variant, level, prefix, rest, sha, tag in rows
        )  # fmt: skip
        sections.append((positions, builds))
    if len(sections) == 1:
        return sections[0][1]  # one section is already in catalog order
    # Positions are unique, so sorting the pairs never compares two builds.
    placed = sorted(
        pair for positions, builds in sections for pair in zip(positions, builds, strict=True)
    )
    return tuple(build for _, build in placed)


def load_embedded(scope: Scope | None = None) -> tuple[Build, ...]:
    """The catalog shipped with pybuilds, best first; only builds for `scope` when given."""
    return unpack_embedded(EMBEDDED_PATH.read_bytes(), scope)


def embedded_origin() -> str:
    """Where the embedded catalog came from (shown by `pybuilds catalog`)."""
    with EMBEDDED_PATH.open("rb") as file:
        return str(_read_header(file.readline())[0].get("origin", ""))
