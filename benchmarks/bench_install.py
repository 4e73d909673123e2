"""Time `pybuilds install` against `uv python install` on the same archive; peak memory too.

Usage: python benchmarks/bench_install.py [--runs N] [--with-tests] [--pad-mib N] [--level N]
       [--root-dir DIR]

The archive is this interpreter's stdlib in PBS's install_only shape (tests/archives.py), with
the `test` package when `--with-tests`, and `--pad-mib` MiB of incompressible shared-library-like
files to reach the size of a real build (`--with-tests --pad-mib 32` makes a ~45 MB archive).
Both tools run as fresh processes installing into an empty root, from a file:// mirror and from
a local HTTP mirror; the four commands take turns, each after a `sync` and into a new folder
(see `measure`). Each child's wall time and peak RSS (wait4) are recorded.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from archives import (  # noqa: E402
    VERSION,
    asset_name,
    catalog_entry,
    host_triple,
    pack_install_only,
    publish,
    sha256_of,
    stage_interpreter,
    write_catalog,
)
from isolation import isolated_env, tool  # noqa: E402


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """The stdlib's static file server on 127.0.0.1: it streams files, as a mirror would
    (the tests' server reads each file whole before answering)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# Each tool is started by a small launcher: a child forked from this benchmark process, which
# holds the staged archive, would report this process's memory as its own peak (Linux keeps the
# higher RSS mark across fork and exec).
_LAUNCHER = """
import os, sys, time
devnull = os.open(os.devnull, os.O_WRONLY)
start = time.perf_counter()
pid = os.posix_spawnp(
    sys.argv[1], sys.argv[1:], os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)]
)
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MiB of one run of `command`."""
    launched = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, *command], env=env, capture_output=True
    )
    try:
        elapsed, max_rss, code = launched.stdout.split()
    except ValueError:
        raise SystemExit(f"launcher failed:\n{launched.stderr.decode()}") from None
    if int(code) != 0:
        raise SystemExit(f"{command[0]} failed:\n{launched.stderr.decode()}")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return float(elapsed), int(max_rss) * scale / (1 << 20)


def build_archive(
    work: Path, *, with_tests: bool, level: int, pad_mib: int = 0
) -> tuple[Path, Path, int]:
    """Stage and pack the interpreter once; returns (mirror, catalog, files)."""
    host = host_triple()
    if host is None:
        raise SystemExit("needs Linux or macOS on x86_64/aarch64")
    tree = stage_interpreter(work / "stage")
    if with_tests:
        source = Path(sys.base_prefix) / "lib" / f"python{VERSION.rsplit('.', 1)[0]}" / "test"
        target = tree / "lib" / f"python{VERSION.rsplit('.', 1)[0]}" / "test"
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    noise = random.Random(20260101)  # the same bytes on every run
    for index in range(0, pad_mib, 4):
        size = min(4, pad_mib - index) << 20
        (tree / "lib" / f"libbench-pad-{index // 4}.so").write_bytes(noise.randbytes(size))
    files = sum(len(names) for _, _, names in os.walk(tree))
    name = asset_name(VERSION, host.triple, "install_only")
    archive = pack_install_only(tree, work / name, level=level)
    mirror = work / "mirror"
    publish(mirror, archive)
    entry = catalog_entry(VERSION, host, name, sha256_of(archive))
    return mirror, write_catalog(work / "catalog.json", [entry]), files


def install_env(work: Path, catalog: Path) -> dict[str, str]:
    """An isolated environment in which both tools install from `catalog`, local servers
    reached directly."""
    return isolated_env(
        work / "home",
        UV_CACHE_DIR=str(work / "uv-cache"),
        UV_PYTHON_DOWNLOADS_JSON_URL=str(catalog),
        UV_PYTHON_DOWNLOADS="manual",
        NO_PROXY="127.0.0.1,localhost",
    )


def measure(
    commands: dict[str, tuple[list[str], dict[str, str]]], roots: Path, runs: int
) -> dict[str, list[tuple[float, float]]]:
    """(seconds, peak MiB) per command; the commands take turns, so a busy moment on the
    machine (a neighbour) slows all alike.

    Every run installs into a folder of its own, and nothing is deleted until the end: ext4
    does not reuse an inode freed in the last ~30 s, so creating files right after deleting an
    earlier install's thousands made each create scan past them (0.7-1 s of kernel time per
    install here, varying from run to run). Each run starts after a `sync`, so it does not pay
    for writing back what the run before it wrote.
    """
    results: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for attempt in range(runs + 1):
        for index, (label, (command, env)) in enumerate(commands.items()):
            run_root = roots / f"{attempt}-{index}"
            run_env = {
                **env,
                "UV_PYTHON_INSTALL_DIR": str(run_root / "python"),
                "UV_PYTHON_BIN_DIR": str(run_root / "bin"),
            }
            os.sync()
            result = run_child(command, run_env)
            if attempt:  # the first round only warms the page cache
                results[label].append(result)
    for label, timings in results.items():
        print(f"  {label}: {', '.join(f'{t:.2f}s' for t, _ in timings)}", file=sys.stderr)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--with-tests", action="store_true", help="add the stdlib test package")
    parser.add_argument("--level", type=int, default=6, help="gzip level of the archive")
    parser.add_argument(
        "--pad-mib", type=int, default=0, help="add this many MiB of incompressible files"
    )
    parser.add_argument(
        "--root-dir",
        type=Path,
        help="install under this folder (default: the temp dir; a tmpfs leaves out the disk)",
    )
    args = parser.parse_args()
    uv = tool("uv")
    pybuilds = [sys.executable, "-m", "tui"]
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        mirror, catalog, files = build_archive(
            work, with_tests=args.with_tests, level=args.level, pad_mib=args.pad_mib
        )
        size = next(mirror.glob("*/*.tar.gz")).stat().st_size
        env = install_env(work, catalog)
        with static_server(mirror) as server_url:
            sources = {"file://": mirror.as_uri(), "http": server_url}
            commands = {
                f"{tool} {source}": (command, {**env, "UV_PYTHON_INSTALL_MIRROR": url})
                for source, url in sources.items()
                for tool, command in (
                    ("pybuilds", [*pybuilds, "install", VERSION]),
                    ("uv", [uv, "python", "install", VERSION]),
                )
            }
            with tempfile.TemporaryDirectory(dir=args.root_dir) as roots:
                results = measure(commands, Path(roots), args.runs)
        rows = [(s, results[f"pybuilds {s}"], results[f"uv {s}"]) for s in sources]
    print(
        f"archive: {size / (1 << 20):.1f} MiB gzip -{args.level}, {files} files, {args.runs} runs"
    )
    header = f"{'source':8} {'tool':9} {'median':>8} {'min':>8} {'peak RSS':>9}"
    print(header)
    print("-" * len(header))
    for source, ours, theirs in rows:
        for name, runs in (("pybuilds", ours), ("uv", theirs)):
            times = [t for t, _ in runs]
            peak = max(m for _, m in runs)
            print(
                f"{source:8} {name:9} {statistics.median(times):7.2f}s {min(times):7.2f}s"
                f" {peak:6.0f}MiB"
            )
        ratio = statistics.median(t for t, _ in ours) / statistics.median(t for t, _ in theirs)
        print(f"{source:8} {'ratio':9} {ratio:7.2f}x  (pybuilds / uv, medians)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
