"""http(s) downloads with httpx: retries, resume by Range, basic auth, proxies and TLS roots."""

from __future__ import annotations

import functools
import logging
import os
import re
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tui import __version__
from tui.core.errors import Cancelled, ConfigError, DownloadFailed
from tui.core.fetch import Download, FetchOptions
from tui.core.netrc_auth import AuthLookup, lookup_credentials, refusal_hint
from tui.core.redact import redact_text, redact_url

if TYPE_CHECKING:
    import httpx

_log = logging.getLogger(__name__)
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.zst", ".tar.bz2", ".tar.xz", ".zip")
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")
GATHER = 256 << 10
"""Bytes handed on at a time over http(s). httpcore reads at most 64 KiB per call; hashing,
inflating and queueing for the unpacking thread cost the same per call whatever its size, and
each hand-over can wait for the GIL. Joining reads into 256 KiB pieces (one copy) made a 44 MB
install over loopback 40-100 ms faster (medians of 15 and 20 runs); 512 KiB and 1 MiB pieces
were slower again, as the unpacking starts later."""
GATHER_WAIT = 0.1
"""Seconds a piece may wait for more: a slow connection still shows progress, and cancel is
noticed, as often as before."""
_DOCTOR_HINT = "run `pybuilds doctor` to check the catalog and mirror settings"
_TLS_HINT = (
    "behind a TLS-inspecting proxy, set SSL_CERT_FILE to its CA bundle, "
    "or use the system trust store (`--native-tls`)"
)


class _Retryable(Exception):
    """A failure worth another attempt: connection error, timeout, 5xx, 408 or 429."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _retryable_status(status: int) -> bool:
    # 501 and 505 say the server will never do it; 408 and 429 say "later".
    return status in (408, 429) or (status >= 500 and status not in (501, 505))


@functools.lru_cache(maxsize=8)
def _ssl_context(
    trust_store: str, cafile: str | None, capath: str | None
) -> ssl.SSLContext:  # cached: loading a CA bundle costs ~20 ms per client
    if trust_store == "system":
        try:
            import truststore
        except ImportError:
            raise ConfigError(
                "trust store",
                "the system trust store needs the `truststore` package, which is not installed",
                hint="pip install truststore (or install pybuilds[truststore])",
            ) from None
        context: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if cafile or capath:
            context.load_verify_locations(cafile=cafile, capath=capath)
        return context
    if cafile or capath:
        # Like OpenSSL tools and httpx: the user's bundle replaces the bundled roots.
        return ssl.create_default_context(cafile=cafile, capath=capath)
    import certifi  # a dependency of httpx

    return ssl.create_default_context(cafile=certifi.where())


def ssl_context(options: FetchOptions) -> ssl.SSLContext:
    """The TLS context for `options`, honouring SSL_CERT_FILE and SSL_CERT_DIR.

    Raises:
        ConfigError: truststore is missing, or SSL_CERT_FILE/SSL_CERT_DIR cannot be read.
    """
    cafile = os.environ.get("SSL_CERT_FILE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    try:
        return _ssl_context(options.trust_store, cafile, capath)
    except (OSError, ssl.SSLError) as error:
        name = "SSL_CERT_FILE" if cafile else "SSL_CERT_DIR"
        raise ConfigError(
            name,
            f"cannot load certificates from {cafile or capath}: {error.strerror or error}",
            hint=f"point {name} at a PEM bundle, or unset it",
        ) from None


# httpcore's debug trace prints response headers as (b'Name', b'value') pairs.
_SECRET_HEADER = re.compile(
    r"(?i)(\(b'(?:set-cookie|authorization|proxy-authorization|cookie)', b')[^']*"
)
_HTTP_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


class _RedactFilter(logging.Filter):
    """httpx and httpcore log the URLs they request and the headers they receive, including
    signed redirect URLs and cookies: hide those before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _SECRET_HEADER.sub(r"\1***", redact_text(record.getMessage()))
        record.args = None
        return True


@functools.lru_cache(maxsize=1)
def redact_httpx_logs() -> None:
    """Hide credentials and signed-URL secrets in every httpx and httpcore log record, for
    any client (the doctor builds its own); installing the filters once is enough."""
    # Filters do not reach child loggers, so each logger that httpx/httpcore uses gets one.
    for name in _HTTP_LOGGERS:
        logging.getLogger(name).addFilter(_RedactFilter())


