"""uv's Python request grammar: `3.12`, `3.13t`, `pypy@3.10`, `cpython-3.12-linux` -> Request."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import NamedTuple

from tui.core.errors import InvalidRequest
from tui.core.names import LIBCS, Variant, normalize_arch, normalize_os
from tui.core.requests import Arch, Operator, Request, Specifier

# Long names before short ones, so `cpython3.12` is never read as `cp` + `ython3.12`.
_IMPLEMENTATION_NAMES = {
    "cpython": "cpython", "pypy": "pypy", "graalpy": "graalpy", "pyodide": "pyodide",
    "cp": "cpython", "pp": "pypy", "gp": "graalpy",
}  # fmt: skip
_VARIANT_SUFFIXES: dict[str, Variant] = {
    "t": "freethreaded", "freethreaded": "freethreaded",
    "d": "debug", "debug": "debug",
    "td": "freethreaded+debug", "freethreaded+debug": "freethreaded+debug",
    # uv 0.13.9 finds no download at all for `3.14+gil` (its downloads have no "gil" variant).
    # Users who write `+gil` mean the build with the GIL, so pybuilds reads it as the default.
    "gil": "default", "gil+debug": "debug",
}  # fmt: skip
_BARE_VARIANTS = ("freethreaded", "debug", "freethreaded+debug", "gil", "gil+debug")
_PLAIN_VERSION = re.compile(
    r"(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-_.]?(alpha|a|beta|b|rc|c|preview|pre)[-_.]?(\d*))?"
)
_PRE_NAMES = {"alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"}
_OPERATORS: dict[str, Operator] = {op: op for op in ("==", "!=", "<", "<=", ">", ">=", "~=")}
_SPECIFIER = re.compile(r"(~=|===|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)(\.\*)?((?:a|b|rc)\d+)?")
_LONG_NUMBER = re.compile(r"\d{16}")
_KEY_SHAPE = "`[impl]-[version]-[os]-[arch]-[libc]`"
_PART_KINDS = ("an implementation", "a version", "an OS", "an architecture", "a libc")


class _Bad(Exception):
    """Why a piece of a request does not parse; becomes InvalidRequest's detail."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class _VersionPart(NamedTuple):
    release: tuple[int, ...] = ()
    prerelease: str = ""
    specifiers: tuple[Specifier, ...] = ()
    variant: Variant | None = None


def parse_request(text: str) -> Request:
    """Parse a request as uv does (see FORMATS.md §7); raises InvalidRequest saying what is wrong.

    Accepted: `default`, `any`, versions (`3`, `312`, `3.12.3`, `3.14rc1`, `>=3.12,<3.13`) with
    variant suffixes (`t`, `d`, `td`, `+freethreaded`, `+debug`, `+gil`…), implementations with or
    without a version (`cpython`, `cp312`, `pypy@3.10`, `python3.12`), and keys
    `[impl]-[version]-[os]-[arch]-[libc]` whose parts are optional but ordered (`any` = wildcard).
    """
    value = text.strip()
    lower = value.lower()
    try:
        if not value:
            raise _Bad("the request is empty (try `3.12`, `cpython` or `default`)")
        if _LONG_NUMBER.search(value):
            # Before any int(): Python refuses to convert numbers of over 4,300 digits.
            raise _Bad("it has a number far too long for a Python version")
        if lower == "any":
            return Request(text, allows_prereleases=True)
        if lower == "default":
            return Request(text)
        if lower.startswith("+") and lower[1:] in _BARE_VARIANTS:
            # A pybuilds extension: uv needs a version before a variant.
            return Request(text, variant=_VARIANT_SUFFIXES[lower[1:]])
        short = _parse_short(lower)
        if short is not None:
            return _make(text, short[0], short[1])
        return _parse_key(text, value)
    except _Bad as error:
        raise InvalidRequest(text, error.detail) from None


