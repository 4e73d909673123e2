"""`pybuilds config show/get/set/unset/path`: provenance output, exit codes, redaction."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest

from tui.commands import config_cmd
from tui.commands.common import exit_code_for, print_error

KEY = "python-install-mirror"
SECRET = "s3cret"


def pybuilds_config(argv: list[str]) -> int:
    """Run `pybuilds config …` the way tui.cli.main does: errors become one line and a code."""
    parser = argparse.ArgumentParser(prog="pybuilds")
    config_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["config", *argv])
    try:
        return int(args.run(args))
    except Exception as error:
        print_error(error)
        return exit_code_for(error)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Isolated HOME and system dir; the working directory is an empty project folder."""
    for name in list(os.environ):
        if name.startswith(("UV_", "XDG_", "PYBUILDS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "sys"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def user_file(work: Path) -> Path:
    return work.parent / "home" / ".config" / "uv" / "uv.toml"


def system_file(work: Path) -> Path:
    return work.parent / "sys" / "uv" / "uv.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def layered(work: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A mirror set at env, user (with credentials) and system level."""
    write(user_file(work), f'{KEY} = "https://alice:{SECRET}@user.example/pbs"\n')
    write(system_file(work), f'{KEY} = "https://system.example/pbs"\n')
    monkeypatch.setenv("UV_PYTHON_INSTALL_MIRROR", "https://env.example/pbs")
    return work


def test_show_lists_value_source_and_shadowed_values(
    layered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pybuilds_config(["show"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["KEY", "VALUE", "SOURCE"]
    row = lines.index(next(line for line in lines if line.startswith(KEY)))
    assert lines[row].split() == [KEY, "https://env.example/pbs", "UV_PYTHON_INSTALL_MIRROR"]
    assert lines[row + 1].split() == [
        "shadows",
        "https://***@user.example/pbs",
        str(user_file(layered)),
        "(user)",
    ]
    assert lines[row + 2].split() == [
        "shadows",
        "https://system.example/pbs",
        str(system_file(layered)),
        "(system)",
    ]
    assert lines[row + 1].startswith("  shadows")
    assert any(line.split()[:3] == ["python-preference", "managed", "(default)"] for line in lines)
    assert SECRET not in out


def test_show_json_is_structured_and_redacted(
    layered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(layered / "pyproject.toml", '[tool.uv]\npython-downloads = "never"\n')
    write(layered / "uv.toml", "")
    assert pybuilds_config(["show", "--json"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    settings = {s["key"]: s for s in document["settings"]}
    mirror = settings[KEY]
    assert (mirror["value"], mirror["source"], mirror["origin"]) == (
        "https://env.example/pbs",
        "env",
        "UV_PYTHON_INSTALL_MIRROR",
    )
    assert [(s["source"], s["value"]) for s in mirror["shadowed"]] == [
        ("user", "https://***@user.example/pbs"),
        ("system", "https://system.example/pbs"),
    ]
    assert settings["python-preference"] == {
        "key": "python-preference",
        "value": None,
        "source": "default",
        "origin": "default",
        "default": "managed",
        "shadowed": [],
    }
    assert [(f["scope"], f["path"]) for f in document["files"]] == [
        ("project", str(layered / "uv.toml")),
        ("user", str(user_file(layered))),
        ("system", str(system_file(layered))),
    ]
    assert any("[tool.uv] is ignored" in w for w in document["warnings"])
    assert "[tool.uv] is ignored" in captured.err  # warnings also go to stderr
    assert SECRET not in captured.out + captured.err


def test_bare_config_shows(layered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert pybuilds_config([]) == 0
    assert "UV_PYTHON_INSTALL_MIRROR" in capsys.readouterr().out


def test_show_with_no_config_says_so(layered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert pybuilds_config(["show", "--no-config"]) == 0
    captured = capsys.readouterr()
    assert "user.example" not in captured.out
    assert "--no-config is set" in captured.err


def test_get_prints_the_raw_value_redacted(
    layered: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert pybuilds_config(["get", KEY]) == 0
    assert capsys.readouterr().out == "https://env.example/pbs\n"
    monkeypatch.delenv("UV_PYTHON_INSTALL_MIRROR")
    assert pybuilds_config(["get", KEY]) == 0
    assert capsys.readouterr().out == "https://***@user.example/pbs\n"


def test_get_of_an_unset_key_prints_nothing_and_exits_1(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pybuilds_config(["get", "python-preference"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "python-preference is not set (uv's default: managed)\n"


def test_get_of_an_unknown_key_is_a_config_error(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pybuilds_config(["get", "python-install-mirro"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("error: python-install-mirro: unknown setting\nhint: known settings:")


def test_set_then_get_round_trip_and_say_where(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = work.parent / "mirror"
    mirror.mkdir()
    assert pybuilds_config(["set", KEY, mirror.as_uri()]) == 0
    assert capsys.readouterr().err == f"set {KEY} = {mirror.as_uri()} in {user_file(work)}\n"
    assert pybuilds_config(["get", KEY]) == 0
    assert capsys.readouterr().out == f"{mirror.as_uri()}\n"
    assert pybuilds_config(["set", "python-downloads", "manual", "--scope", "project"]) == 0
    assert (work / "uv.toml").read_text() == 'python-downloads = "manual"\n'
    capsys.readouterr()
    assert pybuilds_config(["set", "default-flavour", "pgo+lto-full"]) == 0
    prefs = work.parent / "home" / ".config" / "pybuilds" / "pybuilds.toml"
    assert capsys.readouterr().err == f"set default-flavour = pgo+lto-full in {prefs}\n"


def test_set_notes_a_higher_precedence_value_and_redacts(
    layered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    value = f"https://bob:{SECRET}@new.example/pbs"
    assert pybuilds_config(["set", KEY, value, "--scope", "system"]) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"set {KEY} = https://***@new.example/pbs in {system_file(layered)}",
        f"note: UV_PYTHON_INSTALL_MIRROR takes precedence ({KEY} = https://env.example/pbs)",
    ]
    assert SECRET in system_file(layered).read_text()


def test_set_reports_a_relative_catalog_path_as_written(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(work)
    (work / "rel.json").write_text("{}")
    assert pybuilds_config(["set", "python-downloads-json-url", "rel.json"]) == 0
    written = str(work / "rel.json")
    assert f'python-downloads-json-url = "{written}"' in user_file(work).read_text()
    err = capsys.readouterr().err
    assert err.startswith(f"set python-downloads-json-url = {written} in ")


def test_set_notes_when_uv_ignores_the_file(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_NO_CONFIG", "1")
    assert pybuilds_config(["set", "python-downloads", "never"]) == 0
    err = capsys.readouterr().err
    assert f"note: uv does not read {user_file(work)} while UV_NO_CONFIG is set" in err


@pytest.mark.parametrize("scope", ["project", "user", "system"])
def test_unset_without_the_file_says_so_and_nothing_about_uv_reading_it(
    work: Path, capsys: pytest.CaptureFixture[str], scope: str
) -> None:
    path = {"project": work / "uv.toml", "user": user_file(work), "system": system_file(work)}
    assert pybuilds_config(["unset", "--scope", scope, KEY]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"{KEY} was not set: {path[scope]} does not exist"
    ]
    assert not path[scope].exists()


def test_set_into_tool_uv_does_not_warn_about_where_it_wrote(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = write(work / "pyproject.toml", '[project]\nname = "p"\n\n[tool.uv]\n')
    assert pybuilds_config(["set", "--scope", "project", KEY, "https://m.example/pbs"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"set {KEY} = https://m.example/pbs in {pyproject} [tool.uv]"
    ]
    assert pybuilds_config(["show"]) == 0
    assert capsys.readouterr().err == ""


def test_unset_reports_what_it_did_and_what_still_applies(
    layered: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UV_PYTHON_INSTALL_MIRROR")
    assert pybuilds_config(["unset", KEY]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"removed {KEY} from {user_file(layered)}",
        f"note: {KEY} = https://system.example/pbs still applies, from {system_file(layered)}",
    ]
    assert user_file(layered).read_text() == ""
    assert pybuilds_config(["unset", KEY]) == 0
    assert capsys.readouterr().err.splitlines()[0] == f"{KEY} was not set in {user_file(layered)}"


def test_set_refuses_bad_values_and_broken_files_with_exit_4(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pybuilds_config(["set", "python-downloads", "sometimes"]) == 4
    assert "not one of automatic, manual, never, auto" in capsys.readouterr().err
    broken = write(user_file(work), 'python-downloads = "never"\npython-preference = \n')
    assert pybuilds_config(["set", "python-downloads", "manual"]) == 4
    err = capsys.readouterr().err
    assert err.startswith(f"error: {broken}: invalid TOML at line 2, column 21")
    assert broken.read_text() == 'python-downloads = "never"\npython-preference = \n'


def test_path_lists_every_scope_and_its_state(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(user_file(work), "")
    assert pybuilds_config(["path"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows == [
        ["project", str(work / "uv.toml"), "absent"],
        ["user", str(user_file(work)), "read"],
        ["system", str(system_file(work)), "absent"],
        [
            "pybuilds",
            str(work.parent / "home" / ".config" / "pybuilds" / "pybuilds.toml"),
            "absent",
        ],
    ]
    assert pybuilds_config(["path", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[1] == {
        "scope": "user",
        "path": str(user_file(work)),
        "state": "read",
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [("UV_PYTHON_INSTALL_MIRROR", "http://[::1"), ("UV_HTTP_TIMEOUT", "soon")],
)
def test_the_app_refuses_unusable_settings_before_it_starts(
    name: str,
    value: str,
    uv_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tui.cli import main

    monkeypatch.setenv(name, value)
    assert main([]) == 4  # without the check the app would start, then fail inside
    assert capsys.readouterr().err.startswith(f"error: {name}: ")


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("ui.key-nothing", "x", "no binding has the id `nothing`"),
        ("ui.key-install", "ctrl+bogus+x", '"bogus" in "ctrl+bogus+x" is not a modifier'),
        ("ui.key-install", "q", "q is already Quit (key-quit) in the build list"),
    ],
)
def test_set_refuses_a_key_remap_the_app_would_ignore(
    key: str, value: str, reason: str, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefs = work.parent / "home" / ".config" / "pybuilds" / "pybuilds.toml"
    assert pybuilds_config(["set", key, value]) == 4
    err = capsys.readouterr().err
    assert err.startswith(f"error: {key}: {reason}") and "keeping" not in err
    assert not prefs.exists()
    assert pybuilds_config(["set", "ui.key-install", "I"]) == 0
    assert 'key-install = "I"' in prefs.read_text()


def test_set_refuses_an_unknown_default_flavour(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefs = work.parent / "home" / ".config" / "pybuilds" / "pybuilds.toml"
    assert pybuilds_config(["set", "default-flavour", "bogus"]) == 4
    assert capsys.readouterr().err.startswith("error: default-flavour: unknown flavour `bogus`")
    assert not prefs.exists()
    assert pybuilds_config(["set", "default-flavour", "pgo+lto-full"]) == 0
    assert prefs.read_text() == 'default-flavour = "pgo+lto-full"\n'
