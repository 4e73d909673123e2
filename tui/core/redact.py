"""Remove credentials from URLs and text before anything is shown or logged."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|sig|token|"
    r"access_token|api_key|apikey|key|password|passwd|secret)=)[^&#\s]*"
)


def redact_url(url: str) -> str:
    """Return `url` with user-info replaced by `***` and secret query values hidden.

    `https://user:pw@host/x?X-Amz-Signature=abc` -> `https://***@host/x?X-Amz-Signature=***`.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = _SECRET_QUERY.sub(r"\1***", "?" + parts.query)[1:] if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Redact every URL-shaped credential inside free text (error messages, logs)."""
    text = _USERINFO.sub(lambda m: f"{m['scheme']}***@", text)
    return _SECRET_QUERY.sub(r"\1***", text)


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
