"""Mirror URL rewriting matches uv's prefix substitution and its mismatch error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.core.config import load_settings
from tui.core.errors import ConfigError, PybuildsError
from tui.core.mirrors import (
    ASTRAL_MIRROR,
    GRAALPY_PREFIX,
    PBS_PREFIX,
    PYPY_PREFIX,
    MirrorMismatch,
    MirrorSettings,
    download_urls,
    mirror_kind,
    mirrors_from_settings,
    rewrite_url,
    sources_without_mirror,
    url_scheme,
)

PBS_NAME = "cpython-3.12.4%2B20240713-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
PBS_URL = f"{PBS_PREFIX}/20240713/{PBS_NAME}"
PYPY_URL = f"{PYPY_PREFIX}/pypy3.10-v7.3.17-linux64.tar.bz2"
GRAALPY_URL = f"{GRAALPY_PREFIX}/graal-24.1.1/graalpy-24.1.1-linux-amd64.tar.gz"
CUSTOM_URL = "https://user:s3cret@artifacts.example.com/py/cpython-3.13.1%2B1-x86_64.tar.gz"


@pytest.mark.parametrize(
    ("url", "mirrors", "expected", "origin"),
    [
        (PBS_URL, MirrorSettings(), PBS_URL, None),
        (
            PBS_URL,
            MirrorSettings(python_mirror="https://m.example/pbs", python_origin="--mirror"),
            f"https://m.example/pbs/20240713/{PBS_NAME}",
            "--mirror",
        ),
        (
            PBS_URL,
            MirrorSettings(python_mirror="file:///srv/mirror/"),
            f"file:///srv/mirror/20240713/{PBS_NAME}",
            "UV_PYTHON_INSTALL_MIRROR",
        ),
        (
            PBS_URL,
            MirrorSettings(python_mirror="https://m.example/a///", python_origin="/u/uv.toml"),
            f"https://m.example/a/20240713/{PBS_NAME}",
            "/u/uv.toml",
        ),
        (
            PYPY_URL,
            MirrorSettings(pypy_mirror="file:///srv/pypy", pypy_origin="UV_PYPY_INSTALL_MIRROR"),
            "file:///srv/pypy/pypy3.10-v7.3.17-linux64.tar.bz2",
            "UV_PYPY_INSTALL_MIRROR",
        ),
        # A CPython mirror leaves PyPy and GraalPy URLs alone, and vice versa.
        (PYPY_URL, MirrorSettings(python_mirror="https://m.example"), PYPY_URL, None),
        (PBS_URL, MirrorSettings(pypy_mirror="https://m.example"), PBS_URL, None),
        (
            GRAALPY_URL,
            MirrorSettings(graalpy_mirror="https://g.example/"),
            "https://g.example/graal-24.1.1/graalpy-24.1.1-linux-amd64.tar.gz",
            "UV_GRAALPY_INSTALL_MIRROR",
        ),
        # An empty setting counts as unset.
        (PBS_URL, MirrorSettings(python_mirror=""), PBS_URL, None),
        (CUSTOM_URL, MirrorSettings(), CUSTOM_URL, None),
    ],
)
def test_rewrite_url(url: str, mirrors: MirrorSettings, expected: str, origin: str | None) -> None:
    assert rewrite_url(url, mirrors) == (expected, origin)


def test_rewrite_keeps_encoded_plus() -> None:
    url, _ = rewrite_url(PBS_URL, MirrorSettings(python_mirror="https://m.example"))
    assert "%2B" in url
    assert "+" not in url


def test_cpython_mirror_with_foreign_url_fails_like_uv() -> None:
    mirrors = MirrorSettings(python_mirror="https://m.example", python_origin="--mirror")
    with pytest.raises(MirrorMismatch) as info:
        rewrite_url(CUSTOM_URL, mirrors)
    error = info.value
    assert isinstance(error, ConfigError)
    assert isinstance(error, PybuildsError)
    assert str(error) == (
        "a mirror was provided via `--mirror`, but the URL does not match the expected "
        "format: https://***@artifacts.example.com/py/cpython-3.13.1%2B1-x86_64.tar.gz"
    )
    assert "s3cret" not in str(error)
    assert error.hint is not None
    assert PBS_PREFIX in error.hint
    assert "--mirror" in error.hint


def test_mismatch_names_env_var_when_origin_unknown() -> None:
    with pytest.raises(MirrorMismatch, match="UV_PYTHON_INSTALL_MIRROR"):
        rewrite_url(CUSTOM_URL, MirrorSettings(python_mirror="https://m.example"))


def test_prefix_must_end_at_a_path_boundary() -> None:
    url = PBS_PREFIX + "-old/20240713/x.tar.gz"
    assert mirror_kind(url) is None
    with pytest.raises(MirrorMismatch):
        rewrite_url(url, MirrorSettings(python_mirror="https://m.example"))


@pytest.mark.parametrize(
    ("implementation", "url", "mirrors", "expected"),
    [
        ("pypy", CUSTOM_URL, MirrorSettings(python_mirror="https://m.example"), CUSTOM_URL),
        ("cpython", PBS_URL, MirrorSettings(pypy_mirror="https://m.example"), PBS_URL),
        ("pyodide", CUSTOM_URL, MirrorSettings(python_mirror="https://m.example"), CUSTOM_URL),
    ],
)
def test_implementation_selects_the_setting(
    implementation: str, url: str, mirrors: MirrorSettings, expected: str
) -> None:
    assert rewrite_url(url, mirrors, implementation=implementation) == (expected, None)


def test_pypy_mirror_with_foreign_pypy_url_fails_when_implementation_known() -> None:
    with pytest.raises(MirrorMismatch, match="UV_PYPY_INSTALL_MIRROR"):
        rewrite_url(CUSTOM_URL, MirrorSettings(pypy_mirror="file:///m"), implementation="pypy")


ASTRAL_PBS_URL = (
    f"{ASTRAL_MIRROR}/github/python-build-standalone/releases/download/20240713/{PBS_NAME}"
)


@pytest.mark.parametrize(
    ("url", "mirrors", "implementation", "expected"),
    [
        # No mirror: Astral's copy first, then GitHub, as uv >= 0.11.14.
        (
            PBS_URL,
            MirrorSettings(),
            "cpython",
            [(ASTRAL_PBS_URL, "Astral's mirror"), (PBS_URL, None)],
        ),
        # A user mirror is used alone.
        (
            PBS_URL,
            MirrorSettings(python_mirror="https://m.example/pbs", python_origin="--mirror"),
            "cpython",
            [(f"https://m.example/pbs/20240713/{PBS_NAME}", "--mirror")],
        ),
        # So is another Astral mirror base.
        (
            PBS_URL,
            MirrorSettings(astral_mirror="https://astral.corp.example/"),
            None,
            [
                (
                    "https://astral.corp.example/github/python-build-standalone/releases/"
                    f"download/20240713/{PBS_NAME}",
                    "UV_ASTRAL_MIRROR_URL",
                )
            ],
        ),
        # Only PBS builds are on Astral's mirror.
        (PYPY_URL, MirrorSettings(), "pypy", [(PYPY_URL, None)]),
        (GRAALPY_URL, MirrorSettings(), "graalpy", [(GRAALPY_URL, None)]),
        (CUSTOM_URL, MirrorSettings(), "cpython", [(CUSTOM_URL, None)]),
    ],
)
def test_download_urls_follow_uvs_order(
    url: str,
    mirrors: MirrorSettings,
    implementation: str | None,
    expected: list[tuple[str, str | None]],
) -> None:
    assert download_urls(url, mirrors, implementation=implementation) == expected


def test_astral_mirror_url_is_read_from_the_environment(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path),
        "UV_NO_CONFIG": "1",
        "UV_ASTRAL_MIRROR_URL": "https://astral.corp.example",
        "PYBUILDS_CONFIG_FILE": str(tmp_path / "pybuilds.toml"),
    }
    mirrors = mirrors_from_settings(load_settings(env=env, cwd=tmp_path))
    assert mirrors.astral_mirror == "https://astral.corp.example"
    assert mirrors.astral_origin == "UV_ASTRAL_MIRROR_URL"
    assert mirrors.python_mirror is None


@pytest.mark.parametrize(
    ("value", "scheme"),
    [
        ("https://m.example", "https"),
        ("file:/srv/m", "file"),
        ("FILE:srv/m", "file"),
        ("git+ssh://h/r", "git+ssh"),
        ("C:\\builds", None),  # a Windows drive
        ("/srv/m", None),
        ("srv/m:1", None),
    ],
)
def test_url_scheme(value: str, scheme: str | None) -> None:
    assert url_scheme(value) == scheme


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("file:/srv/m", "file:///srv/m"),
        ("file:srv/m", "file:///srv/m"),  # uv reads it from the root too
        ("file:///srv/m", "file:///srv/m"),
        ("file://localhost/srv/m", "file://localhost/srv/m"),
    ],
)
def test_file_mirror_spellings_read_as_uv_reads_them(
    value: str, stored: str, tmp_path: Path
) -> None:
    env = {
        "HOME": str(tmp_path),
        "UV_NO_CONFIG": "1",
        "UV_PYTHON_INSTALL_MIRROR": value,
        "PYBUILDS_CONFIG_FILE": str(tmp_path / "pybuilds.toml"),
    }
    mirrors = mirrors_from_settings(load_settings(env=env, cwd=tmp_path))
    assert mirrors.python_mirror == stored


@pytest.mark.parametrize(
    ("url", "mirrors", "implementation", "words"),
    [
        (PBS_URL, MirrorSettings(), "cpython", "Astral's mirror, then the catalog's URL"),
        # The user's own mirror is what this describes the absence of.
        (PBS_URL, MirrorSettings(python_mirror="https://m.example"), "cpython",
         "Astral's mirror, then the catalog's URL"),
        (PBS_URL, MirrorSettings(astral_mirror="https://a.example"), "cpython",
         "UV_ASTRAL_MIRROR_URL"),
        (PYPY_URL, MirrorSettings(pypy_mirror="https://m.example"), "pypy", "the catalog's URL"),
    ],
)  # fmt: skip
def test_sources_without_mirror_in_words(
    url: str, mirrors: MirrorSettings, implementation: str, words: str
) -> None:
    assert sources_without_mirror(url, mirrors, implementation) == words
