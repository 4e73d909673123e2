"""Open an https://, http://, file:// URL or a path as a byte stream with a known size."""

from __future__ import annotations

import contextlib
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Literal, NamedTuple
from urllib.parse import unquote, urlsplit

from tui.core.errors import Cancelled, ConfigError, DownloadFailed
from tui.core.mirrors import url_scheme
from tui.core.quietlog import warning
from tui.core.redact import redact_url

_DOCTOR_HINT = "run `pybuilds doctor` to check the catalog and mirror settings"


class FetchOptions(NamedTuple):
    """How to reach servers: timeouts, retries, credentials, TLS roots and proxies."""

    timeout: float = 30.0
    """Seconds to wait for a connection or for the next bytes."""
    retries: int = 3
    """Extra attempts after a connection error, a timeout or a 5xx answer."""
    backoff: float = 0.5
    """Seconds before the first retry; doubles on each one."""
    netrc_path: Path | None = None
    """None reads `$NETRC`, else `~/.netrc`."""
    trust_store: Literal["default", "system"] = "default"
    """`system` verifies TLS with the OS store through `truststore`; SSL_CERT_FILE and
    SSL_CERT_DIR are honoured either way."""
    proxies_from_env: bool = True
    """Use HTTP(S)_PROXY, ALL_PROXY and NO_PROXY."""
    chunk_size: int = 1 << 20
    """Read size of file:// downloads (http(s) ones come in `fetch_http.GATHER` pieces)."""


def network_options(
    env: Mapping[str, str] | None = None, *, native_tls: bool = False, timeout: float | None = None
) -> FetchOptions:
    """FetchOptions as uv reads them: `--native-tls` or UV_NATIVE_TLS, `--timeout` or
    UV_HTTP_TIMEOUT (flags win), UV_HTTP_RETRIES.

    Raises:
        ConfigError: UV_HTTP_TIMEOUT or UV_HTTP_RETRIES is not a whole number (uv refuses too).
    """
    from tui.core.config_files import env_flag

    env = os.environ if env is None else env
    native = native_tls or env_flag(env, "UV_NATIVE_TLS")
    if timeout is None:
        timeout = _env_count(env, "UV_HTTP_TIMEOUT", "seconds")
    options = FetchOptions(timeout=timeout or 30.0, trust_store="system" if native else "default")
    retries = _env_count(env, "UV_HTTP_RETRIES", "retries")
    return options if retries is None else options._replace(retries=retries)


def _env_count(env: Mapping[str, str], name: str, unit: str) -> int | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ConfigError(name, f"expected a whole number of {unit}, got `{value}`")
    return int(value)


class Download(ABC):
    """An opened source: its size and where it came from; `chunks()` streams the body."""

    def __init__(
        self,
        display_url: str,
        *,
        total: int | None = None,
        path: Path | None = None,
        warnings: list[str] | None = None,
        credentials_from: str | None = None,
        offset: int = 0,
    ) -> None:
        self.display_url = display_url
        """The URL or path, credentials removed: safe to show and log."""
        self.total = total
        """Bytes expected (Content-Length or file size); None when the server does not say."""
        self.path = path
        """The file read in place, for file:// URLs and paths."""
        self.warnings: list[str] = warnings if warnings is not None else []
        """Things the user should fix even though the download works."""
        self.credentials_from = credentials_from
        """`URL` or the netrc file the credentials came from; never the secret itself."""
        self.offset = offset
        """Where `chunks()` starts in the file: the `start` asked for when the source could
        resume there, else 0 (the whole file follows). `total` is always the whole size."""

    @abstractmethod
    def chunks(self) -> Iterator[bytes]:
        """Stream the body.

        Raises:
            DownloadFailed: the body could not be read completely, even after retries.
            Cancelled: the cancel event was set between two chunks.
        """

    @abstractmethod
    def close(self) -> None:
        """Release the file or connection; safe to call twice."""


