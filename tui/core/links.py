"""Links uv keeps beside installs: minor-version folders, executables in the bin dir; uninstall."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import NoReturn

from tui.core.layout import Installation, Layout, minor_link_name
from tui.core.names import InstallKey
from tui.core.patches import executable_name, executable_suffix
from tui.core.quietlog import warning
from tui.core.versions import build_sort_key


class LinkReport:
    """What linking did: executables created or re-pointed, and what the user should know."""

    __slots__ = ("created", "warnings")

    def __init__(self) -> None:
        self.created: list[Path] = []
        self.warnings: list[str] = []


def _same_minor(a: InstallKey, b: InstallKey) -> bool:
    return minor_link_name(a) == minor_link_name(b)


def _replace_symlink(target: str, link: Path) -> None:
    """Point `link` at `target` atomically: a new link renamed over the old one."""
    temp = link.with_name(f".{link.name}.{os.urandom(4).hex()}.tmp")
    if sys.platform == "win32":
        import _winapi

        if os.path.isdir(link):
            os.rmdir(link)  # removes a junction without touching its target
        elif os.path.lexists(link):
            os.unlink(link)
        _winapi.CreateJunction(target, str(link))  # type: ignore[attr-defined]
        return
    os.symlink(target, temp)
    try:
        os.replace(temp, link)
    except OSError:
        os.unlink(temp)
        raise


def update_minor_link(layout: Layout, key: InstallKey) -> Path | None:
    """Point `<impl>-X.Y…` at the highest installed patch of `key`'s minor version.

    Removes the link when no installation of that minor version is left. CPython only, as uv.

    Returns:
        The link's path when it exists afterwards, else None.
    """
    if key.implementation != "cpython":
        return None
    link = layout.root / minor_link_name(key)
    candidates = [i for i in layout.installations() if _same_minor(i.key, key)]
    if not candidates:
        if os.path.islink(link):
            os.unlink(link)
        return None
    best = max(candidates, key=lambda i: (i.version.sort_key(), build_sort_key(i.build)))
    target = os.path.abspath(best.path)
    if os.path.islink(link) and os.readlink(link) == target:
        return link
    if os.path.lexists(link) and not os.path.islink(link):
        warning(__name__, "not replacing %s: it is not a link", link)
        return None
    _replace_symlink(target, link)
    return link


def bin_names(key: InstallKey, *, default: bool) -> list[str]:
    """`python3.12[t|d|td]`, plus `python3…` and `python…` with `--default`."""
    if key.implementation == "pypy":
        return [executable_name(key)]
    if key.implementation != "cpython":
        return []
    major, minor = key.version.split(".")[:2]
    suffix = executable_suffix(key)
    names = [f"python{major}.{minor}{suffix}"]
    if default:
        names += [f"python{major}{suffix}", f"python{suffix}"]
    return names


def _owner(layout: Layout, link: Path) -> Installation | None:
    """The installation in the root that `link` resolves into, if any."""
    root = Path(os.path.realpath(layout.root))
    real = Path(os.path.realpath(link))
    if not real.is_relative_to(root) or real == root:
        return None
    key = InstallKey.parse(real.relative_to(root).parts[0])
    return layout.installation(key) if key is not None else None


def _is_upgrade(new: Installation, old: Installation) -> bool:
    """uv's rule for re-pointing an executable: same minor and variant, newer version or build."""
    if not _same_minor(new.key, old.key):
        return False
    if new.version != old.version:
        return new.version > old.version
    return build_sort_key(new.build) > build_sort_key(old.build)


def link_executables(
    layout: Layout,
    installation: Installation,
    *,
    default: bool = False,
    via_minor: bool = False,
    reinstall: bool = False,
    force: bool = False,
) -> LinkReport:
    """Link `python3.X` (and with `default`, `python3`, `python`) in the bin dir, as uv does.

    An executable owned by another install is re-pointed only for an upgrade (same minor,
    newer patch or build), with `default`, or with `force`; a file uv does not manage is
    replaced only with `force` (a dangling link always is).

    Args:
        layout: The root and bin dir.
        installation: The installation to link to.
        default: Also link `python3` and `python`; re-point links owned by other installs.
        via_minor: Link through the minor-version folder (uv does for `3.12` requests and with
            `--default`) so a later patch install moves the executable along.
        reinstall: Recreate links that already point into this installation.
        force: Replace any executable in the way, as uv's `--force`.
    """
    report = LinkReport()
    if sys.platform == "win32":
        report.warnings.append("executables are not linked on Windows yet (uv uses launchers)")
        return report
    names = bin_names(installation.key, default=default)
    if not names:
        return report
    executable = installation.executable
    if via_minor and installation.key.implementation == "cpython":
        minor = layout.root / minor_link_name(installation.key)
        if os.path.islink(minor):
            executable = minor / executable.relative_to(installation.path)
    source = os.path.abspath(executable)
    try:
        layout.bin_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        # As uv: the install stands; only its executables are missing.
        report.warnings.append(_link_failure(layout.bin_dir, names, error))
        return report
    for name in names:
        target = layout.bin_dir / name
        if os.path.lexists(target):
            if os.path.islink(target) and os.readlink(target) == source:
                continue
            owner = _owner(layout, target)
            if owner is None:
                dangling = os.path.islink(target) and not os.path.exists(target)
                if not (dangling or force):
                    report.warnings.append(
                        f"executable already exists at `{target}` but is not managed by uv; "
                        "use --force to replace it"
                    )
                    continue
            elif owner.key == installation.key:
                if not (reinstall or force):
                    continue
            elif not (force or default or _is_upgrade(installation, owner)):
                report.warnings.append(
                    f"`{target}` stays linked to {owner.key}; "
                    "use --default or --force to link it to this one"
                )
                continue
        try:
            _replace_symlink(source, target)
        except OSError as error:
            report.warnings.append(_link_failure(layout.bin_dir, [name], error))
            continue
        report.created.append(target)
    return report


