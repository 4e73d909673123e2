"""Errors raised by the pybuilds core: one line each, with an optional hint."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


class PybuildsError(Exception):
    """Base of every error the core raises on purpose.

    `str(error)` is a single line meant for users; `hint` says what to do next.
    Messages must never contain credentials: build them from redacted URLs.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InvalidRequest(PybuildsError):
    """A Python request string that the grammar does not accept."""

    def __init__(self, request: str, detail: str | None = None) -> None:
        reason = f": {detail}" if detail else ""
        super().__init__(
            f"`{request}` is not a valid Python request{reason}",
            hint="see `pybuilds list --help` for request forms, "
            "and `pybuilds list --only-downloads` for available versions",
        )
        self.request = request


class UsageError(PybuildsError):
    """Options or arguments that do not go together, or are missing (exit code 2)."""


class InvalidPlatform(InvalidRequest):
    """An `--os`, `--arch` or `--libc` value that names no platform builds exist for."""

    def __init__(self, option: str, value: str, detail: str) -> None:
        # Not InvalidRequest's wording (that is about Python requests); same exit code.
        PybuildsError.__init__(self, f"invalid {option} `{value}`: {detail}")
        self.request = value
        self.option = option


class CatalogError(PybuildsError):
    """A download catalog that cannot be read or does not have the expected shape."""

    def __init__(self, source: str, detail: str, *, entry: str | None = None) -> None:
        where = f" (entry `{entry}`)" if entry else ""
        super().__init__(f"invalid download catalog {source}{where}: {detail}")
        self.source = source
        self.entry = entry
        self.detail = detail


class NoMatchingBuild(PybuildsError):
    """No build in the catalog (or no installation) satisfies a request."""

    def __init__(self, request: str, *, hint: str | None = None, installed: bool = False) -> None:
        what = "installed Python" if installed else "download"
        super().__init__(f"no {what} found for request `{request}`", hint=hint)
        self.request = request


class NothingInstalled(NoMatchingBuild):
    """No installation to act on, for a command given no request: said as such, not as a
    request the user never typed (exit 3, as other not-found errors)."""

    def __init__(self, root: Path, *, empty: bool, hint: str | None = None) -> None:
        PybuildsError.__init__(
            self,
            f"no Python installations in {root}"
            if empty
            else f"no installed Python found in {root}",
            hint=hint,
        )
        self.request = ""
        self.root = root


class DownloadFailed(PybuildsError):
    """A URL could not be fetched; `url` is already redacted."""

    def __init__(
        self,
        url: str,
        detail: str,
        *,
        status: int | None = None,
        hint: str | None = None,
        missing: bool = False,
    ) -> None:
        super().__init__(f"failed to download {url}: {detail}", hint=hint)
        self.url = url
        self.detail = detail
        self.status = status
        self.missing = missing or status in (404, 410)
        """The source says there is no such file (404, 410, no local file), as opposed to
        failing to answer."""


class ChecksumMismatch(PybuildsError):
    """The downloaded archive does not hash to what the catalog says."""

    def __init__(self, key: str, expected: str, actual: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"hash mismatch for `{key}`: expected sha256 {expected}, computed {actual}",
            hint=hint
            or "the mirror's file differs from the catalog's build; "
            "nothing was installed (run `pybuilds doctor` to inspect the mirror)",
        )
        self.key = key
        self.expected = expected
        self.actual = actual


class UnsafeArchive(PybuildsError):
    """An archive member that would escape the extraction folder or is not a plain file."""

    def __init__(self, member: str, reason: str) -> None:
        super().__init__(f"refusing unsafe archive member `{member}`: {reason}")
        self.member = member
        self.reason = reason


class ArchiveError(PybuildsError):
    """An archive that is truncated, corrupt or not a PBS build."""


class ConfigError(PybuildsError):
    """A configuration file or value that cannot be used."""

    def __init__(self, path: str, detail: str, *, hint: str | None = None) -> None:
        super().__init__(f"{path}: {detail}", hint=hint)
        self.path = path
        self.detail = detail


class InstallError(PybuildsError):
    """An install or uninstall that could not be completed."""


class Cancelled(PybuildsError):
    """The user cancelled an operation; nothing was changed."""

    def __init__(self, what: str = "operation") -> None:
        super().__init__(f"{what} cancelled; nothing was changed")
