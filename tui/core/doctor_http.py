"""Doctor checks for an http(s) download, step by step: proxy, DNS, TCP, TLS, HTTP, content."""

from __future__ import annotations

import os
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from tui import __version__
from tui.core.doctor_common import (
    SNIFF_BYTES,
    Finding,
    fail,
    hash_stream,
    human_size,
    info,
    ok,
    seconds,
    sniff_problem,
    verify_finding,
    warn,
)
from tui.core.errors import ConfigError
from tui.core.fetch import FetchOptions
from tui.core.netrc_auth import AuthLookup, lookup_credentials
from tui.core.redact import redact_text, redact_url
from tui.core.sources import parse_sha256sums

if TYPE_CHECKING:
    import httpx

_CERT_ERRORS = {
    9: "the server's certificate is not valid yet (is this machine's clock right?)",
    10: "the server's certificate has expired",
    18: "the server sent a self-signed certificate",
    19: "the certificate chain ends in a root CA this machine does not trust "
    "(a TLS-inspecting company proxy, or a private CA?)",
    20: "the certificate was issued by a CA this machine does not trust "
    "(a TLS-inspecting company proxy, or a private CA?)",
    21: "the certificate could not be verified (the server may not send its intermediate CAs)",
    62: "the certificate is for another host name",
    64: "the certificate is for another IP address",
}


