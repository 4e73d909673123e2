"""`pybuilds doctor` never shows a secret: not in its findings, hints or `-v`/`-vv` log lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from httpserver import HTTPTestServer
from test_doctor import DATA, NAME, PLATFORM, PLATFORM_ARGS, SECRET, TAG, write_catalog

from tui.core.config import load_settings
from tui.core.doctor import diagnose
from tui.core.fetch import FetchOptions

SIGNED = f"X-Amz-Credential=AKIASECRETKEY&X-Amz-Signature={SECRET}"


def doctor_cli(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The real command in a fresh interpreter: log filters a test installed earlier in this
    process would hide a missing one."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PYBUILDS_CACHE_DIR": str(tmp_path / "cache"),
        "UV_NO_SYSTEM_CONFIG": "1",
    }
    catalog = ("--python-downloads-json-url", str(write_catalog(tmp_path / "catalog.json")))
    return subprocess.run(
        [sys.executable, "-m", "tui", "doctor", "3.12", *PLATFORM_ARGS, *catalog, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


@pytest.mark.parametrize("verbose", ["-v", "-vv"])
def test_verbose_doctor_hides_signed_redirects_and_credentials(
    tmp_path: Path, http_server: HTTPTestServer, verbose: str
) -> None:
    http_server.add_file(f"real/{TAG}/{NAME}", DATA)
    signed = http_server.url_for(f"real/{TAG}/{NAME}") + f"?{SIGNED}"
    http_server.redirects[f"/signed/{TAG}/{NAME}"] = signed
    with_user = http_server.url_for(f"real/{TAG}/{NAME}", userinfo=f"mirror-user:{SECRET}")
    http_server.redirects[f"/userinfo/{TAG}/{NAME}"] = with_user
    for mirror in ("signed", "userinfo"):
        result = doctor_cli(tmp_path, verbose, "--mirror", f"{http_server.url}/{mirror}")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "HTTP Request: GET" in result.stderr  # the log lines are there, redacted
        shown = result.stdout + result.stderr
        assert SECRET not in shown and "AKIASECRETKEY" not in shown
        assert "X-Amz-Signature=***" in shown or "http://***@127.0.0.1" in shown


def test_verbose_doctor_hides_a_token_in_the_mirror_url(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    result = doctor_cli(tmp_path, "-vv", "--mirror", f"{http_server.url}/auth?token={SECRET}")
    assert result.returncode == 1
    assert "HTTP Request: GET" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_a_404_under_a_mirror_with_a_query_explains_the_query(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    http_server.add_file(f"auth/{TAG}/{NAME}", DATA)
    mirror = f"http://mirror-user:{SECRET}@127.0.0.1:{http_server.port}/auth?token={SECRET}"
    catalog = str(write_catalog(tmp_path / "catalog.json"))
    settings = load_settings(
        {"python-install-mirror": mirror, "python-downloads-json-url": catalog},
        env={"HOME": str(tmp_path), "UV_NO_SYSTEM_CONFIG": "1"},
        cwd=tmp_path,
    )
    options = FetchOptions(timeout=5, retries=0, netrc_path=tmp_path / "no-netrc")
    report = diagnose("3.12", settings, PLATFORM, options=options)
    [found] = [f for f in report.findings if f.ok is False]
    assert found.detail["status"] == 404
    # The redacted query value once swallowed the words after it: "token=*** name>, stored…".
    assert found.hint == (
        "the mirror URL has a query string (after `?`): uv and pybuilds append "
        "/<tag>/<file name> to the whole URL, so the file's path lands inside the query and "
        "the server never sees it; drop the query from the mirror URL and give credentials "
        "through netrc or user:password@ in the URL"
    )
    assert SECRET not in json.dumps([f.to_json() for f in report.findings])
