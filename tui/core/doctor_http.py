"""Doctor checks for an http(s) download: the network steps, then credentials, status, content."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from tui import __version__
from tui.core.doctor_common import (
    SNIFF_BYTES,
    Expected,
    Finding,
    fail,
    hash_stream,
    human_size,
    info,
    ok,
    seconds,
    sniff_problem,
    unlisted_sums,
    verify_finding,
    warn,
)
from tui.core.doctor_net import CERT_ERRORS, connect, handshake, proxy_for, resolve, trust_hint
from tui.core.errors import ConfigError
from tui.core.fetch import FetchOptions
from tui.core.nearmiss import mirror_setting
from tui.core.netrc_auth import AuthLookup, lookup_credentials, refusal_hint
from tui.core.redact import redact_text, redact_url
from tui.core.sources import parse_sha256sums

if TYPE_CHECKING:
    import httpx


def check_http(
    url: str,
    *,
    expected_sha256: str | None,
    sums_bind: bool = False,
    mirror: str | None = None,
    other_releases: Sequence[tuple[str, str]] = (),
    options: FetchOptions | None = None,
    verify: bool = False,
    cancel: threading.Event | None = None,
    what: str = "archive",
) -> Iterator[Finding]:
    """Walk an http(s) URL as a download does, one finding per step.

    Args:
        url: The download URL after the mirror rewrite (may hold user:password@).
        expected_sha256: The catalog's checksum, if it has one.
        sums_bind: Installs check the file against the SHA256SUMS beside it (another
            flavour than the catalog's), so a missing entry means an unverified install.
        mirror: The mirror base the URL came from; enables layout hints on a 404.
        other_releases: (URL on the mirror, tag) of the same build series in other releases
            of the catalog, newest first: after a 404, where a mirror made for another
            catalog or uv version keeps it.
        options: Timeouts, netrc, trust store and proxy settings, as for downloads.
        verify: Download the whole body and compare its sha256.
        cancel: Stops the download between chunks.
        what: What the URL should hold, for messages: `archive` or `catalog`.
    """
    options = options or FetchOptions()
    lookup = lookup_credentials(url, options.netrc_path)
    parts = urlsplit(lookup.url)
    host = parts.hostname
    if not host:
        yield fail("url", f"url: {redact_url(url)} names no host")
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        yield fail("url", f"url: {redact_url(url)} has an invalid port")
        return
    proxy = proxy_for(lookup.url, options)
    if proxy is None:
        yield info("proxy", "proxy: none (direct connection)")
        target = (host, port)
    else:
        proxy_url, variable = proxy
        yield info("proxy", f"proxy: {redact_url(proxy_url)} (from {variable})")
        proxy_parts = urlsplit(proxy_url)
        target = (proxy_parts.hostname or "", proxy_parts.port or 3128)
    addresses = yield from resolve(*target, via_proxy=proxy is not None)
    if not addresses:
        return
    sock = yield from connect(addresses, target, options.timeout, via_proxy=proxy is not None)
    if sock is None:
        return
    if parts.scheme == "https" and proxy is None:
        trusted = yield from handshake(sock, host, options)
        if not trusted:
            return
    else:
        sock.close()
    yield from _credentials(lookup, host)
    checks = _Checks(expected_sha256, sums_bind, verify, what)
    base = None if mirror is None else _Mirror(mirror, other_releases)
    yield from _request(lookup, checks, base, options, cancel)


def _credentials(lookup: AuthLookup, host: str) -> Iterator[Finding]:
    for message in lookup.warnings:
        yield warn("credentials", f"credentials: {message}")
    credentials = lookup.credentials
    if credentials is not None:
        source = "the URL" if credentials.source == "URL" else credentials.source
        yield info(
            "credentials",
            f"credentials: sent to {host}, from {source} (values hidden)",
            source=credentials.source,
        )
    elif lookup.netrc_exists:
        yield info(
            "credentials",
            f"credentials: none ({lookup.netrc_file} has no entry for {host})",
            source=None,
        )
    else:
        yield info(
            "credentials",
            f"credentials: none (no netrc file at {lookup.netrc_file})",
            source=None,
        )


def _client(options: FetchOptions) -> httpx.Client:
    import httpx  # ~50 ms; only http checks pay for it

    from tui.core.fetch_http import ssl_context

    return httpx.Client(
        follow_redirects=True,
        timeout=httpx.Timeout(options.timeout),
        trust_env=options.proxies_from_env,
        verify=ssl_context(options),
        headers={"User-Agent": f"pybuilds/{__version__}", "Accept-Encoding": "identity"},
    )


def _auth(lookup: AuthLookup) -> httpx.BasicAuth | None:
    import httpx

    credentials = lookup.credentials
    return (
        None if credentials is None else httpx.BasicAuth(credentials.username, credentials.password)
    )


class _Checks(NamedTuple):
    """What to check the body against."""

    expected_sha256: str | None
    sums_bind: bool
    verify: bool
    what: str
    """`archive` or `catalog`, for messages."""


class _Mirror(NamedTuple):
    """The mirror a URL was rewritten onto, and where else it may keep the file."""

    url: str
    other_releases: Sequence[tuple[str, str]]


def _request(
    lookup: AuthLookup,
    checks: _Checks,
    mirror: _Mirror | None,
    options: FetchOptions,
    cancel: threading.Event | None,
) -> Iterator[Finding]:
    import httpx

    try:
        client = _client(options)
    except ConfigError as error:
        yield fail("http", f"http: {error.message}", error.hint)
        return
    with client:
        started = time.monotonic()
        try:
            request = client.build_request("GET", lookup.url)
            response = client.send(request, stream=True, auth=_auth(lookup))
        except httpx.HTTPError as error:
            yield _transport_failure(error, options)
            return
        try:
            yield from _redirects(response, lookup)
            status = response.status_code
            if status >= 400:
                yield _status_failure(response, lookup, mirror and mirror.url)
                if status in (404, 410) and mirror is not None:
                    yield from _http_near_misses(client, lookup, mirror)
                return
            expected = Expected(checks.expected_sha256, "the catalog")
            if checks.expected_sha256 is None and (checks.verify or checks.sums_bind):
                listed = _listed_sha256(client, response, _auth(lookup))
                if checks.sums_bind:
                    yield _sums_finding(listed, response)
                expected = Expected(listed, "the mirror's SHA256SUMS", checks.sums_bind)
            yield from _body(response, expected, checks, started, cancel)
        except httpx.HTTPError as error:
            yield _transport_failure(error, options)
        finally:
            response.close()


def _sums_finding(listed: str | None, response: httpx.Response) -> Finding:
    name = unquote(response.url.path.rpartition("/")[2])
    if listed is None:
        folder = redact_url(str(response.url.copy_with(query=None)).rpartition("/")[0])
        return unlisted_sums(f"no SHA256SUMS in {folder}/ lists {name}", name)
    return ok("checksums", f"checksums: the SHA256SUMS beside it lists {name}", sha256=listed)


def _redirects(response: httpx.Response, lookup: AuthLookup) -> Iterator[Finding]:
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


def _transport_failure(error: Exception, options: FetchOptions) -> Finding:
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


def _status_failure(response: httpx.Response, lookup: AuthLookup, mirror: str | None) -> Finding:
    status = response.status_code
    line = f"http: {status} {response.reason_phrase}".rstrip()
    final = redact_url(str(response.url))
    facts = {"status": status, "url": final}
    host = response.url.host
    if status in (401, 403):
        what = "wants credentials" if status == 401 else "refuses access"
        return fail("http", f"{line}: the server {what}", refusal_hint(lookup, host), **facts)
    if status in (404, 410):
        hint = "the server has no file at this URL"
        if mirror is not None:
            hint = (
                f"a mirror must serve the catalog's exact file at "
                f"{redact_url(mirror.rstrip('/'))}/<tag>/<file name>, stored with a literal `+` "
                "(the URL writes it %2B); check the tag and flavour, or re-create the mirror "
                "with `pybuilds mirror`"
            )
        return fail("http", f"{line}: {final} does not exist on the server", hint, **facts)
    if status >= 500:
        return fail("http", f"{line}: the server failed", "try again later", **facts)
    return fail("http", f"{line} for {final}", None, **facts)


def _body(
    response: httpx.Response,
    expected: Expected,
    checks: _Checks,
    started: float,
    cancel: threading.Event | None,
) -> Iterator[Finding]:
    chunks = response.iter_raw(1 << 20)
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= SNIFF_BYTES:
            break
    elapsed = time.monotonic() - started
    length = response.headers.get("content-length")
    size = int(length) if length and length.isdigit() else None
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    name = urlsplit(str(response.url)).path.rsplit("/", 1)[-1]
    facts = {"status": response.status_code, "size": size, "content_type": kind or None}
    yield ok(
        "http",
        f"http: {response.status_code} {response.reason_phrase}, {human_size(size)}, "
        f"{kind or 'no content type'} (first bytes after {seconds(elapsed)})",
        seconds=round(elapsed, 3),
        **facts,
    )
    if kind in ("text/html", "application/xhtml+xml"):
        yield fail(
            "content",
            f"content: the server returned a web page (login page?) instead of the {checks.what}",
            "a server or proxy wants a login or shows an error page; open the URL in a browser, "
            "and give the server credentials (netrc or user:password@ in the URL)",
            content_type=kind,
        )
        return
    problem = sniff_problem(head, unquote(name), what=checks.what)
    if problem is not None:
        yield fail("content", f"content: {problem[0]}", problem[1])
        return
    if checks.verify:
        actual, size_read, hashing = hash_stream(_prepend(head, chunks), cancel)
        yield verify_finding(expected, actual, size_read, hashing)


def _prepend(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield head
    yield from rest


def _http_near_misses(
    client: httpx.Client, lookup: AuthLookup, mirror: _Mirror
) -> Iterator[Finding]:
    """After a 404 on a mirror, look for the file where people often put it by mistake."""
    parts = urlsplit(lookup.url)
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
        candidates.append((f"{deeper}/{tag}/{name}", _deeper_explanation(lookup.url, deeper, name)))
    candidates += _sibling_candidates(folder, name)
    auth = _auth(lookup)
    for path, explanation in candidates:
        url = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        if _exists(client, url, auth):
            yield info("http", f"found {redact_url(url)}: {explanation}", url=redact_url(url))
    # A folder cannot be listed over HTTP, but the catalog names the releases an older mirror
    # may hold; the newest one found is enough to tell.
    for other, other_tag in mirror.other_releases:
        url = urlunsplit((parts.scheme, parts.netloc, urlsplit(other).path, "", ""))
        if _exists(client, url, auth):
            yield info(
                "http",
                f"found {redact_url(url)} of release {other_tag}, but the catalog asks for "
                f"release {tag}: the mirror was made for another catalog or uv version",
                url=redact_url(url),
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


def _listed_sha256(
    client: httpx.Client, response: httpx.Response, auth: httpx.BasicAuth | None
) -> str | None:
    """The checksum the SHA256SUMS beside the archive lists for it, when the server has one."""
    import httpx

    folder, _, name = response.url.path.rpartition("/")
    try:
        request = client.build_request(
            "GET", response.url.copy_with(path=f"{folder}/SHA256SUMS", query=None)
        )
        sums = client.send(request, auth=auth)
    except httpx.HTTPError:
        return None
    if sums.status_code != 200:
        return None
    return parse_sha256sums(sums.content).get(unquote(name))
