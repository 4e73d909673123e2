"""`pybuilds platform`: plain and JSON output, named platforms, one-line errors."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Sequence

import pytest

from tui.commands import platform_cmd
from tui.commands.common import exit_code_for, print_error
from tui.core.platform import detect_platform

# What tui.cli.main does around a command, for a parser holding only this one.
HARNESS = """
import argparse, sys
from tui.commands import platform_cmd
from tui.commands.common import exit_code_for, print_error
parser = argparse.ArgumentParser(prog="pybuilds")
platform_cmd.register(parser.add_subparsers(dest="command"))
args = parser.parse_args(sys.argv[1:])
try:
    sys.exit(args.run(args))
except Exception as error:
    print_error(error)
    sys.exit(exit_code_for(error))
"""


def run_platform(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="pybuilds")
    platform_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["platform", *argv])
    try:
        return int(args.run(args))
    except Exception as error:
        print_error(error)
        return exit_code_for(error)


def subprocess_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("UV_")}


def run_subprocess(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )


@pytest.fixture(autouse=True)
def no_uv_libc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UV_LIBC", raising=False)


def test_plain_output_is_aligned_lines_about_this_machine(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_platform([]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    labels = [line[:17].rstrip() for line in lines]
    assert labels == [
        "os",
        "arch",
        "libc",
        "platform key",
        "uv install key",
        "runnable arches",
    ]
    host = detect_platform()
    values = dict(line.split("  ", 1) for line in lines)
    assert values["platform key"].strip() == host.key
    assert values["uv install key"].strip() == host.install_key
    assert all(line[15:17] == "  " and line[17] != " " for line in lines)  # one value column
    if host.arch == "x86_64":
        assert f"(x86-64-{host.arch_level or 'v1'})" in values["arch"]
    if host.libc_version:
        assert host.libc_version in values["libc"]


def test_json_output_is_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_platform(["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    host = detect_platform()
    assert {key: data[key] for key in host.to_json()} == host.to_json()
    assert data["source"] == "detected"
    assert data["runnable_arches"][-1 if host.arch == "x86_64" else 0] == host.arch


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="UV_LIBC applies on Linux")
def test_a_libc_from_uv_libc_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("UV_LIBC", "musl")
    assert run_platform([]) == 0
    assert "musl version unknown), from UV_LIBC" in capsys.readouterr().out
    assert run_platform(["--json"]) == 0
    assert json.loads(capsys.readouterr().out)["libc_source"] == "UV_LIBC"
    assert run_platform(["--libc", "gnu"]) == 0  # named: UV_LIBC is not what is shown
    assert "UV_LIBC" not in capsys.readouterr().out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="UV_LIBC applies on Linux")
def test_a_bad_uv_libc_is_one_warning_line() -> None:
    env = {**subprocess_env(), "UV_LIBC": "bogus"}
    result = subprocess.run(
        [sys.executable, "-m", "tui", "platform"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "warning: ignoring UV_LIBC='bogus': expected one of gnu, musl, gnueabi, gnueabihf, none"
    ]


def test_a_named_platform_is_shown_and_labelled(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_platform(["--os", "macos", "--arch", "arm64", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["key"], data["install_key"]) == ("darwin-aarch64-none", "macos-aarch64-none")
    assert data["runnable_arches"] == ["aarch64", "x86_64"]
    assert data["source"] == "options"
    assert run_platform(["--os", "linux", "--arch", "x86_64_v3", "--libc", "musl"]) == 0
    out = capsys.readouterr().out
    assert "linux-x86_64_v3-musl" in out
    assert "runnable arches  x86_64_v3, x86_64_v2, x86_64" in out
    assert "arch             x86_64 (x86-64-v3)\n" in out
    assert f"this machine: {detect_platform().key}" in out
    assert run_platform(["--os", "macos", "--arch", "x86_64"]) == 0
    assert "arch             x86_64\n" in capsys.readouterr().out  # levels: Linux only


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--arch", "ppc64le"], "error: invalid --arch `ppc64le`: uv spells it `powerpc64le`"),
        (["--os", "plan9"], "error: invalid --os `plan9`"),
        (["--os", "windows", "--libc", "musl"], "error: invalid --libc `musl`"),
        (["--arch", ""], "error: invalid --arch ``"),  # not this machine's arch
    ],
)
def test_bad_values_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_platform(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(message)
    assert len(captured.err.splitlines()) == 1


def test_json_in_a_subprocess() -> None:
    result = run_subprocess("-c", HARNESS, "platform", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["os"] == {"linux": "linux", "darwin": "darwin", "win32": "windows"}.get(
        sys.platform, data["os"]
    )
    assert data["key"] == detect_platform().key


def test_bad_arch_in_a_subprocess_gives_no_traceback() -> None:
    result = run_subprocess("-c", HARNESS, "platform", "--arch", "ppc64le")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: invalid --arch `ppc64le`: uv spells it `powerpc64le`; expected one of "
        "x86_64, x86_64_v2, x86_64_v3, x86_64_v4, aarch64, x86 (i686), armv7, powerpc64le, "
        "s390x, riscv64gc (riscv64), wasm32"
    ]


def missing_command_modules() -> list[str]:
    from tui.cli import COMMANDS

    return [
        name
        for name in COMMANDS
        if importlib.util.find_spec(f"tui.commands.{name.replace('-', '_')}_cmd") is None
    ]


def test_through_the_real_cli(capsys: pytest.CaptureFixture[str]) -> None:
    missing = missing_command_modules()
    if missing:
        pytest.skip(f"tui.cli cannot build its parser yet: no module for {', '.join(missing)}")
    from tui.cli import main

    assert main(["platform", "--arch", "ppc64le"]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1
    result = run_subprocess("-m", "tui", "platform", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["key"] == detect_platform().key
