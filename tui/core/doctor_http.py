"""Doctor checks for an http(s) download: the network steps, then credentials, status, content."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote, urlsplit

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
from tui.core.doctor_http_explain import (
    MirrorBase,
    near_misses,
    redirects,
    status_failure,
    transport_failure,
)
from tui.core.doctor_net import connect, handshake, proxy_for, resolve
from tui.core.errors import ConfigError
from tui.core.fetch import FetchOptions
from tui.core.netrc_auth import AuthLookup, lookup_credentials
from tui.core.redact import redact_url
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
    base = None if mirror is None else MirrorBase(mirror, other_releases)
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
    elif lookup.warnings:  # the netrc file was not read: it may well have an entry
        yield info(
            "credentials", f"credentials: none ({lookup.netrc_file} was ignored)", source=None
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

    from tui.core.fetch_http import redact_httpx_logs, ssl_context

    # `-v` shows httpx's request lines, `-vv` httpcore's headers: signed redirect URLs,
    # user:password@ in a Location, a token in the mirror URL must not show there either.
    redact_httpx_logs()
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


def _request(
    lookup: AuthLookup,
    checks: _Checks,
    mirror: MirrorBase | None,
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
            yield transport_failure(error, options)
            return
        try:
            yield from redirects(response, lookup)
            status = response.status_code
            if status >= 400:
                yield status_failure(response, lookup, mirror and mirror.url)
                if status in (404, 410) and mirror is not None:
                    yield from near_misses(client, lookup.url, _auth(lookup), mirror)
                return
            expected = Expected(checks.expected_sha256, "the catalog")
            if checks.expected_sha256 is None and (checks.verify or checks.sums_bind):
                listed = _listed_sha256(client, response, _auth(lookup))
                if checks.sums_bind:
                    yield _sums_finding(listed, response)
                expected = Expected(listed, "the mirror's SHA256SUMS", checks.sums_bind)
            yield from _body(response, expected, checks, started, cancel)
        except httpx.HTTPError as error:
            yield transport_failure(error, options)
        finally:
            response.close()


def _sums_finding(listed: str | None, response: httpx.Response) -> Finding:
    name = unquote(response.url.path.rpartition("/")[2])
    if listed is None:
        folder = redact_url(str(response.url.copy_with(query=None)).rpartition("/")[0])
        return unlisted_sums(f"no SHA256SUMS in {folder}/ lists {name}", name)
    return ok("checksums", f"checksums: the SHA256SUMS beside it lists {name}", sha256=listed)


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
