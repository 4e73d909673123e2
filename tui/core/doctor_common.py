"""What the doctor's checks report (Finding records) and the checks file:// and http(s) share."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from tui.core.errors import Cancelled
from tui.core.redact import redact_text
from tui.core.units import format_size

Step = Literal[
    "settings",
    "request",
    "catalog",
    "build",
    "url",
    "file",
    "folder",
    "checksums",
    "proxy",
    "credentials",
    "dns",
    "connect",
    "tls",
    "redirect",
    "http",
    "content",
    "verify",
]

Level = Literal["ok", "warning", "error", "info"]

_SYMBOLS: Mapping[Level, str] = {"ok": "✓", "warning": "!", "error": "✗", "info": "·"}

# The first bytes of each archive kind pybuilds and uv read.
_MAGIC: Mapping[str, tuple[bytes, str]] = {
    ".tar.gz": (b"\x1f\x8b", "gzip"),
    ".tgz": (b"\x1f\x8b", "gzip"),
    ".tar.zst": (b"\x28\xb5\x2f\xfd", "zstd"),
    ".tar.bz2": (b"BZh", "bzip2"),
    ".tar.xz": (b"\xfd7zXZ\x00", "xz"),
    ".zip": (b"PK\x03\x04", "zip"),
}
SNIFF_BYTES = 512
"""Enough of the start of a file to tell an archive from a web page."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One step of the chain from settings to a downloadable archive, and how it went."""

    step: Step
    ok: bool | None
    """True: the step works; False: it stops the install; None: information only."""
    message: str
    """One line, credentials removed: `file: /m/20240909/cpython-… does not exist`."""
    hint: str | None = None
    """What to do about it, in plain words (may hold several `; `-separated fixes)."""
    warning: bool = False
    """With `ok=True`: the install works, but something should be fixed (for uv's sake)."""
    detail: Mapping[str, Any] = field(default_factory=dict, compare=False)
    """Facts behind the message for `--json` and the app: JSON-compatible values only."""
    uv_failure: str | None = None
    """Why `uv python install` would fail at this step though pybuilds gets through (uv does
    not fall back to a `%2B` file name, rejects a path as a URL…), with the fix."""

    @property
    def level(self) -> Level:
        if self.ok is None:
            return "info"
        if not self.ok:
            return "error"
        return "warning" if self.warning else "ok"

    @property
    def symbol(self) -> str:
        """`✓` works, `!` works with a warning, `✗` fails, `·` information."""
        return _SYMBOLS[self.level]

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "ok": self.ok,
            "level": self.level,
            "message": self.message,
            "hint": self.hint,
            "detail": dict(self.detail),
            "uv_failure": self.uv_failure,
        }


def ok(step: Step, message: str, **detail: Any) -> Finding:
    return Finding(step, True, redact_text(message), detail=detail)


def info(step: Step, message: str, hint: str | None = None, **detail: Any) -> Finding:
    return Finding(step, None, redact_text(message), _redact(hint), detail=detail)


def warn(
    step: Step,
    message: str,
    hint: str | None = None,
    *,
    uv_failure: str | None = None,
    **detail: Any,
) -> Finding:
    return Finding(
        step,
        True,
        redact_text(message),
        _redact(hint),
        warning=True,
        detail=detail,
        uv_failure=_redact(uv_failure),
    )


def fail(step: Step, message: str, hint: str | None = None, **detail: Any) -> Finding:
    return Finding(step, False, redact_text(message), _redact(hint), detail=detail)


def _redact(text: str | None) -> str | None:
    return None if text is None else redact_text(text)


def would_install(findings: Iterable[Finding]) -> bool:
    """True when no step failed: `pybuilds install` of the request would work."""
    return all(finding.ok is not False for finding in findings)


def uv_failures(findings: Iterable[Finding]) -> list[Finding]:
    """The steps pybuilds gets through but `uv python install` would not."""
    return [finding for finding in findings if finding.uv_failure]


def uv_would_install(findings: Sequence[Finding]) -> bool | None:
    """Whether `uv python install` of the request would work too; None when the doctor checked
    a build or flavour uv cannot be asked for (`--build`, `--flavour`)."""
    if not would_install(findings) or uv_failures(findings):
        return False
    return None if _uv_unchecked(findings) else True


def _uv_unchecked(findings: Iterable[Finding]) -> list[str]:
    return [str(f.detail["uv_unchecked"]) for f in findings if f.detail.get("uv_unchecked")]


def verdict(request: str, findings: Sequence[Finding]) -> str:
    """The last line: whether pybuilds, and uv, would install the request, and which build,
    e.g. "`3.12` would install with pybuilds (cpython-3.12.4-linux-x86_64-gnu, release
    20240713); uv would fail: …"."""
    # The last build named: a later step may switch it (the baseline x86-64 fallback).
    chosen = next(
        (f.detail for f in reversed(findings) if f.step == "build" and "key" in f.detail), None
    )
    which = f" ({chosen['install_key']}, release {chosen['tag'] or 'unknown'})" if chosen else ""
    if not would_install(findings):
        return f"`{request}` would NOT install{which}"
    failures = uv_failures(findings)
    if failures:
        more = f" (and {len(failures) - 1} more above)" if len(failures) > 1 else ""
        return (
            f"`{request}` would install with pybuilds{which}; "
            f"uv would fail: {failures[0].uv_failure}{more}"
        )
    unchecked = _uv_unchecked(findings)
    if unchecked:
        return f"`{request}` would install with pybuilds{which}; {'; '.join(unchecked)}"
    return f"`{request}` would install{which}"


def human_size(size: int | None) -> str:
    """`31.2 MiB`, `812 B`; `unknown size` for None."""
    return "unknown size" if size is None else format_size(size)


