"""Explain what an http(s) server answered besides the file: the redirects it took, a transport
error, an error status, and after a 404 on a mirror, where the file may be stored instead."""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from tui.core.doctor_common import Finding, fail, info
from tui.core.doctor_net import CERT_ERRORS, trust_hint
from tui.core.fetch import FetchOptions
from tui.core.nearmiss import mirror_setting
from tui.core.netrc_auth import AuthLookup, refusal_hint
from tui.core.redact import redact_text, redact_url

if TYPE_CHECKING:
    import httpx


class MirrorBase(NamedTuple):
    """The mirror a URL was rewritten onto, and where else it may keep the file."""

    url: str
    other_releases: Sequence[tuple[str, str]]


def redirects(response: httpx.Response, lookup: AuthLookup) -> Iterator[Finding]:
    """One finding per redirect the response followed."""
    origin = urlsplit(lookup.url)
    for hop in response.history:
        location = hop.headers.get("location", "")
        target = str(hop.next_request.url) if hop.next_request is not None else location
        moved = urlsplit(target)
        note = ""
        if lookup.credentials is not None and (moved.hostname, moved.port) != (
            origin.hostname,
            origin.port,
        ):
            note = " (credentials are not forwarded to another host)"
        yield info(
            "redirect",
            f"redirect: {hop.status_code} from {redact_url(str(hop.url))} to "
            f"{redact_url(target)}{note}",
            status=hop.status_code,
            location=redact_url(target),
        )


def transport_failure(error: Exception, options: FetchOptions) -> Finding:
    """Why no response came: TLS, proxy, redirect loop, timeout or another transport error."""
    import httpx

    text = redact_text(str(error)) or type(error).__name__
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            reason = CERT_ERRORS.get(seen.verify_code, seen.verify_message or text)
            return fail("tls", f"tls: {reason} (after a redirect?)", trust_hint(options))
        seen = seen.__cause__ or seen.__context__
    if isinstance(error, httpx.ProxyError):
        return fail(
            "proxy",
            f"proxy: the proxy refused the request: {text}",
            "check HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY",
        )
    if isinstance(error, httpx.TooManyRedirects):
        return fail("redirect", f"redirect: too many redirects: {text}", "the server loops")
    if isinstance(error, httpx.TimeoutException):
        return fail(
            "http",
            f"http: no answer within {options.timeout:g} s ({type(error).__name__})",
            "the server or a proxy is too slow or stuck; try again later",
        )
    return fail("http", f"http: {type(error).__name__}: {text}", "check the network and the URL")


def status_failure(response: httpx.Response, lookup: AuthLookup, mirror: str | None) -> Finding:
    """What an error status (400 and up) means, with a hint for the mirror layout on a 404."""
    status = response.status_code
    line = f"http: {status} {response.reason_phrase}".rstrip()
    final = redact_url(str(response.url))
    facts = {"status": status, "url": final}
    host = response.url.host
    if status in (401, 403):
        what = "wants credentials" if status == 401 else "refuses access"
        return fail("http", f"{line}: the server {what}", refusal_hint(lookup, host), **facts)
    if status in (404, 410):
        hint = "the server has no file at this URL" if mirror is None else _layout_hint(mirror)
        return fail("http", f"{line}: {final} does not exist on the server", hint, **facts)
    if status >= 500:
        return fail("http", f"{line}: the server failed", "try again later", **facts)
    return fail("http", f"{line} for {final}", None, **facts)


def _layout_hint(mirror: str) -> str:
    """Where a mirror must keep the file; a query in the mirror URL swallows that path."""
    if urlsplit(mirror).query:
        # Not shown: a redacted query value (`token=***`) would run into the words after it.
        return (
            "the mirror URL has a query string (after `?`): uv and pybuilds append "
            "/<tag>/<file name> to the whole URL, so the file's path lands inside the query "
            "and the server never sees it; drop the query from the mirror URL and give "
            "credentials through netrc or user:password@ in the URL"
        )
    return (
        f"a mirror must serve the catalog's exact file at "
        f"{redact_url(mirror.rstrip('/'))}/<tag>/<file name>, stored with a literal `+` "
        "(the URL writes it %2B); check the tag and flavour, or re-create the mirror "
        "with `pybuilds mirror`"
    )