class _RootsLoader:
    """Builds the TLS context on a thread. Reading a CA bundle (30-70 ms) releases the GIL, so
    it overlaps with importing httpx and httpcore (~80 ms), which holds it. Once they are
    imported there is nothing to overlap with (and the context is cached): no thread then."""

    def __init__(self, options: FetchOptions) -> None:
        self._context: ssl.SSLContext | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if "httpcore" in sys.modules:
            self._load(options)
            return
        self._thread = threading.Thread(
            target=self._load, args=(options,), name="pybuilds-tls-roots", daemon=True
        )
        self._thread.start()

    def _load(self, options: FetchOptions) -> None:
        try:
            self._context = ssl_context(options)
        except BaseException as error:  # raised in the caller by `get`
            self._error = error

    def get(self) -> ssl.SSLContext:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._context is not None
        return self._context


def _client(options: FetchOptions, roots: _RootsLoader) -> httpx.Client:
    # ~80 ms for both; only downloads pay for it. httpx imports httpcore for its first client:
    # importing it here does that while the roots still load.
    import httpcore  # noqa: F401
    import httpx

    redact_httpx_logs()
    context = roots.get()
    return httpx.Client(
        follow_redirects=True,
        timeout=httpx.Timeout(options.timeout),
        trust_env=options.proxies_from_env,
        verify=context,
        # Offsets for resuming and sizes for progress refer to the stored file: no
        # transparent compression (a `.tar.gz` served with Content-Encoding: gzip too).
        headers={"User-Agent": f"pybuilds/{__version__}", "Accept-Encoding": "identity"},
    )


