"""Where an install's archive comes from: mirrored or sibling-flavour URL, checksum, cache."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tui.core.catalog import Build
from tui.core.errors import ArchiveError, DownloadFailed, InstallError, PybuildsError
from tui.core.fetch import FetchOptions, read_bytes
from tui.core.filenames import parse_asset_name, sibling_url, triple_platform
from tui.core.mirrors import MirrorSettings, download_urls
from tui.core.redact import redact_url

ARCHIVE_SOURCE = "archive"
"""`Build.source` of a build made up from an archive's name (`pybuilds install --archive`)."""


def file_name(url: str) -> str:
    """The real file name at the end of a URL or path (`%2B` decoded to `+`)."""
    path = urlsplit(url).path if "://" in url else url
    return unquote(path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1])


def resolve_urls(
    build: Build, flavour: str | None, mirrors: MirrorSettings
) -> tuple[list[tuple[str, str | None]], bool]:
    """Where to download from: the catalog's URL, or its sibling `flavour`, on the mirrors.

    Returns:
        The URLs to try in order, each with the setting that chose it (None: the catalog's own
        URL), and whether another flavour was chosen.

    Raises:
        InstallError: the flavour does not exist for this build or changes its variant.
        ConfigError: a mirror is set but the URL is outside the prefix it replaces.
    """
    url = build.url
    flavoured = False
    if flavour:
        try:
            current = parse_asset_name(url).flavour
            if current != flavour:
                url = sibling_url(url, flavour)
                flavoured = True
        except ValueError as error:
            raise InstallError(
                f"no `{flavour}` archive for {build.install_key}: {error}",
                hint="omit --flavour (or unset default-flavour in pybuilds.toml) to install "
                "the catalog's own archive",
            ) from None
        variant = parse_asset_name(url).variant
        if variant != build.variant:
            raise InstallError(
                f"flavour `{flavour}` is a {variant} build, but {build.install_key} "
                f"is {build.variant}",
                hint="choose a flavour of the same variant (free-threaded flavours start "
                "with `freethreaded`, debug ones contain `debug`)",
            )
    return download_urls(url, mirrors, implementation=build.implementation), flavoured


def parse_sha256sums(data: bytes) -> dict[str, str]:
    """`<hex>  <name>` lines (a leading `*` on the name allowed) -> {name: lowercase hex}."""
    sums: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        digest, _, name = line.strip().partition(" ")
        name = name.strip().removeprefix("*")
        if len(digest) == 64 and name:
            sums[name] = digest.lower()
    return sums


def release_folder(url: str) -> str:
    """The folder an archive's URL or path is in (its release's), query left out."""
    return url.split("?", 1)[0].replace("\\", "/").rstrip("/").rsplit("/", 1)[0]


def checksum_from_catalog(build: Build, flavoured: bool) -> bool:
    """Whether the catalog's sha256 verifies the download (else a SHA256SUMS file does)."""
    return not flavoured and (build.source != ARCHIVE_SOURCE or build.sha256 is not None)


def mismatch_hint(build: Build, flavoured: bool) -> str | None:
    """What a checksum mismatch means for where the checksum came from (None: the default)."""
    if not checksum_from_catalog(build, flavoured):
        return (
            "the file differs from what the SHA256SUMS beside it lists (a damaged copy, or "
            "a SHA256SUMS from another release?); nothing was installed"
        )
    if build.source == ARCHIVE_SOURCE:
        return (
            "the file differs from the build the catalog lists under its name; "
            "nothing was installed"
        )
    return None


def expected_sha256(
    build: Build, url: str, flavoured: bool, options: FetchOptions
) -> tuple[str | None, str | None]:
    """The checksum to verify the download against, and a warning when there is none.

    The catalog's sha256 covers its own archives (given by the user too, when it lists them);
    other flavours and archives are looked up in the `SHA256SUMS` of the same release folder.
    """
    if checksum_from_catalog(build, flavoured):
        if build.sha256:
            return build.sha256, None
        return None, f"the catalog has no sha256 for {build.install_key}; installing unverified"
    name = file_name(url)
    sums_url = f"{release_folder(url)}/SHA256SUMS"
    try:
        listed = parse_sha256sums(read_bytes(sums_url, options=options, limit=16 << 20))
    except DownloadFailed as error:
        if error.status in (401, 403):  # S3 answers 403 for a missing file without ListBucket
            return None, (
                f"SHA256SUMS beside {redact_url(url)} refused (HTTP {error.status}); "
                f"installing {name} unverified"
            )
        if not error.missing:  # a failing server has not said that there are no checksums
            raise DownloadFailed(
                error.url,
                error.detail,
                status=error.status,
                hint=f"{name} is checked against the release's SHA256SUMS, which could not be "
                "read; nothing was installed",
            ) from None
        return None, f"no SHA256SUMS beside {redact_url(url)}; installing {name} unverified"
    if name not in listed:
        return None, f"{redact_url(sums_url)} does not list {name}; installing it unverified"
    return listed[name], None


