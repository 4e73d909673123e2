"""Shared pytest fixtures; each block names the part of pybuilds that owns it."""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from httpserver import HTTPTestServer

# --- fetch: real HTTP servers on 127.0.0.1 (tests/httpserver.py) ---------------------------


def _isolate_http_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Reach 127.0.0.1 directly even when the machine has a proxy; never read ~/.netrc."""
    for name in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(name, "")
        monkeypatch.setenv(name, ",".join(filter(None, [current, "127.0.0.1", "localhost"])))
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


@pytest.fixture
def http_server_factory(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., HTTPTestServer]]:
    """Call with an optional root folder (and `tls=` server context) to start another server,
    e.g. a second origin for redirects."""
    _isolate_http_env(monkeypatch, tmp_path_factory.mktemp("http-env"))
    servers: list[HTTPTestServer] = []

    def start(root: Path | None = None, *, tls: ssl.SSLContext | None = None) -> HTTPTestServer:
        server = HTTPTestServer(root or tmp_path_factory.mktemp("www"), tls=tls).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def http_server(http_server_factory: Callable[..., HTTPTestServer]) -> HTTPTestServer:
    """A started server for an empty folder (`http_server.root`); add files with `add_file`."""
    return http_server_factory()


# --- end fetch -------------------------------------------------------------------------------
