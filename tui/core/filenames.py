"""Read and write the file names of downloadable archives: PBS CPython, PyPy, GraalPy, Pyodide."""

from __future__ import annotations

import re
from typing import Literal, NamedTuple
from urllib.parse import quote, unquote, urlsplit

from tui.core.names import Variant
from tui.core.versions import Version

Kind = Literal["install_only", "install_only_stripped", "full", "distribution"]
"""`distribution` = a PyPy, GraalPy or Pyodide release archive, which comes in one form only."""

EXTENSIONS = ("tar.gz", "tar.zst", "tar.bz2", "tar.xz", "zip")

# PBS arch spellings -> (catalog family, x86-64 level).
_PBS_ARCHES = {
    "x86_64": ("x86_64", None),
    "x86_64_v2": ("x86_64", "v2"),
    "x86_64_v3": ("x86_64", "v3"),
    "x86_64_v4": ("x86_64", "v4"),
    "aarch64": ("aarch64", None),
    "i686": ("i686", None),
    "armv7": ("armv7", None),
    "ppc64le": ("powerpc64le", None),
    "riscv64": ("riscv64", None),
    "s390x": ("s390x", None),
}
# PBS vendor-os-env -> (catalog os, libc).
_PBS_SYSTEMS = {
    "unknown-linux-gnu": ("linux", "gnu"),
    "unknown-linux-gnueabi": ("linux", "gnueabi"),
    "unknown-linux-gnueabihf": ("linux", "gnueabihf"),
    "unknown-linux-musl": ("linux", "musl"),
    "apple-darwin": ("darwin", "none"),
    "pc-windows-msvc": ("windows", "none"),
}

_EXT = "|".join(re.escape(ext) for ext in EXTENSIONS)
_OPTS = r"(?:freethreaded\+)?(?:debug|noopt|lto|pgo\+lto|pgo)(?:\+static)?"
_PBS = re.compile(
    r"cpython-(?P<version>\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?)(?:\+(?P<tag>\d{8}))?"
    rf"-(?P<arch>{'|'.join(sorted(_PBS_ARCHES, key=len, reverse=True))})"
    rf"-(?P<system>{'|'.join(sorted(_PBS_SYSTEMS, key=len, reverse=True))})"
    r"-(?P<flavour>.+?)"
    rf"\.(?P<ext>{_EXT})"
)
# What follows the triple: Windows names up to 20240224 put the link mode first.
_FLAVOUR = re.compile(
    r"(?:(?P<link>shared|static)-)?"
    r"(?:(?P<ft>freethreaded-)?(?P<install>install_only(?:_stripped)?)"
    rf"|(?P<opts>{_OPTS})-full)"
)
# Before 20220227: `<opts>-<YYYYMMDD>T<HHMM>`, no tag and no install_only.
_LEGACY_FLAVOUR = re.compile(
    rf"(?:(?P<link>shared|static)-)?(?P<opts>{_OPTS})-(?P<timestamp>\d{{8}}T\d{{4}})"
)

_PYPY = re.compile(
    r"pypy(?P<python>\d+(?:\.\d+)?)-v(?P<release>\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?)"
    rf"-(?P<platform>[a-z0-9_]+)\.(?P<ext>{_EXT})"
)
_PYPY_PLATFORMS = {
    "linux64": ("linux", "x86_64", "gnu"),
    "linux32": ("linux", "i686", "gnu"),
    "aarch64": ("linux", "aarch64", "gnu"),
    "s390x": ("linux", "s390x", "gnu"),
    "ppc64le": ("linux", "powerpc64le", "gnu"),
    "macos_arm64": ("darwin", "aarch64", "none"),
    "macos_x86_64": ("darwin", "x86_64", "none"),
    "osx64": ("darwin", "x86_64", "none"),
    "win64": ("windows", "x86_64", "none"),
    "win32": ("windows", "i686", "none"),
}
_GRAALPY = re.compile(
    r"graalpy(?P<python>\d+\.\d+)?(?:-community)?(?:-jvm)?-(?P<release>\d+\.\d+\.\d+)"
    rf"-(?P<os>linux|macos|windows)-(?P<arch>amd64|aarch64)\.(?P<ext>{_EXT})"
)
_GRAALPY_OS = {
    "linux": ("linux", "gnu"),
    "macos": ("darwin", "none"),
    "windows": ("windows", "none"),
}
_PYODIDE = re.compile(rf"xbuildenv-(?P<release>\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?)\.(?P<ext>{_EXT})")

