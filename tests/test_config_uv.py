"""Real uv reads every file pybuilds writes, and picks the same mirror pybuilds says wins."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tui.core.config import load_settings, save_preference, set_value, unset_value

KEY = "python-install-mirror"
TAG = "20240713"
NAME = f"cpython-3.12.99%2B{TAG}-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
PBS = "https://github.com/astral-sh/python-build-standalone/releases/download"
PYPY_NAME = "pypy3.10-v7.3.17-linux64.tar.bz2"
CATALOG = {
    "cpython-3.12.99-linux-x86_64-gnu": {
        "name": "cpython",
        "arch": {"family": "x86_64", "variant": None},
        "os": "linux",
        "libc": "gnu",
        "major": 3,
        "minor": 12,
        "patch": 99,
        "prerelease": "",
        "url": f"{PBS}/{TAG}/{NAME}",
        "sha256": None,
        "variant": None,
        "build": TAG,
    },
    "pypy-3.10.14-linux-x86_64-gnu": {
        "name": "pypy",
        "arch": {"family": "x86_64", "variant": None},
        "os": "linux",
        "libc": "gnu",
        "major": 3,
        "minor": 10,
        "patch": 14,
        "prerelease": "",
        "url": f"https://downloads.python.org/pypy/{PYPY_NAME}",
        "sha256": None,
        "variant": None,
        "build": "7.3.17",
    },
}


def find_uv() -> str:
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if found is None:
        pytest.skip("uv is not installed")
    return found


@dataclass
class Machine:
    """HOME, system dir and a project for uv and pybuilds alike; `env` is all uv sees."""

    root: Path
    project: Path
    catalog: Path
    env: dict[str, str]

    @property
    def user_file(self) -> Path:
        return self.root / "home" / ".config" / "uv" / "uv.toml"

    @property
    def system_file(self) -> Path:
        return self.root / "sys" / "uv" / "uv.toml"

    def mirror(self, name: str) -> str:
        """A file:// mirror folder (it must exist for pybuilds to accept it)."""
        path = self.root / "mirrors" / name
        path.mkdir(parents=True, exist_ok=True)
        return path.as_uri()

    def uv_urls(self, cwd: Path | None = None) -> dict[str, str]:
        """`uv python list --only-downloads --show-urls`: key -> URL; fails on any uv complaint."""
        result = subprocess.run(
            [find_uv(), "python", "list", "--only-downloads", "--show-urls", "--all-platforms"],
            cwd=cwd or self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""  # no parse error, no ignored-settings warning
        return dict(line.split(None, 1) for line in result.stdout.splitlines())

    def pybuilds_mirror(self, cwd: Path | None = None) -> str | None:
        return load_settings(env=self.env, cwd=cwd or self.project).get(KEY)


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Machine:
    for name in list(os.environ):
        if name.startswith(("UV_", "XDG_", "PYBUILDS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "sys"))
    project = tmp_path / "work" / "proj"
    project.mkdir(parents=True)
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(CATALOG))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_DIRS": str(tmp_path / "sys"),
        "UV_CACHE_DIR": str(tmp_path / "cache"),
        "UV_PYTHON_INSTALL_DIR": str(tmp_path / "pythons"),
        "UV_OFFLINE": "1",
    }
    return Machine(tmp_path, project, catalog, env)


def cpython_url(urls: dict[str, str]) -> str:
    return urls["cpython-3.12.99-linux-x86_64-gnu"]


def test_uv_reads_a_user_file_pybuilds_created(machine: Machine) -> None:
    mirror, pypy = machine.mirror("user"), machine.mirror("pypy")
    env, cwd = machine.env, machine.project
    set_value(KEY, mirror, "user", env=env, cwd=cwd)
    set_value("pypy-install-mirror", pypy, "user", env=env, cwd=cwd)
    set_value("python-downloads-json-url", str(machine.catalog), "user", env=env, cwd=cwd)
    set_value("python-preference", "only-managed", "user", env=env, cwd=cwd)
    save_preference("default-flavour", "pgo+lto-full", env=env)  # goes to pybuilds.toml only
    urls = machine.uv_urls()
    assert set(urls) == set(CATALOG)  # uv used the catalog pybuilds wrote down
    assert cpython_url(urls) == f"{mirror}/{TAG}/{NAME}"
    assert urls["pypy-3.10.14-linux-x86_64-gnu"] == f"{pypy}/{PYPY_NAME}"
    assert machine.pybuilds_mirror() == mirror


RICH_PROJECT = """\
# team settings
python-downloads = "automatic"  # let uv fetch

[pip]
index-url = "https://pypi.example/simple"

[[index]]
name = "corp"
url = "https://pypi.example/simple"
"""

PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"

[tool.uv]
# uv settings live here
managed = true

[tool.ruff]
line-length = 100
"""


def _user(m: Machine) -> None:
    set_value(KEY, m.mirror("user"), "user", env=m.env, cwd=m.project)


def _project_uv_toml(m: Machine) -> None:
    _user(m)
    (m.project / "uv.toml").write_text(RICH_PROJECT)
    set_value(KEY, m.mirror("project"), "project", env=m.env, cwd=m.project)


def _project_pyproject(m: Machine) -> None:
    _user(m)
    (m.project / "pyproject.toml").write_text(PYPROJECT)
    set_value(KEY, m.mirror("pyproject"), "project", env=m.env, cwd=m.project)


def _system(m: Machine) -> None:
    set_value(KEY, m.mirror("system"), "system", env=m.env, cwd=m.project)


def _env_wins(m: Machine) -> None:
    _project_uv_toml(m)
    m.env["UV_PYTHON_INSTALL_MIRROR"] = m.mirror("env")


def _config_file(m: Machine) -> None:
    _project_uv_toml(m)
    (m.root / "only.toml").write_text(f'{KEY} = "{m.mirror("only")}"\n')
    m.env["UV_CONFIG_FILE"] = str(m.root / "only.toml")


def _no_config(m: Machine) -> None:
    _project_uv_toml(m)
    m.env["UV_NO_CONFIG"] = "1"


def _unset_project(m: Machine) -> None:
    _project_uv_toml(m)
    unset_value(KEY, "project", env=m.env, cwd=m.project)


SCENARIOS: dict[str, tuple[Callable[[Machine], None], str | None]] = {
    "user": (_user, "user"),
    "project uv.toml over user": (_project_uv_toml, "project"),
    "pyproject [tool.uv] over user": (_project_pyproject, "pyproject"),
    "system": (_system, "system"),
    "env over project": (_env_wins, "env"),
    "UV_CONFIG_FILE only": (_config_file, "only"),
    "UV_NO_CONFIG": (_no_config, None),
    "unset falls back to user": (_unset_project, "user"),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_uv_and_pybuilds_agree_on_the_mirror(machine: Machine, scenario: str) -> None:
    arrange, winner = SCENARIOS[scenario]
    machine.env["UV_PYTHON_DOWNLOADS_JSON_URL"] = str(machine.catalog)
    arrange(machine)
    url = cpython_url(machine.uv_urls())
    expected = machine.mirror(winner) if winner else None
    assert machine.pybuilds_mirror() == expected
    if expected:
        assert url == f"{expected}/{TAG}/{NAME}"
    else:
        assert not url.startswith("file:") and url.endswith(f"/{TAG}/{NAME}")


def test_a_pyproject_edit_adds_one_line_inside_tool_uv(machine: Machine) -> None:
    _project_pyproject(machine)
    text = (machine.project / "pyproject.toml").read_text()
    assert text == PYPROJECT.replace(
        "managed = true\n",
        f'managed = true\n{KEY} = "{machine.mirror("pyproject")}"\n',
    )


def test_uv_reads_a_uv_toml_with_a_bom_that_pybuilds_edited(machine: Machine) -> None:
    machine.env["UV_PYTHON_DOWNLOADS_JSON_URL"] = str(machine.catalog)
    path = machine.project / "uv.toml"
    path.write_bytes(b"\xef\xbb\xbf" + RICH_PROJECT.encode())
    set_value(KEY, machine.mirror("bom"), "project", env=machine.env, cwd=machine.project)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf# team settings\n")
    assert cpython_url(machine.uv_urls()) == f"{machine.mirror('bom')}/{TAG}/{NAME}"
    assert machine.pybuilds_mirror() == machine.mirror("bom")


def test_a_toml_1_1_tool_uv_table_is_edited_where_uv_reads_it(machine: Machine) -> None:
    machine.env["UV_PYTHON_DOWNLOADS_JSON_URL"] = str(machine.catalog)
    mirror = machine.mirror("pyproject")
    (machine.project / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0"\n\n[tool.uv]\n{KEY} = "{mirror}"\n'
        'extra-build-variables = {\n    demo = { CFLAGS = "-O2" },\n}\n'  # TOML 1.1
    )
    assert machine.pybuilds_mirror() == mirror
    set_value(KEY, machine.mirror("new"), "project", env=machine.env, cwd=machine.project)
    assert sorted(p.name for p in machine.project.iterdir()) == ["pyproject.toml"]
    assert cpython_url(machine.uv_urls()) == f"{machine.mirror('new')}/{TAG}/{NAME}"


def test_uv_refuses_a_mirror_key_under_pip_and_pybuilds_says_so(machine: Machine) -> None:
    (machine.project / "uv.toml").write_text(f'[pip]\n{KEY} = "{machine.mirror("pip")}"\n')
    result = subprocess.run(
        [find_uv(), "python", "list", "--only-downloads"],
        cwd=machine.project,
        env=machine.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and f"unknown field `{KEY}`" in result.stderr
    [warning] = load_settings(env=machine.env, cwd=machine.project).warnings
    assert f"`{KEY}` is under [pip]" in warning and warning.endswith("; uv refuses this file")


def test_inside_a_project_subfolder_both_use_the_project_root(machine: Machine) -> None:
    machine.env["UV_PYTHON_DOWNLOADS_JSON_URL"] = str(machine.catalog)
    (machine.project / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    set_value(KEY, machine.mirror("root"), "project", env=machine.env, cwd=machine.project)
    sub = machine.project / "sub"
    sub.mkdir()
    (sub / "uv.toml").write_text(f'{KEY} = "{machine.mirror("sub")}"\n')
    assert cpython_url(machine.uv_urls(cwd=sub)).startswith(machine.mirror("root") + "/")
    assert machine.pybuilds_mirror(cwd=sub) == machine.mirror("root")