def _is_tls_failure(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


class HttpDownload(Download):
    """A GET (or HEAD) with redirects followed; the body streams through `chunks()`."""

    def __init__(
        self,
        url: str,
        options: FetchOptions,
        cancel: threading.Event | None,
        *,
        method: str = "GET",
        start: int = 0,
    ) -> None:
        roots = _RootsLoader(options)
        import httpx

        self._lookup: AuthLookup = lookup_credentials(url, options.netrc_path)
        credentials = self._lookup.credentials
        super().__init__(
            redact_url(url),
            warnings=list(self._lookup.warnings),
            credentials_from=credentials.source if credentials else None,
        )
        self._options = options
        self._cancel = cancel
        self._method = method
        self._auth = (
            httpx.BasicAuth(credentials.username, credentials.password) if credentials else None
        )
        self._validator: str | None = None
        self._client = _client(options, roots)
        try:
            self._response = self._open_with_retries(start, fresh=True)
        except BaseException:
            self._client.close()
            raise
        if self._response.status_code == 206:
            self.offset = start
            match = _CONTENT_RANGE.match(self._response.headers.get("content-range", ""))
            self.total = int(match[3]) if match and match[3].isdigit() else None
        else:
            self.total = _length(self._response)

    def chunks(self) -> Iterator[bytes]:
        import httpx

        done = self.offset
        stalls = 0
        while True:
            response = self._response
            progressed = False
            pending: list[bytes] = []
            size = 0
            since = 0.0
            failure: str | None = None
            try:
                for chunk in response.iter_raw():
                    self._check_cancel()
                    if not pending:
                        since = time.monotonic()
                    pending.append(chunk)
                    size += len(chunk)
                    if size >= GATHER or time.monotonic() - since >= GATHER_WAIT:
                        done += size
                        progressed = True
                        yield b"".join(pending)
                        pending, size = [], 0
            except httpx.RequestError as error:
                failure = self._transport_failure(error).reason
            finally:
                response.close()
            if size:  # what arrived before the body ended or the connection failed
                done += size
                progressed = True
                yield b"".join(pending)
            if failure is not None:
                reason = failure
            elif self.total is None or done == self.total:
                return
            elif done > self.total:
                raise DownloadFailed(
                    self.display_url, f"the server sent {done} bytes but announced {self.total}"
                )
            else:
                reason = f"the body ended after {done} of {self.total} bytes"
            stalls = 0 if progressed else stalls + 1
            if stalls > self._options.retries:
                raise DownloadFailed(self.display_url, f"{reason} (after {stalls} attempts)")
            _log.info("%s: %s; resuming at byte %d", self.display_url, reason, done)
            self._wait(stalls)
            self._response = self._open_with_retries(done)

    def close(self) -> None:
        self._response.close()
        self._client.close()

    def _check_cancel(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled("download")

    def _wait(self, attempt: int) -> None:
        delay = self._options.backoff * (2 ** max(attempt - 1, 0))
        if self._cancel is None:
            time.sleep(delay)
        elif self._cancel.wait(delay):
            raise Cancelled("download")

    def _open_with_retries(self, start: int, *, fresh: bool = False) -> httpx.Response:
        """`fresh`: the first request, which may ask for a range of an earlier partial file
        and accepts the whole file instead."""
        attempts = self._options.retries + 1
        last = _Retryable("no attempt made")
        for attempt in range(attempts):
            if attempt:
                self._wait(attempt)
            self._check_cancel()
            try:
                response = self._attempt(start, fresh=fresh)
            except _Retryable as error:
                _log.info(
                    "%s: %s (attempt %d of %d)",
                    self.display_url,
                    error.reason,
                    attempt + 1,
                    attempts,
                )
                last = error
                continue
            if start == 0 or fresh:
                etag = response.headers.get("etag", "")
                # If-Range needs a strong validator; a weak ETag would never match.
                strong = etag if etag and not etag.startswith("W/") else None
                self._validator = strong or response.headers.get("last-modified")
            return response
        hint = (
            "the server keeps failing; try again later"
            if last.status
            else "check the network, the mirror URL and the proxy settings (HTTPS_PROXY, NO_PROXY)"
        )
        raise DownloadFailed(
            self.display_url,
            f"{last.reason} (after {attempts} attempts)",
            status=last.status,
            hint=hint,
        )

    def _attempt(self, start: int, *, fresh: bool = False) -> httpx.Response:
        """One request; raises _Retryable for transient failures, DownloadFailed for final ones."""
        import httpx

        headers = {}
        if start:
            headers["Range"] = f"bytes={start}-"
            if self._validator:
                headers["If-Range"] = self._validator
        request = self._client.build_request(self._method, self._lookup.url, headers=headers)
        try:
            response = self._client.send(request, stream=True, auth=self._auth)
        except httpx.RequestError as error:
            raise self._transport_failure(error) from None
        status = response.status_code
        if status >= 400 or _retryable_status(status):
            response.close()
            if _retryable_status(status):
                raise _Retryable(f"HTTP {status} {response.reason_phrase}".rstrip(), status)
            raise self._status_failure(response)
        if start and not (fresh and status == 200):
            self._check_resumed(response, start)
        self._check_not_html(response)
        return response

    def _transport_failure(self, error: httpx.RequestError) -> _Retryable:
        import httpx

        text = redact_text(str(error)) or type(error).__name__
        if _is_tls_failure(error):
            raise DownloadFailed(self.display_url, f"TLS failed: {text}", hint=_TLS_HINT) from None
        if isinstance(error, httpx.ProxyError):
            raise DownloadFailed(
                self.display_url,
                f"the proxy refused the connection: {text}",
                hint="check HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY",
            ) from None
        if not isinstance(error, httpx.TransportError) or isinstance(
            error, (httpx.UnsupportedProtocol, httpx.LocalProtocolError)
        ):
            # Too many redirects, a redirect to ftp://…: trying again changes nothing.
            raise DownloadFailed(self.display_url, text) from None
        return _Retryable(f"{type(error).__name__}: {text}" if str(error) else text)

    def _status_failure(self, response: httpx.Response) -> DownloadFailed:
        status = response.status_code
        detail = f"HTTP {status} {response.reason_phrase}".rstrip()
        final = redact_url(str(response.url))
        if final != redact_url(self._lookup.url):
            detail += f" (redirected to {final})"
        hint: str | None = None
        if status in (401, 403):
            hint = self._auth_hint()
        elif status in (404, 410):
            hint = f"the server has no file at this URL; {_DOCTOR_HINT}"
        return DownloadFailed(self.display_url, detail, status=status, hint=hint)

    def _auth_hint(self) -> str:
        host = urlsplit(self._lookup.url).hostname or "the host"
        return refusal_hint(self._lookup, host)

    def _check_resumed(self, response: httpx.Response, start: int) -> None:
        if response.status_code != 206:
            response.close()
            raise DownloadFailed(
                self.display_url,
                f"connection dropped after {start} bytes and the server does not support resuming",
                hint="try again; the server sent the whole file again instead of the rest",
            )
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        if match is None or int(match[1]) != start:
            response.close()
            raise DownloadFailed(
                self.display_url, f"the server resumed at the wrong offset (asked for {start})"
            )

    def _check_not_html(self, response: httpx.Response) -> None:
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        path = urlsplit(self._lookup.url).path.lower()
        if kind not in ("text/html", "application/xhtml+xml") or path.endswith(
            (".html", ".htm", "/")
        ):
            return
        response.close()
        what = "an archive" if path.endswith(_ARCHIVE_SUFFIXES) else "the file"
        raise DownloadFailed(
            self.display_url,
            f"got an HTML page instead of {what} (a login page?)",
            status=response.status_code,
            hint="a server or proxy answered with a web page, probably a login; "
            + self._auth_hint(),
        )


def http_probe(url: str, options: FetchOptions) -> int | None:
    """HEAD `url` (GET without reading the body where HEAD is refused); returns its size."""
    try:
        download = HttpDownload(url, options, None, method="HEAD")
    except DownloadFailed as error:
        # 403 too: a URL signed for GET (S3, CDNs) refuses HEAD; a real refusal comes back.
        if error.status not in (403, 405, 501):
            raise
        download = HttpDownload(url, options, None)
    try:
        return download.total
    finally:
        download.close()
