"""Doctor checks for a `file://` download: the expected path, its near misses, SHA256SUMS."""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from pathlib import Path

from tui.core.doctor_common import (
    SNIFF_BYTES,
    Expected,
    Finding,
    fail,
    hash_stream,
    human_size,
    info,
    ok,
    sniff_problem,
    unlisted_sums,
    verify_finding,
    warn,
)
from tui.core.errors import DownloadFailed
from tui.core.fetch import file_url_to_path
from tui.core.nearmiss import encoded_plus, find_near_misses, shell_quote
from tui.core.sources import parse_sha256sums


def check_file(
    url: str,
    *,
    expected_sha256: str | None,
    sums_bind: bool = False,
    mirror: str | None = None,
    verify: bool = False,
    cancel: threading.Event | None = None,
) -> Iterator[Finding]:
    """Walk a `file://` URL the way an install reads it.

    Args:
        url: The download URL after the mirror rewrite.
        expected_sha256: The catalog's checksum, if it has one.
        sums_bind: Installs check the file against the SHA256SUMS beside it (another
            flavour than the catalog's), so a missing entry means an unverified install.
        mirror: The `file://` mirror base the URL came from, to check that folder first.
        verify: Hash the whole file and compare.
        cancel: Stops hashing between chunks.
    """
    if mirror is not None:
        found = yield from _check_mirror_folder(mirror)
        if not found:
            return
    try:
        path = file_url_to_path(url)
    except DownloadFailed as error:
        yield fail("file", f"file: {error.message}", error.hint)
        return
    actual = yield from _locate(path)
    if actual is None:
        return
    yield from _check_content(actual)
    listed = yield from _check_sha256sums(path, expected_sha256, sums_bind, verify=verify)
    if verify:
        expected = (
            Expected(expected_sha256, "the catalog")
            if expected_sha256
            else Expected(listed, "SHA256SUMS", binding=sums_bind)
        )
        try:
            with actual.open("rb") as handle:
                actual_sha, size, elapsed = hash_stream(
                    iter(lambda: handle.read(1 << 20), b""), cancel
                )
        except OSError as error:
            yield fail("verify", f"verify: cannot read {actual}: {error.strerror}")
            return
        yield verify_finding(expected, actual_sha, size, elapsed)


def _check_mirror_folder(mirror: str) -> Generator[Finding, None, bool]:
    """Returns (as the generator's value) whether the mirror's root folder exists."""
    try:
        root = file_url_to_path(mirror)
    except DownloadFailed as error:
        yield fail("folder", f"mirror: {error.message}", error.hint)
        return False
    if root.is_dir():
        return True
    if root.exists():
        yield fail(
            "folder",
            f"mirror: {root} is a file, not a folder",
            "the mirror setting names the folder that holds `<tag>/` folders, not an archive",
        )
    else:
        yield fail(
            "folder",
            f"mirror: the folder {root} does not exist",
            "create the mirror with `pybuilds mirror "
            f"{shell_quote(root)}`, or fix the path (file:// URLs need three slashes: "
            "file:///srv/mirror)",
        )
    return False


def _locate(path: Path) -> Generator[Finding, None, Path | None]:
    """Find the file an install would read; returns its path or None (as the generator value)."""
    if path.is_file():
        yield ok("file", f"file: {path} ({human_size(path.stat().st_size)})", path=str(path))
        return path
    if path.is_dir():
        yield fail("file", f"file: {path} is a folder, not an archive")
        return None
    # The pybuilds installer falls back to the `%2B` spelling with a warning; uv does not.
    if found := encoded_plus(path):
        encoded, spelling = found
        rename = f"mv {shell_quote(encoded)} {shell_quote(path)}"
        yield warn(
            "file",
            f"file: {path} does not exist, but {encoded.name} (saved with `{spelling}`) "
            "does: pybuilds installs it, uv reports the file as missing",
            f"rename it: {rename}",
            uv_failure=f"it looks only for the name with `+`, and the mirror saved the "
            f"file with `{spelling}`; rename it: {rename}",
            path=str(path),
            found=str(encoded),
            kind="encoded-plus",
        )
        return encoded
    misses = find_near_misses(path)
    if misses:
        hint = "\n".join(miss.message for miss in misses)
    elif not path.parent.is_dir():
        hint = (
            f"the mirror has no `{path.parent.name}/` folder; a mirror must hold the catalog's "
            f"exact files as <mirror>/<tag>/<file name with +> (`pybuilds mirror` makes one)"
        )
    else:
        hint = (
            f"nothing like it is in {path.parent}; a mirror must hold the exact file the "
            "catalog names (tag and flavour included)"
        )
    yield fail(
        "file",
        f"file: {path} does not exist",
        hint,
        path=str(path),
        near_misses=[
            {"kind": miss.kind, "path": str(miss.path), "message": miss.message} for miss in misses
        ],
    )
    return None


def _check_content(path: Path) -> Iterator[Finding]:
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as error:
        yield fail("content", f"content: cannot read {path}: {error.strerror}")
        return
    problem = sniff_problem(head, path.name, local=True)
    if problem is not None:
        yield fail("content", f"content: {path.name}: {problem[0]}", problem[1])


def _check_sha256sums(
    path: Path, expected: str | None, sums_bind: bool, *, verify: bool
) -> Generator[Finding, None, str | None]:
    """Report the tag folder's SHA256SUMS; returns the hash it lists for the file, if any.
    `verify`: the file is hashed next, so the hint points there instead of at `--verify`."""
    sums_path = path.parent / "SHA256SUMS"
    try:
        data = sums_path.read_bytes()
    except FileNotFoundError:
        if sums_bind:
            yield unlisted_sums(f"no SHA256SUMS in {path.parent}", path.name)
        else:
            yield info(
                "checksums",
                f"checksums: no SHA256SUMS in {path.parent}",
                "optional: installs check the catalog's sha256; "
                "`pybuilds mirror` writes one per tag",
            )
        return None
    except OSError as error:
        yield warn("checksums", f"checksums: cannot read {sums_path}: {error.strerror}")
        return None
    listed = parse_sha256sums(data).get(path.name)
    if listed is None:
        if sums_bind:
            yield unlisted_sums(f"{sums_path} does not list {path.name}", path.name)
        else:
            yield info("checksums", f"checksums: {sums_path} does not list {path.name}")
    elif expected is None or listed == expected.lower():
        yield ok("checksums", f"checksums: {sums_path} lists the file", sha256=listed)
    else:
        yield warn(
            "checksums",
            f"checksums: {sums_path} lists {listed} for the file, the catalog {expected.lower()}",
            "the mirror may hold another build than the catalog names; "
            + (
                "the verify line below compares the file with the catalog's sha256"
                if verify
                else "run this again with --verify to hash the file"
            ),
            sha256=listed,
        )
    return listed
