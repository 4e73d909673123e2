"""Credentials for a download URL: user-info in the URL, else the user's netrc file."""

from __future__ import annotations

import ast
import netrc
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tui.core.redact import strip_credentials


@dataclass(frozen=True, slots=True)
class Credentials:
    """A user name and password for HTTP basic auth; the password never shows in a repr."""

    username: str
    password: str = field(repr=False)
    source: str
    """Where they came from, for messages: `URL` or the netrc file's path."""


@dataclass(frozen=True, slots=True)
class AuthLookup:
    """The URL to request (user-info removed) and the credentials to send with it."""

    url: str
    credentials: Credentials | None
    netrc_file: Path | None
    """The netrc file consulted, None when the URL carried a full user:password."""
    netrc_exists: bool
    warnings: tuple[str, ...] = ()


def netrc_location(explicit: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The netrc file to read: `explicit`, else `$NETRC`, else `~/.netrc` (`~/_netrc` on Windows
    when only that exists)."""
    if explicit is not None:
        return explicit
    environ = os.environ if env is None else env
    if environ.get("NETRC"):
        return Path(environ["NETRC"]).expanduser()
    home = Path.home()
    if os.name == "nt" and not (home / ".netrc").exists() and (home / "_netrc").exists():
        return home / "_netrc"
    return home / ".netrc"


def lookup_credentials(url: str, netrc_file: Path | None = None) -> AuthLookup:
    """Split credentials off `url` or find them in netrc for its host.

    Args:
        url: An http(s) URL, possibly with `user:password@`.
        netrc_file: The netrc file to use instead of `$NETRC` / `~/.netrc`.

    Returns:
        The lookup; a URL with only a user name takes the password from a netrc entry with
        the same login.
    """
    clean, userinfo = strip_credentials(url)
    if userinfo is not None and userinfo[1]:
        return AuthLookup(clean, Credentials(userinfo[0], userinfo[1], "URL"), None, False)
    path = netrc_location(netrc_file)
    host = urlsplit(clean).hostname or ""
    entry, warnings = _netrc_entry(path, host)
    if userinfo is not None:
        user = userinfo[0]
        if entry is not None and entry[0] in ("", user):
            return AuthLookup(clean, Credentials(user, entry[1], str(path)), path, True, warnings)
        return AuthLookup(clean, Credentials(user, "", "URL"), path, path.is_file(), warnings)
    if entry is not None:
        return AuthLookup(clean, Credentials(entry[0], entry[1], str(path)), path, True, warnings)
    return AuthLookup(clean, None, path, path.is_file(), warnings)


def refusal_hint(lookup: AuthLookup, host: str) -> str:
    """What to do when `host` answered 401/403 to a request made with `lookup`'s credentials."""
    entry = f"`machine {host} login <user> password <password>`"
    credentials = lookup.credentials
    if credentials is not None and credentials.source == "URL":
        return "the server refused the user name and password given in the URL"
    if credentials is not None:
        return f"the server refused the credentials for {host} from {credentials.source}"
    if lookup.warnings:  # the netrc could not be used: that, not a missing entry, is the cause
        return f"the server needs credentials; {'; '.join(lookup.warnings)}"
    if lookup.netrc_file is not None and lookup.netrc_exists:
        return (
            f"the server needs credentials; {lookup.netrc_file} has no entry for {host}: "
            f"add {entry}, or put user:password@ in the URL"
        )
    return (
        f"the server needs credentials and no netrc file was found at "
        f"{lookup.netrc_file}: create it with {entry} (or set NETRC), "
        "or put user:password@ in the URL"
    )


def _netrc_entry(path: Path, host: str) -> tuple[tuple[str, str] | None, tuple[str, ...]]:
    if path.is_dir():
        return None, (f"ignoring netrc file {path}: it is a folder, not a file",)
    if not path.is_file():
        return None, ()
    try:
        parsed = netrc.netrc(str(path))
    except netrc.NetrcParseError as error:
        # The parser quotes the offending token, which may be a password: keep only the line.
        line = _error_line(path, error)
        return None, (f"ignoring netrc file {path}: syntax error on line {line}",)
    except OSError as error:
        return None, (f"cannot read netrc file {path}: {error.strerror or error}",)
    found = parsed.authenticators(host)
    if found is None:
        return None, ()
    login, _account, password = found
    return (login or "", password or ""), ()


_QUOTED_TOKEN = re.compile(r"token (?P<token>'.*'|\".*\")$")


def _error_line(path: Path, error: netrc.NetrcParseError) -> int:
    """The line the syntax error is on. Python's parser reports the line it had read up to: it
    reads the whitespace after the word it rejects, so a word that ends a line is reported on
    the next one, and a file cut short at its end on the line after its last."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").rstrip().splitlines()
    except OSError:
        return error.lineno or 1
    line = max(1, min(error.lineno or 1, len(lines)))
    match = _QUOTED_TOKEN.search(error.msg)
    if match is None or line == 1:
        return line
    token = str(ast.literal_eval(match["token"]))
    if token not in lines[line - 1].split() and lines[line - 2].split()[-1:] == [token]:
        return line - 1
    return line
