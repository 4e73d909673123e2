"""An HTTP server on 127.0.0.1 that sends files slowly, so a test can cancel a download midway."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import cast
from urllib.parse import unquote, urlsplit


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    root: Path
    piece: int
    pause: float
    stopping: threading.Event
    counting: threading.Lock
    active: int
    peak: int
    """The most requests answered at once."""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        server = cast(_Server, self.server)
        with server.counting:
            server.active += 1
            server.peak = max(server.peak, server.active)
        try:
            self._send(server)
        finally:
            with server.counting:
                server.active -= 1

    def _send(self, server: _Server) -> None:
        target = server.root / unquote(urlsplit(self.path).path).lstrip("/")
        if not target.is_file():
            self.send_error(404)
            return
        data = target.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        try:
            for start in range(0, len(data), server.piece):
                if server.stopping.wait(server.pause):
                    return
                self.wfile.write(data[start : start + server.piece])
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return  # the client hung up: that is what a cancel does

    def log_message(self, format: str, *args: object) -> None:
        return


class TrickleServer:
    """Serves `root`, writing `piece` bytes every `pause` seconds."""

    def __init__(self, root: Path, *, piece: int = 64 * 1024, pause: float = 0.02) -> None:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.root = root
        self._httpd.piece = piece
        self._httpd.pause = pause
        self._httpd.stopping = threading.Event()
        self._httpd.counting = threading.Lock()
        self._httpd.active = self._httpd.peak = 0
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def peak(self) -> int:
        """The most requests answered at once so far."""
        return self._httpd.peak

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> TrickleServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._httpd.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        deadline = time.monotonic() + 2
        while self._thread.is_alive() and time.monotonic() < deadline:
            self._thread.join(0.05)
