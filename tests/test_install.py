"""Install the staged interpreter from real archives and mirrors, and check what uv sees."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from archives import (
    MINOR,
    TAG,
    VERSION,
    asset_name,
    catalog_entry,
    fake_tree,
    pack_install_only,
    publish,
    sha256_of,
    write_catalog,
)
from conftest import UV, PBSBuilds
from httpserver import HTTPTestServer

from tui.core.catalog import Build, parse_catalog
from tui.core.errors import (
    ArchiveError,
    Cancelled,
    ChecksumMismatch,
    DownloadFailed,
    InstallError,
)
from tui.core.events import (
    Done,
    Downloading,
    Extracting,
    Failed,
    InstallEvent,
    Patching,
    Resolved,
    Verifying,
    Warned,
)
from tui.core.fetch import FetchOptions
from tui.core.install import (
    InstallOptions,
    install,
    install_or_raise,
    open_first_source,
    uninstall,
)
from tui.core.layout import Layout
from tui.core.locking import RootLock
from tui.core.mirrors import MirrorSettings
from tui.core.patches import EXTERNALLY_MANAGED


def _options(mirror: str, **changes: Any) -> InstallOptions:
    options = InstallOptions(mirrors=MirrorSettings(python_mirror=mirror))
    return options._replace(**changes)


def _events(
    build: Build, layout: Layout, options: InstallOptions, **kwargs: object
) -> list[InstallEvent]:
    return list(install(build, layout, options=options, **kwargs))  # type: ignore[arg-type]


def _failure(events: list[InstallEvent]) -> Exception:
    last = events[-1]
    assert isinstance(last, Failed), events
    return last.error


def _run(exe: Path, code: str) -> str:
    result = subprocess.run(
        [str(exe), "-c", code], capture_output=True, text=True, env={"PATH": os.environ["PATH"]}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _temp_empty(layout: Layout) -> bool:
    return not any(layout.temp_dir.iterdir())


def _mark(path: Path) -> Path:
    marker = path / "lib" / f"python{MINOR}" / "marker-of-the-old-install"
    marker.write_text("old")
    return marker


def test_install_from_file_mirror_in_uv_layout(pbs_builds: PBSBuilds, layout: Layout) -> None:
    events = _events(pbs_builds.build(), layout, _options(pbs_builds.mirror.as_uri()))

    assert isinstance(events[0], Resolved) and events[0].setting == "UV_PYTHON_INSTALL_MIRROR"
    assert events[0].url.endswith("%2B" + pbs_builds.install_only.name.split("+", 1)[1])
    done = events[-1]
    assert isinstance(done, Done) and not done.already_installed
    assert done.path == layout.root / pbs_builds.key
    verifying = [e for e in events if isinstance(e, Verifying)]
    assert len(verifying) == 1 and verifying[0].verified
    assert verifying[0].sha256 == sha256_of(pbs_builds.install_only)
    assert [e.step for e in events if isinstance(e, Patching)][:2] == [
        "EXTERNALLY-MANAGED",
        "sysconfig",
    ]
    downloading = [e for e in events if isinstance(e, Downloading)]
    assert downloading[-1].done == downloading[-1].total == pbs_builds.install_only.stat().st_size
    assert [e for e in events if isinstance(e, Extracting)][-1].files > 100

    path = done.path
    out = _run(
        path / "bin" / f"python{MINOR}",
        "import sys, sysconfig; print(sys.version.split()[0], sys.prefix,"
        " sysconfig.get_config_var('PYTHON_BUILD_STANDALONE'), sysconfig.get_config_var('BINDIR'))",
    )
    assert out.split() == [VERSION, str(path), "1", str(path / "bin")]
    stdlib = path / "lib" / f"python{MINOR}"
    assert (stdlib / "EXTERNALLY-MANAGED").read_text() == EXTERNALLY_MANAGED
    assert (path / "BUILD").read_bytes() == TAG.encode()
    assert os.readlink(path / "bin" / "python") == f"python{MINOR}"
    pc = (path / "lib" / "pkgconfig" / "python3.pc").read_text()
    assert "prefix=${pcfiledir}/../..\n" in pc and not pc.endswith("\n")
    minor = layout.root / f"cpython-{MINOR}-{pbs_builds.host.install_suffix}"
    assert os.readlink(minor) == str(path)
    assert os.readlink(layout.bin_dir / f"python{MINOR}") == str(path / "bin" / f"python{MINOR}")
    assert (layout.root / ".gitignore").read_text() == "*"
    assert _temp_empty(layout)


def test_uv_finds_and_lists_the_install(
    pbs_builds: PBSBuilds, layout: Layout, uv_env: dict[str, str]
) -> None:
    install_or_raise(pbs_builds.build(), layout, options=_options(pbs_builds.mirror.as_uri()))
    uv_env["UV_PYTHON_INSTALL_DIR"] = str(layout.root)

    found = subprocess.run(
        [UV, "python", "find", MINOR, "--managed-python"],
        capture_output=True,
        text=True,
        env=uv_env,
    )
    listed = subprocess.run(
        [UV, "python", "list", "--only-installed", "--managed-python"],
        capture_output=True,
        text=True,
        env=uv_env,
    )

    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()).is_relative_to(layout.root)
    assert listed.returncode == 0, listed.stderr
    assert pbs_builds.key in listed.stdout


def _tree(root: Path) -> dict[str, tuple[str, str]]:
    """Every entry below `root`: kind and content (the root's own path replaced)."""
    entries = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            entries[name] = ("link", os.readlink(path).replace(str(root), "ROOT"))
        elif path.is_dir():
            entries[name] = ("dir", oct(path.stat().st_mode & 0o777))
        else:
            data = path.read_bytes().replace(str(root).encode(), b"ROOT")
            entries[name] = (oct(path.stat().st_mode & 0o777), data.hex()[:64] + str(len(data)))
    return entries


def test_same_result_as_uv_python_install(
    pbs_builds: PBSBuilds, layout: Layout, uv_env: dict[str, str], tmp_path: Path
) -> None:
    install_or_raise(pbs_builds.build(), layout, options=_options(pbs_builds.mirror.as_uri()))
    uv_root = tmp_path / "uv-root"
    uv_env.update(
        UV_PYTHON_INSTALL_DIR=str(uv_root),
        UV_PYTHON_BIN_DIR=str(tmp_path / "uv-bin"),
        UV_PYTHON_INSTALL_MIRROR=pbs_builds.mirror.as_uri(),
        UV_PYTHON_DOWNLOADS_JSON_URL=str(pbs_builds.catalog),
        UV_PYTHON_DOWNLOADS="manual",
    )

    result = subprocess.run(
        [UV, "python", "install", VERSION], capture_output=True, text=True, env=uv_env
    )

    assert result.returncode == 0, result.stderr
    assert _tree(layout.root / pbs_builds.key) == _tree(uv_root / pbs_builds.key)
    ours = {p.name: os.readlink(p) for p in layout.root.iterdir() if p.is_symlink()}
    theirs = {p.name: os.readlink(p) for p in uv_root.iterdir() if p.is_symlink()}
    assert {k: v.replace(str(layout.root), "R") for k, v in ours.items()} == {
        k: v.replace(str(uv_root), "R") for k, v in theirs.items()
    }


def test_install_over_http(
    pbs_builds: PBSBuilds, layout: Layout, http_server_factory: Callable[..., HTTPTestServer]
) -> None:
    server = http_server_factory(pbs_builds.mirror)

    events = _events(pbs_builds.build(), layout, _options(server.url))

    assert isinstance(events[-1], Done), events[-1]
    assert events[0].url.startswith(server.url)  # type: ignore[union-attr]
    assert _run(layout.root / pbs_builds.key / "bin" / f"python{MINOR}", "print(1)") == "1"


def test_full_archive_flavour_is_verified_by_sha256sums(
    pbs_builds: PBSBuilds, layout: Layout
) -> None:
    options = _options(pbs_builds.mirror.as_uri(), flavour="pgo+lto-full")

    events = _events(pbs_builds.build(), layout, options)

    assert isinstance(events[-1], Done), events[-1]
    assert events[0].url.endswith("pgo%2Blto-full.tar.zst")  # type: ignore[union-attr]
    assert [e.verified for e in events if isinstance(e, Verifying)] == [True]
    path = events[-1].path
    assert sorted(p.name for p in path.iterdir()) == ["BUILD", "bin", "lib"]
    assert _run(path / "bin" / f"python{MINOR}", "import sys; print(sys.prefix)") == str(path)


def test_flavour_that_differs_from_sha256sums_says_so(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(pbs_builds.mirror, mirror)
    sums = mirror / TAG / "SHA256SUMS"
    sums.write_text(sums.read_text().replace(sha256_of(pbs_builds.full), "cd" * 32))

    events = _events(pbs_builds.build(), layout, _options(mirror.as_uri(), flavour="pgo+lto-full"))

    error = _failure(events)
    assert isinstance(error, ChecksumMismatch) and error.expected == "cd" * 32
    assert "differs from what the SHA256SUMS beside it lists" in str(error.hint)
    assert not (layout.root / pbs_builds.key).exists()


def test_flavour_without_sha256sums_installs_unverified(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(pbs_builds.mirror, mirror)
    (mirror / TAG / "SHA256SUMS").unlink()

    events = _events(pbs_builds.build(), layout, _options(mirror.as_uri(), flavour="pgo+lto-full"))

    assert isinstance(events[-1], Done), events[-1]
    assert [e.verified for e in events if isinstance(e, Verifying)] == [False]
    assert any("unverified" in e.message for e in events if isinstance(e, Warned))


def test_flavour_whose_sha256sums_cannot_be_read_is_not_installed(
    pbs_builds: PBSBuilds, layout: Layout, http_server_factory: Callable[..., HTTPTestServer]
) -> None:
    """A server failing on the SHA256SUMS has not said there are none: installing unverified
    would turn a passing outage into a skipped check."""
    server = http_server_factory(pbs_builds.mirror)
    status = server.fail_status = 500
    server.fail_times = 100
    options = _options(server.url, flavour="pgo+lto-full")
    options = options._replace(fetch=FetchOptions(retries=0, timeout=5))

    events = _events(pbs_builds.build(), layout, options)

    error = _failure(events)
    assert isinstance(error, DownloadFailed) and error.status == status
    assert "SHA256SUMS" in str(error) and "nothing was installed" in str(error.hint)
    assert not any(isinstance(e, Warned) for e in events)
    assert not (layout.root / pbs_builds.key).exists()


def test_a_flavour_the_release_does_not_publish_names_both_settings(
    pbs_builds: PBSBuilds, layout: Layout
) -> None:
    """The flavour may come from `default-flavour` in pybuilds.toml, not only --flavour."""
    events = _events(
        pbs_builds.build(), layout, _options(pbs_builds.mirror.as_uri(), flavour="lto-full")
    )

    error = _failure(events)
    assert isinstance(error, InstallError) and "publishes no `lto-full` archive" in str(error)
    assert error.hint == (
        "omit --flavour (or unset default-flavour in pybuilds.toml) to install the catalog's "
        "own archive"
    )


def test_a_broken_install_is_installed_again(pbs_builds: PBSBuilds, layout: Layout) -> None:
    """A folder a crash left (no interpreter in it) used to count as installed, so the
    install refreshed links to an interpreter that was not there."""
    broken = layout.root / pbs_builds.key
    broken.mkdir(parents=True)
    (broken / "left-over").write_text("")

    events = _events(pbs_builds.build(), layout, _options(pbs_builds.mirror.as_uri()))

    assert isinstance(events[-1], Done) and not events[-1].already_installed
    [warning] = [e.message for e in events if isinstance(e, Warned)]
    assert warning == f"{broken} has no python{MINOR} (a broken install); installing it again"
    assert _run(broken / "bin" / f"python{MINOR}", "print(1)") == "1"
    assert not (broken / "left-over").exists()


def test_install_dir_below_a_file_is_one_clear_error(pbs_builds: PBSBuilds, tmp_path: Path) -> None:
    """`--install-dir` given a file (or a path through one) said only `Not a directory: …/.temp`."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    layout = Layout(blocker / "python", tmp_path / "bin")

    error = _failure(_events(pbs_builds.build(), layout, _options(pbs_builds.mirror.as_uri())))

    assert isinstance(error, InstallError)
    assert str(error).startswith(f"{blocker} is a file, where a folder is needed for ")
    assert f"the install dir {layout.root} and the bin dir" in str(error.hint)
    assert blocker.read_text() == ""


def test_missing_flavour_is_not_first_called_unverified(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    """No SHA256SUMS because there is no release folder at all: the one message is that the
    archive is not there, not a warning about installing it unverified before that."""
    (tmp_path / "empty").mkdir()
    options = _options((tmp_path / "empty").as_uri(), flavour="pgo+lto-full")

    events = _events(pbs_builds.build(), layout, options)

    error = _failure(events)
    assert isinstance(error, DownloadFailed) and error.missing
    assert not any(isinstance(e, Warned) for e in events)


def test_flavour_whose_sha256sums_is_refused_installs_unverified(
    pbs_builds: PBSBuilds, layout: Layout, http_server_factory: Callable[..., HTTPTestServer]
) -> None:
    """S3 answers 403 for a file that is not there when the reader may not list the bucket."""
    server = http_server_factory(pbs_builds.mirror)
    server.fail_status, server.fail_times = 403, 1  # the SHA256SUMS, asked for first

    events = _events(pbs_builds.build(), layout, _options(server.url, flavour="pgo+lto-full"))

    assert isinstance(events[-1], Done), events[-1]
    assert [e.verified for e in events if isinstance(e, Verifying)] == [False]
    [warning] = [e.message for e in events if isinstance(e, Warned)]
    assert "refused (HTTP 403); installing" in warning and warning.endswith("unverified")


def test_encoded_plus_in_mirror_installs_with_a_warning(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    folder = tmp_path / "mirror" / TAG
    folder.mkdir(parents=True)
    shutil.copyfile(
        pbs_builds.install_only, folder / pbs_builds.install_only.name.replace("+", "%2B")
    )

    events = _events(pbs_builds.build(), layout, _options((tmp_path / "mirror").as_uri()))

    assert isinstance(events[-1], Done), events[-1]
    warnings = [e.message for e in events if isinstance(e, Warned)]
    assert any("%2B" in message and "mv " in message for message in warnings)


def test_existing_install_counts_as_installed_without_downloading(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    install_or_raise(pbs_builds.build(), layout, options=_options(pbs_builds.mirror.as_uri()))

    events = _events(pbs_builds.build(), layout, _options((tmp_path / "empty").as_uri()))

    assert isinstance(events[-1], Done) and events[-1].already_installed
    assert not any(isinstance(e, Downloading) for e in events)


def test_reinstall_replaces_the_old_install(pbs_builds: PBSBuilds, layout: Layout) -> None:
    options = _options(pbs_builds.mirror.as_uri())
    marker = _mark(install_or_raise(pbs_builds.build(), layout, options=options).path)

    events = _events(pbs_builds.build(), layout, options._replace(reinstall=True))

    assert isinstance(events[-1], Done) and not events[-1].already_installed
    assert not marker.exists()
    assert _temp_empty(layout)


def _broken_catalog(pbs_builds: PBSBuilds, tmp_path: Path, sha256: str) -> Build:
    entry = catalog_entry(VERSION, pbs_builds.host, pbs_builds.install_only.name, sha256)
    path = write_catalog(tmp_path / "catalog.json", [entry])
    return parse_catalog(path.read_bytes(), str(path))[0]


def test_checksum_mismatch_keeps_the_earlier_install(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    options = _options(pbs_builds.mirror.as_uri())
    marker = _mark(install_or_raise(pbs_builds.build(), layout, options=options).path)
    build = _broken_catalog(pbs_builds, tmp_path, "ab" * 32)

    error = _failure(_events(build, layout, options._replace(reinstall=True)))

    assert isinstance(error, ChecksumMismatch)
    assert error.expected == "ab" * 32 and error.actual == sha256_of(pbs_builds.install_only)
    assert "the mirror's file differs from the catalog's build" in str(error.hint)
    assert marker.exists()
    assert _temp_empty(layout)


def test_truncated_archive_is_an_archive_error(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    folder = tmp_path / "mirror" / TAG
    folder.mkdir(parents=True)
    data = pbs_builds.install_only.read_bytes()
    (folder / pbs_builds.install_only.name).write_bytes(data[: len(data) // 2])

    error = _failure(_events(pbs_builds.build(), layout, _options((tmp_path / "mirror").as_uri())))

    assert isinstance(error, ArchiveError) and "truncated" in str(error)
    assert not (layout.root / pbs_builds.key).exists()
    assert _temp_empty(layout)


def test_cancel_midway_leaves_nothing(pbs_builds: PBSBuilds, layout: Layout) -> None:
    cancel = threading.Event()
    events = []
    for event in install(
        pbs_builds.build(), layout, options=_options(pbs_builds.mirror.as_uri()), cancel=cancel
    ):
        events.append(event)
        if isinstance(event, Downloading) and event.done > 0:
            cancel.set()

    assert isinstance(_failure(events), Cancelled)
    assert not (layout.root / pbs_builds.key).exists()
    assert _temp_empty(layout)


def test_closing_the_stream_midway_cleans_up(pbs_builds: PBSBuilds, layout: Layout) -> None:
    events = install(pbs_builds.build(), layout, options=_options(pbs_builds.mirror.as_uri()))
    for event in events:
        if isinstance(event, Extracting):
            break
    assert not _temp_empty(layout)

    events.close()  # what a worker does when the app quits, or Ctrl-C in the CLI

    assert _temp_empty(layout)
    assert not (layout.root / pbs_builds.key).exists()


def test_concurrent_installs_of_one_key_install_once(pbs_builds: PBSBuilds, layout: Layout) -> None:
    results: list[list[InstallEvent]] = []
    options = _options(pbs_builds.mirror.as_uri())

    def run() -> None:
        results.append(_events(pbs_builds.build(), layout, options))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    dones = [events[-1] for events in results]
    assert all(isinstance(d, Done) for d in dones), dones
    assert sorted(d.already_installed for d in dones if isinstance(d, Done)) == [False, True]
    installed = sorted(p.name for p in layout.root.iterdir() if not p.name.startswith("."))
    assert installed == sorted(
        [pbs_builds.key, f"cpython-{MINOR}-{pbs_builds.host.install_suffix}"]
    )
    assert _temp_empty(layout)


def test_install_waits_for_a_lock_held_by_another_process(
    pbs_builds: PBSBuilds, layout: Layout
) -> None:
    layout.root.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from tui.core.locking import RootLock;"
            f"lock = RootLock(Path({str(layout.root)!r})); lock.acquire();"
            "print('held', flush=True); sys.stdin.readline(); lock.release()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"

    events = []
    for event in install(pbs_builds.build(), layout, options=_options(pbs_builds.mirror.as_uri())):
        events.append(event)
        if isinstance(event, Warned) and "waiting for another" in event.message:
            assert not (layout.root / pbs_builds.key).exists()
            holder.stdin.write("release\n")
            holder.stdin.flush()
    holder.wait()

    assert any(isinstance(e, Warned) and "waiting" in e.message for e in events)
    assert isinstance(events[-1], Done)


def test_uv_waits_for_our_lock(
    pbs_builds: PBSBuilds, layout: Layout, uv_env: dict[str, str]
) -> None:
    lock = RootLock(layout.root)
    lock.acquire()
    uv_env["UV_PYTHON_INSTALL_DIR"] = str(layout.root)
    uv_env["UV_PYTHON_INSTALL_MIRROR"] = pbs_builds.mirror.as_uri()
    uv_env["UV_PYTHON_DOWNLOADS_JSON_URL"] = str(pbs_builds.catalog)
    uv_env["UV_PYTHON_DOWNLOADS"] = "manual"
    uv = subprocess.Popen(
        [UV, "python", "install", VERSION, "--no-bin"],
        env=uv_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            uv.wait(timeout=0.5)
        assert not (layout.root / pbs_builds.key).exists()
    finally:
        lock.release()
    assert uv.wait(timeout=30) == 0
    assert (layout.root / pbs_builds.key / "BUILD").read_text() == TAG


def test_write_failure_midway_is_one_line_and_keeps_the_old_install(
    pbs_builds: PBSBuilds, layout: Layout
) -> None:
    """A file-size limit makes writes fail like a full disk, in a child process."""
    options = _options(pbs_builds.mirror.as_uri())
    marker = _mark(install_or_raise(pbs_builds.build(), layout, options=options).path)
    script = f"""
import resource, signal, dataclasses
from pathlib import Path
from tui.core.catalog import parse_catalog
from tui.core.install import InstallOptions, install
from tui.core.layout import Layout
from tui.core.mirrors import MirrorSettings
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))
build = parse_catalog(Path({str(pbs_builds.catalog)!r}).read_bytes(), "c")[0]
options = InstallOptions(mirrors=MirrorSettings(python_mirror={pbs_builds.mirror.as_uri()!r}),
                         reinstall=True)
last = list(install(build, Layout(Path({str(layout.root)!r}), Path({str(layout.bin_dir)!r})),
                    options=options))[-1]
print(type(last).__name__, type(last.error).__name__, last.error)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Failed InstallError File too large")
    assert marker.exists()
    assert _temp_empty(layout)


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs: a disk that really fills up (needs root; skipped where mounts are not
    allowed)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root on Linux")
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_is_one_line_and_keeps_the_old_install(
    pbs_builds: PBSBuilds, small_filesystem: Path, tmp_path: Path
) -> None:
    layout = Layout(small_filesystem / "python", tmp_path / "bin")
    build = pbs_builds.build()
    old = layout.path_for(build.install_key)
    (old / "lib" / f"python{MINOR}").mkdir(parents=True)
    marker = _mark(old)
    events = _events(build, layout, _options(pbs_builds.mirror.as_uri(), reinstall=True))
    error = _failure(events)
    assert isinstance(error, InstallError)
    assert str(error) == f"no space left on the device holding {layout.root}"
    assert marker.read_text() == "old"
    assert _temp_empty(layout)


@pytest.mark.parametrize(
    "attack",
    [
        "absolute",
        "dotdot",
        "symlink",
        "symlink-absolute",
        "symlink-write",
        "hardlink",
        "hardlink-absolute",
        "device",
        "fifo",
    ],
)
def test_hostile_archives_are_refused(
    attack: str, pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    from archives import hostile_archive

    from tui.core.errors import UnsafeArchive
    from tui.core.install import install_archive

    archive = hostile_archive(
        tmp_path / asset_name("3.12.99", pbs_builds.host.triple, "install_only"), attack
    )

    events = list(install_archive(str(archive), layout))

    assert isinstance(_failure(events), UnsafeArchive)
    assert not list(layout.root.glob("cpython-*"))
    assert _temp_empty(layout)
    assert not Path("/tmp/pybuilds-owned").exists()
    assert not (tmp_path.parent / "escaped").exists()


def _fake_release(tmp_path: Path, pbs_builds: PBSBuilds, versions: Iterable[str]) -> list[Build]:
    """Tiny fake builds of several patch versions, published in `tmp_path/mirror`."""
    entries = []
    for version in versions:
        tree = fake_tree(tmp_path / "trees" / version, version)
        archive = pack_install_only(
            tree, tmp_path / "out" / asset_name(version, pbs_builds.host.triple, "install_only")
        )
        publish(tmp_path / "mirror", archive)
        entries.append(catalog_entry(version, pbs_builds.host, archive.name, sha256_of(archive)))
    path = write_catalog(tmp_path / "fake.json", entries)
    return sorted(parse_catalog(path.read_bytes(), str(path)), key=lambda b: b.patch)


def test_minor_links_and_executables_follow_installs_and_uninstalls(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    old, new = _fake_release(tmp_path, pbs_builds, ["3.12.98", "3.12.99"])
    options = _options((tmp_path / "mirror").as_uri())
    minor = layout.root / f"cpython-3.12-{pbs_builds.host.install_suffix}"
    exe = layout.bin_dir / "python3.12"

    install_or_raise(old, layout, options=options)
    assert os.readlink(minor) == str(layout.path_for(old.install_key))
    newer = install_or_raise(new, layout, options=options)
    assert os.readlink(minor) == str(newer.path)
    assert os.readlink(exe) == str(newer.path / "bin" / "python3.12")  # an upgrade re-points it

    uninstall(newer, layout)
    assert os.readlink(minor) == str(layout.path_for(old.install_key))
    assert not os.path.lexists(exe)
    assert not newer.path.exists()

    older = layout.installation(old.install_key)
    assert older is not None
    uninstall(older, layout)
    assert not os.path.lexists(minor)
    assert _temp_empty(layout)


def test_foreign_executable_is_kept_unless_forced(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    (build,) = _fake_release(tmp_path, pbs_builds, ["3.12.99"])
    options = _options((tmp_path / "mirror").as_uri())
    layout.bin_dir.mkdir(parents=True)
    foreign = layout.bin_dir / "python3.12"
    foreign.write_text("mine")

    events = _events(build, layout, options)
    assert isinstance(events[-1], Done)
    warnings = [e.message for e in events if isinstance(e, Warned)]
    assert any("not managed by uv; use --force" in message for message in warnings), warnings
    assert foreign.read_text() == "mine"

    # As uv: --reinstall replaces the install, not a file the user put there.
    _events(build, layout, options._replace(reinstall=True))
    assert foreign.read_text() == "mine"

    _events(build, layout, options._replace(reinstall=True, force=True))
    assert foreign.is_symlink()


def test_a_bin_dir_that_cannot_be_made_only_warns(pbs_builds: PBSBuilds, tmp_path: Path) -> None:
    (build,) = _fake_release(tmp_path, pbs_builds, ["3.12.99"])
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("mine")
    layout = Layout(tmp_path / "root", blocked)

    events = _events(build, layout, _options((tmp_path / "mirror").as_uri()))

    assert isinstance(events[-1], Done)  # as uv: the install stands without its executables
    warnings = [e.message for e in events if isinstance(e, Warned)]
    assert any(f"could not link python3.12 into {blocked}" in w for w in warnings), warnings
    assert blocked.read_text() == "mine"


def test_reinstalling_an_older_patch_leaves_the_executable_to_the_newer(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    old, new = _fake_release(tmp_path, pbs_builds, ["3.12.98", "3.12.99"])
    options = _options((tmp_path / "mirror").as_uri())
    exe = layout.bin_dir / "python3.12"
    install_or_raise(old, layout, options=options)
    newer = install_or_raise(new, layout, options=options)

    events = _events(old, layout, options._replace(reinstall=True))

    assert isinstance(events[-1], Done)
    assert os.readlink(exe) == str(newer.path / "bin" / "python3.12")  # no downgrade
    assert any(
        f"stays linked to {new.install_key}" in e.message for e in events if isinstance(e, Warned)
    )
    _events(old, layout, options._replace(reinstall=True, force=True))
    assert os.readlink(exe) == str(layout.path_for(old.install_key) / "bin" / "python3.12")


def test_default_links_go_through_the_minor_folder_for_any_request(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    old, new = _fake_release(tmp_path, pbs_builds, ["3.12.98", "3.12.99"])
    options = _options((tmp_path / "mirror").as_uri())
    install_or_raise(new, layout, options=options)

    # `--default 3.12.98` after 3.12.99, as uv: every name follows the minor folder (3.12.99).
    install_or_raise(old, layout, options=options._replace(default_links=True))

    minor = layout.root / f"cpython-3.12-{pbs_builds.host.install_suffix}"
    for name in ("python3.12", "python3", "python"):
        assert os.readlink(layout.bin_dir / name) == str(minor / "bin" / "python3.12")


def test_default_links_and_minor_folder_links(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    (build,) = _fake_release(tmp_path, pbs_builds, ["3.12.99"])
    options = _options((tmp_path / "mirror").as_uri(), default_links=True)

    install_or_raise(build, layout, options=options)

    minor = layout.root / f"cpython-3.12-{pbs_builds.host.install_suffix}"
    for name in ("python3.12", "python3", "python"):
        assert os.readlink(layout.bin_dir / name) == str(minor / "bin" / "python3.12")


def test_sysconfig_without_header_fails_and_installs_nothing(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    tree = fake_tree(tmp_path / "tree", "3.12.99", sysconfig_header=False)
    archive = pack_install_only(
        tree, tmp_path / asset_name("3.12.99", pbs_builds.host.triple, "install_only")
    )
    from tui.core.install import install_archive

    events = list(install_archive(str(archive), layout))
    error = _failure(events)

    assert isinstance(error, InstallError) and "header comment" in str(error)
    assert {event.key for event in events} == {f"cpython-3.12.99-{pbs_builds.host.install_suffix}"}
    assert not list(layout.root.glob("cpython-*")) and _temp_empty(layout)


def test_cache_is_written_in_uvs_naming_and_reused_by_uv(
    pbs_builds: PBSBuilds, layout: Layout, uv_env: dict[str, str], tmp_path: Path
) -> None:
    cache = tmp_path / "python-cache"
    options = _options(pbs_builds.mirror.as_uri(), cache_dir=cache)
    install_or_raise(pbs_builds.build(), layout, options=options)
    entry = cache / (
        sha256_of(pbs_builds.install_only)[:9]
        + "-"
        + pbs_builds.install_only.name.replace("+", "-")
    )
    assert [p.name for p in cache.iterdir()] == [entry.name]

    offline = options._replace(mirrors=MirrorSettings(python_mirror="file:///nowhere"))
    events = _events(pbs_builds.build(), layout, offline._replace(reinstall=True))
    assert isinstance(events[-1], Done) and events[0] == Resolved(
        pbs_builds.key, str(entry), "python-cache-dir"
    )

    uv_env.update(
        UV_PYTHON_INSTALL_DIR=str(tmp_path / "uv-root"),
        UV_PYTHON_CACHE_DIR=str(cache),
        UV_PYTHON_INSTALL_MIRROR="file:///nowhere",
        UV_PYTHON_DOWNLOADS_JSON_URL=str(pbs_builds.catalog),
        UV_PYTHON_DOWNLOADS="manual",
    )
    result = subprocess.run(
        [UV, "python", "install", VERSION, "--no-bin"], capture_output=True, text=True, env=uv_env
    )
    assert result.returncode == 0, result.stderr


def test_install_archive_reads_the_name_and_checks_python_json(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    from tui.core.install import install_archive

    events = list(install_archive(str(pbs_builds.full), layout))

    assert isinstance(events[-1], Done), events[-1]
    assert events[-1].key == pbs_builds.key
    assert [e.verified for e in events if isinstance(e, Verifying)] == [True]  # SHA256SUMS
    assert (events[-1].path / "BUILD").read_text() == TAG

    renamed = tmp_path / pbs_builds.full.name.replace(VERSION, f"{MINOR}.99")
    shutil.copyfile(pbs_builds.full, renamed)
    error = _failure(list(install_archive(str(renamed), layout)))
    assert isinstance(error, ArchiveError) and f"holds Python {VERSION}" in str(error)
    assert not (layout.root / f"cpython-{MINOR}.99-{pbs_builds.host.install_suffix}").exists()


def test_astral_mirror_url_serves_catalog_builds_alone(
    pbs_builds: PBSBuilds,
    http_server_factory: Callable[..., HTTPTestServer],
    layout: Layout,
    tmp_path: Path,
) -> None:
    root = tmp_path / "astral"
    shutil.copytree(pbs_builds.mirror, root / "github/python-build-standalone/releases/download")
    server = http_server_factory(root)
    build = pbs_builds.build()
    mirrors = MirrorSettings(astral_mirror=server.url, astral_origin="UV_ASTRAL_MIRROR_URL")
    events = _events(build, layout, InstallOptions(mirrors=mirrors))
    assert isinstance(events[-1], Done), events
    rest = build.url.split("/releases/download/", 1)[1]
    expected = f"{server.url}/github/python-build-standalone/releases/download/{rest}"
    assert [e for e in events if isinstance(e, Resolved)] == [
        Resolved(pbs_builds.key, expected, "UV_ASTRAL_MIRROR_URL")
    ]
    assert "Hello" in _run(layout.installations()[0].executable, "print('Hello')")


def _opened(
    sources: list[tuple[str, str | None]],
) -> tuple[list[InstallEvent], bytes | BaseException]:
    """Events of `open_first_source` and the body it opened (or the error it raised)."""
    events: list[InstallEvent] = []
    options = FetchOptions(retries=0, timeout=5)
    with contextlib.ExitStack() as stack:
        steps = open_first_source("k", sources, stack, options=options)
        try:
            while True:
                events.append(next(steps))
        except StopIteration as stop:
            return events, b"".join(stop.value.chunks())
        except DownloadFailed as error:
            return events, error


def test_open_first_source_falls_through_unreachable_and_missing_sources(
    http_server: HTTPTestServer,
) -> None:
    http_server.add_file("good/a.tar.gz", b"archive bytes")
    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{probe.getsockname()[1]}/a.tar.gz"
    missing = http_server.url_for("missing/a.tar.gz")
    good = http_server.url_for("good/a.tar.gz")
    events, body = _opened([(refused, "first"), (missing, "second"), (good, None)])
    assert body == b"archive bytes"
    assert [type(e) for e in events] == [Warned, Resolved, Warned, Resolved]
    assert events[1] == Resolved("k", missing, "second")
    assert "404" in str(events[2]) and events[3] == Resolved("k", good, None)


def test_open_first_source_stops_at_a_refusal(http_server: HTTPTestServer) -> None:
    http_server.add_file("a.tar.gz", b"x")
    http_server.auth = ("user", "pw")
    http_server.auth_status = 403
    events, error = _opened(
        [(http_server.url_for("a.tar.gz"), "mirror"), (http_server.url_for("a.tar.gz"), None)]
    )
    assert events == [] and isinstance(error, DownloadFailed) and error.status == 403


def test_progress_is_reported_by_time_and_at_once_for_each_mebibyte() -> None:
    from tui.core.install import ProgressThrottle

    throttle = ProgressThrottle(interval=0.05, step=1 << 20)
    assert throttle.due(0.0, 0)
    assert not throttle.due(0.01, 100_000)  # too soon, too little
    assert throttle.due(0.06, 200_000)  # the interval passed
    # 1 MiB came at once, then the server stalls: report it now, not after the stall.
    assert throttle.due(0.07, 200_000 + (1 << 20))
    assert not throttle.due(0.08, 300_000 + (1 << 20))


def test_install_archive_takes_a_graalpy_name_from_the_catalog(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    """GraalPy and PyPy names lack the patch version: the catalog's entry of that name has it."""
    from archives import pack_folder

    from tui.core.install import install_archive

    name = "graalpy-24.1.1-linux-amd64.tar.gz"
    tree = tmp_path / "graalpy"
    (tree / "bin").mkdir(parents=True)
    (tree / "bin" / "graalpy").write_text("#!/bin/sh\necho graalpy 3.11.7\n")
    (tree / "bin" / "graalpy").chmod(0o755)
    (tree / "lib" / "graalpy24.1").mkdir(parents=True)
    archive = pack_folder(tree, tmp_path / "download" / name, "graalpy-24.1.1-linux-amd64")
    key, entry = catalog_entry("3.11.7", pbs_builds.host, name, sha256_of(archive))
    entry.update(
        name="graalpy",
        url=f"https://github.com/oracle/graalpython/releases/download/graal-24.1.1/{name}",
        build=None,
    )
    key = key.replace("cpython", "graalpy")
    catalog = parse_catalog(
        write_catalog(tmp_path / "catalog.json", [(key, entry)]).read_bytes(), "catalog.json"
    )
    asked: list[bool] = []

    def listed() -> tuple[Build, ...]:
        asked.append(True)
        return catalog

    events = list(install_archive(str(archive), layout, catalog=listed))
    again = InstallOptions(reinstall=True)

    assert isinstance(events[-1], Done), events[-1]
    assert events[-1].key == f"graalpy-3.11.7-{pbs_builds.host.install_suffix}"
    assert [e.verified for e in events if isinstance(e, Verifying)] == [True]  # catalog sha256
    assert _run(events[-1].path / "bin" / "graalpy", "") == "graalpy 3.11.7"
    assert asked == [True]

    (tree / "bin" / "extra").write_text("not what the catalog lists\n")
    other = pack_folder(tree, tmp_path / "other" / name, "graalpy-24.1.1-linux-amd64")
    error = _failure(list(install_archive(str(other), layout, catalog=listed, options=again)))
    assert isinstance(error, ChecksumMismatch), error
    assert "differs from the build the catalog lists under its name" in str(error.hint)

    error = _failure(list(install_archive(str(archive), layout, catalog=tuple)))
    assert isinstance(error, InstallError)
    assert "the catalog does not list an archive of that name" in str(error)


def test_install_archive_listed_in_the_catalog_is_verified_without_sha256sums(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    """An archive carried from GitHub to an offline machine, with no SHA256SUMS beside it."""
    from tui.core.errors import ConfigError
    from tui.core.install import install_archive

    carried = tmp_path / "usb" / pbs_builds.install_only.name
    carried.parent.mkdir()
    shutil.copyfile(pbs_builds.install_only, carried)

    events = list(install_archive(str(carried), layout, catalog=pbs_builds.builds))
    assert isinstance(events[-1], Done), events[-1]
    assert [e.verified for e in events if isinstance(e, Verifying)] == [True]
    assert not any(isinstance(e, Warned) for e in events)

    def broken() -> tuple[Build, ...]:
        raise ConfigError("python-downloads-json-url", "not a catalog")

    # A catalog that does not load leaves a PBS name to its own name, unverified.
    again = InstallOptions(reinstall=True)
    events = list(install_archive(str(carried), layout, options=again, catalog=broken))
    assert isinstance(events[-1], Done), events[-1]
    assert [e.verified for e in events if isinstance(e, Verifying)] == [False]


def test_install_archive_refuses_a_python_json_for_another_platform(
    pbs_builds: PBSBuilds, layout: Layout, tmp_path: Path
) -> None:
    from archives import pack_full, python_json

    from tui.core.install import install_archive

    linux = pbs_builds.host.os == "linux"
    elsewhere = "aarch64-apple-darwin" if linux else "x86_64-unknown-linux-gnu"
    archive = pack_full(
        pbs_builds.tree, tmp_path / pbs_builds.full.name, python_json(VERSION, elsewhere)
    )
    error = _failure(list(install_archive(str(archive), layout)))
    assert isinstance(error, ArchiveError)
    assert f"a build for {elsewhere}, but its name says {pbs_builds.host.triple}" in str(error)
    assert not (layout.root / pbs_builds.key).exists()


def test_cancel_while_the_server_stalls_ends_at_once(pbs_builds: PBSBuilds, layout: Layout) -> None:
    """The reading thread may sit in a network read until the timeout: it is not waited for."""
    import time

    from app.trickle import TrickleServer

    cancel = threading.Event()
    with TrickleServer(pbs_builds.mirror, pause=60) as server:  # headers, then nothing
        threading.Timer(0.5, cancel.set).start()
        started = time.monotonic()
        events = _events(pbs_builds.build(), layout, _options(server.url), cancel=cancel)
        elapsed = time.monotonic() - started
    assert isinstance(_failure(events), Cancelled)
    assert elapsed < 2.0, f"{elapsed:.1f} s from start to cancelled"
    assert _temp_empty(layout)