def _make(
    text: str,
    implementation: str | None,
    version: _VersionPart | None,
    os_name: str | None = None,
    arch: Arch | None = None,
    libc: str | None = None,
    wildcards: Collection[int] = (),
) -> Request:
    version = version or _VersionPart()
    return Request(
        text=text,
        implementation=implementation,
        variant=version.variant,
        os=os_name,
        arch=arch,
        libc=libc,
        any_os=2 in wildcards,
        any_arch=3 in wildcards,
        any_libc=4 in wildcards,
        allows_prereleases=bool(version.prerelease)
        or any(spec.prerelease for spec in version.specifiers),
        release=version.release,
        prerelease=version.prerelease,
        specifiers=version.specifiers,
    )


def _parse_short(lower: str) -> tuple[str | None, _VersionPart | None] | None:
    """`3.12`, `python@3.12`, `pypy`, `cp312`…; None when the text is not of that shape."""
    if lower.startswith("@"):
        raise _Bad("`@` goes between an implementation and a version, as in `cpython@3.12`")
    for prefix in ("python", ""):
        version = _split_prefix(prefix, lower)
        if version is not None:
            return (None, version)
    for name, implementation in _IMPLEMENTATION_NAMES.items():
        if lower == name:
            return (implementation, None)
        version = _split_prefix(name, lower)
        if version is not None:
            return (implementation, version)
    return None


def _split_prefix(prefix: str, lower: str) -> _VersionPart | None:
    if not lower.startswith(prefix) or lower == prefix:
        return None
    rest = lower[len(prefix) :]
    if not rest.startswith("@"):
        try:
            return _parse_version(rest)
        except _Bad:
            return None
    # After `@` only a version may follow, so its error is the one to report.
    after = rest[1:]
    if after == "latest":
        newest = prefix if prefix != "python" else "default"
        raise _Bad(f"`@latest` is not supported; `{newest}` alone selects the newest release")
    if not after:
        raise _Bad("a version must follow `@`")
    return _parse_version(after)


def _parse_version(text: str) -> _VersionPart:
    """A lowercase version part with an optional variant suffix; raises _Bad."""
    body, variant = _split_variant(text)
    if body[:1] and body[0] in "<>=!~":
        return _VersionPart(specifiers=_parse_specifiers(body), variant=variant)
    match = _PLAIN_VERSION.fullmatch(body)
    if match is None:
        raise _Bad(_explain_version(text))
    numbers = [int(n) for n in match.group(1, 2, 3) if n is not None]
    if len(numbers) == 1 and len(str(numbers[0])) > 1:
        # Wheel-tag style: `312` is 3.12, `38` is 3.8.
        digits = str(numbers[0])
        numbers = [int(digits[0]), int(digits[1:])]
    _check_numbers(numbers, body)
    prerelease = ""
    if match[4]:
        if len(numbers) == 1:
            raise _Bad("a pre-release needs a minor version, as in `3.14rc1`")
        prerelease = f"{_PRE_NAMES.get(match[4], match[4])}{int(match[5] or 0)}"
    return _VersionPart(tuple(numbers), prerelease, (), variant)


def _split_variant(text: str) -> tuple[str, Variant | None]:
    """Split `3.13t` into (`3.13`, freethreaded); unknown suffixes stay on the version."""
    last_digit = max((i for i, char in enumerate(text) if char.isdigit()), default=-1)
    suffix = text[last_digit + 1 :]
    if last_digit < 0 or not suffix:
        return text, None
    variant = _VARIANT_SUFFIXES.get(suffix[1:] if suffix.startswith("+") else suffix)
    if variant is None:
        return text, None
    return text[: last_digit + 1], variant


def _check_numbers(numbers: Iterable[int], text: str) -> None:
    if any(n > 255 for n in numbers):
        raise _Bad(f"`{text}` has a number above 255, which no Python version has")


