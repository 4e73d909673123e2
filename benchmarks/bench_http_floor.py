"""How much of `pybuilds install`'s time over http is httpx's: the same install, its body read
from a bare socket (bare_http_install.py), with and without importing httpx, against uv.

Usage: python benchmarks/bench_http_floor.py [--runs N] [--pad-mib N] [--root-dir DIR]

The archive is bench_install.py's (the stdlib with its tests, plus `--pad-mib` MiB of
incompressible files: ~45 MB at the default 32). Four commands take turns installing it from a
local HTTP mirror:
  pybuilds             as shipped (httpx);
  bare socket          no httpx at all: the floor of pybuilds' own pipeline over http;
  bare socket + import the same, after importing httpx and httpcore without using them;
  uv                   `uv python install`.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from archives import VERSION  # noqa: E402
from bench_install import build_archive, install_env, measure, static_server  # noqa: E402
from isolation import tool  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--pad-mib", type=int, default=32)
    parser.add_argument("--root-dir", type=Path, help="install under this folder (a tmpfs?)")
    args = parser.parse_args()
    bare = [sys.executable, str(HERE / "bare_http_install.py"), "install", VERSION]
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        mirror, catalog, files = build_archive(work, with_tests=True, level=6, pad_mib=args.pad_mib)
        size = next(mirror.glob("*/*.tar.gz")).stat().st_size
        env = install_env(work, catalog)
        with static_server(mirror) as url:
            env["UV_PYTHON_INSTALL_MIRROR"] = url
            commands = {
                "pybuilds": ([sys.executable, "-m", "tui", "install", VERSION], env),
                "bare socket": (bare, env),
                "bare socket + import": (bare, {**env, "BENCH_IMPORT_HTTPX": "1"}),
                "uv": ([tool("uv"), "python", "install", VERSION], env),
            }
            with tempfile.TemporaryDirectory(dir=args.root_dir) as roots:
                results = measure(commands, Path(roots), args.runs)
    uv = statistics.median(t for t, _ in results["uv"])
    print(f"archive: {size / (1 << 20):.1f} MiB, {files} files, http, {args.runs} runs")
    print(f"{'command':22} {'median':>7} {'vs uv':>6}")
    for label, runs in results.items():
        median = statistics.median(t for t, _ in runs)
        print(f"{label:22} {median:6.2f}s {median / uv:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
