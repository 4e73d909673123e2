"""The doctor's hints say what to do next, never "run pybuilds doctor" (which is running)."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpserver import HTTPTestServer
from test_doctor import NAME, PLATFORM, SHA, TAG, make_mirror, write_catalog

from tui.core.config import load_settings
from tui.core.doctor import Report, diagnose
from tui.core.fetch import FetchOptions


def run(tmp_path: Path, *, mirror: str | None = None, catalog: str, verify: bool = False) -> Report:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    settings = load_settings(
        {"python-install-mirror": mirror, "python-downloads-json-url": catalog},
        env={"HOME": str(home), "UV_NO_SYSTEM_CONFIG": "1"},
        cwd=tmp_path,
    )
    options = FetchOptions(timeout=5, retries=0, netrc_path=tmp_path / "no-netrc")
    return diagnose("3.12", settings, PLATFORM, options=options, verify=verify)


def hints(report: Report) -> list[str]:
    return [f.hint for f in report.findings if f.hint]


def test_a_missing_catalog_url_gets_a_hint_that_is_not_the_doctor(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    report = run(tmp_path, catalog=http_server.url_for("download-metadata.json"))
    catalog = next(f for f in report.findings if f.step == "catalog")
    assert catalog.ok is False and "404" in catalog.message
    assert catalog.hint == (
        "the server has no file at this URL; point python-downloads-json-url at a uv "
        "download-metadata.json, or unset it"
    )
    assert not [hint for hint in hints(report) if "pybuilds doctor" in hint]


@pytest.mark.parametrize(
    ("verify", "advice"),
    [
        (False, "run this again with --verify to hash the file"),
        (True, "the verify line below compares the file with the catalog's sha256"),
    ],
)
def test_a_sha256sums_disagreeing_with_the_catalog(
    tmp_path: Path, verify: bool, advice: str
) -> None:
    root = make_mirror(tmp_path / "mirror", sums=False)
    (root / TAG / "SHA256SUMS").write_text(f"{'0' * 64}  {NAME}\n")
    catalog = str(write_catalog(tmp_path / "catalog.json"))
    report = run(tmp_path, mirror=root.as_uri(), catalog=catalog, verify=verify)
    [sums] = [f for f in report.findings if f.step == "checksums"]
    assert sums.level == "warning" and SHA in sums.message
    assert sums.hint == f"the mirror may hold another build than the catalog names; {advice}"
    assert [f.level for f in report.findings if f.step == "verify"] == (["ok"] if verify else [])