def _parse_specifiers(body: str) -> tuple[Specifier, ...]:
    specifiers = []
    for item in (part.strip() for part in body.split(",")):
        if not item:
            raise _Bad("an empty specifier (a stray `,`?)")
        match = _SPECIFIER.fullmatch(item)
        if match is None:
            raise _Bad(
                f"`{item}` is not a version specifier (e.g. `>=3.12`, `==3.12.*`, `~=3.11.0`)"
            )
        operator, numbers_text, star, prerelease = match.groups()
        release = tuple(int(n) for n in numbers_text.split("."))
        if operator not in _OPERATORS:
            raise _Bad("arbitrary equality `===` is not supported; use `==`")
        if len(release) > 3:
            raise _Bad(f"`{item}` has too many version numbers (at most X.Y.Z)")
        _check_numbers(release, item)
        if star and (operator not in ("==", "!=") or prerelease):
            raise _Bad(f"`{item}`: `.*` only follows a plain version after `==` or `!=`")
        if operator == "~=" and len(release) < 2:
            raise _Bad(f"`{item}`: `~=` needs at least two version numbers, as in `~=3.11.0`")
        specifiers.append(Specifier(_OPERATORS[operator], release, prerelease or "", bool(star)))
    return tuple(specifiers)


def _version_error(text: str) -> str:
    """The detail of the error parsing `text` as a version gives."""
    try:
        _parse_version(text)
    except _Bad as error:
        return error.detail
    return _explain_version(text)


def _explain_version(text: str) -> str:
    """Why `text`, which starts like a version, is not one."""
    numbers_text = re.match(r"[\d.]*", text)
    numbers = numbers_text[0].rstrip(".") if numbers_text else ""
    rest = text[len(numbers) :].lstrip(".")
    if "," in text:
        return "every part of a range needs an operator, as in `>=3.12,<3.13`"
    if numbers.count(".") >= 3:
        return f"`{numbers}` has too many version numbers (a Python version is at most X.Y.Z)"
    if rest.startswith(("post", "dev", "-")):
        return "post- and dev-releases are not Python releases (use X.Y.Z or X.Y.ZrcN)"
    if rest.startswith("+"):
        local = rest[1:]
        if local.isdigit():
            return (
                f"`+{local}` looks like a build tag; build tags are not part of a request "
                "(choose a build separately, as UV_PYTHON_CPYTHON_BUILD does)"
            )
        return f"`+{local}` is not a variant (use `+freethreaded`, `+debug` or `+gil`)"
    if rest in ("dt", "+dt"):
        return "a free-threaded debug build is written `td`"
    if "+" in rest:
        return f"`{rest}` mixes variant spellings; write `td` or `+freethreaded+debug`"
    if numbers and rest:
        return (
            f"`{rest}` is not a variant or pre-release "
            "(variants: `t`, `d`, `td`, `+freethreaded`, `+debug`, `+gil`; pre-releases: `rc1`)"
        )
    return (
        f"`{text}` is not a version (use X, X.Y or X.Y.Z, a pre-release like `3.14.0rc1`, "
        "or specifiers like `>=3.12,<3.13`)"
    )


def _parse_key_part(position: int, part: str) -> object | None:
    if position == 0:
        return _IMPLEMENTATION_NAMES.get(part.lower())
    if position == 1:
        try:
            return _parse_version(part.lower())
        except _Bad:
            return None
    if position == 2:
        return normalize_os(part)
    if position == 3:
        return normalize_arch(part)
    return part if part in LIBCS else None


def _parse_key(text: str, value: str) -> Request:
    """`cpython-3.12.3-linux-x86_64-gnu` and shorter keys: parts optional but in this order."""
    parts = value.split("-")
    if len(parts) > 5:
        raise _Bad(f"too many parts ({len(parts)}); a key has at most five: {_KEY_SHAPE}")
    found: dict[int, object] = {}
    wildcards: set[int] = set()
    position = 0
    for part in parts:
        start = position
        while position < 5:
            position += 1
            if part.lower() == "any":
                wildcards.add(position - 1)
                break
            parsed = _parse_key_part(position - 1, part)
            if parsed is not None:
                found[position - 1] = parsed
                break
        else:
            raise _Bad(_explain_part(part, start, single=len(parts) == 1))
    implementation, version, os_name, arch, libc = (found.get(i) for i in range(5))
    return _make(
        text,
        implementation if isinstance(implementation, str) else None,
        version if isinstance(version, _VersionPart) else None,
        os_name if isinstance(os_name, str) else None,
        arch if isinstance(arch, tuple) else None,
        libc if isinstance(libc, str) else None,
        wildcards,
    )


