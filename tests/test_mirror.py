"""`pybuilds mirror` from a real HTTP upstream on 127.0.0.1 into real folders; then uv uses it."""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from archives import TAG, VERSION
from conftest import UV, PBSBuilds
from httpserver import HTTPTestServer

from tui.commands import mirror_cmd
from tui.core.catalog import parse_catalog
from tui.core.catalog_embedded import load_embedded
from tui.core.config import load_settings
from tui.core.doctor import diagnose
from tui.core.errors import Cancelled, ChecksumMismatch, UsageError
from tui.core.fetch import FetchOptions
from tui.core.mirror import (
    FileDone,
    FileFailed,
    FileProgress,
    MirrorFile,
    MirrorPlan,
    MirrorSummary,
    mirror_relpath,
    mirror_settings_for,
    plan_mirror,
    select_builds,
)
from tui.core.mirror_download import create_mirror
from tui.core.mirrors import ASTRAL_MIRROR, MirrorSettings
from tui.core.platform import Platform
from tui.core.requests import parse_request

PBS = "https://github.com/astral-sh/python-build-standalone/releases/download"
PLATFORM = Platform("linux", "x86_64", "gnu")
PLATFORM_ARGS = ("--os", "linux", "--arch", "x86_64", "--libc", "gnu")
TRIPLE = "x86_64-unknown-linux-gnu"
FAST = FetchOptions(timeout=5, retries=0, backoff=0.001, chunk_size=16 << 10)


@dataclass(frozen=True)
class Asset:
    version: str
    tag: str
    flavour: str = "install_only_stripped"
    sha_override: str | None = None

    @property
    def name(self) -> str:
        ext = "tar.zst" if self.flavour.endswith("-full") else "tar.gz"
        return f"cpython-{self.version}+{self.tag}-{TRIPLE}-{self.flavour}.{ext}"

    @property
    def relpath(self) -> str:
        return f"{self.tag}/{self.name}"

    @property
    def data(self) -> bytes:
        seed = random.Random(self.name).randbytes(48 << 10)
        return gzip.compress(seed, compresslevel=1, mtime=0)

    @property
    def sha256(self) -> str:
        return self.sha_override or hashlib.sha256(self.data).hexdigest()

    @property
    def url(self) -> str:
        return f"{PBS}/{self.tag}/{quote(self.name)}"

    def entry(self) -> tuple[str, dict[str, object]]:
        major, minor, patch = (int(part) for part in self.version.split("."))
        return f"cpython-{self.version}-linux-x86_64-gnu", {
            "name": "cpython",
            "arch": {"family": "x86_64", "variant": None},
            "os": "linux",
            "libc": "gnu",
            "major": major,
            "minor": minor,
            "patch": patch,
            "prerelease": "",
            "url": self.url,
            "sha256": self.sha256,
            "variant": None,
            "build": self.tag,
        }


NEW_312 = Asset("3.12.4", "20240713")
OLD_312 = Asset("3.12.3", "20240415")
NEW_311 = Asset("3.11.9", "20240726")
FULL_312 = Asset("3.12.4", "20240713", "pgo+lto-full")
CATALOG_ASSETS = (NEW_312, OLD_312, NEW_311)


@dataclass
class Upstream:
    server: HTTPTestServer
    catalog: Path

    @property
    def mirror(self) -> str:
        return self.server.url + "/"

    def archive_requests(self) -> int:
        return sum(1 for r in self.server.requests if ".tar." in r.path)


@pytest.fixture
def upstream(http_server: HTTPTestServer, tmp_path: Path) -> Upstream:
    """A PBS-like release tree on 127.0.0.1 and a catalog with GitHub (canonical) URLs."""
    for asset in (*CATALOG_ASSETS, FULL_312):
        http_server.add_file(asset.relpath, asset.data)
    # The 20240713 release publishes its SHA256SUMS; the others do not.
    sums = "".join(
        f"{a.sha256}  {a.name}\n" for a in sorted((NEW_312, FULL_312), key=lambda a: a.name)
    )
    http_server.add_file("20240713/SHA256SUMS", sums.encode())
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(dict(asset.entry() for asset in CATALOG_ASSETS)))
    return Upstream(http_server, catalog)


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No uv or pybuilds config from the machine; returns the fake home."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("UV_NO_SYSTEM_CONFIG", "1")
    for name in ("UV_PYTHON_INSTALL_MIRROR", "UV_PYTHON_DOWNLOADS_JSON_URL", "UV_NO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYBUILDS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PYBUILDS_CONFIG_FILE", str(tmp_path / "pybuilds.toml"))
    monkeypatch.chdir(tmp_path)
    return home