# Release tags where PBS changed what it publishes (FORMATS §1; the PBS dates not visible in
# uv's catalog are marked as first seen there).
FIRST_TAGGED = "20220227"
LAST_WINDOWS_SHARED = "20240224"
FIRST_STRIPPED = "20240726"
FIRST_FREETHREADED = "20241016"
"""First seen in the catalog, with 3.13.0; the 3.13.0rc2/rc3 releases before it have none."""
FIRST_MUSL_DYNAMIC = "20250311"
FIRST_MUSL_FREETHREADED = "20250529"
"""First seen in the catalog; 3.13.2+20250317 has no free-threaded musl build."""
FIRST_V4_PGO = "20250106"
"""x86-64-v4 Linux moved from `lto` to `pgo+lto`: first seen in the catalog (20241016 has lto)."""
FIRST_AARCH64_PGO = "20250702"
"""aarch64 Linux moved from `lto` to `pgo+lto` (20250612 still has lto)."""
FIRST_FREETHREADED_INSTALL_ONLY = "20260325"


class AssetName(NamedTuple):
    """What an archive's file name says about the build inside it."""

    implementation: str
    """`cpython`, `pypy`, `graalpy` or `pyodide`."""
    version: Version | None
    """The full Python version; None when the name does not hold it (PyPy and GraalPy names
    give at most `X.Y`, see `python_minor`; Pyodide names give none)."""
    tag: str | None
    """PBS release tag `YYYYMMDD`; for PyPy, GraalPy and Pyodide the project's own release
    (`7.3.23`, `25.2.4`, `314.0.5`, the catalog's `build`); None for pre-2022 PBS names."""
    triple: str | None
    """PBS target triple (`x86_64_v3-unknown-linux-gnu`); None for other implementations."""
    os: str
    """Catalog spelling: `linux`, `darwin`, `windows`, `emscripten`."""
    arch: str
    """Catalog arch family: `x86_64`, `aarch64`, `i686`, `powerpc64le`, `wasm32`, ..."""
    arch_level: str | None
    """x86-64 level `v2`..`v4`, None for the baseline and other arches."""
    libc: str
    """`gnu`, `musl`, `gnueabi`, `gnueabihf`, `none` (catalog spellings)."""
    flavour: str
    """What follows the triple, as written: `install_only_stripped`, `pgo+lto-full`,
    `freethreaded-install_only`, `shared-install_only`; for pre-2022 names the options without
    the timestamp (`pgo+lto`, `shared-pgo`); `""` for PyPy, GraalPy and Pyodide."""
    build_options: str | None
    """`pgo+lto`, `freethreaded+debug`, `noopt+static`...; None for install_only archives and
    other implementations."""
    freethreaded: bool
    debug: bool
    extension: str
    """`tar.gz`, `tar.zst`, `tar.bz2`, `zip`..."""
    name: str
    """The file name as parsed (literal `+`); for CPython it equals `filename`."""
    timestamp: str | None = None
    """Pre-2022 PBS names only: the build time `YYYYMMDDTHHMM` (may differ from the tag)."""
    link: str | None = None
    """Windows names up to 20240224: `shared` (or `static`) before the flavour."""
    python_minor: tuple[int, int] | None = None
    """`(major, minor)` when the name holds it, even without a full version."""

    @property
    def variant(self) -> Variant:
        if self.freethreaded and self.debug:
            return "freethreaded+debug"
        if self.freethreaded:
            return "freethreaded"
        return "debug" if self.debug else "default"

    @property
    def kind(self) -> Kind:
        """The archive layout: full archives (including pre-2022 names) hold `python/install/`."""
        if self.implementation != "cpython":
            return "distribution"
        if self.flavour.endswith("install_only_stripped"):
            return "install_only_stripped"
        if self.flavour.endswith("install_only"):
            return "install_only"
        return "full"

    @property
    def is_legacy(self) -> bool:
        """A pre-2022 timestamped PBS name."""
        return self.implementation == "cpython" and self.timestamp is not None

    @property
    def platform_key(self) -> str:
        level = f"_{self.arch_level}" if self.arch_level else ""
        return f"{self.os}-{self.arch}{level}-{self.libc}"

    @property
    def filename(self) -> str:
        """The real file name (literal `+`), re-formatted from the fields for CPython."""
        if self.implementation != "cpython" or self.version is None or self.triple is None:
            return self.name
        if self.timestamp is not None:
            return (
                f"cpython-{self.version}-{self.triple}-{self.flavour}-{self.timestamp}"
                f".{self.extension}"
            )
        return f"cpython-{self.version}+{self.tag}-{self.triple}-{self.flavour}.{self.extension}"


def _last_segment(name_or_url: str) -> str:
    """The unquoted file name of a URL or path; a bare name is returned unquoted."""
    text = name_or_url.strip()
    if "://" in text:
        text = urlsplit(text).path
    return unquote(text.replace("\\", "/").rsplit("/", 1)[-1])