def _link_failure(bin_dir: Path, names: list[str], error: OSError) -> str:
    return (
        f"could not link {', '.join(names)} into {bin_dir}: {error.strerror or error}; "
        "choose another folder with UV_PYTHON_BIN_DIR, or skip the links with --no-bin"
    )


def executables_of(layout: Layout, installation: Installation) -> list[Path]:
    """Executables in the bin dir that resolve into `installation`."""
    names = set(bin_names(installation.key, default=True))
    try:
        entries = list(os.scandir(layout.bin_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    real = Path(os.path.realpath(installation.path))
    return [
        Path(entry.path)
        for entry in sorted(entries, key=lambda e: e.name)
        if entry.name in names
        and entry.is_symlink()
        and Path(os.path.realpath(entry.path)).is_relative_to(real)
    ]


def _remove_links(links: list[Path]) -> None:
    """Remove `links`, or none of them: on a failure the ones removed are put back."""
    removed: list[tuple[Path, str]] = []
    for link in links:
        try:
            target = os.readlink(link)
            os.unlink(link)
        except FileNotFoundError:
            continue  # gone already: nothing to keep
        except OSError:
            for path, old in removed:
                os.symlink(old, path)
            raise
        removed.append((link, target))


def _move_aside(installation: Installation, scratch: Path) -> Path:
    """Rename the installation into `scratch`: one atomic step that makes it disappear and
    can be undone, so it is never seen half-deleted.

    Raises:
        InstallError: it cannot be moved; nothing was changed.
    """
    from tui.core.errors import InstallError

    aside = scratch / f"{installation.path.name}.removing-{os.urandom(4).hex()}"
    try:
        scratch.mkdir(parents=True, exist_ok=True)
        os.rename(installation.path, aside)
    except OSError as error:
        raise InstallError(
            f"cannot remove {installation.path}: {error.strerror or error}",
            hint=f"nothing was changed; check that {installation.path.parent} is writable",
        ) from None
    return aside


def _put_back(aside: Path, installation: Installation, error: OSError) -> NoReturn:
    """Undo `_move_aside` after a link could not be removed, and say so."""
    from tui.core.errors import InstallError

    link, reason = Path(error.filename), error.strerror or str(error)
    try:
        os.rename(aside, installation.path)
    except OSError:
        raise InstallError(
            f"cannot remove {link}: {reason}",
            hint=f"{installation.key} was moved to {aside}; move it back to {installation.path}",
        ) from None
    raise InstallError(
        f"cannot remove {link}: {reason}",
        hint=f"nothing was changed; check that {link.parent} is writable",
    )


def uninstall(installation: Installation, layout: Layout) -> list[Path]:
    """Remove an installation, its executables, and re-point or drop its minor-version link.

    The installation is moved aside first and its executables removed after, so a failure
    in either step leaves both as they were. Takes the root's lock.

    Returns:
        The executables removed from the bin dir.

    Raises:
        InstallError: it is not installed, or could not be removed (nothing was changed).
    """
    from tui.core.errors import InstallError
    from tui.core.locking import root_lock

    with root_lock(layout.root):
        if not installation.path.is_dir():
            raise InstallError(f"{installation.key} is not installed in {layout.root}")
        links = executables_of(layout, installation)
        aside = _move_aside(installation, layout.temp_dir)
        try:
            _remove_links(links)
        except OSError as error:
            _put_back(aside, installation, error)
        shutil.rmtree(aside, ignore_errors=True)
        if os.path.lexists(aside):  # uninstalled all the same: nothing runs from there
            warning(__name__, "could not delete all of %s; delete it by hand", aside)
        update_minor_link(layout, installation.key)
    return links
