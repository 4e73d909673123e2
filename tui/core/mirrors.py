"""Rewrite catalog URLs onto a user's mirror by prefix substitution, as uv does."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal, NamedTuple

from tui.core.errors import ConfigError
from tui.core.redact import redact_url

if TYPE_CHECKING:
    from tui.core.config import Settings

PBS_PREFIX = "https://github.com/astral-sh/python-build-standalone/releases/download"
PYPY_PREFIX = "https://downloads.python.org/pypy"
GRAALPY_PREFIX = "https://github.com/oracle/graalpython/releases/download"
PYODIDE_PREFIX = "https://github.com/pyodide/pyodide/releases/download"
ASTRAL_MIRROR = "https://releases.astral.sh"
"""Where Astral mirrors PBS releases; uv (>= 0.11.14) tries it before GitHub."""
_ASTRAL_PBS_PATH = "github/python-build-standalone/releases/download"
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+):")  # two letters at least: `C:` is a drive

MirrorKind = Literal["cpython", "pypy", "graalpy", "pyodide"]

# What uv calls each setting, for messages when the caller did not record an origin.
_DEFAULT_ORIGIN: dict[MirrorKind, str] = {
    "cpython": "UV_PYTHON_INSTALL_MIRROR",
    "pypy": "UV_PYPY_INSTALL_MIRROR",
    "graalpy": "UV_GRAALPY_INSTALL_MIRROR",
    "pyodide": "UV_PYODIDE_INSTALL_MIRROR",
}
_PREFIXES: dict[MirrorKind, str] = {
    "cpython": PBS_PREFIX,
    "pypy": PYPY_PREFIX,
    "graalpy": GRAALPY_PREFIX,
    "pyodide": PYODIDE_PREFIX,
}

_KINDS: dict[str, MirrorKind] = {kind: kind for kind in _PREFIXES}


class MirrorSettings(NamedTuple):
    """Mirror base URLs (http(s):// or file://) and where each one was set."""

    python_mirror: str | None = None
    """Replaces PBS_PREFIX for CPython builds."""
    pypy_mirror: str | None = None
    graalpy_mirror: str | None = None
    python_origin: str | None = None
    """Where `python_mirror` came from: `--mirror`, an env var name or a uv.toml path."""
    pypy_origin: str | None = None
    graalpy_origin: str | None = None
    pyodide_mirror: str | None = None
    """uv 0.13.9's `UV_PYODIDE_INSTALL_MIRROR`; replaces PYODIDE_PREFIX."""
    pyodide_origin: str | None = None
    astral_mirror: str | None = None
    """`UV_ASTRAL_MIRROR_URL`: replaces ASTRAL_MIRROR, and is then the only source of CPython
    builds (no fallback to GitHub)."""
    astral_origin: str | None = None

    def mirror_for(self, kind: MirrorKind) -> tuple[str | None, str]:
        """The mirror set for `kind` (or None) and the name of its setting, for messages."""
        mirror, origin = {
            "cpython": (self.python_mirror, self.python_origin),
            "pypy": (self.pypy_mirror, self.pypy_origin),
            "graalpy": (self.graalpy_mirror, self.graalpy_origin),
            "pyodide": (self.pyodide_mirror, self.pyodide_origin),
        }[kind]
        # uv counts an empty value as unset.
        return (mirror or None), (origin or _DEFAULT_ORIGIN[kind])


class MirrorMismatch(ConfigError):
    """A mirror is set but a catalog URL is not under the prefix that the mirror replaces."""

    def __init__(self, url: str, setting: str, prefix: str) -> None:
        super().__init__(
            setting,
            "the URL does not start with the prefix a mirror replaces",
            hint=f"a mirror replaces `{prefix}/`; use a catalog whose URLs start with it, "
            f"or unset {setting}",
        )
        self.message = (
            f"a mirror was provided via `{setting}`, but the URL does not match "
            f"the expected format: {redact_url(url)}"
        )
        self.args = (self.message,)
        self.url = redact_url(url)


def mirror_kind(url: str) -> MirrorKind | None:
    """Which upstream prefix `url` lives under, or None for any other host."""
    for kind, prefix in _PREFIXES.items():
        if url.startswith(prefix + "/"):
            return kind
    return None


def rewrite_url(
    url: str, mirrors: MirrorSettings, *, implementation: str | None = None
) -> tuple[str, str | None]:
    """Apply the mirror that covers `url`, as uv does.

    The new URL is the mirror without trailing `/`, a `/`, then the rest of the original
    URL, still percent-encoded (`%2B` stays `%2B`).

    Args:
        url: A catalog URL.
        mirrors: The mirror settings in force.
        implementation: The build's implementation (`cpython`, `pypy`, `graalpy`, `pyodide`);
            when given, a URL outside that implementation's prefix fails as in uv even for
            PyPy and GraalPy. When None the kind is inferred from the URL, and any URL outside
            the known prefixes fails only if a CPython mirror is set.

    Returns:
        The URL to fetch and the origin of the setting used (None when no mirror applied).

    Raises:
        MirrorMismatch: a mirror for the build's implementation is set but the URL is not
            under the prefix it replaces.
    """
    kind = mirror_kind(url)
    wanted = (kind or "cpython") if implementation is None else _KINDS.get(implementation)
    if wanted is None:
        return url, None
    mirror, origin = mirrors.mirror_for(wanted)
    if mirror is None:
        return url, None
    if kind != wanted:
        raise MirrorMismatch(url, origin, _PREFIXES[wanted])
    rest = url[len(_PREFIXES[wanted]) + 1 :]
    return f"{mirror.rstrip('/')}/{rest}", origin


ASTRAL_ORIGIN = "Astral's mirror"
"""The setting `download_urls` names for Astral's mirror, tried before GitHub."""


def download_urls(
    url: str, mirrors: MirrorSettings, *, implementation: str | None = None
) -> list[tuple[str, str | None]]:
    """Where to fetch `url` from, in order, each with the setting that chose it.

    As uv: a user's mirror is used alone (see `rewrite_url`). Without one, a PBS build is
    fetched from Astral's mirror of the releases first and from GitHub when that fails; a
    mirror base given in `UV_ASTRAL_MIRROR_URL` is used alone.

    Raises:
        MirrorMismatch: as `rewrite_url`.
    """
    mirrored, origin = rewrite_url(url, mirrors, implementation=implementation)
    if (
        origin is not None
        or mirror_kind(url) != "cpython"
        or implementation not in (None, "cpython")
    ):
        return [(mirrored, origin)]
    rest = url[len(PBS_PREFIX) + 1 :]
    if mirrors.astral_mirror:
        base = mirrors.astral_mirror.rstrip("/")
        return [
            (f"{base}/{_ASTRAL_PBS_PATH}/{rest}", mirrors.astral_origin or "UV_ASTRAL_MIRROR_URL")
        ]
    return [(f"{ASTRAL_MIRROR}/{_ASTRAL_PBS_PATH}/{rest}", ASTRAL_ORIGIN), (url, None)]


def sources_without_mirror(url: str, mirrors: MirrorSettings, implementation: str) -> str:
    """Where `url` downloads from when no mirror is set for it, in order and in words:
    `Astral's mirror, then the catalog's URL` (UV_ASTRAL_MIRROR_URL still applies)."""
    unset = mirrors._replace(
        python_mirror=None, pypy_mirror=None, graalpy_mirror=None, pyodide_mirror=None
    )
    origins = [origin for _, origin in download_urls(url, unset, implementation=implementation)]
    named = [origin or "the catalog's URL" for origin in origins]
    return ", then ".join(named)


def url_problem(url: str) -> str | None:
    """Why `url` cannot even be parsed (a broken IPv6 host, a port that is not a number), or
    None. Whether it answers is for the download, and `pybuilds doctor`, to find out."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- parsing the port is the check
    except ValueError as error:
        return str(error)
    if parts.scheme in ("http", "https") and not parts.hostname:
        return "it has no host"
    return None


def checked_url(url: str, origin: str) -> str:
    """`url`, or ConfigError naming the setting (`origin`) when it cannot be parsed."""
    problem = url_problem(url)
    if problem is None:
        return url
    raise ConfigError(
        origin,
        f"`{redact_url(url)}` is not a valid URL: {problem}",
        hint="write it as http(s)://host[:port]/path or file:///path",
    )


def url_scheme(value: str) -> str | None:
    """The scheme of a URL, lowercased (`file:/srv/m` has one, as for uv); None for a path."""
    match = _SCHEME.match(value)
    return match[1].lower() if match else None


def _checked_mirror(value: str, origin: str, *, allow_paths: bool) -> str:
    scheme = url_scheme(value)
    if scheme is None:
        if allow_paths:
            return value
        raise _path_not_url(value, origin)
    if scheme not in ("http", "https", "file"):
        raise ConfigError(
            origin,
            f"`{redact_url(value)}`: a mirror cannot be a {scheme}: URL",
            hint="use an https://, http:// or file:/// URL",
        )
    return checked_url(_with_slashes(value), origin)


def _with_slashes(url: str) -> str:
    """`file:/srv/m` (and `file:srv/m`) as `file:///srv/m`, the form the rest of the code and
    the messages expect; uv reads all three alike."""
    if url_scheme(url) != "file" or url[5:7] == "//":
        return url
    return "file:///" + url[5:].lstrip("/")


def _path_not_url(value: str, origin: str) -> ConfigError:
    """uv reads a mirror only as a URL; a folder path would fail later, file by file."""
    from pathlib import Path

    return ConfigError(
        origin,
        f"`{value}` is a folder path, not a URL: uv and pybuilds read a mirror only as a URL",
        hint=f"write it as {Path(value).absolute().as_uri()}",
    )


def mirrors_from_settings(settings: Settings, *, allow_paths: bool = False) -> MirrorSettings:
    """The mirrors in force and where each was set (`--mirror`, an env var, a file).

    `allow_paths` keeps a folder path given as a mirror, for `pybuilds doctor` to explain.

    Raises:
        ConfigError: a mirror that is a folder path or a URL that cannot be parsed.
    """
    found: dict[str, str | None] = {}
    for kind, key in (
        ("python", "python-install-mirror"),
        ("pypy", "pypy-install-mirror"),
        ("graalpy", "graalpy-install-mirror"),
        ("pyodide", "pyodide-install-mirror"),
        ("astral", "astral-mirror-url"),
    ):
        setting = settings.setting(key)
        found[f"{kind}_mirror"] = (
            _checked_mirror(setting.value, setting.origin, allow_paths=allow_paths)
            if setting.value
            else None
        )
        found[f"{kind}_origin"] = setting.origin if setting.value else None
    return MirrorSettings(**found)