def run_mirror(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    mirror_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["mirror", *argv])
    return int(args.run(args))


def mirror_args(dest: Path, upstream: Upstream, *extra: str) -> tuple[str, ...]:
    return (
        str(dest),
        *extra,
        *PLATFORM_ARGS,
        "--mirror",
        upstream.mirror,
        "--python-downloads-json-url",
        str(upstream.catalog),
    )


def sums_of(folder: Path) -> dict[str, str]:
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    assert lines == sorted(lines, key=lambda line: line.split("  ", 1)[1])
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


# --- the tree -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("isolated")
def test_creates_the_tree_metadata_and_checksums(
    tmp_path: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "mirror"
    assert run_mirror(*mirror_args(dest, upstream)) == 0
    # The newest patch of each minor, under `<tag>/<name with +>`.
    assert (dest / NEW_312.relpath).read_bytes() == NEW_312.data
    assert (dest / NEW_311.relpath).read_bytes() == NEW_311.data
    assert not (dest / OLD_312.tag).exists()
    assert not list(dest.rglob("*.part"))
    builds = parse_catalog((dest / "download-metadata.json").read_bytes(), "mirror")
    assert {b.url for b in builds} == {NEW_312.url, NEW_311.url}
    assert {b.sha256 for b in builds} == {NEW_312.sha256, NEW_311.sha256}
    assert sums_of(dest / NEW_312.tag) == {NEW_312.name: NEW_312.sha256}
    assert sums_of(dest / NEW_311.tag) == {NEW_311.name: NEW_311.sha256}
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f'python-install-mirror = "{dest.as_uri()}"',
        f'python-downloads-json-url = "{dest / "download-metadata.json"}"',
    ]
    assert "2 downloaded" in err and "UV_PYTHON_INSTALL_MIRROR=" in err