def near_misses(
    client: httpx.Client, url: str, auth: httpx.BasicAuth | None, mirror: MirrorBase
) -> Iterator[Finding]:
    """After a 404 on a mirror, look for the file where people often put it by mistake."""
    parts = urlsplit(url)
    folder, _, name = parts.path.rpartition("/")
    parent, _, tag = folder.rpartition("/")
    candidates: list[tuple[str, str]] = []
    if "%2B" in name.upper():
        encoded = name.replace("%2B", "%252B").replace("%2b", "%252B")
        candidates.append(
            (f"{folder}/{encoded}", "stored with `%2B` in its name; rename it to use `+`")
        )
    candidates.append((f"{folder}/{name}.part", _PARTIAL))
    if tag:
        candidates.append((f"{parent}/{name}", _flat_explanation(mirror.url, tag, unquote(name))))
        deeper = f"{parent}/releases/download"
        candidates.append((f"{deeper}/{tag}/{name}", _deeper_explanation(url, deeper, name)))
    candidates += _sibling_candidates(folder, name)
    for path, explanation in candidates:
        found = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        if _exists(client, found, auth):
            yield info("http", f"found {redact_url(found)}: {explanation}", url=redact_url(found))
    # A folder cannot be listed over HTTP, but the catalog names the releases an older mirror
    # may hold; the newest one found is enough to tell.
    for other, other_tag in mirror.other_releases:
        found = urlunsplit((parts.scheme, parts.netloc, urlsplit(other).path, "", ""))
        if _exists(client, found, auth):
            yield info(
                "http",
                f"found {redact_url(found)} of release {other_tag}, but the catalog asks for "
                f"release {tag}: the mirror was made for another catalog or uv version",
                url=redact_url(found),
            )
            return


_PARTIAL = (
    "a `pybuilds mirror` download of this file was interrupted; run the same `pybuilds mirror` "
    "command again to finish it"
)


def _deeper_explanation(url: str, folder: str, name: str) -> str:
    """For a mirror holding a copy of GitHub's `releases/download/<tag>/` path."""
    base = urlunsplit(urlsplit(url)._replace(path=folder, query="", fragment=""))
    return (
        "the mirror's release folders are in its `releases/download/` folder; "
        f"set {mirror_setting(unquote(name))} to {redact_url(base)}"
    )


def _flat_explanation(mirror: str, tag: str, name: str) -> str:
    """Why a file is one folder up: stored without its tag folder, or the mirror names it."""
    base, _, last = mirror.rstrip("/").rpartition("/")
    if last != tag or "://" not in base:
        return f"stored without its `{tag}/` folder; move it"
    return (
        f"the mirror is the release folder `{tag}/` itself, so files are looked for in "
        f"`{tag}/{tag}/`; set {mirror_setting(name)} to its parent, {redact_url(base)}"
    )


def _sibling_candidates(folder: str, name: str) -> list[tuple[str, str]]:
    from tui.core.filenames import flavours_of_release, parse_asset_name, sibling_asset

    try:
        asset = parse_asset_name(unquote(name))
        flavours = flavours_of_release(asset)
    except ValueError:
        return []
    found = []
    for flavour in flavours:
        if flavour == asset.flavour:
            continue
        sibling = sibling_asset(asset, flavour, check=False).filename
        found.append(
            (
                f"{folder}/{quote(sibling, safe='')}",
                f"another flavour (`{flavour}`) of the same build; the catalog asks for "
                f"`{asset.flavour}` and a mirror must hold that exact file",
            )
        )
    return found


def _exists(client: httpx.Client, url: str, auth: httpx.BasicAuth | None) -> bool:
    """Whether the server has `url`, without downloading it: HEAD, or where the server
    refuses HEAD, a GET of its first byte (as `fetch_http.http_probe` falls back)."""
    import httpx

    try:
        response = client.send(client.build_request("HEAD", url), auth=auth)
        if response.status_code in (405, 501):
            request = client.build_request("GET", url, headers={"Range": "bytes=0-0"})
            response = client.send(request, auth=auth, stream=True)
            response.close()  # the status is all we need; a server ignoring Range sends it all
    except httpx.HTTPError:
        return False
    return response.status_code < 300
