"""`pybuilds platform`: the platform builds are chosen for, detected or named by options."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from tui.commands.common import add_platform_arguments, env_value, platform_from, platform_named

if TYPE_CHECKING:
    from tui.core.platform import Platform


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "platform",
        help="show the platform builds are chosen for",
        description="Show this machine's OS, arch (with its x86-64 level), libc and version, "
        "as pybuilds and uv spell them; --os/--arch/--libc show a platform you name instead.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    add_platform_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.core.names import arch_name
    from tui.core.platform import detect_platform

    host = detect_platform()
    named = platform_named(args)
    platform = platform_from(args, host)
    runnable = [arch_name(family, level) for family, level in platform.runnable_arches()]
    libc_from_env = _libc_from_env(args, platform)
    if args.json:
        data: dict[str, Any] = platform.to_json()
        data["runnable_arches"] = runnable
        data["description"] = platform.describe()
        data["source"] = "options" if named else "detected"
        if libc_from_env:
            data["libc_source"] = "UV_LIBC"
        print(json.dumps(data, indent=2))
        return 0
    rows = [
        ("os", platform.os),
        ("arch", _arch_text(platform)),
        ("libc", _libc_text(platform) + (", from UV_LIBC" if libc_from_env else "")),
        ("platform key", platform.key),
        ("uv install key", platform.install_key),
        ("runnable arches", ", ".join(runnable)),
    ]
    if named:
        rows.append(("named by", f"--os/--arch/--libc (this machine: {host.key})"))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    return 0


def _arch_text(platform: Platform) -> str:
    if platform.arch != "x86_64" or platform.os != "linux":  # PBS ships levels for Linux only
        return platform.arch
    return f"{platform.arch} (x86-64-{platform.arch_level or 'v1'})"


def _libc_from_env(args: argparse.Namespace, platform: Platform) -> bool:
    """Whether the libc shown is UV_LIBC's, as uv takes it, rather than the detected one."""
    from tui.core.names import LIBCS

    return platform.os == "linux" and not args.libc and env_value("UV_LIBC") in LIBCS


def _libc_text(platform: Platform) -> str:
    if platform.libc == "none":
        return "none"
    family = "musl" if platform.libc == "musl" else "glibc"
    version = platform.libc_version or "version unknown"
    return f"{platform.libc} ({family} {version})"
