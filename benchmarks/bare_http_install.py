"""`pybuilds install` with http bodies read from a bare socket instead of httpx.

A measuring device for `bench_http_floor.py`, not a client: plain http only, one GET, a
Content-Length answer, no redirects, retries, proxies or auth. Everything after the socket
(hashing, inflating, unpacking, patching) is pybuilds' own code, unchanged. With
BENCH_IMPORT_HTTPX=1 it imports httpx and httpcore first, as a real download does, and then
does not use them: the difference between the two runs is what importing them costs.

Usage: python benchmarks/bare_http_install.py install REQUEST (as `pybuilds install`)
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

from tui.core import fetch
from tui.core.fetch import Download, FetchOptions
from tui.core.fetch_http import GATHER


class BareSocketDownload(Download):
    """The body of one GET, read in `GATHER`-sized pieces as `HttpDownload` hands them on."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        parts = urlsplit(url)
        assert parts.hostname and parts.port, "bare_http_install needs http://HOST:PORT/…"
        self._socket = socket.create_connection((parts.hostname, parts.port))
        request = f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n"
        self._socket.sendall(request.encode())
        received = b""
        while b"\r\n\r\n" not in received:
            more = self._socket.recv(64 << 10)
            assert more, "the server closed the connection before its headers ended"
            received += more
        head, self._early = received.split(b"\r\n\r\n", 1)
        status, *fields = head.decode("latin-1").split("\r\n")
        assert status.split()[1] == "200", status
        for field in fields:
            name, _, value = field.partition(":")
            if name.strip().lower() == "content-length":
                self.total = int(value)

    def chunks(self) -> Iterator[bytes]:
        pending = [self._early]
        size = len(self._early)
        while data := self._socket.recv(64 << 10):
            pending.append(data)
            size += len(data)
            if size >= GATHER:
                yield b"".join(pending)
                pending, size = [], 0
        if size:
            yield b"".join(pending)

    def close(self) -> None:
        self._socket.close()


def main() -> int:
    real_open = fetch._open  # pyright: ignore[reportPrivateUsage]

    def bare_open(
        url: str, options: FetchOptions, cancel: threading.Event | None, start: int
    ) -> Download:
        if url.startswith("http://"):
            if os.environ.get("BENCH_IMPORT_HTTPX"):  # where and when HttpDownload does
                import httpcore  # noqa: F401
                import httpx  # noqa: F401
            return BareSocketDownload(url)
        return real_open(url, options, cancel, start)

    fetch._open = bare_open  # pyright: ignore[reportPrivateUsage]
    from tui import cli

    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