def check_http(
    url: str,
    *,
    expected_sha256: str | None,
    mirror: str | None = None,
    options: FetchOptions | None = None,
    verify: bool = False,
    cancel: threading.Event | None = None,
) -> Iterator[Finding]:
    """Walk an http(s) URL as a download does, one finding per step.

    Args:
        url: The download URL after the mirror rewrite (may hold user:password@).
        expected_sha256: The catalog's checksum, if it has one.
        mirror: The mirror base the URL came from; enables layout hints on a 404.
        options: Timeouts, netrc, trust store and proxy settings, as for downloads.
        verify: Download the whole body and compare its sha256.
        cancel: Stops the download between chunks.
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
    proxy = _proxy_for(lookup.url, options)
    if proxy is None:
        yield info("proxy", "proxy: none (direct connection)")
        target = (host, port)
    else:
        proxy_url, variable = proxy
        yield info("proxy", f"proxy: {redact_url(proxy_url)} (from {variable})")
        proxy_parts = urlsplit(proxy_url)
        target = (proxy_parts.hostname or "", proxy_parts.port or 3128)
    addresses = yield from _resolve(*target, via_proxy=proxy is not None)
    if not addresses:
        return
    sock = yield from _connect(addresses, target, options.timeout, via_proxy=proxy is not None)
    if sock is None:
        return
    if parts.scheme == "https" and proxy is None:
        trusted = yield from _handshake(sock, host, options)
        if not trusted:
            return
    else:
        sock.close()
    yield from _credentials(lookup, host)
    yield from _request(lookup, expected_sha256, mirror, options, verify, cancel)


def _proxy_for(url: str, options: FetchOptions) -> tuple[str, str] | None:
    """The proxy an env-configured client uses for `url` and the variable that set it."""
    if not options.proxies_from_env:
        return None
    proxies = urllib.request.getproxies_environment()
    parts = urlsplit(url)
    if not proxies or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None
    for name in (f"{parts.scheme}_proxy", "all_proxy"):
        for variable in (name, name.upper()):
            if os.environ.get(variable) == proxy:
                return proxy, variable
    return proxy, f"{parts.scheme.upper()}_PROXY"


def _resolve(
    host: str, port: int, *, via_proxy: bool
) -> Generator[Finding, None, list[tuple[Any, ...]]]:
    what = "proxy " if via_proxy else ""
    started = time.monotonic()
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        reason = error.strerror if isinstance(error, socket.gaierror) else str(error)
        yield fail(
            "dns",
            f"dns: cannot resolve {what}host {host}: {reason}",
            "check the host name in the URL; on a company network the name may only resolve "
            "on the VPN, or downloads may have to go through a proxy (HTTPS_PROXY)",
            host=host,
        )
        return []
    elapsed = time.monotonic() - started
    addresses = list(dict.fromkeys((item[0], item[4]) for item in found))
    shown = ", ".join(str(address[1][0]) for address in addresses[:3])
    if shown == host:
        yield ok("dns", f"dns: {what}{host} is an address, no lookup needed", host=host)
    else:
        yield ok("dns", f"dns: {what}{host} is {shown} ({seconds(elapsed)})", host=host)
    return addresses


def _connect(
    addresses: list[tuple[Any, ...]], target: tuple[str, int], timeout: float, *, via_proxy: bool
) -> Generator[Finding, None, socket.socket | None]:
    what = "the proxy at " if via_proxy else ""
    errors: list[OSError] = []
    for family, address in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        started = time.monotonic()
        try:
            sock.connect(address)
        except OSError as error:
            sock.close()
            errors.append(error)
            continue
        elapsed = time.monotonic() - started
        yield ok("connect", f"connect: {what}{_endpoint(address)} accepted ({seconds(elapsed)})")
        return sock
    where = f"{what}{target[0]}:{target[1]}"
    if any(isinstance(error, ConnectionRefusedError) for error in errors):
        yield fail(
            "connect",
            f"connect: {where} refused the connection (nothing listens on that port)",
            "check the port in the URL and that the server is running",
        )
    elif any(isinstance(error, TimeoutError) for error in errors):
        yield fail(
            "connect",
            f"connect: no answer from {where} within {timeout:g} s",
            "a firewall may be dropping the traffic; on a company network downloads may have "
            "to go through a proxy (HTTPS_PROXY)",
        )
    else:
        reason = next((e.strerror for e in errors if e.strerror), "connection failed")
        yield fail("connect", f"connect: {where}: {reason}", "check the network and the URL")
    return None


def _endpoint(address: tuple[Any, ...]) -> str:
    host, port = str(address[0]), address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def trust_store_description(options: FetchOptions) -> str:
    """Which certificates verify servers, in the words the TLS findings use."""
    cafile = os.environ.get("SSL_CERT_FILE")
    capath = os.environ.get("SSL_CERT_DIR")
    base = "the system trust store" if options.trust_store == "system" else "certifi's bundle"
    if cafile or capath:
        named = " and ".join(
            f"{name}={value}"
            for name, value in (("SSL_CERT_FILE", cafile), ("SSL_CERT_DIR", capath))
            if value
        )
        return f"{named} (with the system store)" if options.trust_store == "system" else named
    return base


def _trust_hint(options: FetchOptions) -> str:
    store = trust_store_description(options)
    system = (
        ""
        if options.trust_store == "system"
        else "if the CA is installed on this machine, use the system trust store "
        "(`--native-tls`; uv: `--native-tls` or UV_NATIVE_TLS=1); "
    )
    return (
        f"certificates are checked against {store}; {system}otherwise set SSL_CERT_FILE to a "
        "PEM bundle that holds your company's CA (uv reads it too)"
    )


def _handshake(
    sock: socket.socket, host: str, options: FetchOptions
) -> Generator[Finding, None, bool]:
    from tui.core.fetch_http import ssl_context

    try:
        context = ssl_context(options)
    except ConfigError as error:
        sock.close()
        yield fail("tls", f"tls: {error.message}", error.hint)
        return False
    started = time.monotonic()
    try:
        tls = context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError as error:
        sock.close()
        reason = _CERT_ERRORS.get(error.verify_code, error.verify_message or str(error))
        yield fail(
            "tls",
            f"tls: {reason} ({error.verify_message})",
            _trust_hint(options),
            verify_code=error.verify_code,
            trust_store=trust_store_description(options),
        )
        return False
    except (ssl.SSLError, OSError) as error:
        sock.close()
        yield fail(
            "tls",
            f"tls: the handshake with {host} failed: {redact_text(str(error))}",
            "the server may not speak TLS on this port (try http://), or a proxy interferes",
        )
        return False
    elapsed = time.monotonic() - started
    try:
        certificate = tls.getpeercert() or {}
        version = tls.version()
    finally:
        tls.close()
    subject = _name_field(certificate.get("subject"), "commonName") or host
    issuer = _name_field(certificate.get("issuer"), "organizationName") or _name_field(
        certificate.get("issuer"), "commonName"
    )
    until = certificate.get("notAfter")
    parts = [f"tls: {version or 'TLS'}, certificate for {subject}"]
    if issuer:
        parts.append(f"issued by {issuer}")
    if until:
        parts.append(f"valid until {until}")
    yield ok(
        "tls",
        f"{', '.join(parts)} ({seconds(elapsed)}; trusted by {trust_store_description(options)})",
        trust_store=trust_store_description(options),
    )
    return True


def _name_field(name: Any, key: str) -> str | None:
    for rdn in name or ():
        for field_name, value in rdn:
            if field_name == key:
                return str(value)
    return None


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


def _request(
    lookup: AuthLookup,
    expected_sha256: str | None,
    mirror: str | None,
    options: FetchOptions,
    verify: bool,
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
                yield _status_failure(response, lookup, mirror)
                if status in (404, 410) and mirror is not None:
                    yield from _http_near_misses(client, lookup)
                return
            expected = (expected_sha256, "the catalog")
            if verify and expected_sha256 is None:
                listed = _listed_sha256(client, response, _auth(lookup))
                expected = (listed, "the mirror's SHA256SUMS")
            yield from _body(response, expected, verify, started, cancel)
        except httpx.HTTPError as error:
            yield _transport_failure(error, options)
        finally:
            response.close()


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
            reason = _CERT_ERRORS.get(seen.verify_code, seen.verify_message or text)
            return fail("tls", f"tls: {reason} (after a redirect?)", _trust_hint(options))
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
        return fail("http", f"{line}: the server {what}", _auth_hint(lookup, host), **facts)
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


def _auth_hint(lookup: AuthLookup, host: str) -> str:
    entry = f"`machine {host} login <user> password <password>`"
    credentials = lookup.credentials
    if credentials is not None and credentials.source == "URL":
        return "the server refused the user name and password given in the URL"
    if credentials is not None:
        return f"the server refused the credentials for {host} from {credentials.source}"
    if lookup.netrc_exists:
        return (
            f"no credentials were sent: {lookup.netrc_file} has no entry for {host}; add "
            f"{entry}, or put user:password@ in the mirror URL"
        )
    return (
        f"no credentials were sent: create {lookup.netrc_file} with {entry} (or set NETRC), "
        "or put user:password@ in the mirror URL"
    )


def _body(
    response: httpx.Response,
    expected: tuple[str | None, str],
    verify: bool,
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
            "content: the server returned a web page (login page?) instead of the archive",
            "a server or proxy wants a login or shows an error page; open the URL in a browser, "
            "and give the mirror credentials (netrc or user:password@ in the URL)",
            content_type=kind,
        )
        return
    problem = sniff_problem(head, unquote(name))
    if problem is not None:
        yield fail("content", f"content: {problem[0]}", problem[1])
        return
    if verify:
        actual, size_read, hashing = hash_stream(_prepend(head, chunks), cancel)
        yield verify_finding(*expected, actual, size_read, hashing)


def _prepend(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield head
    yield from rest


def _http_near_misses(client: httpx.Client, lookup: AuthLookup) -> Iterator[Finding]:
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
    if tag:
        candidates.append((f"{parent}/{name}", f"stored without its `{tag}/` folder; move it"))
    candidates += _sibling_candidates(folder, name)
    auth = _auth(lookup)
    for path, explanation in candidates:
        url = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        if _exists(client, url, auth):
            yield info(
                "http",
                f"found {redact_url(url)}: {explanation}",
                url=redact_url(url),
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
    import httpx

    try:
        response = client.send(client.build_request("HEAD", url), auth=auth)
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
