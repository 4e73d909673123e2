"""Doctor checks below HTTP: the proxy in use, DNS, the TCP connection, the TLS handshake."""

from __future__ import annotations

import os
import socket
import ssl
import time
import urllib.request
from collections.abc import Generator
from typing import Any
from urllib.parse import urlsplit

from tui.core.doctor_common import Finding, fail, ok, seconds
from tui.core.errors import ConfigError
from tui.core.fetch import FetchOptions
from tui.core.redact import redact_text

CERT_ERRORS = {
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


def proxy_for(url: str, options: FetchOptions) -> tuple[str, str] | None:
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


def resolve(
    host: str, port: int, *, via_proxy: bool
) -> Generator[Finding, None, list[tuple[Any, ...]]]:
    """Look `host` up; returns its addresses (empty after a failure finding)."""
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


def connect(
    addresses: list[tuple[Any, ...]], target: tuple[str, int], timeout: float, *, via_proxy: bool
) -> Generator[Finding, None, socket.socket | None]:
    """Open a TCP connection to the first address that answers; None after a failure."""
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


def trust_hint(options: FetchOptions) -> str:
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


def handshake(
    sock: socket.socket, host: str, options: FetchOptions
) -> Generator[Finding, None, bool]:
    """Verify the server's certificate as downloads do; closes `sock` either way."""
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
        reason = CERT_ERRORS.get(error.verify_code, error.verify_message or str(error))
        yield fail(
            "tls",
            f"tls: {reason} ({error.verify_message})",
            trust_hint(options),
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
