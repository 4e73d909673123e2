"""A real HTTP server on 127.0.0.1 serving a folder, with switchable server misbehaviours.

Tests set the attributes of `HTTPTestServer` (auth, drops, failures, redirects, a login page)
before making requests, then assert on `requests`, the log of what the server received.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import mimetypes
import re
import socket
import ssl
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from urllib.parse import quote, unquote, urlsplit

_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")
LOGIN_PAGE = b"<!doctype html><html><body><form action='/login'>Sign in</form></body></html>"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the server saw it."""

    method: str
    path: str
    """The raw request target, still percent-encoded."""
    headers: dict[str, str]
    """Header names lower-cased."""


class HTTPTestServer:
    """Serves `root` on an ephemeral port in a daemon thread.

    Attributes to switch behaviours (all take effect on the next request):
        auth: (user, password) required as basic auth; wrong or missing -> `auth_status`.
        auth_status: 401 (default, with WWW-Authenticate) or 403.
        ranges: honour `Range: bytes=N-[M]` with 206 and advertise `Accept-Ranges: bytes`.
        drop_after / drop_times: send only `drop_after` body bytes then close the socket,
            for the next `drop_times` file responses.
        fail_times / fail_status: answer the next `fail_times` requests with `fail_status`.
        redirects: request path (decoded, no query) -> Location for a 302.
        login_page: answer every authorised request with a 200 HTML login page.
        head_status: answer every HEAD with this status and no body (405: a server that
            refuses HEAD, as some object stores and proxies do); GET is served as usual.
    """

    def __init__(self, root: Path, *, tls: ssl.SSLContext | None = None) -> None:
        self.root = root
        self.scheme = "https" if tls else "http"
        self.auth: tuple[str, str] | None = None
        self.auth_status = 401
        self.ranges = True
        self.drop_after: int | None = None
        self.drop_times = 1
        self.fail_times = 0
        self.fail_status = 503
        self.redirects: dict[str, str] = {}
        self.login_page = False
        self.head_status: int | None = None
        self.requests: list[RequestRecord] = []
        self.lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        # A short poll keeps shutdown (and each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL without a trailing slash: `http://127.0.0.1:<port>`."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url_for(self, relpath: str, *, userinfo: str | None = None) -> str:
        """URL of a file under `root`; `+` is written `%2B` as in the PBS catalog."""
        netloc = f"{userinfo}@127.0.0.1:{self.port}" if userinfo else f"127.0.0.1:{self.port}"
        return f"{self.scheme}://{netloc}/{quote(relpath.lstrip('/'), safe='/')}"

    def add_file(self, relpath: str, data: bytes) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def requests_for(self, relpath: str) -> list[RequestRecord]:
        wanted = "/" + relpath.lstrip("/")
        return [r for r in self.requests if unquote(urlsplit(r.path).path) == wanted]

    def start(self) -> HTTPTestServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> HTTPTestServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def take(self, counter: str) -> bool:
        """Consume one use of a `*_times` counter; True if the behaviour applies now."""
        with self.lock:
            left: int = getattr(self, counter)
            if left <= 0:
                return False
            setattr(self, counter, left - 1)
            return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: HTTPTestServer

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        # Clients that stop reading (a cancel, an error status) reset the connection; that is
        # expected. Anything else is a bug in this server and should show.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read `HTTPTestServer.requests` instead of stderr."""

    def _serve(self, *, head: bool) -> None:
        owner = cast(_Server, self.server).owner
        with owner.lock:
            owner.requests.append(
                RequestRecord(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}
                )
            )
        if head and owner.head_status is not None:
            self._reply(owner.head_status, b"", head=True)
            return
        if owner.take("fail_times"):
            self._reply(owner.fail_status, b"server trouble\n", head=head)
            return
        if owner.auth is not None and not self._authorised(owner.auth):
            extra = {"WWW-Authenticate": 'Basic realm="pybuilds-test"'}
            if owner.auth_status != 401:
                extra = {}
            self._reply(owner.auth_status, b"no\n", head=head, headers=extra)
            return
        path = unquote(urlsplit(self.path).path)
        if path in owner.redirects:
            self._reply(302, b"", head=head, headers={"Location": owner.redirects[path]})
            return
        if owner.login_page:
            self._reply(200, LOGIN_PAGE, head=head, content_type="text/html; charset=utf-8")
            return
        target = (owner.root / path.lstrip("/")).resolve()
        if not target.is_relative_to(owner.root.resolve()) or not target.is_file():
            self._reply(404, b"not found\n", head=head)
            return
        self._send_file(owner, target, head=head)

    def _authorised(self, auth: tuple[str, str]) -> bool:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        return self.headers.get("Authorization") == f"Basic {token}"

    def _send_file(self, owner: HTTPTestServer, target: Path, *, head: bool) -> None:
        data = target.read_bytes()
        stat = target.stat()
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        headers = {
            "ETag": etag,
            "Last-Modified": email.utils.formatdate(stat.st_mtime, usegmt=True),
        }
        if owner.ranges:
            headers["Accept-Ranges"] = "bytes"
        status, body = 200, data
        wanted = _RANGE.match(self.headers.get("Range", "")) if owner.ranges else None
        if_range = self.headers.get("If-Range")
        if wanted is not None and if_range in (None, etag, headers["Last-Modified"]):
            start = int(wanted[1])
            end = int(wanted[2]) if wanted[2] else len(data) - 1
            if start >= len(data):
                self._reply(416, b"", head=head, headers={"Content-Range": f"bytes */{len(data)}"})
                return
            end = min(end, len(data) - 1)
            status, body = 206, data[start : end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if not head and owner.drop_after is not None and owner.take("drop_times"):
            self._send_head(status, len(body), kind, headers)
            self.wfile.write(body[: owner.drop_after])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._reply(status, body, head=head, headers=headers, content_type=kind)

    def _reply(
        self,
        status: int,
        body: bytes,
        *,
        head: bool,
        headers: dict[str, str] | None = None,
        content_type: str = "text/plain",
    ) -> None:
        self._send_head(status, len(body), content_type, headers or {})
        if not head:
            self.wfile.write(body)

    def _send_head(self, status: int, length: int, kind: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
