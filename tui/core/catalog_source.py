"""Where the catalog comes from: a user's URL or path, the refreshed cache, or the embedded one."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NamedTuple

from tui.core.catalog import Build, parse_catalog
from tui.core.catalog_embedded import EMBEDDED_SOURCE, Scope, in_scope, load_embedded
from tui.core.errors import CatalogError, PybuildsError
from tui.core.redact import redact_url

GZIP_MAGIC = b"\x1f\x8b"


class LoadedCatalog(NamedTuple):
    builds: tuple[Build, ...]
    source: str
    """`embedded`, the cache file's path, or the (redacted) path/URL the user gave."""
    gzipped: bool = False
    """The file is gzip-compressed: pybuilds reads it, uv does not."""


def cache_path() -> Path:
    """The refreshed catalog written by `pybuilds catalog update`."""
    if override := os.environ.get("PYBUILDS_CACHE_DIR"):
        return Path(override) / "download-metadata.json"
    if sys.platform in ("win32", "darwin"):
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("pybuilds", appauthor=False)) / "download-metadata.json"
    # platformdirs' XDG rule (a relative XDG_CACHE_HOME is ignored, as the spec says), written
    # out: importing platformdirs would cost ~5 ms of every `pybuilds list`.
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path(os.path.expanduser("~/.cache"))
    return base / "pybuilds" / "download-metadata.json"


def _scheme(location: str) -> str | None:
    """The lowercased scheme of a `scheme://…` location; None for a plain path."""
    if "://" not in location:
        return None
    from tui.core.mirrors import url_scheme  # only for a location given: `list` goes without

    return url_scheme(location)


def is_remote(location: str) -> bool:
    return _scheme(location) in ("http", "https")


def local_path(location: str) -> Path:
    """A plain path or a `file://` URL as a path."""
    if _scheme(location) == "file":
        from tui.core.fetch import file_url_to_path

        return file_url_to_path(location)
    return Path(location).expanduser()


def read_location(location: str) -> bytes:
    """Bytes of a catalog at a path, `file://` URL or http(s) URL."""
    if is_remote(location):
        from tui.core.fetch import read_bytes  # pulls in httpx (~50 ms) only for remote catalogs

        return read_bytes(location)
    scheme = _scheme(location)
    if scheme not in (None, "file"):
        raise CatalogError(
            redact_url(location),
            f"unsupported URL scheme `{scheme}`: a catalog is read from a path, "
            "a file:// URL or an http(s):// URL",
        )
    path = local_path(location)
    try:
        return path.read_bytes()
    except OSError as error:
        raise CatalogError(str(path), error.strerror or str(error)) from None


def load_catalog(location: str | None = None, *, scope: Scope | None = None) -> LoadedCatalog:
    """The catalog at `location`, else the refreshed cache, else the embedded snapshot.

    As in uv, a given location replaces the embedded catalog entirely (no merge). With `scope`
    (os, libc), builds for other platforms are left out.
    """
    gzipped = False
    if location:
        label = redact_url(location) if "://" in location else str(local_path(location))
        data = read_location(location)
        gzipped = data[:2] == GZIP_MAGIC
        builds = parse_catalog(data, label)
    else:
        cached = cache_path()
        if not cached.is_file():
            return LoadedCatalog(load_embedded(scope), EMBEDDED_SOURCE)
        label = str(cached)
        builds = _read_cache(cached)
    if scope is not None:
        builds = tuple(b for b in builds if in_scope(b, scope))
    return LoadedCatalog(builds, label, gzipped)


def _read_cache(cached: Path) -> tuple[Build, ...]:
    """The builds of pybuilds' own cached catalog; a broken one is pybuilds' to reset, not a
    setting to fix."""
    try:
        return parse_catalog(cached.read_bytes(), str(cached))
    except CatalogError as error:
        error.hint = _RESET_HINT
        raise
    except OSError as error:
        raise CatalogError(str(cached), error.strerror or str(error)) from None


_RESET_HINT = (
    "this is pybuilds' cached catalog (from `pybuilds catalog update`): `pybuilds catalog "
    "reset` goes back to the embedded one, `pybuilds catalog update` fetches it again"
)


class CacheUpdate(NamedTuple):
    """What `update_cache` saved."""

    path: Path
    builds: int
    gzipped: bool
    """The source was gzip-compressed: pybuilds reads it, uv cannot ("Unable to parse the JSON
    Python download list"), so only the uncompressed copy in the cache suits uv."""


def update_cache(location: str) -> CacheUpdate:
    """Validate the catalog at `location`, then atomically replace the cached one with it,
    uncompressed so that uv can read the cached file too.

    The old cache stays if anything fails.
    """
    data = read_location(location)
    label = redact_url(location) if "://" in location else location
    builds = parse_catalog(data, label)
    if not builds:
        raise CatalogError(label, "it lists no build pybuilds can use; the cache was kept")
    gzipped = data[:2] == GZIP_MAGIC
    if gzipped:
        import gzip

        data = gzip.decompress(data)
    target = cache_path()
    try:
        _replace_atomically(target, data)
    except OSError as error:
        if target.is_dir():
            raise PybuildsError(
                f"cannot save the catalog as {target}: a folder has that name",
                hint="move that folder away; nothing was changed",
            ) from None
        # The system names the temporary file it was writing; the folder is what to fix.
        raise PybuildsError(
            f"cannot save the catalog in {target.parent}: {error.strerror or error}",
            hint=f"make {target.parent} a folder you can write to, or set PYBUILDS_CACHE_DIR "
            "to one; nothing was changed",
        ) from None
    return CacheUpdate(target, len(builds), gzipped)


def _replace_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    import tempfile

    fd, temp = tempfile.mkstemp(prefix=".download-metadata.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def clear_cache() -> bool:
    """Forget the refreshed catalog; listing falls back to the embedded one."""
    target = cache_path()
    if target.exists():
        target.unlink()
        return True
    return False