_ALIASES = {
    "ppc64le": (3, "powerpc64le"), "ppc64": (3, "powerpc64le"), "powerpc64": (3, "powerpc64le"),
    "i386": (3, "x86"), "x64": (3, "x86_64"), "armv7l": (3, "armv7"), "arm": (3, "armv7"),
    "armhf": (3, "armv7"), "riscv": (3, "riscv64gc"), "wasm": (3, "wasm32"),
    "osx": (2, "macos"), "mac": (2, "macos"), "macosx": (2, "macos"), "win": (2, "windows"),
    "win32": (2, "windows"), "win64": (2, "windows"), "glibc": (4, "gnu"), "msvc": (4, "none"),
}  # fmt: skip
_KNOWN_NAMES = (
    tuple(_IMPLEMENTATION_NAMES),
    (),
    ("linux", "macos", "darwin", "windows", "emscripten"),
    ("x86_64", "x86_64_v2", "x86_64_v3", "x86_64_v4", "aarch64", "x86", "i686", "armv7",
     "powerpc64le", "s390x", "riscv64gc", "wasm32"),
    LIBCS,
)  # fmt: skip
_KIND_NAMES = ("implementation", "version", "OS", "architecture", "libc")


def _suggest(part: str, start: int) -> tuple[int, str] | None:
    """(position, name) of the spelling `part` was probably meant to be."""
    import difflib  # only on the error path

    lower = part.lower()
    alias = _ALIASES.get(lower)
    if alias is not None and alias[0] >= start:
        return alias
    for position in range(start, 5):
        if lower in (name.lower() for name in _KNOWN_NAMES[position]):
            return (position, lower)
    for position in range(start, 5):
        close = difflib.get_close_matches(lower, _KNOWN_NAMES[position], n=1, cutoff=0.8)
        if close:
            return (position, close[0])
    return None


def _explain_part(part: str, start: int, *, single: bool) -> str:
    """Why a key part fits none of the places left for it."""
    if not part:
        return f"empty part (a doubled `-` or one at an end); keys look like {_KEY_SHAPE}"
    if any(_parse_key_part(position, part) is not None for position in range(start)):
        return f"`{part}` is out of order; a key's parts go {_KEY_SHAPE}"
    lower = part.lower()
    if lower[0].isdigit() or lower[0] in "<>=!~+":
        return _version_error(lower)
    for name in _IMPLEMENTATION_NAMES:
        rest = lower[len(name) :]
        if lower.startswith(name) and rest[:1].isdigit():
            if single:
                return _version_error(rest)
            return f"write the implementation and version as separate parts: `{name}-{rest}`"
    if lower == "python":
        return "`python` needs a version (`python3.12`); `default` asks for the newest release"
    suggestion = _suggest(part, start)
    if suggestion is not None:
        position, name = suggestion
        return f"unknown {_KIND_NAMES[position]} `{part}` (did you mean `{name}`?)"
    if single:
        return (
            "not a version (`3.12`), an implementation (`cpython`, `pypy`, `graalpy`, "
            "`pyodide`), a platform part (`linux`, `x86_64`, `musl`) or a key like "
            "`cpython-3.12-linux-x86_64-gnu`"
        )
    *others, last = _PART_KINDS[start:]
    expected = f"{', '.join(others)} or {last}" if others else last
    return f"`{part}` is not {expected} (keys look like {_KEY_SHAPE})"
