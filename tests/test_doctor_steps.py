"""The doctor's settings, request and catalog steps say what `pybuilds install` and uv would do."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from test_doctor import NAME, PLATFORM, SHA, TAG, entry, make_mirror, write_catalog

from tui.core.config import Settings, load_settings
from tui.core.doctor import Report, diagnose
from tui.core.doctor_common import verdict
from tui.core.errors import ConfigError


def settings_for(tmp_path: Path, env: dict[str, str] | None = None) -> Settings:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    mirror = make_mirror(tmp_path / "mirror").as_uri()
    catalog = str(write_catalog(tmp_path / "catalog.json"))
    return load_settings(
        {"python-install-mirror": mirror, "python-downloads-json-url": catalog},
        env={
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "UV_NO_SYSTEM_CONFIG": "1",
            **(env or {}),
        },
        cwd=tmp_path,
    )


def run(settings: Settings, request: str | None = "3.12") -> Report:
    return diagnose(request, settings, PLATFORM)


def install_refusal(settings: Settings) -> str:
    with pytest.raises(ConfigError) as refused:
        settings.require_downloads()
    return refused.value.message


@pytest.mark.parametrize("value", ["never", "false", "0"])
def test_downloads_turned_off_in_the_environment_fail(tmp_path: Path, value: str) -> None:
    settings = settings_for(tmp_path, {"UV_PYTHON_DOWNLOADS": value})
    report = run(settings)
    assert not report.would_install
    [off] = [f for f in report.findings if f.ok is False]
    assert off.step == "settings" and off.detail["origin"] == "UV_PYTHON_DOWNLOADS"
    assert off.message == f"settings: {install_refusal(settings)}"
    assert "UV_PYTHON_DOWNLOADS: Python downloads are not allowed" in off.message
    assert verdict("3.12", report.findings).startswith("`3.12` would NOT install")
    # The rest of the chain is still checked.
    assert any(f.step == "file" and f.ok for f in report.findings)


def test_downloads_turned_off_in_a_config_file_name_the_file(tmp_path: Path) -> None:
    config = tmp_path / "home" / ".config" / "uv" / "uv.toml"
    config.parent.mkdir(parents=True)
    config.write_text('python-downloads = "never"\n')
    report = run(settings_for(tmp_path))
    [off] = [f for f in report.findings if f.ok is False]
    assert off.message.startswith(f"settings: {config}: Python downloads are not allowed")
    assert off.hint is not None and "manual" in off.hint


def test_manual_downloads_still_install(tmp_path: Path) -> None:
    report = run(settings_for(tmp_path, {"UV_PYTHON_DOWNLOADS": "manual"}))
    assert report.would_install
    assert verdict("3.12", report.findings).endswith(f"release {TAG})")


@pytest.mark.parametrize(
    ("request_text", "uv_key", "for_uv"),
    [
        ("3.12+gil", "cpython-3.12+gil-linux-x86_64-gnu", "3.12"),
        ("3.12+GIL", "cpython-3.12+gil-linux-x86_64-gnu", "3.12"),
        ("3.12+gil+debug", "cpython-3.12+gil+debug-linux-x86_64-gnu", "3.12+debug"),
        (
            "cpython-3.12+gil-linux-x86_64-gnu",
            "cpython-3.12+gil-linux-x86_64-gnu",
            "cpython-3.12-linux-x86_64-gnu",
        ),
    ],
)
def test_a_gil_request_gets_a_warning_that_uv_finds_no_download(
    tmp_path: Path, request_text: str, uv_key: str, for_uv: str
) -> None:
    report = run(settings_for(tmp_path), request_text)
    [gil] = [f for f in report.findings if f.uv_failure]
    assert gil.step == "request" and gil.level == "warning"
    uv_says = f"No download found for request: {uv_key}"
    assert uv_says in gil.message
    assert gil.hint == f"for uv, drop `+gil`: `uv python install {for_uv}` installs the same build"
    if "debug" in request_text:
        return  # the test catalog has no debug build
    assert report.would_install
    assert verdict(request_text, report.findings).startswith(
        f"`{request_text}` would install with pybuilds"
    )
    assert f"uv would fail: it finds no download for a `+gil` request ({uv_says})" in verdict(
        request_text, report.findings
    )


def test_other_variants_draw_no_gil_warning(tmp_path: Path) -> None:
    report = run(settings_for(tmp_path), "3.12")
    assert not [f for f in report.findings if f.uv_failure]


@pytest.mark.parametrize(
    ("request_text", "meaning"),
    [
        (">=3.12,<3.13", "CPython >=3.12,<3.13 for linux-x86_64-gnu"),
        ("3.12", "CPython 3.12 for linux-x86_64-gnu"),
        (None, "CPython any version for linux-x86_64-gnu"),
        ("pypy", "PyPy any version for linux-x86_64-gnu"),
        ("3.13td", "CPython 3.13 (free-threaded, debug) for linux-x86_64-gnu"),
        ("cpython-3.12-windows-x86-none", "CPython 3.12 for windows-x86-none"),
    ],
)
def test_the_request_step_says_what_the_request_means_in_words(
    tmp_path: Path, request_text: str | None, meaning: str
) -> None:
    report = run(settings_for(tmp_path), request_text)
    parsed = next(f for f in report.findings if f.step == "request")
    shown = "default" if request_text is None else request_text
    assert parsed.message == (
        f"request: `{shown}` means {meaning} (platform: {PLATFORM.describe()})"
    )


@pytest.mark.parametrize(("outside", "words"), [(1, "1 CPython URL is"), (2, "2 CPython URLs are")])
def test_catalog_urls_outside_github_are_counted_in_words(
    tmp_path: Path, outside: int, words: str
) -> None:
    entries = {
        f"cpython-3.12.{patch}-linux-x86_64-gnu": entry(
            f"https://elsewhere.example/{TAG}/{NAME}", SHA, patch=patch
        )
        for patch in range(outside)
    }
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(entries))
    settings = load_settings(
        {
            "python-install-mirror": "https://mirror.example",
            "python-downloads-json-url": str(catalog),
        },
        env={"HOME": str(tmp_path), "UV_NO_SYSTEM_CONFIG": "1"},
        cwd=tmp_path,
    )
    found = next(f for f in run(settings).findings if f.step == "catalog")
    assert f"; {words} not under https://github.com/astral-sh/" in found.message


def test_a_gzipped_catalog_fails_for_uv(tmp_path: Path) -> None:
    plain = write_catalog(tmp_path / "plain.json")
    packed = tmp_path / "catalog.json.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    mirror = make_mirror(tmp_path / "mirror").as_uri()
    settings = load_settings(
        {"python-install-mirror": mirror, "python-downloads-json-url": str(packed)},
        env={"HOME": str(tmp_path), "UV_NO_SYSTEM_CONFIG": "1"},
        cwd=tmp_path,
    )
    report = run(settings)
    assert report.would_install
    [gzipped] = [f for f in report.findings if f.uv_failure]
    assert gzipped.message == f"catalog: {packed} is gzip-compressed: pybuilds reads it, uv cannot"
    assert verdict("3.12", report.findings).endswith(
        "uv would fail: it cannot read a gzipped catalog (Unable to parse the JSON Python "
        "download list), set by --python-downloads-json-url; point python-downloads-json-url "
        "at the uncompressed JSON"
    )