@pytest.mark.usefixtures("isolated")
def test_second_run_keeps_verified_files_without_asking_upstream(
    tmp_path: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "mirror"
    assert run_mirror(*mirror_args(dest, upstream)) == 0
    asked = len(upstream.server.requests)
    capsys.readouterr()
    assert run_mirror(*mirror_args(dest, upstream)) == 0
    assert len(upstream.server.requests) == asked
    err = capsys.readouterr().err
    assert "0 downloaded" in err and "2 kept" in err


@pytest.mark.usefixtures("isolated")
def test_partial_and_corrupt_files_are_downloaded_again(tmp_path: Path, upstream: Upstream) -> None:
    dest = tmp_path / "mirror"
    (dest / NEW_312.tag).mkdir(parents=True)
    (dest / NEW_312.relpath).write_bytes(NEW_312.data[:1000])  # an interrupted copy
    (dest / NEW_311.tag).mkdir(parents=True)
    (dest / f"{NEW_311.relpath}.part").write_bytes(b"left over")
    assert run_mirror(*mirror_args(dest, upstream)) == 0
    assert (dest / NEW_312.relpath).read_bytes() == NEW_312.data
    assert (dest / NEW_311.relpath).read_bytes() == NEW_311.data
    assert not list(dest.rglob("*.part"))
    # 3.12: one full download; 3.11: the garbage `.part` is resumed, fails its checksum, and
    # is fetched again whole.
    assert upstream.archive_requests() == 3


@pytest.mark.usefixtures("isolated")
def test_a_partial_download_from_an_earlier_run_is_resumed(
    tmp_path: Path, upstream: Upstream
) -> None:
    dest = tmp_path / "mirror"
    (dest / NEW_311.tag).mkdir(parents=True)
    (dest / f"{NEW_311.relpath}.part").write_bytes(NEW_311.data[:700])
    assert run_mirror(*mirror_args(dest, upstream)) == 0
    assert (dest / NEW_311.relpath).read_bytes() == NEW_311.data
    assert not list(dest.rglob("*.part"))
    [request] = [r for r in upstream.server.requests if NEW_311.relpath.split("/")[-1] in
                 r.path.replace("%2B", "+")]  # fmt: skip
    assert request.headers.get("range") == "bytes=700-"


def test_dropped_download_is_never_left_under_the_archive_name(
    tmp_path: Path, upstream: Upstream
) -> None:
    upstream.server.ranges = False
    upstream.server.drop_after = 1000
    upstream.server.drop_times = 100
    builds = [b for b in parse_catalog(upstream.catalog.read_bytes(), "t") if b.url == NEW_312.url]
    plan = plan_mirror(builds, source=MirrorSettings(python_mirror=upstream.mirror))
    dest = tmp_path / "mirror"
    events = list(create_mirror(dest, plan, options=FAST))
    assert [type(e) for e in events if not isinstance(e, FileProgress)] == [
        FileFailed,
        MirrorSummary,
    ]
    assert not (dest / NEW_312.relpath).exists()
    # What arrived is kept for the next run, under another name.
    assert [part.stat().st_size for part in dest.rglob("*.part")] == [1000]
    assert json.loads((dest / "download-metadata.json").read_text()) == {}
    upstream.server.drop_after = None
    events = list(create_mirror(dest, plan, options=FAST))
    assert (dest / NEW_312.relpath).read_bytes() == NEW_312.data


@pytest.mark.usefixtures("isolated")
def test_checksum_mismatch_fails_and_keeps_nothing(
    tmp_path: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    upstream.server.add_file(NEW_311.relpath, b"tampered")
    dest = tmp_path / "mirror"
    assert run_mirror(*mirror_args(dest, upstream)) == 1
    assert not (dest / NEW_311.relpath).exists()
    err = capsys.readouterr().err
    assert f"hash mismatch for `{NEW_311.relpath}`" in err
    builds = parse_catalog((dest / "download-metadata.json").read_bytes(), "mirror")
    assert [b.url for b in builds] == [NEW_312.url]


@pytest.mark.usefixtures("isolated")
def test_extra_flavours_use_upstream_checksums(
    tmp_path: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "mirror"
    assert run_mirror(*mirror_args(dest, upstream, "--flavour", "pgo+lto-full")) == 0
    assert (dest / FULL_312.relpath).read_bytes() == FULL_312.data
    assert sums_of(dest / FULL_312.tag) == {
        NEW_312.name: NEW_312.sha256,
        FULL_312.name: FULL_312.sha256,
    }
    # The 3.11 release has no SHA256SUMS upstream and no pgo+lto-full file: skipped, not failed.
    err = capsys.readouterr().err
    assert "not published at the source (404)" in err
    # Extra flavours are not catalog entries: uv never picks them.
    builds = parse_catalog((dest / "download-metadata.json").read_bytes(), "mirror")
    assert len(builds) == 2


def test_flavours_are_checked_before_anything_is_fetched(
    tmp_path: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "mirror"
    with pytest.raises(UsageError, match="unknown flavour `bogus`"):
        run_mirror(*mirror_args(dest, upstream, "--flavour", "bogus"))
    # Published for no selected build (not in 3.12.4's SHA256SUMS): nothing to point uv at.
    assert run_mirror(*mirror_args(dest, upstream, "3.12", "--flavour", "debug-full")) == 3
    assert "no selected build has a `debug-full` archive" in capsys.readouterr().err
    assert not dest.exists() and upstream.archive_requests() == 0


def test_builds_of_ones_own_are_refused_before_the_folder_is_made(
    tmp_path: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = dict([NEW_312.entry()])
    for value in entry.values():
        value["url"] = "https://builds.example/mine/" + NEW_312.name
    catalog = tmp_path / "own.json"
    catalog.write_text(json.dumps(entry))
    dest = tmp_path / "mirror"
    args = list(mirror_args(dest, upstream))
    args[args.index(str(upstream.catalog))] = str(catalog)

    assert run_mirror(*args) == 3
    err = capsys.readouterr().err
    assert "error: nothing to mirror: every selected build was left out" in err
    assert "not under a prefix uv rewrites" in err  # the warning that says why
    assert not dest.exists()


@pytest.mark.usefixtures("isolated")
def test_runs_add_to_the_metadata(tmp_path: Path, upstream: Upstream) -> None:
    dest = tmp_path / "mirror"
    assert run_mirror(*mirror_args(dest, upstream, "3.12")) == 0
    assert run_mirror(*mirror_args(dest, upstream, "3.11")) == 0
    builds = parse_catalog((dest / "download-metadata.json").read_bytes(), "mirror")
    assert {b.url for b in builds} == {NEW_312.url, NEW_311.url}


def test_all_platforms_excludes_a_named_platform(tmp_path: Path, upstream: Upstream) -> None:
    with pytest.raises(UsageError, match="cannot be combined"):
        run_mirror(*mirror_args(tmp_path / "m", upstream, "--all-platforms"))


def test_the_mirror_folder_must_be_a_folder(
    tmp_path: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli import main

    afile = tmp_path / "afile"
    afile.write_text("mine")
    with pytest.raises(UsageError, match="is a file; the mirror needs a folder"):
        run_mirror(*mirror_args(afile, upstream))
    with pytest.raises(SystemExit) as exited:  # `Path("")` would be the working directory
        run_mirror(*mirror_args(Path(), upstream)[1:], "")
    assert exited.value.code == 2
    # The system refusing (a file in the way) is a plain failure, not an internal error.
    assert main(["mirror", *mirror_args(afile / "sub", upstream)]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [
        f"error: cannot write into the mirror folder {afile / 'sub'}: Not a directory",
        "hint: choose a folder you can write to, or fix its permissions",
    ]
    assert afile.read_text() == "mine"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_unwritable_mirror_folder_is_one_error_before_any_download(
    tmp_path: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    """It used to fail every file, then the metadata on a temporary file's name."""
    from tui.cli import main

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    # root ignores mode bits; /sys refuses new entries even to root on Linux.
    folder = Path("/sys") if os.geteuid() == 0 and sys.platform == "linux" else locked
    try:
        assert main(["mirror", *mirror_args(folder, upstream)]) == 1
    finally:
        locked.chmod(0o755)
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write into the mirror folder {folder}: ")
    assert "failed" not in err and len(err.splitlines()) == 2


def test_configure_writes_both_settings(tmp_path: Path, upstream: Upstream, isolated: Path) -> None:
    dest = tmp_path / "mirror"
    assert run_mirror(*mirror_args(dest, upstream, "3.12", "--configure", "user")) == 0
    text = (isolated / ".config" / "uv" / "uv.toml").read_text()
    assert f'python-install-mirror = "{dest.as_uri()}"' in text
    assert f'python-downloads-json-url = "{dest / "download-metadata.json"}"' in text


# --- the core -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "relpath"),
    [
        (NEW_312.url, NEW_312.relpath),
        (
            "https://downloads.python.org/pypy/pypy3.10-v7.3.17-linux64.tar.bz2",
            "pypy3.10-v7.3.17-linux64.tar.bz2",
        ),
        (
            "https://github.com/oracle/graalpython/releases/download/graal-24.1.1/"
            "graalpy-24.1.1-linux-amd64.tar.gz",
            "graal-24.1.1/graalpy-24.1.1-linux-amd64.tar.gz",
        ),
        (f"{PBS}/../../etc/passwd", None),
        ("https://example.com/builds/x.tar.gz", None),
    ],
)
def test_mirror_relpath(url: str, relpath: str | None) -> None:
    assert mirror_relpath(url) == relpath


def test_default_selection_is_baseline_newest_of_each_minor() -> None:
    builds = select_builds(load_embedded(), [parse_request("cpython")], PLATFORM)
    assert builds and all(b.arch == "x86_64" and b.arch_level is None for b in builds)
    assert all(b.os == "linux" and b.libc == "gnu" and not b.prerelease for b in builds)
    minors = [(b.minor, b.variant) for b in builds]
    assert len(minors) == len(set(minors))
    assert not any(b.variant.endswith("debug") for b in builds)


def test_all_platforms_selection() -> None:
    builds = select_builds(load_embedded(), [parse_request("3.12")], PLATFORM, all_platforms=True)
    platforms = {b.platform_key for b in builds}
    assert {"darwin-aarch64-none", "windows-x86_64-none", "linux-x86_64_v3-musl"} <= platforms
    assert len(builds) == len(platforms)


def test_settings_name_every_implementation_in_the_metadata(tmp_path: Path) -> None:
    pypy = "https://downloads.python.org/pypy/pypy3.10-v7.3.17-linux64.tar.bz2"
    (tmp_path / "download-metadata.json").write_text(
        json.dumps({"a": {"url": NEW_312.url}, "b": {"url": pypy}})
    )
    assert mirror_settings_for(tmp_path) == (
        ("python-install-mirror", tmp_path.as_uri()),
        ("pypy-install-mirror", tmp_path.as_uri()),
        ("python-downloads-json-url", str(tmp_path / "download-metadata.json")),
    )


def test_parallel_downloads_report_progress_and_cancel(tmp_path: Path, upstream: Upstream) -> None:
    builds = parse_catalog(upstream.catalog.read_bytes(), "test")
    source = MirrorSettings(python_mirror=upstream.mirror)
    plan = plan_mirror(builds, source=source, options=FAST)
    assert len(plan.files) == 3 and plan.notes == ()
    events = list(create_mirror(tmp_path / "all", plan, options=FAST, jobs=3))
    done = [e for e in events if isinstance(e, FileDone)]
    assert {e.relpath for e in done} == {a.relpath for a in CATALOG_ASSETS}
    assert all(e.verified and e.status == "downloaded" for e in done)
    [summary] = [e for e in events if isinstance(e, MirrorSummary)]
    assert summary.bytes == sum(len(a.data) for a in CATALOG_ASSETS)
    assert summary.settings[0] == ("python-install-mirror", (tmp_path / "all").as_uri())

    cancel = threading.Event()
    stream: Iterator[object] = create_mirror(
        tmp_path / "cancelled", plan, options=FAST, jobs=1, cancel=cancel
    )
    with pytest.raises(Cancelled):
        for event in stream:
            if isinstance(event, (FileProgress, FileDone)):
                cancel.set()
    # Only complete, verified files carry an archive's name (one may have finished before the
    # cancel); what was fetched of the others stays as `.part` for the next run to resume.
    datas = {a.relpath: a.data for a in CATALOG_ASSETS}
    for path in (tmp_path / "cancelled").rglob("*.tar.gz"):
        assert path.read_bytes() == datas[path.relative_to(tmp_path / "cancelled").as_posix()]
    for part in (tmp_path / "cancelled").rglob("*.part"):
        prefix = part.read_bytes()
        assert prefix and any(data.startswith(prefix) for data in datas.values())


def test_a_file_failing_its_checksum_is_reported(tmp_path: Path, upstream: Upstream) -> None:
    wrong = Asset("3.12.4", "20240713", sha_override="0" * 64)
    builds = parse_catalog(json.dumps(dict([wrong.entry()])).encode(), "test")
    plan = plan_mirror(builds, source=MirrorSettings(python_mirror=upstream.mirror))
    events = list(create_mirror(tmp_path / "m", plan, options=FAST))
    [failed] = [e for e in events if isinstance(e, FileFailed)]
    assert isinstance(failed.error, ChecksumMismatch)


def test_builds_outside_the_mirror_prefixes_are_left_out() -> None:
    asset = Asset("3.12.4", "20240713")
    key, entry = asset.entry()
    entry["url"] = "https://example.com/builds/" + asset.name
    builds = parse_catalog(json.dumps({key: entry}).encode(), "test")
    plan = plan_mirror(builds)
    assert plan == MirrorPlan((), plan.notes)
    assert "not under a prefix uv rewrites" in plan.notes[0]


# --- what uses the mirror -----------------------------------------------------------------------


@pytest.mark.usefixtures("isolated")
def test_doctor_approves_the_mirror_as_file_and_as_http(
    tmp_path: Path, upstream: Upstream, http_server_factory: Callable[..., HTTPTestServer]
) -> None:
    dest = tmp_path / "mirror"
    assert run_mirror(*mirror_args(dest, upstream)) == 0
    served = http_server_factory(dest)
    for mirror, catalog in (
        (dest.as_uri(), str(dest / "download-metadata.json")),
        (served.url, served.url_for("download-metadata.json")),
    ):
        settings = load_settings(
            {"python-install-mirror": mirror, "python-downloads-json-url": catalog}, cwd=tmp_path
        )
        for request in ("3.12", "3.11"):
            report = diagnose(request, settings, PLATFORM, verify=True, options=FAST)
            assert report.would_install, [f.message for f in report.findings if f.ok is False]


# --- real uv installs from a mirror pybuilds made ---------------------------------------------


def test_uv_installs_from_the_mirror_as_file_and_as_http(
    tmp_path: Path,
    pbs_builds: PBSBuilds,
    uv_env: dict[str, str],
    http_server_factory: Callable[..., HTTPTestServer],
) -> None:
    """A staged interpreter packed as a PBS release on an HTTP upstream -> `pybuilds mirror`
    -> uv installs it offline from the folder, and from the folder served over HTTP."""
    upstream = http_server_factory(pbs_builds.mirror)
    dest = tmp_path / "mirror"
    argv = (str(dest), VERSION, "--flavour", "pgo+lto-full", "--mirror", upstream.url)
    assert run_mirror(*argv, "--python-downloads-json-url", str(pbs_builds.catalog)) == 0
    assert (dest / TAG / pbs_builds.full.name).is_file()
    served = http_server_factory(dest)
    for label, mirror, catalog in (
        ("file", dest.as_uri(), str(dest / "download-metadata.json")),
        ("http", served.url, served.url_for("download-metadata.json")),
    ):
        root = tmp_path / f"root-{label}"
        env = {
            **uv_env,
            "UV_PYTHON_INSTALL_DIR": str(root),
            "UV_PYTHON_INSTALL_MIRROR": mirror,
            "UV_PYTHON_DOWNLOADS_JSON_URL": catalog,
            "UV_PYTHON_DOWNLOADS": "manual",
        }
        result = subprocess.run(
            [UV, "python", "install", VERSION, "--no-bin"], capture_output=True, text=True, env=env
        )
        assert result.returncode == 0, result.stderr
        python = root / pbs_builds.key / "bin" / "python3"
        ran = subprocess.run([python, "-c", "import sys; print(sys.version)"], capture_output=True)
        assert ran.stdout.decode().startswith(VERSION)
    # Nothing in the mirror came from anywhere but the upstream server.
    assert upstream.requests_for(f"{TAG}/{pbs_builds.install_only.name}")


def test_without_a_source_mirror_files_come_from_astral_then_github(upstream: Upstream) -> None:
    builds = parse_catalog(upstream.catalog.read_bytes(), "upstream")
    plan = plan_mirror(builds)
    assert plan.files
    for item in plan.files:
        rest = item.canonical_url.removeprefix(PBS + "/")
        assert (
            item.source_url
            == f"{ASTRAL_MIRROR}/github/python-build-standalone/releases/download/{rest}"
        )
        assert item.fallback_urls == (item.canonical_url,)


def test_a_source_that_lacks_the_file_gives_way_to_the_next(
    tmp_path: Path, upstream: Upstream
) -> None:
    build = next(
        b for b in parse_catalog(upstream.catalog.read_bytes(), "up") if b.url == NEW_312.url
    )
    item = MirrorFile(
        NEW_312.relpath,
        NEW_312.url,
        upstream.server.url_for(f"missing/{NEW_312.relpath}"),
        NEW_312.sha256,
        "catalog",
        build,
        (upstream.server.url_for(NEW_312.relpath),),
    )
    dest = tmp_path / "mirror"
    events = list(create_mirror(dest, MirrorPlan((item,), ()), options=FAST, jobs=1))
    assert any(isinstance(e, FileDone) for e in events), events
    assert (dest / NEW_312.relpath).read_bytes() == NEW_312.data