def cache_file(cache_dir: Path | None, build: Build, flavoured: bool) -> Path | None:
    """uv's cache entry for the catalog's archive: `<sha256[:9]>-<name, %2B as ->`."""
    if cache_dir is None or flavoured or not build.sha256 or build.source == ARCHIVE_SOURCE:
        return None
    last = urlsplit(build.url).path.rsplit("/", 1)[-1]
    name = last.replace("%2B", "-").replace("%2b", "-")
    return cache_dir / f"{build.sha256[:9]}-{name}"


def archive_build(source: str, catalog: Callable[[], Iterable[Build]] | None = None) -> Build:
    """A Build for an archive named as PBS, PyPy or GraalPy publish it.

    An archive the catalog lists under the same file name is that build, and the catalog's
    checksum verifies it: a file carried from GitHub to an offline machine needs no SHA256SUMS.
    PyPy and GraalPy names, which lack the full Python version, must be listed.
    """
    name = file_name(source)
    if not name or source.endswith("/"):
        raise InstallError(
            f"`{redact_url(source)}` names a folder, not an archive",
            hint="give the path or URL of the archive itself, e.g. …/"
            "cpython-3.12.4+20240713-x86_64-unknown-linux-gnu-install_only.tar.gz",
        )
    try:
        asset = parse_asset_name(name)
    except ValueError as error:
        raise InstallError(
            f"cannot tell which Python `{name}` holds: {error}",
            hint="keep the name the archive was published under, e.g. "
            "cpython-3.12.4+20240713-x86_64-unknown-linux-gnu-install_only.tar.gz",
        ) from None
    listed = _listed_as(name, catalog, required=asset.version is None)
    if listed is not None:
        return listed._replace(url=source, source=ARCHIVE_SOURCE)
    if asset.version is None:
        raise InstallError(
            f"`{name}` does not give its full Python version, and the catalog does not "
            "list an archive of that name",
            hint="keep the name the catalog lists it under, or install it by request, "
            f"e.g. `pybuilds install {asset.implementation}`",
        )
    version = asset.version
    return Build(
        key=name,
        implementation=asset.implementation,
        major=version.major,
        minor=version.minor,
        patch=version.patch,
        prerelease=version.prerelease,
        variant=asset.variant,
        os=asset.os,
        arch=asset.arch,
        arch_level=asset.arch_level,
        libc=asset.libc,
        url=source,
        sha256=None,
        build=asset.tag,
        source=ARCHIVE_SOURCE,
    )


def _listed_as(
    name: str, catalog: Callable[[], Iterable[Build]] | None, *, required: bool
) -> Build | None:
    """The catalog's build whose file is `name`. A catalog that does not load matters only
    when the name alone cannot tell the build (`required`)."""
    if catalog is None:
        return None
    try:
        builds = catalog()
    except PybuildsError:
        if required:
            raise
        return None
    return next((b for b in builds if file_name(b.url) == name), None)


def check_python_json(data: bytes, top: Path, build: Build) -> None:
    """A full archive's PYTHON.json must describe the build it is installed as.

    Raises:
        ArchiveError: unreadable, another version, variant or platform, or its `python_exe` is
            missing.
    """
    try:
        info = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArchiveError(f"PYTHON.json in the archive is not valid JSON: {error}") from None
    if not isinstance(info, dict):
        raise ArchiveError("PYTHON.json in the archive is not a JSON object")
    version = info.get("python_version")
    if isinstance(version, str) and version != str(build.version):
        raise ArchiveError(
            f"the archive holds Python {version}, not {build.version} ({build.install_key})"
        )
    options = str(info.get("build_options") or "").split("+")
    threaded = "freethreaded" in options or "freethreading" in options
    if threaded != build.variant.startswith("freethreaded"):
        kind = "a free-threaded" if threaded else "not a free-threaded"
        raise ArchiveError(f"the archive holds {kind} build, unlike {build.install_key}")
    if ("debug" in options) != build.variant.endswith("debug"):
        kind = "a debug" if "debug" in options else "not a debug"
        raise ArchiveError(f"the archive holds {kind} build, unlike {build.install_key}")
    triple = info.get("target_triple")
    if isinstance(triple, str) and (claimed := triple_platform(triple)) is not None:
        try:
            named = parse_asset_name(build.url)
        except ValueError:
            named = None
        if named is not None and named.triple and claimed != triple_platform(named.triple):
            raise ArchiveError(
                f"the archive holds a build for {triple}, but its name says {named.triple}"
            )
    exe = info.get("python_exe")
    if isinstance(exe, str) and exe and not (top / exe).exists():
        raise ArchiveError(f"PYTHON.json names `python/{exe}`, which the archive does not hold")
