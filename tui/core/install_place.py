"""Putting a finished tree in place, and an install's links: the swap, bin links, refresh."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core import patches
from tui.core.errors import ArchiveError, PybuildsError
from tui.core.layout import Installation, Layout
from tui.core.links import link_executables, update_minor_link
from tui.core.locking import root_lock
from tui.core.names import InstallKey

if TYPE_CHECKING:
    from tui.core.install import InstallOptions


def link_into_bin(layout: Layout, key: InstallKey, options: InstallOptions) -> list[str]:
    update_minor_link(layout, key)
    installation = layout.installation(key)
    if installation is None or not options.link_bin:
        return []
    report = link_executables(
        layout,
        installation,
        default=options.default_links,
        via_minor=options.via_minor or options.default_links,  # uv: `--default` links "upgradeable"
        reinstall=options.reinstall,
        force=options.force,
    )
    return report.warnings


def refresh_installed(
    layout: Layout, installation: Installation, options: InstallOptions
) -> list[str]:
    warnings: list[str] = []
    try:
        for _ in patches.apply(installation.path, installation.key, build=None):
            pass
    except PybuildsError as error:
        warnings.append(f"could not refresh {installation.key}: {error}")
    return warnings + link_into_bin(layout, installation.key, options)


def refresh(
    installation: Installation, layout: Layout, *, options: InstallOptions | None = None
) -> list[str]:
    """Re-apply uv's fixes and links to an installed Python, as uv does when a request is
    already satisfied. Takes the root's lock; returns warnings for the user."""
    from tui.core.install import InstallOptions  # its defaults; install imports this module

    with root_lock(layout.root):
        return refresh_installed(layout, installation, options or InstallOptions())


def check_executable(root: Path, key: InstallKey) -> None:
    """A CPython build must hold the interpreter its key names (guards against wrong archives)."""
    if key.implementation != "cpython":
        return
    exe = (
        patches.base_dir(root)
        / ("" if key.os == "windows" else "bin")
        / patches.executable_name(key)
    )
    if not os.path.lexists(exe):
        raise ArchiveError(
            f"the archive has no `{exe.relative_to(root).as_posix()}`: it is not a {key} build"
        )


def swap(new: Path, target: Path, work: Path) -> None:
    """Rename `new` to `target`; an old `target` is moved aside first and restored on failure."""
    old: Path | None = None
    if os.path.lexists(target):
        old = work / f"old-{os.urandom(4).hex()}"
        os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
