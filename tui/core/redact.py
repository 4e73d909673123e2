"""Remove credentials from URLs and text before anything is shown or logged."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# Up to the last `@` before the path: a password may hold a bare `@` (`http://u:p@ss@host/`).
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/?#\s]+)@")
# Every query value: signed URLs name their secrets freely (X-Goog-Signature, Policy,
# private_token, jwt…), so no list of names can be trusted to catch them all.
_QUERY_VALUE = re.compile(r"([?&][^=&#\s'\"]+=)[^&#\s'\"]+")


def redact_url(url: str) -> str:
    """Return `url` with user-info replaced by `***` and every query value hidden.

    `https://user:pw@host/x?X-Amz-Signature=abc&b=1` -> `https://***@host/x?X-Amz-Signature=***&b=***`.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = _QUERY_VALUE.sub(r"\1***", "?" + parts.query)[1:] if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Redact every URL-shaped credential inside free text (error messages, logs)."""
    text = _USERINFO.sub(lambda m: f"{m['scheme']}***@", text)
    return _QUERY_VALUE.sub(r"\1***", text)


def strip_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """Split user-info off a URL: returns (url without it, (user, password) or None)."""
    from urllib.parse import unquote

    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return clean, (unquote(user), unquote(password))
