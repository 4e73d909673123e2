"""The baseline x86-64 build when a mirror lacks the level build pybuilds prefers.

pybuilds picks the best x86-64 level the CPU runs (`x86_64_v3`); uv always picks the baseline
`x86_64`. A mirror filled for uv then holds only baseline archives, and a request that names
no level would fail on it with "file not found". Before downloading, the preferred build's
sources on a user's mirror are checked (a stat for file://, a HEAD for http); when every one says
the file is not there, the install takes the baseline build instead, with a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tui.core.errors import DownloadFailed
from tui.core.fetch import probe
from tui.core.sources import cache_file, release_folder, resolve_urls

if TYPE_CHECKING:
    from tui.core.catalog import Build
    from tui.core.install import InstallOptions
    from tui.core.requests import Request


def baseline_of(build: Build, builds: Iterable[Build]) -> Build | None:
    """The baseline x86-64 build of the same release as the level build `build` (what uv
    installs for it), if the catalog has one; None for a build without a level."""
    if build.arch_level is None:
        return None
    wanted = _release_of(build)
    return next((b for b in builds if b.arch_level is None and _release_of(b) == wanted), None)


def baseline_for(
    build: Build, builds: Iterable[Build], request: Request, *, level_named: bool
) -> Build | None:
    """What `request`'s level build falls back to (see `baseline_of`): nothing where a level
    was asked for, in the request or with `--arch` (`level_named`), which is taken as asked."""
    if level_named or request.arch is not None:
        return None
    return baseline_of(build, builds)


def _release_of(build: Build) -> tuple[object, ...]:
    return (
        build.implementation,
        build.version,
        build.build,
        build.variant,
        build.os,
        build.arch,
        build.libc,
    )


def available_or_baseline(
    build: Build, baseline: Build, options: InstallOptions
) -> tuple[Build, str | None]:
    """`build` when any of its sources has the archive (or it cannot tell), else `baseline`
    and a warning that says why. Only a user's mirror is looked at: Astral's mirror and
    GitHub publish every level, and a look costs a round trip."""
    if not (options.mirrors.python_mirror or options.mirrors.astral_mirror):
        return build, None
    sources, flavoured = resolve_urls(build, options.flavour, options.mirrors)
    cached = cache_file(options.cache_dir, build, flavoured)
    if cached is not None and cached.is_file():
        return build, None
    missing: DownloadFailed | None = None
    for url, _ in sources:
        try:
            probe(url, options=options.fetch)
        except DownloadFailed as error:
            if not error.missing:
                return build, None  # the install itself reports an unreachable server
            missing = error
            continue
        return build, None
    assert missing is not None  # resolve_urls gives one source at least
    return baseline, (
        f"{build.install_key} is not in {release_folder(missing.url)}; installing "
        f"{baseline.install_key}, the baseline x86-64 build uv picks"
    )
