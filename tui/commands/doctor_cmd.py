"""`pybuilds doctor`: walk settings, catalog, build, URL and mirror, a line per step."""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, TYPE_CHECKING, Any

from tui.commands.common import (
    ExitCode,
    add_catalog_arguments,
    add_config_arguments,
    add_network_arguments,
    add_platform_arguments,
    fetch_options,
    platform_from,
)

if TYPE_CHECKING:
    from tui.core.doctor_common import Finding


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "doctor",
        help="explain why a mirror or download does not work",
        description="Check every step an install of REQUEST would take: the settings in force "
        "and where they come from, the catalog, the build chosen, its URL after the mirror "
        "rewrite, and the file:// path or the http(s) connection (DNS, TLS, status, "
        "redirects, content). Exits 0 only when the install would work with pybuilds and "
        "with uv (1 when either would fail; the last line says which).",
    )
    parser.add_argument("request", nargs="?", help="e.g. 3.12, 3.13t (default: the newest)")
    parser.add_argument(
        "--mirror", metavar="URL", help="CPython mirror (env: UV_PYTHON_INSTALL_MIRROR)"
    )
    parser.add_argument("--pypy-mirror", metavar="URL", help="(env: UV_PYPY_INSTALL_MIRROR)")
    parser.add_argument(
        "--build",
        metavar="TAG",
        help="only builds of this release or build, as install --build "
        "(env: UV_PYTHON_CPYTHON_BUILD)",
    )
    parser.add_argument(
        "--flavour",
        help="check this PBS flavour's archive, as install --flavour (default: the "
        "default-flavour preference, else the catalog's)",
    )
    parser.add_argument(
        "--verify", action="store_true", help="download the archive and check its sha256"
    )
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    add_network_arguments(parser)
    add_catalog_arguments(parser)
    add_platform_arguments(parser)
    add_config_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.commands.settings import settings_from_args
    from tui.core.doctor import iter_diagnosis
    from tui.core.doctor_common import uv_failures, uv_would_install, verdict, would_install

    settings = settings_from_args(args, show_warnings=False)  # they become findings
    findings: list[Finding] = []
    out = sys.stdout
    for finding in iter_diagnosis(
        args.request,
        settings,
        platform_from(args),
        verify=args.verify,
        options=fetch_options(args),
        build_tag=args.build,
        flavour=args.flavour,
        level_named=args.arch is not None,
    ):
        findings.append(finding)
        if not args.json:
            write_finding(finding, out)
    request = "default" if args.request is None else args.request
    if args.json:
        document = {
            "request": request,
            "would_install": would_install(findings),
            "uv_would_install": uv_would_install(findings),
            "verdict": verdict(request, findings),
            "findings": [finding.to_json() for finding in findings],
        }
        json.dump(document, out, indent=2)
        out.write("\n")
    else:
        out.write(f"\n{verdict(request, findings)}\n")
    # The settings doctor checks are uv's: a setup uv fails on is broken, even where pybuilds
    # copes (a `%2B` file name), so it fails here too; the last line says which tool fails.
    works = would_install(findings) and not uv_failures(findings)
    return ExitCode.OK if works else ExitCode.FAILURE


def write_finding(finding: Finding, out: IO[str]) -> None:
    """`✓ catalog: embedded (5,530 builds)`, then an indented `hint:` line per hint line."""
    out.write(f"{finding.symbol} {finding.message}\n")
    for line in (finding.hint or "").splitlines():
        out.write(f"    hint: {line}\n")
    out.flush()
