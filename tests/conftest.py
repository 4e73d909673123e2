"""Shared pytest fixtures; each block names the part of pybuilds that owns it."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from archives import (
    MINOR,
    TAG,
    VERSION,
    HostTriple,
    asset_name,
    catalog_entry,
    host_triple,
    pack_full,
    pack_install_only,
    publish,
    python_json,
    sha256_of,
    stage_interpreter,
    write_catalog,
)
from httpserver import HTTPTestServer

from tui.core.catalog import Build, parse_catalog
from tui.core.layout import Layout

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


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key), made with the openssl CLI."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


# --- end fetch -------------------------------------------------------------------------------


# --- install: a staged interpreter as PBS archives, a catalog and mirrors (tests/archives.py) --


@dataclass(frozen=True)
class PBSBuilds:
    """Archives of the running interpreter in PBS shapes, published in a file:// mirror."""

    host: HostTriple
    tree: Path
    """The staged `python/` folder the archives were made from."""
    mirror: Path
    """`<mirror>/<tag>/<name>` plus `SHA256SUMS`: serve it with file:// or HTTP."""
    install_only: Path
    full: Path
    """The `pgo+lto-full` sibling; not in the catalog, only in the mirror and SHA256SUMS."""
    catalog: Path
    """A uv catalog with the install_only archive on the GitHub prefix (mirrors apply)."""

    @property
    def key(self) -> str:
        return f"cpython-{VERSION}-{self.host.install_suffix}"

    def builds(self) -> tuple[Build, ...]:
        return parse_catalog(self.catalog.read_bytes(), str(self.catalog))

    def build(self) -> Build:
        return self.builds()[0]


@pytest.fixture(scope="session")
def pbs_builds(tmp_path_factory: pytest.TempPathFactory) -> PBSBuilds:
    """Built once per session: ~1 s for a stdlib-only copy of this interpreter, packed twice."""
    host = host_triple()
    if host is None:
        pytest.skip("the staged-interpreter archives need Linux or macOS on x86_64/aarch64")
    base = tmp_path_factory.mktemp("pbs")
    tree = stage_interpreter(base / "stage")
    mirror = base / "mirror"
    only = pack_install_only(tree, base / asset_name(VERSION, host.triple, "install_only"))
    full = pack_full(
        tree,
        base / asset_name(VERSION, host.triple, "pgo+lto-full"),
        python_json(VERSION, host.triple),
    )
    only, full = publish(mirror, only), publish(mirror, full)
    entry = catalog_entry(VERSION, host, only.name, sha256_of(only))
    catalog = write_catalog(base / "catalog.json", [entry])
    return PBSBuilds(host, tree, mirror, only, full, catalog)


@dataclass(frozen=True)
class TwoBuilds:
    """The fixture's build and a second version of it, in one catalog and one mirror."""

    mirror: Path
    catalog: Path
    other: str
    """The second version: the same archive, published under that version's name."""

    def builds(self) -> tuple[Build, ...]:
        return parse_catalog(self.catalog.read_bytes(), str(self.catalog))


@pytest.fixture
def two_builds(pbs_builds: PBSBuilds, tmp_path: Path) -> TwoBuilds:
    other = f"{MINOR}.98"
    mirror = tmp_path / "two-mirror"
    shutil.copytree(pbs_builds.mirror, mirror)
    name = asset_name(other, pbs_builds.host.triple, "install_only")
    archive = mirror / TAG / name
    shutil.copy(pbs_builds.install_only, archive)
    catalog = catalog_with(pbs_builds, tmp_path / "two.json", (other, name, sha256_of(archive)))
    return TwoBuilds(mirror, catalog, other)


def catalog_with(pbs_builds: PBSBuilds, path: Path, *others: tuple[str, str, str]) -> Path:
    """The fixture's catalog plus builds (version, archive name, sha256) of other versions."""
    entries = json.loads(pbs_builds.catalog.read_text())
    extra = [catalog_entry(v, pbs_builds.host, name, sha) for v, name, sha in others]
    return write_catalog(path, [*entries.items(), *extra])


UV = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
"""uv from PyPI (a test dependency), beside this interpreter when not on PATH."""


@pytest.fixture
def uv_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Isolate HOME, XDG and uv/pybuilds settings; returns an env for running real uv."""
    for name in list(os.environ):
        if name.startswith(("UV_", "PYBUILDS_", "XDG_")):
            monkeypatch.delenv(name)
    # uv takes an activated environment before managed Pythons, even with --managed-python.
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("UV_NO_CONFIG", "1")
    env = dict(os.environ)
    env.update(
        UV_PYTHON_DOWNLOADS="never",
        UV_CACHE_DIR=str(tmp_path / "uv-cache"),
        UV_PYTHON_INSTALL_DIR=str(tmp_path / "root"),
        UV_PYTHON_BIN_DIR=str(tmp_path / "bin"),
    )
    return env


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(tmp_path / "root", tmp_path / "bin")


# --- end install -----------------------------------------------------------------------------