def triple_platform(triple: str) -> tuple[str, str, str] | None:
    """(os, arch family, libc) of a PBS target triple such as `x86_64_v3-unknown-linux-gnu`;
    None for a triple PBS does not publish."""
    arch, _, system = triple.partition("-")
    if arch not in _PBS_ARCHES or system not in _PBS_SYSTEMS:
        return None
    os_name, libc = _PBS_SYSTEMS[system]
    return os_name, _PBS_ARCHES[arch][0], libc


def parse_asset_name(name_or_url: str) -> AssetName:
    """Read an archive name or URL (`+` written literally or as `%2B`).

    Raises:
        ValueError: the name is not one of the forms PBS, PyPy, GraalPy or Pyodide publish.
    """
    name = _last_segment(name_or_url)
    if not name:
        raise ValueError(f"no file name in {name_or_url!r:.80}")
    if name.startswith("cpython-"):
        return _parse_pbs(name)
    for parse in (_parse_pypy, _parse_graalpy, _parse_pyodide):
        asset = parse(name)
        if asset is not None:
            return asset
    raise ValueError(
        f"`{name:.120}` is not a python-build-standalone, PyPy, GraalPy or Pyodide archive name"
    )


def _parse_pbs(name: str) -> AssetName:
    match = _PBS.fullmatch(name)
    if match is None:
        raise ValueError(
            f"`{name:.120}` is not a python-build-standalone archive name: expected "
            "cpython-<version>+<tag>-<triple>-<flavour>.<tar.gz|tar.zst> with a known triple"
        )
    tag = match["tag"]
    flavour_text = match["flavour"]
    flavour = (_FLAVOUR if tag else _LEGACY_FLAVOUR).fullmatch(flavour_text)
    if flavour is None:
        form = "<options>-<YYYYMMDD>T<HHMM>" if tag is None else "install_only… or <options>-full"
        raise ValueError(f"`{name:.120}` has an unknown flavour `{flavour_text}` (expected {form})")
    opts: str | None = flavour["opts"]
    link: str | None = flavour["link"]
    timestamp = None if tag else flavour["timestamp"]
    if opts is None:
        freethreaded = bool(flavour["ft"])
        canonical = f"{'freethreaded-' if freethreaded else ''}{flavour['install']}"
        debug = False
    else:
        parts = opts.split("+")
        freethreaded, debug = "freethreaded" in parts, "debug" in parts
        canonical = opts if timestamp else f"{opts}-full"
    if link:
        canonical = f"{link}-{canonical}"
    family, level = _PBS_ARCHES[match["arch"]]
    os_name, libc = _PBS_SYSTEMS[match["system"]]
    version = Version.parse(match["version"])
    return AssetName(
        implementation="cpython",
        version=version,
        tag=tag,
        triple=f"{match['arch']}-{match['system']}",
        os=os_name,
        arch=family,
        arch_level=level,
        libc=libc,
        flavour=canonical,
        build_options=opts,
        freethreaded=freethreaded,
        debug=debug,
        extension=match["ext"],
        name=name,
        timestamp=timestamp,
        link=link,
        python_minor=version.minor_version,
    )


def _minor(text: str | None) -> tuple[int, int] | None:
    if not text or "." not in text:
        return None
    major, minor = text.split(".", 1)
    return (int(major), int(minor))


def _other(
    implementation: str,
    name: str,
    match: re.Match[str],
    platform: tuple[str, str, str],
    python_minor: tuple[int, int] | None,
) -> AssetName:
    os_name, arch, libc = platform
    return AssetName(
        implementation=implementation,
        version=None,
        tag=match["release"],
        triple=None,
        os=os_name,
        arch=arch,
        arch_level=None,
        libc=libc,
        flavour="",
        build_options=None,
        freethreaded=False,
        debug=False,
        extension=match["ext"],
        name=name,
        python_minor=python_minor,
    )


def _parse_pypy(name: str) -> AssetName | None:
    match = _PYPY.fullmatch(name)
    if match is None:
        return None
    platform = _PYPY_PLATFORMS.get(match["platform"])
    if platform is None:
        raise ValueError(f"`{name:.120}`: unknown PyPy platform `{match['platform']}`")
    return _other("pypy", name, match, platform, _minor(match["python"]))


def _parse_graalpy(name: str) -> AssetName | None:
    match = _GRAALPY.fullmatch(name)
    if match is None:
        return None
    os_name, libc = _GRAALPY_OS[match["os"]]
    arch = "x86_64" if match["arch"] == "amd64" else "aarch64"
    return _other("graalpy", name, match, (os_name, arch, libc), _minor(match["python"]))


def _parse_pyodide(name: str) -> AssetName | None:
    # The Python version is only in the catalog entry; the name holds the Pyodide release.
    match = _PYODIDE.fullmatch(name)
    if match is None:
        return None
    return _other("pyodide", name, match, ("emscripten", "wasm32", "musl"), None)


