"""Install two versions in one command from a mirror with a per-connection speed limit: pybuilds
one at a time, pybuilds side by side, and `uv python install`.

Usage: python benchmarks/bench_parallel.py [--runs N] [--mib-per-s N] [--with-tests] [--pad-mib N]

A mirror that serves each connection at a fixed rate (artifact servers, proxies, far-away
hosts often do) is where installing side by side pays off; on loopback without a limit the
two unpackings just share the CPU. The archive is the one `bench_install.py` builds, published
a second time under another patch version. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench_install import build_archive, install_env, measure
from isolation import tool

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from app.trickle import TrickleServer  # noqa: E402
from archives import (  # noqa: E402
    TAG,
    VERSION,
    asset_name,
    catalog_entry,
    host_triple,
    publish,
    sha256_of,
    write_catalog,
)

_PIECE = 256 << 10


def add_second_version(mirror: Path, catalog: Path) -> str:
    """Publish the archive again as another patch version and list it in the catalog."""
    import json

    host = host_triple()
    assert host is not None  # build_archive has checked
    other = VERSION.rsplit(".", 1)[0] + ".98"
    [archive] = (mirror / TAG).glob("*.tar.gz")
    name = asset_name(other, host.triple, "install_only")
    copy = publish(mirror, shutil.copyfile(archive, archive.with_name(name)))
    entries = [*json.loads(catalog.read_text()).items()]
    entries.append(catalog_entry(other, host, name, sha256_of(copy)))
    write_catalog(catalog, entries)
    return other


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mib-per-s", type=float, default=12.5, help="per-connection speed")
    parser.add_argument("--with-tests", action="store_true", help="add the stdlib test package")
    parser.add_argument("--pad-mib", type=int, default=0, help="MiB of incompressible files")
    args = parser.parse_args()
    uv = tool("uv")
    pybuilds = [sys.executable, "-m", "tui"]
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        mirror, catalog, _files = build_archive(
            work, with_tests=args.with_tests, level=6, pad_mib=args.pad_mib
        )
        other = add_second_version(mirror, catalog)
        size = next(mirror.glob("*/*.tar.gz")).stat().st_size
        env = install_env(work, catalog)
        pause = _PIECE / (args.mib_per_s * (1 << 20))
        with TrickleServer(mirror, piece=_PIECE, pause=pause) as server:
            env["UV_PYTHON_INSTALL_MIRROR"] = server.url
            versions = [VERSION, other]
            commands = {
                "pybuilds, one at a time": (
                    [*pybuilds, "install", *versions],
                    {**env, "UV_CONCURRENT_DOWNLOADS": "1"},
                ),
                "pybuilds, side by side": ([*pybuilds, "install", *versions], env),
                "uv": ([uv, "python", "install", *versions], env),
            }
            with tempfile.TemporaryDirectory() as roots:
                results = measure(commands, Path(roots), args.runs)
    medians = {label: statistics.median(t for t, _ in runs) for label, runs in results.items()}
    print(
        f"2 versions x {size / (1 << 20):.1f} MiB, {args.mib_per_s:g} MiB/s per connection, "
        f"{args.runs} runs"
    )
    for label, seconds in medians.items():
        peak = max(m for _, m in results[label])
        print(f"{label:24} {seconds:6.2f}s  {peak:4.0f}MiB")
    ratio = medians["pybuilds, side by side"] / medians["uv"]
    print(f"side by side / uv: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
