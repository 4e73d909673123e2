"""Explain a file missing from a file:// mirror by the near misses found around it."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, NamedTuple
from urllib.parse import unquote

NearMissKind = Literal[
    "encoded-plus",
    "partial",
    "missing-tag-dir",
    "mirror-is-tag-dir",
    "deeper",
    "other-flavour",
    "case",
    "other-tag",
]

# `cpython-<ver>+<tag>-<triple>-<flavour>.<ext>`, parsed loosely: the triple is whatever
# lies between the tag and a known flavour shape (Windows up to 20240224 adds `shared-`).
_NAME = re.compile(
    r"^(?P<prefix>(?P<impl>[a-z]+)-(?P<major>\d+)\.(?P<minor>\d+)\.[^+]*\+(?P<tag>[^-]+)"
    r"-(?P<triple>.+?)-)"
    r"(?P<flavour>(?:shared-)?(?:(?:freethreaded-)?install_only(?:_stripped)?|[a-z0-9+]+-full))"
    r"\.(?P<ext>tar\.gz|tar\.zst)$"
)
_MAX_PER_KIND = 3
"""Enough to point at the problem without burying the message."""
_DEEPER_LEVELS = 3
"""How far below the mirror to look for its release folders (`releases/download/<tag>/`)."""
_DEEPER_FOLDERS = 64
"""Folders listed at most while looking deeper: a big mirror must not stall the check."""


class NearMiss(NamedTuple):
    """A file that is probably the one expected, stored under a slightly wrong path."""

    kind: NearMissKind
    path: Path
    """The file found."""
    message: str
    """One line saying what was found and how to fix the mirror."""


def find_near_misses(expected: Path) -> list[NearMiss]:
    """Look around `expected` (`<mirror>/<tag>/<name>`) for files a mirror got slightly wrong.

    Args:
        expected: The path a file:// mirror must hold, derived from the catalog URL.

    Returns:
        Near misses, most likely first: the name saved with `%2B`, an interrupted download
        (`<name>.part`), the file without its tag folder, the release folders a level or more
        deeper, a name differing in case, other flavours of the same build, and the build in
        other tag folders. Empty when nothing resembles the file.
    """
    found: list[NearMiss] = []
    seen: set[Path] = set()
    for miss in _candidates(expected):
        if miss.path not in seen and miss.path != expected:
            seen.add(miss.path)
            found.append(miss)
    return found


def _candidates(expected: Path) -> Iterator[NearMiss]:
    name = expected.name
    folder = expected.parent
    match = _NAME.match(name)
    yield from _encoded_plus(expected)
    yield from _partial(expected)
    yield from _missing_tag_dir(expected)
    yield from _deeper(expected)
    entries = _list_files(folder)
    yield from _limit(
        NearMiss(
            "case",
            folder / entry,
            f"found {folder / entry}, whose name differs only in letter case; rename it: "
            f"mv {shell_quote(folder / entry)} {shell_quote(expected)}",
        )
        for entry in entries
        if entry != name and unquote(entry).lower() == name.lower()
    )
    if match is None:
        return
    yield from _limit(
        NearMiss(
            "other-flavour",
            folder / entry,
            # The flavour wanted may be the user's choice (--flavour), not the catalog's.
            f"found {entry}, another flavour of the same build; this install wants "
            f"`{match['flavour']}` and a mirror must hold that exact file",
        )
        for entry in entries
        if _is_other_flavour(unquote(entry), name, match["prefix"])
    )
    # Only a folder named after the tag tells which siblings are other releases.
    if folder.name == match["tag"]:
        yield from _limit(_other_tags(expected, match))


def encoded_plus(expected: Path) -> tuple[Path, str] | None:
    """The file saved with `%2B` (or `%2b`) where `expected`'s name has `+`, and that
    spelling: what a browser or an S3 tool leaves in a mirror. None when there is none."""
    if "+" not in expected.name:
        return None
    for spelling in ("%2B", "%2b"):
        candidate = expected.with_name(expected.name.replace("+", spelling))
        if candidate.is_file():
            return candidate, spelling
    return None


def _encoded_plus(expected: Path) -> Iterator[NearMiss]:
    if found := encoded_plus(expected):
        candidate, spelling = found
        yield NearMiss(
            "encoded-plus",
            candidate,
            f"found {candidate}, saved with `{spelling}` where the name has `+`; "
            f"rename it: mv {shell_quote(candidate)} {shell_quote(expected)}",
        )


def _partial(expected: Path) -> Iterator[NearMiss]:
    # `pybuilds mirror` downloads to `<name>.part` and renames it once verified.
    part = expected.with_name(expected.name + ".part")
    if part.is_file():
        yield NearMiss(
            "partial",
            part,
            f"found {part}: a `pybuilds mirror` download of this file was interrupted; run "
            "the same `pybuilds mirror` command again to finish it",
        )


def _deeper(expected: Path) -> Iterator[NearMiss]:
    """The release folders one or more levels below the mirror (a copy of GitHub's
    `releases/download/<tag>/` path, say): the mirror setting should name that folder."""
    root, tag = expected.parent.parent, expected.parent.name
    level = [root]
    listed = 0
    for _ in range(_DEEPER_LEVELS):
        below: list[Path] = []
        for folder in level:
            if listed == _DEEPER_FOLDERS:
                return
            listed += 1
            # Release folders (`20260101`, a build `45`) hold archives, not more release
            # folders: listing their thousand files would find nothing.
            below += [
                folder / name
                for name in sorted(_list_dirs(folder))
                if name != tag and not name.isdigit()
            ]
        for folder in below:
            candidate = folder / tag / expected.name
            if candidate.is_file():
                yield NearMiss(
                    "deeper",
                    candidate,
                    f"found {candidate}: the mirror's release folders are in {folder}; set "
                    f"{mirror_setting(expected.name)} to {folder.absolute().as_uri()}",
                )
                return
        level = below


def _missing_tag_dir(expected: Path) -> Iterator[NearMiss]:
    root = expected.parent.parent
    names = [expected.name]
    if "+" in expected.name:
        names.append(expected.name.replace("+", "%2B"))
    for name in names:
        candidate = root / name
        if not candidate.is_file():
            continue
        if root.name == expected.parent.name:
            # The mirror names the release folder itself: the setting is wrong, not the files.
            parent = root.parent.absolute().as_uri()
            yield NearMiss(
                "mirror-is-tag-dir",
                candidate,
                f"found {candidate}: the mirror is the release folder `{root.name}/` itself, "
                f"so files are looked for in `{root.name}/{root.name}/`; set "
                f"{mirror_setting(expected.name)} to its parent folder, {parent}",
            )
        else:
            yield NearMiss(
                "missing-tag-dir",
                candidate,
                f"found {candidate} without its `{expected.parent.name}/` folder; move it: "
                f"mkdir -p {shell_quote(expected.parent)} && mv {shell_quote(candidate)} "
                f"{shell_quote(expected)}",
            )


def mirror_setting(name: str) -> str:
    """The setting whose mirror serves the archive `name` (the ones kept in tag folders)."""
    return "graalpy-install-mirror" if name.startswith("graalpy") else "python-install-mirror"


def _other_tags(expected: Path, match: re.Match[str]) -> Iterator[NearMiss]:
    root = expected.parent.parent
    series = f"{match['impl']}-{match['major']}.{match['minor']}."
    tail = f"-{match['triple']}-{match['flavour']}.{match['ext']}"
    for folder in sorted(_list_dirs(root), reverse=True):
        if folder == expected.parent.name:
            continue
        here = root / folder
        if (here / expected.name).is_file():
            yield NearMiss(
                "other-tag",
                here / expected.name,
                f"found {here / expected.name} in folder `{folder}/` instead of "
                f"`{expected.parent.name}/`; move it: mkdir -p {shell_quote(expected.parent)} && "
                f"mv {shell_quote(here / expected.name)} {shell_quote(expected)}",
            )
            continue
        for entry in sorted(_list_files(here), reverse=True):
            real = unquote(entry)
            if real.startswith(series) and real.endswith(f"+{folder}{tail}"):
                yield NearMiss(
                    "other-tag",
                    here / entry,
                    f"found {entry} of release {folder}, but the catalog asks for release "
                    f"{match['tag']}: the mirror was made for another catalog or uv version",
                )
                break


def _is_other_flavour(entry: str, name: str, prefix: str) -> bool:
    # Requiring a full archive name skips `<name>.sha256` files kept beside archives.
    return entry.startswith(prefix) and entry.lower() != name.lower() and bool(_NAME.match(entry))


def _limit(misses: Iterator[NearMiss]) -> Iterator[NearMiss]:
    for count, miss in enumerate(misses):
        if count == _MAX_PER_KIND:
            return
        yield miss


def _list_files(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entry.name for entry in entries if entry.is_file())
    except OSError:
        return []


def _list_dirs(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return [entry.name for entry in entries if entry.is_dir()]
    except OSError:
        return []


def shell_quote(path: Path) -> str:
    """Single-quote a path for a POSIX shell command the user can paste."""
    return "'" + str(path).replace("'", "'\"'\"'") + "'"