def _options(asset: AssetName, tag: str) -> list[str]:
    """PBS build options published for the asset's triple at `tag` (PBS: src/release.rs)."""
    if asset.os == "windows":
        return ["pgo"]
    if asset.os == "darwin":
        return ["debug", "pgo+lto"]
    if asset.libc == "musl":
        # Before 20250311 these names were static builds; since then they are dynamic and the
        # static ones are published beside them as `+static`.
        static = ["debug+static", "lto+static", "noopt+static"] if tag >= FIRST_MUSL_DYNAMIC else []
        return ["debug", "lto", "noopt", *static]
    if asset.arch == "aarch64":
        pgo = tag >= FIRST_AARCH64_PGO
    elif asset.arch_level == "v4":
        pgo = tag >= FIRST_V4_PGO
    else:
        pgo = asset.arch in ("x86_64", "i686")
    return ["debug", "pgo+lto"] if pgo else ["debug", "lto", "noopt"]


def flavours_of_release(asset: AssetName) -> list[str]:
    """The flavours PBS publishes for the asset's version, tag and triple (FORMATS §1).

    Raises:
        ValueError: for other implementations and pre-2022 names, whose siblings have no
            predictable names (their timestamps differ from file to file).
    """
    tag, version = _require_tagged(asset)
    if asset.os == "windows" and tag <= LAST_WINDOWS_SHARED:
        return ["shared-install_only", "shared-pgo-full"]
    options = _options(asset, tag)
    freethreaded: list[str] = []
    if (
        version.minor_version >= (3, 13)
        and tag >= FIRST_FREETHREADED
        and (asset.libc != "musl" or tag >= FIRST_MUSL_FREETHREADED)
    ):
        freethreaded = [f"freethreaded+{option}" for option in options if "static" not in option]
    stripped = tag >= FIRST_STRIPPED
    flavours = ["install_only", *(["install_only_stripped"] if stripped else [])]
    flavours += [f"{option}-full" for option in options]
    if freethreaded and tag >= FIRST_FREETHREADED_INSTALL_ONLY:
        flavours += ["freethreaded-install_only", "freethreaded-install_only_stripped"]
    flavours += [f"{option}-full" for option in freethreaded]
    return flavours


def _require_tagged(asset: AssetName) -> tuple[str, Version]:
    if asset.implementation != "cpython" or asset.version is None or asset.triple is None:
        raise ValueError(
            f"`{asset.name}` is a {asset.implementation} archive; "
            "only python-build-standalone archives come in flavours"
        )
    if asset.tag is None:
        raise ValueError(
            f"`{asset.name}` is a pre-2022 timestamped name: the names of its siblings "
            "cannot be derived (their build timestamps differ)"
        )
    return asset.tag, asset.version


def flavour_problem(flavour: str) -> str | None:
    """Why `flavour` is no PBS flavour name (checked before anything is fetched), or None."""
    if _FLAVOUR.fullmatch(flavour) is not None:
        return None
    return (
        f"unknown flavour `{flavour}`: expected install_only, install_only_stripped, "
        "freethreaded-install_only[_stripped] or <options>-full such as pgo+lto-full"
    )


def sibling_asset(asset: AssetName, flavour: str, *, check: bool = True) -> AssetName:
    """The same version, tag and triple in another flavour (`pgo+lto-full`, `install_only`...).

    Args:
        asset: a tagged PBS archive name.
        flavour: the wanted flavour, spelt as in file names.
        check: refuse flavours that `flavours_of_release` says PBS did not publish.

    Raises:
        ValueError: unknown flavour, not published for this release, or not a tagged PBS name.
    """
    tag, version = _require_tagged(asset)
    if problem := flavour_problem(flavour):
        raise ValueError(problem)
    if check:
        published = flavours_of_release(asset)
        if flavour not in published:
            raise ValueError(
                f"python-build-standalone publishes no `{flavour}` archive beside "
                f"`{asset.filename}` (it has {', '.join(published)})"
            )
    extension = "tar.zst" if flavour.endswith("-full") else "tar.gz"
    return _parse_pbs(f"cpython-{version}+{tag}-{asset.triple}-{flavour}.{extension}")


def sibling_url(url: str, flavour: str, *, check: bool = True) -> str:
    """Rewrite an archive URL to its sibling flavour's, keeping the directory and the encoding.

    `+` stays `%2B` when the URL had it encoded (as uv's catalog does), literal otherwise.
    """
    parts = urlsplit(url)
    directory, _, last = parts.path.rpartition("/")
    sibling = sibling_asset(parse_asset_name(last), flavour, check=check)
    literal = "+" in last and "%2b" not in last.lower()
    name = sibling.filename if literal else quote(sibling.filename, safe="")
    path = f"{directory}/{name}" if directory or parts.path.startswith("/") else name
    return parts._replace(path=path).geturl()
