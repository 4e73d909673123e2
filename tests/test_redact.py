"""Credentials and signed-URL secrets are hidden in every URL and line pybuilds shows."""

from __future__ import annotations

import pytest

from tui.core.redact import redact_text, redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://me:pw@host/x", "https://***@host/x"),
        ("https://me:p@ss@host/x", "https://***@host/x"),  # a bare `@` in the password
        ("https://host/x?X-Goog-Signature=s1&X-Goog-Credential=c1", None),
        ("https://host/x?Policy=p1&Key-Pair-Id=k1&Signature=s1", None),  # CloudFront
        ("https://host/x?private_token=t1", None),  # GitLab
        ("https://host/x?jwt=j1&%74oken=t2", None),
    ],
)
def test_redact_url(url: str, shown: str | None) -> None:
    redacted = redact_url(url)
    if shown is not None:
        assert redacted == shown
    for secret in ("pw", "p@ss", "s1", "c1", "p1", "k1", "t1", "j1", "t2"):
        assert f"={secret}" not in redacted and f":{secret}@" not in redacted
    assert redacted.startswith("https://") and "/x" in redacted


def test_redact_text_finds_urls_inside_messages_and_logs() -> None:
    line = (
        "GET http://user:pa@SSW0RD@127.0.0.1:8000/a failed; "
        "(b'location', b'https://cdn/b?X-Goog-Signature=abc&Expires=9')"
    )
    assert redact_text(line) == (
        "GET http://***@127.0.0.1:8000/a failed; "
        "(b'location', b'https://cdn/b?X-Goog-Signature=***&Expires=***')"
    )
