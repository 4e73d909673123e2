"""Time `pybuilds list` against `uv python list --only-downloads`, as a ratio of medians.

Usage: python benchmarks/bench_list.py [--runs N]
Both run as fresh processes against an empty install dir, so each pays its own start-up; they
take turns, so a busy moment on the machine slows both.
Bytecode caches are allowed (as after `pip install`): PYTHONDONTWRITEBYTECODE is dropped.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time

from isolation import isolated_env, tool


def time_commands(
    commands: dict[str, list[str]], env: dict[str, str], runs: int
) -> dict[str, list[float]]:
    """Timings per command, the commands taking turns so load on the machine hits all alike."""
    for command in commands.values():
        subprocess.run(command, env=env, capture_output=True, check=True)  # warm the file cache
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, env=env, capture_output=True, check=True)
            timings[name].append(time.perf_counter() - start)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    uv, pybuilds = tool("uv"), tool("pybuilds")
    with tempfile.TemporaryDirectory() as home:
        env = isolated_env(home)
        commands = {
            "pybuilds list --only-downloads": [pybuilds, "list", "--only-downloads"],
            "uv python list --only-downloads": [uv, "python", "list", "--only-downloads"],
            "pybuilds list --all-platforms --json": [
                pybuilds, "list", "--all-platforms", "--all-versions", "--json",
            ],
        }  # fmt: skip
        medians = {}
        for name, timings in time_commands(commands, env, args.runs).items():
            medians[name] = statistics.median(timings)
            median_ms, min_ms = medians[name] * 1000, min(timings) * 1000
            print(f"{name:<40} median {median_ms:7.1f} ms  min {min_ms:7.1f} ms")
    ratio = medians["pybuilds list --only-downloads"] / medians["uv python list --only-downloads"]
    print(f"\nratio pybuilds/uv (median): {ratio:.2f}x  (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
