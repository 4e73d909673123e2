"""Fixtures for the app's tests: an isolated home, a fake PBS release, apps wired to mirrors."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from archives import (
    HostTriple,
    asset_name,
    catalog_entry,
    fake_tree,
    pack_install_only,
    publish,
    sha256_of,
)
from httpserver import HTTPTestServer

from tui.app.app import PybuildsApp
from tui.core.catalog import Build, parse_catalog
from tui.core.config import load_settings
from tui.core.layout import Layout
from tui.core.platform import Platform

EAGER_TASKS = getattr(asyncio, "eager_task_factory", None)  # Python 3.12+


@pytest.fixture(autouse=True)
async def tasks_as_app_run_makes_them() -> AsyncIterator[None]:
    """App.run() makes its tasks eager where Python can (3.12+) and run_test() does not: the
    app's tests run with eager tasks too, as the app itself does (textual#6444 was found so)."""
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()
    if EAGER_TASKS is not None:
        loop.set_task_factory(EAGER_TASKS)
    yield
    loop.set_task_factory(previous)


HOST = HostTriple("x86_64-unknown-linux-gnu", "linux", "x86_64", "gnu")
APP_PLATFORM = Platform("linux", "x86_64", "gnu", None, "2.36")
GOOD = "3.13.99"
"""On the mirror with the right checksum."""
BAD_CHECKSUM = "3.12.98"
"""On the mirror, but the catalog's sha256 is wrong."""
MISSING = "3.11.99"
"""In the catalog, not on the mirror."""
BIG = "3.10.99"
"""A few MB, so a slow server gives time to cancel."""


@pytest.fixture(autouse=True)
def isolated_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No test reads or writes the real user's config, data or uv settings."""
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith(("UV_", "PYBUILDS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_BIN_HOME", str(home / ".local" / "bin"))
    monkeypatch.setenv("UV_NO_SYSTEM_CONFIG", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


@dataclass(frozen=True, slots=True)
class FakeRelease:
    """A PBS-shaped release: archives in a mirror folder and a catalog pointing at GitHub."""

    mirror: Path
    """`<mirror>/<tag>/<archive>`, as `file://` mirrors and static servers hold them."""
    builds: tuple[Build, ...]

    def build(self, version: str) -> Build:
        return next(b for b in self.builds if str(b.version) == version)


@pytest.fixture(scope="session")
def fake_release(tmp_path_factory: pytest.TempPathFactory) -> FakeRelease:
    work = tmp_path_factory.mktemp("release")
    mirror = work / "mirror"
    entries = []
    for version in (GOOD, BAD_CHECKSUM, BIG):
        tree = fake_tree(work / f"tree-{version}", version)
        if version == BIG:
            noise = random.Random(7).randbytes(3 << 20)  # incompressible: stays ~3 MB gzipped
            (tree / "lib" / "noise.bin").write_bytes(noise)
        name = asset_name(version, HOST.triple, "install_only_stripped")
        archive = pack_install_only(tree, work / "archives" / name)
        publish(mirror, archive)
        sha = "0" * 64 if version == BAD_CHECKSUM else sha256_of(archive)
        entries.append(catalog_entry(version, HOST, name, sha))
    name = asset_name(MISSING, HOST.triple, "install_only_stripped")
    entries.append(catalog_entry(MISSING, HOST, name, "1" * 64))
    builds = parse_catalog(json.dumps(dict(entries)).encode(), "fake catalog")
    return FakeRelease(mirror, builds)


AppFactory = Callable[..., PybuildsApp]


@pytest.fixture
def make_app(tmp_path: Path, fake_release: FakeRelease) -> AppFactory:
    """Build an app over the fake release; `mirror` is the CPython mirror (env setting)."""

    def make(
        mirror: str | None = None,
        *,
        builds: tuple[Build, ...] | None = None,
        platform: Platform = APP_PLATFORM,
    ) -> PybuildsApp:
        env = dict(os.environ)
        if mirror:
            env["UV_PYTHON_INSTALL_MIRROR"] = mirror
        project = tmp_path / "project"
        project.mkdir(exist_ok=True)
        app = PybuildsApp(
            builds if builds is not None else fake_release.builds,
            Layout(tmp_path / "uv-python", tmp_path / "bin"),
            platform,
            lambda: load_settings(env=env, cwd=project),
            cwd=project,
        )
        app.animation_level = "none"
        return app

    return make


@pytest.fixture
def install_root(tmp_path: Path) -> Path:
    """The managed-Python folder of apps from `make_app`."""
    return tmp_path / "uv-python"


@pytest.fixture
def http_mirror(http_server: HTTPTestServer, fake_release: FakeRelease) -> str:
    """The fake release served over HTTP by the shared test server; returns its URL."""
    shutil.copytree(fake_release.mirror, http_server.root, dirs_exist_ok=True)
    return http_server.url
