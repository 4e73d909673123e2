"""`pybuilds doctor` never shows a secret: not in its findings, hints or `-v`/`-vv` log lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from httpserver import HTTPTestServer
from test_doctor import DATA, NAME, PLATFORM_ARGS, SECRET, TAG, write_catalog

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