def seconds(elapsed: float) -> str:
    """`12 ms` under a second, `3.4 s` above."""
    return f"{elapsed * 1000:.0f} ms" if elapsed < 1 else f"{elapsed:.1f} s"


def archive_kind(name: str) -> str | None:
    """The compression an archive name promises (`gzip`, `zstd`…), None for other names."""
    lowered = name.lower()
    for suffix, (_magic, kind) in _MAGIC.items():
        if lowered.endswith(suffix):
            return kind
    return None


def sniff_problem(
    head: bytes, name: str, *, what: str = "archive", local: bool = False
) -> tuple[str, str] | None:
    """Why the first bytes of `name` are not the archive its name promises, with a hint.

    Args:
        head: The first bytes (`SNIFF_BYTES`).
        name: The file name, which says which archive to expect.
        what: What the file should be, for messages: `archive`, `catalog`.
        local: The bytes come from a file on disk, not from a server answering now.

    Returns:
        None when the bytes look right (or the name promises nothing pybuilds knows).
    """
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
        if local:
            # Credentials cannot help a file already on disk: whoever saved it got a page.
            return (
                f"it is a saved web page, not {_a(what)}",
                f"the download that made this file got an HTML page (an error or login page) "
                f"instead of the {what}; download the {what} again, checking its size and "
                "sha256 (`pybuilds mirror` does both)",
            )
        return (
            f"it is a web page (a login page?), not {_a(what)}",
            "a server or proxy answered with HTML; open the URL in a browser to see it, "
            "and give the server credentials (netrc or user:password@ in the URL)",
        )
    lowered = name.lower()
    for suffix, (magic, kind) in _MAGIC.items():
        if lowered.endswith(suffix):
            if head.startswith(magic):
                return None
            if not head:
                return (f"it is empty, not a {kind} archive", "download the file again")
            return (
                f"it does not start like a {kind} archive (first bytes {head[:8].hex(' ')})",
                "the mirror holds something else under this name (a truncated or re-encoded "
                "download?); download the file again",
            )
    return None


def _a(what: str) -> str:
    return f"an {what}" if what[:1] in "aeiou" else f"a {what}"


def hash_stream(
    chunks: Iterable[bytes], cancel: threading.Event | None = None
) -> tuple[str, int, float]:
    """sha256 hex, size and seconds for a stream of chunks."""
    digest = hashlib.sha256()
    size = 0
    started = time.monotonic()
    for chunk in chunks:
        if cancel is not None and cancel.is_set():
            raise Cancelled("check")
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size, time.monotonic() - started


def unlisted_sums(problem: str, name: str) -> Finding:
    """Another flavour with no SHA256SUMS entry: installs go ahead unverified, as they warn."""
    return warn(
        "checksums",
        f"checksums: {problem}: pybuilds installs {name} unverified",
        "another flavour than the catalog's is checked against the SHA256SUMS of its "
        "release folder; `pybuilds mirror --flavour` writes one",
    )


class Expected(NamedTuple):
    """The checksum `--verify` compares the archive with, and whether installs check it too."""

    sha256: str | None
    source: str
    """`the catalog`, `SHA256SUMS`: where the checksum comes from, for messages."""
    binding: bool = True
    """Installs fail on a mismatch. False for a SHA256SUMS entry of the catalog's own archive
    when the catalog has no checksum: pybuilds and uv then install it unverified."""


def verify_finding(expected: Expected, actual: str, size: int, elapsed: float) -> Finding:
    """The `--verify` result: the archive's sha256 against the catalog's (or SHA256SUMS)."""
    facts: dict[str, Any] = {
        "sha256": actual,
        "expected": expected.sha256,
        "size": size,
        "seconds": round(elapsed, 3),
    }
    took = f"{human_size(size)} in {seconds(elapsed)}"
    if expected.sha256 is None:
        return warn(
            "verify",
            f"verify: downloaded {took}; sha256 {actual}, but nothing to compare it with",
            "the catalog has no checksum for this build and the mirror has no SHA256SUMS "
            "entry for it: the archive cannot be checked",
            **facts,
        )
    wanted = expected.sha256.lower()
    if not expected.binding:
        return _unbound_verify(wanted, expected.source, actual, took, facts)
    if wanted == actual:
        return ok("verify", f"verify: sha256 matches {expected.source} ({took})", **facts)
    return fail(
        "verify",
        f"verify: sha256 mismatch: {expected.source} says {wanted}, "
        f"the download is {actual} ({took})",
        "the mirror's file is not the build the catalog names (another build, a "
        "re-compressed or corrupted copy): replace it with the original file, or use a "
        "catalog made for this mirror (`pybuilds mirror` writes one)",
        **facts,
    )


def _unbound_verify(
    wanted: str, source: str, actual: str, took: str, facts: Mapping[str, Any]
) -> Finding:
    """A SHA256SUMS entry no install checks: a mismatch is worth a warning, not a failure."""
    if wanted == actual:
        return ok(
            "verify",
            f"verify: sha256 matches {source} ({took}); installs still go unverified, since "
            "the catalog names no checksum",
            **facts,
        )
    return warn(
        "verify",
        f"verify: {source} disagrees with the file: it lists {wanted}, the download is "
        f"{actual} ({took}); pybuilds and uv install it unverified, since the catalog names "
        "no checksum",
        "either the file is not the build SHA256SUMS lists (corrupted, re-compressed or "
        "replaced) or SHA256SUMS is stale: compare both with the release's published "
        "checksum and fix the wrong one; a catalog with checksums makes installs check the "
        "file (`pybuilds mirror` writes one)",
        **facts,
    )
