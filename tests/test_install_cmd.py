"""`pybuilds install` and `pybuilds uninstall` end to end, with uv-style output."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from app.trickle import TrickleServer
from archives import MINOR, VERSION, asset_name, catalog_entry, sha256_of, write_catalog
from conftest import UV, PBSBuilds, TwoBuilds, catalog_with

from tui.cli import main
from tui.commands.install_cmd import Progress, format_elapsed
from tui.core.events import Done, Downloading, Extracting, Resolved, Warned


@pytest.fixture
def dirs(tmp_path: Path, uv_env: dict[str, str]) -> list[str]:
    return ["--install-dir", str(tmp_path / "root"), "--bin-dir", str(tmp_path / "bin")]


def _install_args(pbs_builds: PBSBuilds, dirs: list[str], *more: str) -> list[str]:
    return [
        "install",
        *more,
        "--mirror",
        pbs_builds.mirror.as_uri(),
        "--python-downloads-json-url",
        str(pbs_builds.catalog),
        *dirs,
    ]


def test_install_then_uninstall(
    pbs_builds: PBSBuilds, dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_install_args(pbs_builds, dirs, MINOR)) == 0
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith(f"Installed Python {VERSION} in ")
    assert lines[1] == f" + {pbs_builds.key} (python{MINOR})"
    assert "\r" not in err  # no progress bar when stderr is not a terminal
    minor = tmp_path / "root" / f"cpython-{MINOR}-{pbs_builds.host.install_suffix}"
    assert os.readlink(tmp_path / "bin" / f"python{MINOR}") == str(
        minor / "bin" / f"python{MINOR}"
    )  # a minor-version request links through the minor-version folder, as uv

    assert main(_install_args(pbs_builds, dirs, MINOR)) == 0
    assert "is already installed" in capsys.readouterr().err

    assert main(["uninstall", MINOR, *dirs]) == 0
    err = capsys.readouterr().err
    assert f"Uninstalled Python {VERSION} in " in err
    assert f" - {pbs_builds.key} (python{MINOR})" in err
    assert not (tmp_path / "root" / pbs_builds.key).exists()
    assert not os.path.lexists(tmp_path / "bin" / f"python{MINOR}")


def test_force_replaces_an_executable_uv_does_not_manage(
    pbs_builds: PBSBuilds, dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "bin" / f"python{MINOR}"
    mine.parent.mkdir()
    mine.write_text("#!/bin/sh\n")

    assert main(_install_args(pbs_builds, dirs, VERSION, "--reinstall")) == 0
    assert "is not managed by uv; use --force to replace it" in capsys.readouterr().err
    assert mine.read_text() == "#!/bin/sh\n"

    assert main(_install_args(pbs_builds, dirs, VERSION, "--force")) == 0
    assert "not managed by uv" not in capsys.readouterr().err
    assert mine.is_symlink()
    assert Path(os.path.realpath(mine)).is_relative_to(tmp_path / "root" / pbs_builds.key)


def test_find_and_list_print_the_paths_uv_prints(
    pbs_builds: PBSBuilds,
    dirs: list[str],
    tmp_path: Path,
    uv_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(_install_args(pbs_builds, dirs, VERSION, "--no-bin")) == 0
    root = tmp_path / "root"
    minor = root / f"cpython-{MINOR}-{pbs_builds.host.install_suffix}" / "bin" / f"python{MINOR}"
    own = root / pbs_builds.key / "bin" / f"python{MINOR}"

    for request, expected in ((MINOR, minor), (f">={MINOR}", minor), (VERSION, own)):
        capsys.readouterr()
        assert main(["find", request, "--install-dir", str(root)]) == 0
        ours = capsys.readouterr().out.strip()
        uv = subprocess.run(
            [UV, "python", "find", request, "--managed-python"],
            capture_output=True,
            text=True,
            env=uv_env,
        )
        assert uv.returncode == 0, uv.stderr
        assert ours == uv.stdout.strip() == str(expected), request

    assert main(["list", "--only-installed", "--install-dir", str(root)]) == 0
    assert capsys.readouterr().out.split()[-1] == str(minor)


def test_without_a_request_the_pinned_version_or_the_newest_is_installed(
    pbs_builds: PBSBuilds,
    dirs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / ".python-version").write_text(f"{MINOR}\n")
    monkeypatch.chdir(project / "src")
    assert main(_install_args(pbs_builds, dirs, "--no-bin")) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"Using {MINOR} from {project / '.python-version'}\n")
    assert f" + {pbs_builds.key}\n" in err

    monkeypatch.chdir(tmp_path)  # no pin: something is installed, so nothing to do
    assert main(_install_args(pbs_builds, dirs, "--no-bin")) == 0
    assert capsys.readouterr().err.startswith("Python is already installed.")

    assert main(["uninstall", "--all", *dirs]) == 0
    capsys.readouterr()
    assert main(_install_args(pbs_builds, dirs, "--no-bin")) == 0  # none: the newest
    assert f" + {pbs_builds.key}\n" in capsys.readouterr().err


def test_verbose_shows_the_url_and_the_setting(
    pbs_builds: PBSBuilds, dirs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-v", *_install_args(pbs_builds, dirs, VERSION, "--no-bin")]) == 0
    err = capsys.readouterr().err
    assert f"{pbs_builds.key}: {pbs_builds.mirror.as_uri()}/" in err
    assert "(mirror from --mirror)" in err
    assert f" + {pbs_builds.key}\n" in err


def test_install_an_archive_file(
    pbs_builds: PBSBuilds, dirs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["install", "--archive", str(pbs_builds.install_only), "--no-bin", *dirs]) == 0
    assert f" + {pbs_builds.key}" in capsys.readouterr().err


def test_a_request_a_broken_install_matches_installs_it_again(
    pbs_builds: PBSBuilds, dirs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    broken = Path(dirs[1]) / pbs_builds.key
    broken.mkdir(parents=True)

    assert main(_install_args(pbs_builds, dirs, MINOR)) == 0

    err = capsys.readouterr().err
    assert "already installed" not in err and "(a broken install); installing it again" in err
    assert (broken / "bin" / f"python{MINOR}").is_file()
    assert (Path(dirs[3]) / f"python{MINOR}").resolve().is_file()


def test_an_archive_for_another_platform_is_installed_but_not_linked(
    pbs_builds: PBSBuilds, dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its python3.X link would shadow one that runs; uv still finds the install by key."""
    if pbs_builds.host.os != "linux":
        pytest.skip("renames a Linux build to another Linux arch")
    other = "riscv64" if pbs_builds.host.arch != "riscv64" else "aarch64"
    name = asset_name(VERSION, f"{other}-unknown-linux-gnu", "install_only")
    shutil.copy(pbs_builds.install_only, tmp_path / name)
    (tmp_path / "SHA256SUMS").write_text(f"{sha256_of(tmp_path / name)}  {name}\n")

    assert main(["install", "--archive", str(tmp_path / name), *dirs]) == 0

    err = capsys.readouterr().err
    key = f"cpython-{VERSION}-linux-{'riscv64gc' if other == 'riscv64' else other}-gnu"
    assert f"warning: {key} is a build for linux-{other}-gnu, which this machine (" in err
    assert f"cannot run: installed, but not linked into {dirs[3]}" in err
    assert (Path(dirs[1]) / key / "bin").is_dir()
    assert not Path(dirs[3]).exists() or not list(Path(dirs[3]).iterdir())


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/20260101/", "http://127.0.0.1:9"])
def test_an_archive_url_of_a_folder_says_so(
    url: str, dirs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """It said ``cannot tell which Python `20260101` holds`` (or `` ` ` `` for no path)."""
    assert main(["install", "--archive", url, *dirs]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"error: `{url}` names a folder, not an archive"
    assert err[1].startswith("hint: give the path or URL of the archive itself")


@pytest.mark.parametrize("as_url", [False, True])
def test_a_missing_local_archive_is_one_error_without_checksum_warnings(
    as_url: bool, dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / asset_name(VERSION, "x86_64-unknown-linux-gnu", "install_only")
    source = missing.as_uri() if as_url else str(missing)
    assert main(["install", "--archive", source, *dirs]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"error: no archive at {missing}"
    assert "SHA256SUMS" not in err and "warning" not in err
    assert main(["install", "--archive", str(tmp_path), *dirs]) == 1
    assert f"error: {tmp_path} is a folder, not an archive" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("request_text", "code", "message"),
    [
        ("3.12-cpython", 2, "not a valid Python request"),
        ("--flavour=bogus", 2, "--flavour: unknown flavour `bogus`"),
        ("3.9.99", 3, "no download found"),
    ],
)
def test_bad_requests_fail_before_downloading(
    request_text: str,
    code: int,
    message: str,
    pbs_builds: PBSBuilds,
    dirs: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(_install_args(pbs_builds, dirs, MINOR, request_text)) == code
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert not list((tmp_path / "root").glob("cpython-*"))


@pytest.mark.parametrize(
    ("more", "origin", "problem"),
    [
        (["--mirror", "http://[::1"], "--mirror", "Invalid IPv6 URL"),
        (["--mirror", "http://127.0.0.1:abc/"], "--mirror", "Port could not be cast"),
        (["--archive", "http://[::1/x.tar.gz"], "--archive", "Invalid IPv6 URL"),
        (["--mirror", "/srv/pbs"], "--mirror", "is a folder path, not a URL"),
        (["--mirror", "ftp://mirror.example/pbs"], "--mirror", "a mirror cannot be a ftp: URL"),
    ],
)
def test_a_url_that_does_not_parse_is_a_settings_error(
    more: list[str],
    origin: str,
    problem: str,
    pbs_builds: PBSBuilds,
    dirs: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = _install_args(pbs_builds, dirs, VERSION)
    args[args.index("--mirror") : args.index("--mirror") + 2] = []
    assert main([*args, *more]) == 4
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith(f"error: {origin}: `") and problem in lines[0]
    assert lines[1].startswith("hint: ") and len(lines) == 2


@pytest.mark.parametrize("spelling", ["file:{path}", "FILE:{path}", "file://{path}"])
def test_a_file_url_without_its_slashes_is_a_mirror(
    spelling: str, pbs_builds: PBSBuilds, dirs: list[str]
) -> None:
    """`file:/srv/pbs` is a URL, as uv reads it; it was refused as a folder path, with a hint
    that pasted it onto the working directory."""
    args = _install_args(pbs_builds, dirs, VERSION)
    at = args.index("--mirror") + 1
    args[at] = spelling.format(path=pbs_builds.mirror)

    assert main(args) == 0
    assert (Path(dirs[1]) / pbs_builds.key / "bin").is_dir()


def test_checksum_mismatch_exit_code(
    pbs_builds: PBSBuilds, dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = catalog_entry(VERSION, pbs_builds.host, pbs_builds.install_only.name, "0" * 64)
    catalog = write_catalog(tmp_path / "bad.json", [entry])
    args = _install_args(pbs_builds, dirs, VERSION)
    args[args.index(str(pbs_builds.catalog))] = str(catalog)

    assert main(args) == 6
    err = capsys.readouterr().err
    assert f"error: hash mismatch for `{pbs_builds.key}`" in err
    assert "hint: " in err


def test_python_downloads_never_refuses_to_download(
    pbs_builds: PBSBuilds,
    dirs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(_install_args(pbs_builds, dirs, VERSION, "--no-bin")) == 0
    capsys.readouterr()
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")

    assert main(_install_args(pbs_builds, dirs, VERSION)) == 0  # installed: nothing to download
    assert "is already installed" in capsys.readouterr().err

    assert main(_install_args(pbs_builds, dirs, VERSION, "--reinstall")) == 4
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        'error: UV_PYTHON_DOWNLOADS: Python downloads are not allowed (python-downloads = "never")',
        'hint: set python-downloads to "manual" to allow explicit installs',
    ]
    assert (tmp_path / "root" / pbs_builds.key / "bin").is_dir()


def test_a_failed_install_does_not_stop_the_others(
    pbs_builds: PBSBuilds, dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = f"{MINOR}.99"  # listed in the catalog, absent from the mirror
    name = asset_name(missing, pbs_builds.host.triple, "install_only")
    catalog = catalog_with(pbs_builds, tmp_path / "two.json", (missing, name, "0" * 64))
    args = _install_args(pbs_builds, dirs, missing, VERSION, "--no-bin")
    args[args.index(str(pbs_builds.catalog))] = str(catalog)

    assert main(args) == 5  # the failure's own exit code
    lines = capsys.readouterr().err.splitlines()
    assert lines[:2] == [lines[0], f" + {pbs_builds.key}"]
    assert lines[0].startswith(f"Installed Python {VERSION} in ")
    assert lines[2].startswith("error: failed to download ") and name in lines[2]
    assert lines[3].startswith("hint: ")
    assert (tmp_path / "root" / pbs_builds.key / "bin").is_dir()
    assert not [p for p in (tmp_path / "root").iterdir() if missing in p.name]


def test_failures_of_different_kinds_exit_with_1(
    pbs_builds: PBSBuilds, dirs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing, damaged = f"{MINOR}.99", f"{MINOR}.98"
    catalog = catalog_with(
        pbs_builds,
        tmp_path / "bad.json",
        (missing, asset_name(missing, pbs_builds.host.triple, "install_only"), "0" * 64),
        (damaged, pbs_builds.install_only.name, "0" * 64),  # the bytes of another build
    )
    args = _install_args(pbs_builds, dirs, missing, damaged, "--no-bin")
    args[args.index(str(pbs_builds.catalog))] = str(catalog)

    assert main(args) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert "failed to download" in errors[0]
    assert "hash mismatch" in errors[1]
    assert not [p for p in (tmp_path / "root").iterdir() if p.name.startswith("cpython")]


def test_several_builds_install_side_by_side(
    pbs_builds: PBSBuilds,
    two_builds: TwoBuilds,
    dirs: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other_key = pbs_builds.key.replace(VERSION, two_builds.other)
    with TrickleServer(two_builds.mirror, piece=256 << 10, pause=0.01) as server:
        args = [*_install_args(pbs_builds, dirs, VERSION, two_builds.other, "--no-bin")]
        args += ["--mirror", server.url, "--python-downloads-json-url", str(two_builds.catalog)]
        assert main(args) == 0
        assert server.peak == 2  # both downloads were under way at once

    err = capsys.readouterr().err
    assert "Installed 2 versions in " in err
    assert f" + {pbs_builds.key}\n" in err and f" + {other_key}\n" in err
    for key in (pbs_builds.key, other_key):
        assert (tmp_path / "root" / key / "bin" / f"python{MINOR}").exists()


def test_ctrl_c_during_side_by_side_installs(
    pbs_builds: PBSBuilds,
    two_builds: TwoBuilds,
    dirs: list[str],
    tmp_path: Path,
    uv_env: dict[str, str],
) -> None:
    """SIGINT to the real command on a terminal while two installs download."""
    other_key = pbs_builds.key.replace(VERSION, two_builds.other)
    master, slave = os.openpty()
    with TrickleServer(two_builds.mirror, piece=16 << 10, pause=0.02) as server:
        args = [*_install_args(pbs_builds, dirs, VERSION, two_builds.other)]
        args += ["--mirror", server.url, "--python-downloads-json-url", str(two_builds.catalog)]
        process = subprocess.Popen(
            [sys.executable, "-m", "tui", *args], stdin=slave, stdout=slave, stderr=slave
        )
        os.close(slave)
        shown = ""
        deadline = time.monotonic() + 30
        while not (pbs_builds.key in shown and other_key in shown and "KiB/" in shown):
            assert time.monotonic() < deadline, shown
            shown += os.read(master, 65536).decode(errors="replace")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
    with contextlib.suppress(OSError):  # the terminal closes with the process
        while chunk := os.read(master, 65536):
            shown += chunk.decode(errors="replace")
    os.close(master)
    assert "\r\x1b[Jerror: interrupted" in shown  # the progress erased, then the error
    root = tmp_path / "root"
    assert not [p for p in root.iterdir() if p.name.startswith("cpython")]
    assert not any((root / ".temp").iterdir())


def test_verbose_says_when_the_archive_comes_from_the_cache(
    pbs_builds: PBSBuilds,
    dirs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """It read `(mirror from python-cache-dir)`: the cache is not a mirror."""
    monkeypatch.setenv("UV_PYTHON_CACHE_DIR", str(tmp_path / "cache"))
    assert main(_install_args(pbs_builds, dirs, VERSION, "--no-bin")) == 0
    assert main(_install_args(pbs_builds, dirs, VERSION, "--no-bin", "--reinstall", "-v")) == 0

    err = capsys.readouterr().err
    assert "(the archive cached by an earlier install, in python-cache-dir)" in err
    assert "mirror from python-cache-dir" not in err


def test_a_stop_still_lists_the_installs_that_finished(
    pbs_builds: PBSBuilds,
    two_builds: TwoBuilds,
    dirs: list[str],
    tmp_path: Path,
    uv_env: dict[str, str],
) -> None:
    """SIGTERM after one of two installs finished: it stays, and the output says so (it used
    to say only `error: terminated`)."""
    other_key = pbs_builds.key.replace(VERSION, two_builds.other)
    with TrickleServer(two_builds.mirror, piece=16 << 10, pause=0.05) as server:
        args = [
            *_install_args(pbs_builds, dirs, two_builds.other, "--no-bin"),
            *["--archive", str(pbs_builds.install_only)],  # local: done long before the other
            *["--mirror", server.url, "--python-downloads-json-url", str(two_builds.catalog)],
        ]
        process = subprocess.Popen(
            [sys.executable, "-m", "tui", *args], stderr=subprocess.PIPE, text=True
        )
        finished = Path(dirs[1]) / pbs_builds.key / "bin"
        deadline = time.monotonic() + 30
        while not finished.is_dir():
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 143
    lines = err.splitlines()
    assert f" + {pbs_builds.key}" in lines and lines[-1] == "error: terminated"
    assert other_key not in err.split("Installed", 1)[1]
    assert not (Path(dirs[1]) / other_key).exists()


def test_sigterm_midway_cleans_up_like_ctrl_c(
    pbs_builds: PBSBuilds, dirs: list[str], tmp_path: Path, uv_env: dict[str, str]
) -> None:
    """`timeout`, `kill` and systemd stop a command with SIGTERM, not SIGINT."""
    root = tmp_path / "root"
    with TrickleServer(pbs_builds.mirror, piece=16 << 10, pause=0.02) as server:
        args = [*_install_args(pbs_builds, dirs, VERSION), "--mirror", server.url]
        process = subprocess.Popen(
            [sys.executable, "-m", "tui", *args], stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 30
        while not (root / ".temp").is_dir() or not any((root / ".temp").iterdir()):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert process.returncode == 143, err
    assert err.splitlines()[-1] == "error: terminated"
    assert not [p for p in root.iterdir() if p.name.startswith("cpython")]
    assert not any((root / ".temp").iterdir())


def test_concurrent_downloads_must_be_a_positive_number(
    pbs_builds: PBSBuilds,
    dirs: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("UV_CONCURRENT_DOWNLOADS", "0")
    assert main(_install_args(pbs_builds, dirs, VERSION)) == 4
    assert "UV_CONCURRENT_DOWNLOADS" in capsys.readouterr().err


def test_progress_shows_a_line_per_running_install() -> None:
    first, second = "cpython-3.12.3-linux-x86_64-gnu", "cpython-3.13.1-linux-x86_64-gnu"

    def drive(progress: Progress) -> None:
        progress.show(Downloading(first, 1 << 20, 8 << 20))
        progress.show(Downloading(second, 2 << 20, 8 << 20))
        progress.show(Downloading(first, 3 << 20, 8 << 20))
        progress.show(Done(first, Path("/x")))
        progress.show(Downloading(second, 4 << 20, 8 << 20))

    shown = _on_a_terminal(drive)
    draws = shown.split("\x1b[J")
    assert first in draws[1] and second in draws[1]  # two lines
    assert draws[2].startswith("\x1b[1A")  # the next draw starts back on the first line
    assert "3.0 MiB/8.0 MiB" in draws[2]
    assert first not in draws[-2] and "4.0 MiB/8.0 MiB" in draws[-2]  # only the one still running


def _on_a_terminal(drive: Callable[[Progress], object], columns: int = 200) -> str:
    """What `drive` writes through a Progress on a pseudo-terminal `columns` wide."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    with open(slave, "w", encoding="utf-8") as stream:
        drive(Progress(stream))
    time.sleep(0.05)
    shown = os.read(master, 65536).decode()
    os.close(master)
    return shown


def test_uninstall_nothing_installed(dirs: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["uninstall", "3.12", *dirs]) == 3
    assert "no installed Python found" in capsys.readouterr().err


def test_progress_bar_on_a_terminal() -> None:
    key = "cpython-3.12.3-linux-x86_64-gnu"

    def drive(progress: Progress) -> None:
        progress.show(Resolved(key, "https://example/x", None))
        progress.show(Downloading(key, 3 << 20, 8 << 20))
        progress.show(Extracting(key, 120))
        progress.show(Warned(key, "careful"))
        progress.clear()

    shown = _on_a_terminal(drive)
    assert f"\r{key} 3.0 MiB/8.0 MiB" in shown
    assert "120 files [downloading]" in shown and "ETA" in shown
    narrow = _on_a_terminal(drive, columns=40)
    visible = re.sub(r"\x1b\[\d*[A-Za-z]", "", narrow)
    assert all(len(line) < 40 for line in visible.split("\r")), "a wrapped line breaks redrawing"


@pytest.mark.parametrize(("seconds", "text"), [(0.006, "6ms"), (1.684, "1.68s"), (125.0, "2m 5s")])
def test_format_elapsed(seconds: float, text: str) -> None:
    assert format_elapsed(seconds) == text


def test_install_takes_uvs_network_options(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.cli import build_parser
    from tui.commands.common import fetch_options

    args = build_parser(["install"]).parse_args(
        ["install", "3.12", "--native-tls", "--timeout", "7"]
    )
    options = fetch_options(args)
    assert (options.trust_store, options.timeout) == ("system", 7.0)
    monkeypatch.setenv("UV_NATIVE_TLS", "1")
    monkeypatch.setenv("UV_HTTP_TIMEOUT", "12")
    options = fetch_options(build_parser(["install"]).parse_args(["install", "3.12"]))
    assert (options.trust_store, options.timeout) == ("system", 12.0)


@pytest.mark.parametrize("command", ["install", "doctor", "mirror"])
@pytest.mark.parametrize("seconds", ["-1", "0", "nan", "inf", "soon"])
def test_a_timeout_sockets_refuse_is_bad_usage(
    command: str, seconds: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sockets refuse these mid-download; they used to end as an unexpected error (70)."""
    from tui import cli

    argv = [command, *(["/tmp/m"] if command == "mirror" else []), "3.12", "--timeout", seconds]
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == 2
    assert f"--timeout: expected a number of seconds above 0, got `{seconds}`" in (
        capsys.readouterr().err
    )


def test_uninstall_of_a_version_keeps_its_debug_and_freethreaded_builds(
    pbs_builds: PBSBuilds, dirs: list[str], tmp_path: Path
) -> None:
    root = tmp_path / "root"
    suffix = pbs_builds.host.install_suffix
    names = [f"cpython-3.12.99-{suffix}", f"cpython-3.12.99+debug-{suffix}"]
    names.append(f"cpython-3.13.99+freethreaded-{suffix}")
    for name in names:
        (root / name / "bin").mkdir(parents=True)
    # As uv: a request without a variant means the default build only.
    assert main(["uninstall", "3.12", *dirs]) == 0
    assert sorted(p.name for p in root.glob("cpython-*")) == sorted(names[1:])
    assert main(["uninstall", "3.13", *dirs]) == 3
    assert main(["uninstall", "3.13t", "3.12d", *dirs]) == 0
    assert not list(root.glob("cpython-*"))


def test_find_without_a_request_takes_the_pinned_version(
    pbs_builds: PBSBuilds,
    dirs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(_install_args(pbs_builds, dirs, VERSION, "--no-bin")) == 0
    (tmp_path / ".python-version").write_text("3.9\n")  # pinned, and not installed
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["find", "--install-dir", str(tmp_path / "root")]) == 3
    assert "3.9" in capsys.readouterr().err
    (tmp_path / ".python-version").write_text(f"{VERSION}\n")
    assert main(["find", "--install-dir", str(tmp_path / "root")]) == 0
    assert capsys.readouterr().out.strip().endswith(f"bin/python{MINOR}")


@pytest.mark.parametrize(
    ("signame", "code", "said"), [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")]
)
def test_a_stop_that_surfaces_as_another_error_is_still_reported_as_the_stop(
    signame: str,
    code: int,
    said: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A signal that lands inside an import comes out of it as an ImportError."""
    import argparse
    import os
    import signal

    from tui import cli

    signum = getattr(signal, signame)

    def run(args: argparse.Namespace) -> int:
        try:
            os.kill(os.getpid(), signum)
            time.sleep(5)  # the handler raises before this ends
        except KeyboardInterrupt as error:
            raise ImportError('PyCapsule_Import could not import module "_socket"') from error
        return 0

    def parser(argv: object = None) -> argparse.ArgumentParser:
        built = argparse.ArgumentParser()
        built.set_defaults(command="install", run=run, verbose=0)
        return built

    monkeypatch.setattr(cli, "build_parser", parser)
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    assert cli.main([]) == code
    assert capsys.readouterr().err.strip() == f"error: {said}"
    assert {s: signal.getsignal(s) for s in before} == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["find", ""], "`` is not a valid Python request: the request is empty"),
        (["list", ""], "`` is not a valid Python request: the request is empty"),
        (["install", "--archive", ""], "--archive: give the path or URL of an archive"),
        (["catalog", "update", "--from", " "], "--from: give a path or URL"),
    ],
)
def test_an_empty_argument_is_refused_not_taken_as_none(
    argv: list[str], message: str, dirs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`pybuilds find ""` (an unset shell variable, say) must not mean `pybuilds find`."""
    more = {"find": dirs[:2], "install": dirs}.get(argv[0], [])
    assert main([*argv, *more]) == 2
    assert capsys.readouterr().err.startswith(f"error: {message}")


def test_doctor_reports_an_empty_request_as_invalid(
    dirs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor", ""]) == 1
    out = capsys.readouterr().out
    assert "✗ request: `` is not a valid Python request: the request is empty" in out


def test_requests_and_an_archive_read_the_catalog_once(
    pbs_builds: PBSBuilds, two_builds: TwoBuilds, dirs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A remote catalog would otherwise be downloaded twice."""
    from tui.commands import catalog_args

    reads: list[object] = []
    load = catalog_args.load_builds

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(args)
        return load(*args, **kwargs)

    monkeypatch.setattr(catalog_args, "load_builds", counted)
    args = [
        "install",
        two_builds.other,
        "--archive",
        str(pbs_builds.install_only),
        "--mirror",
        two_builds.mirror.as_uri(),
        "--python-downloads-json-url",
        str(two_builds.catalog),
        *dirs,
    ]
    assert main(args) == 0
    assert len(reads) == 1