class FileDownload(Download):
    """A local file read in place."""

    def __init__(
        self,
        path: Path,
        display_url: str,
        options: FetchOptions,
        cancel: threading.Event | None,
        warnings: list[str],
        start: int = 0,
    ) -> None:
        try:
            handle: BinaryIO = path.open("rb")
        except OSError as error:
            raise DownloadFailed(display_url, f"cannot read {path}: {error.strerror}") from None
        size = os.fstat(handle.fileno()).st_size
        offset = start if 0 < start <= size else 0
        handle.seek(offset)
        super().__init__(display_url, total=size, path=path, warnings=warnings, offset=offset)
        self._file = handle
        self._chunk_size = options.chunk_size
        self._cancel = cancel

    def chunks(self) -> Iterator[bytes]:
        while True:
            if self._cancel is not None and self._cancel.is_set():
                raise Cancelled("download")
            try:
                data = self._file.read(self._chunk_size)
            except OSError as error:
                raise DownloadFailed(
                    self.display_url, f"cannot read {self.path}: {error.strerror}"
                ) from None
            if not data:
                return
            yield data

    def close(self) -> None:
        self._file.close()


def file_url_to_path(url: str) -> Path:
    """The local path of a `file://` URL, `%XX` decoded (`%2B` becomes `+`).

    Raises:
        DownloadFailed: not a file URL, or it names a remote host.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        raise DownloadFailed(redact_url(url), "not a file:// URL")
    if parts.netloc not in ("", "localhost"):
        raise DownloadFailed(
            redact_url(url),
            f"file:// URLs cannot name a host (`{parts.netloc}`)",
            hint="write an absolute path with three slashes: file:///srv/mirror",
        )
    if os.name == "nt":  # drive letters and UNC paths need the Windows rules
        from urllib.request import url2pathname  # pulls in http.client and email (~15 ms)

        return Path(url2pathname(parts.path))
    return Path(unquote(parts.path))


def local_path(url: str) -> Path | None:
    """The file a path or `file://` URL names; None for other URLs.

    Raises:
        DownloadFailed: a file URL that names a remote host.
    """
    scheme = url_scheme(url)
    if scheme is None:
        return Path(url).expanduser()
    return file_url_to_path(url) if scheme == "file" else None


def _open_local(
    path: Path,
    display_url: str,
    options: FetchOptions,
    cancel: threading.Event | None,
    start: int = 0,
) -> FileDownload:
    if path.is_file():
        return FileDownload(path, display_url, options, cancel, [], start)
    from tui.core.nearmiss import encoded_plus, find_near_misses, shell_quote  # file missing

    if found := encoded_plus(path):
        encoded, spelling = found
        warning = (
            f"{path} does not exist; using {encoded}, saved with `{spelling}` where "
            f"the name has `+`. Fix the mirror: mv {shell_quote(encoded)} {shell_quote(path)}"
        )
        return FileDownload(encoded, display_url, options, cancel, [warning], start)
    if path.is_dir():
        raise DownloadFailed(display_url, f"{path} is a folder, not a file")
    misses = find_near_misses(path)
    if misses:
        hint = "; ".join(miss.message for miss in misses)
    elif not path.parent.is_dir():
        hint = f"the folder {path.parent} does not exist; {_DOCTOR_HINT}"
    else:
        hint = _DOCTOR_HINT
    raise DownloadFailed(display_url, f"file not found: {path}", hint=hint, missing=True)


def _open(url: str, options: FetchOptions, cancel: threading.Event | None, start: int) -> Download:
    path = local_path(url)
    if path is not None:
        display = redact_url(url) if url_scheme(url) else str(path)
        return _open_local(path, display, options, cancel, start)
    scheme = url_scheme(url)
    if scheme in ("http", "https"):
        from tui.core.mirrors import url_problem

        if problem := url_problem(url):
            raise DownloadFailed(redact_url(url), f"not a valid URL: {problem}")
        from tui.core.fetch_http import HttpDownload  # imports httpx (~50 ms): only for URLs

        return HttpDownload(url, options, cancel, start=start)
    raise DownloadFailed(
        redact_url(url),
        f"unsupported URL scheme `{scheme}`",
        hint="use an https://, http:// or file:// URL, or a path",
    )


@contextmanager
def open_url(
    url: str,
    *,
    options: FetchOptions | None = None,
    cancel: threading.Event | None = None,
    start: int = 0,
) -> Iterator[Download]:
    """Open `url` for streaming; the connection or file is closed on exit.

    Args:
        url: An http(s):// URL (user-info becomes basic auth), a file:// URL or a path.
        options: Timeouts, retries, netrc, TLS and proxy settings.
        cancel: Checked between chunks and during retry waits.
        start: Ask for the body from this byte on (a partial file from an earlier run);
            `Download.offset` says whether the source resumed there or sends it all.

    Raises:
        DownloadFailed: the source is missing, refused (401/403/404, an HTML page) or
            unreachable after the retries; the message holds only the redacted URL.
        Cancelled: `cancel` was set while waiting to retry.
    """
    download = _open(url, options or FetchOptions(), cancel, start)
    try:
        yield download
    finally:
        download.close()


def open_first(
    urls: Sequence[str],
    stack: contextlib.ExitStack,
    *,
    options: FetchOptions,
    cancel: threading.Event | None = None,
    start: int = 0,
) -> tuple[Download, list[str]]:
    """Open the first of `urls` that answers, kept open by `stack`, as `open_url` would.

    As uv does with its Astral mirror, the next URL is tried when one is unreachable, answers
    404 or still fails with 5xx after the retries; a refusal (401, 403) is final, and a wrong
    file is caught by its checksum later, never by falling through.

    Returns:
        The download, and a warning for each URL given up on before it (`urls[i]` failed,
        naming `urls[i + 1]`, credentials removed), in order.
    """
    given_up: list[str] = []
    for index, url in enumerate(urls):
        try:
            download = stack.enter_context(
                open_url(url, options=options, cancel=cancel, start=start)
            )
        except DownloadFailed as error:
            status = error.status
            worth_next = status is None or status == 404 or status >= 500
            if index + 1 == len(urls) or not worth_next:
                raise
            given_up.append(f"{error}; trying {redact_url(urls[index + 1])}")
        else:
            return download, given_up
    raise ValueError("no URL to open")


def read_bytes(url: str, *, options: FetchOptions | None = None, limit: int = 64 << 20) -> bytes:
    """The whole content of a small file (catalog, SHA256SUMS) at a URL or path.

    Warnings (a `%2B` fallback, an unreadable netrc) are logged, since they are not returned.

    Raises:
        DownloadFailed: as `open_url`, or the content is larger than `limit` bytes.
    """
    with open_url(url, options=options) as download:
        too_big = f"larger than the {limit:,}-byte limit for this kind of file"
        if download.total is not None and download.total > limit:
            raise DownloadFailed(download.display_url, too_big)
        for message in download.warnings:
            warning(__name__, "%s", message)
        data = bytearray()
        for chunk in download.chunks():
            data += chunk
            if len(data) > limit:
                raise DownloadFailed(download.display_url, too_big)
        return bytes(data)


def probe(url: str, *, options: FetchOptions | None = None) -> int | None:
    """Check that `url` can be downloaded without reading its body (HEAD for http).

    Returns:
        The size in bytes, None when the server does not say.

    Raises:
        DownloadFailed: as `open_url`.
    """
    options = options or FetchOptions()
    if url_scheme(url) in ("http", "https"):
        from tui.core.fetch_http import http_probe  # imports httpx (~50 ms): only for URLs

        return http_probe(url, options)
    with open_url(url, options=options) as download:
        return download.total
