"""Writing settings: only the edited key changes, values are checked, nothing is ever lost."""

from __future__ import annotations

import difflib
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tui
from tui.core.config import (
    add_saved_mirror,
    load_preferences,
    load_settings,
    remove_saved_mirror,
    save_preference,
    set_value,
    unset_value,
)
from tui.core.config_write import edit_setting, target_file
from tui.core.errors import ConfigError

KEY = "python-install-mirror"

RICH_UV_TOML = """\
# Settings for the whole team -- keep in sync with the wiki.

python-preference = "managed"   # we want uv's builds
python-install-mirror = "https://old.example/pbs"  # corp mirror

concurrent-downloads = 4


[pip]
# pip-compatible interface
index-url = "https://pypi.example/simple"

[[index]]
name = "corp"
url = "https://pypi.example/simple"

# trailing comment
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated HOME; returns the working directory tests run in."""
    for name in list(os.environ):
        if name.startswith(("UV_", "XDG_", "PYBUILDS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc-xdg"))
    work = tmp_path / "work"
    work.mkdir()
    return work


def user_file(work: Path) -> Path:
    return work.parent / "home" / ".config" / "uv" / "uv.toml"


def changes(before: str, after: str) -> list[str]:
    """The changed lines, `-old`/`+new`, ignoring context."""
    diff = difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True))
    return [line for line in diff if line[:1] in "+-"]


@pytest.fixture
def mirror_dir(tmp_path: Path) -> Path:
    path = tmp_path / "mirror"
    path.mkdir()
    return path


# --- only the edited line changes -----------------------------------------------------------


def test_replacing_a_value_changes_only_that_line_and_keeps_its_comment(
    home: Path, mirror_dir: Path
) -> None:
    path = user_file(home)
    path.parent.mkdir(parents=True)
    path.write_text(RICH_UV_TOML)
    written = set_value(KEY, mirror_dir.as_uri(), "user", cwd=home)
    assert written == path
    assert changes(RICH_UV_TOML, path.read_text()) == [
        '- python-install-mirror = "https://old.example/pbs"  # corp mirror\n',
        f'+ python-install-mirror = "{mirror_dir.as_uri()}"  # corp mirror\n',
    ]


def test_adding_a_key_adds_one_line_among_the_top_level_keys(home: Path) -> None:
    path = user_file(home)
    path.parent.mkdir(parents=True)
    path.write_text(RICH_UV_TOML)
    set_value("python-downloads", "manual", "user", cwd=home)
    after = path.read_text()
    assert changes(RICH_UV_TOML, after) == ['+ python-downloads = "manual"\n']
    assert after.index("python-downloads") < after.index("[pip]")
    settings = load_settings(cwd=home)
    assert settings.get("python-downloads") == "manual"
    assert settings.get("python-preference") == "managed"


def test_unsetting_removes_only_that_line(home: Path) -> None:
    path = user_file(home)
    path.parent.mkdir(parents=True)
    path.write_text(RICH_UV_TOML)
    assert unset_value(KEY, "user", cwd=home) == path
    assert changes(RICH_UV_TOML, path.read_text()) == [
        '- python-install-mirror = "https://old.example/pbs"  # corp mirror\n'
    ]
    result = edit_setting(KEY, None, "user", cwd=home)
    assert result.changed is False


def test_keys_pybuilds_does_not_know_are_kept(home: Path) -> None:
    path = user_file(home)
    path.parent.mkdir(parents=True)
    original = "future-uv-key = { a = 1 }\nnative-tls = true\n"
    path.write_text(original)
    set_value("python-preference", "only-managed", "user", cwd=home)
    assert path.read_text() == original + 'python-preference = "only-managed"\n'


@pytest.mark.parametrize("gap", ["", "\r\n"])
def test_crlf_files_stay_crlf_and_get_exactly_one_new_line(home: Path, gap: str) -> None:
    path = user_file(home)
    path.parent.mkdir(parents=True)
    head = '# windows\r\npython-preference = "system"\r\n'
    tail = f'{gap}[pip]\r\nindex-url = "https://p"\r\n'
    path.write_bytes((head + tail).encode())
    set_value("python-downloads", "never", "user", cwd=home)
    assert path.read_bytes() == (head + 'python-downloads = "never"\r\n' + tail).encode()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_utf8_bom_is_kept_and_nothing_else_changes(home: Path, newline: str) -> None:
    path = user_file(home)
    path.parent.mkdir(parents=True)
    lines = ["# from notepad", 'python-preference = "system"', "[pip]", 'index-url = "https://p"']
    path.write_bytes(b"\xef\xbb\xbf" + newline.join([*lines, ""]).encode())
    set_value("python-downloads", "never", "user", cwd=home)
    lines.insert(2, 'python-downloads = "never"')
    assert path.read_bytes() == b"\xef\xbb\xbf" + newline.join([*lines, ""]).encode()
    unset_value("python-preference", "user", cwd=home)
    del lines[1]
    assert path.read_bytes() == b"\xef\xbb\xbf" + newline.join([*lines, ""]).encode()


def test_a_new_key_before_a_table_adds_no_blank_line(home: Path) -> None:
    path = user_file(home)
    path.parent.mkdir(parents=True)
    path.write_text('[pip]\nindex-url = "https://p"\n')
    set_value("python-downloads", "never", "user", cwd=home)
    assert path.read_text() == 'python-downloads = "never"\n[pip]\nindex-url = "https://p"\n'


def test_a_file_without_final_newline_keeps_its_last_line(home: Path) -> None:
    path = user_file(home)
    path.parent.mkdir(parents=True)
    path.write_text('python-preference = "system"')
    set_value("python-downloads", "never", "user", cwd=home)
    assert path.read_text() == 'python-preference = "system"\npython-downloads = "never"\n'


def test_setting_the_same_value_writes_nothing(home: Path) -> None:
    path = user_file(home)
    path.parent.mkdir(parents=True)
    path.write_text('python-downloads = "manual"  # as agreed\n')
    before = path.stat().st_mtime_ns
    result = edit_setting("python-downloads", "manual", "user", cwd=home)
    assert (result.changed, path.stat().st_mtime_ns) == (False, before)


# --- which file a scope writes --------------------------------------------------------------


def test_project_scope_creates_uv_toml_in_the_working_dir(home: Path) -> None:
    path = set_value("python-downloads", "manual", "project", cwd=home)
    assert path == home / "uv.toml"
    assert path.read_text() == 'python-downloads = "manual"\n'


def test_project_scope_edits_the_discovered_uv_toml_up_the_tree(home: Path) -> None:
    existing = home / "uv.toml"
    existing.write_text("# project settings\n")
    deep = home / "a" / "b"
    deep.mkdir(parents=True)
    assert set_value("python-downloads", "never", "project", cwd=deep) == existing
    assert not (deep / "uv.toml").exists()


def test_project_scope_never_starts_settings_in_a_pyproject(home: Path) -> None:
    pyproject = home / "pyproject.toml"
    original = '[project]\nname = "p"\nversion = "0"\n'
    pyproject.write_text(original)
    (home / "src").mkdir()
    path = set_value("python-downloads", "manual", "project", cwd=home / "src")
    assert path == home / "uv.toml"  # the project root, where uv looks from inside a project
    assert pyproject.read_text() == original


def test_project_scope_edits_an_existing_tool_uv_table_mirror_keys_included(
    home: Path, mirror_dir: Path
) -> None:
    pyproject = home / "pyproject.toml"
    original = (
        '[project]\nname = "p"\n\n[tool.uv]\n# ours\ndev-dependencies = []\n\n'
        "[tool.ruff]\nline-length = 100\n"
    )
    pyproject.write_text(original)
    result = edit_setting(KEY, mirror_dir.as_uri(), "project", cwd=home)
    assert (result.path, result.table) == (pyproject, ("tool", "uv"))
    assert changes(original, pyproject.read_text()) == [f'+ {KEY} = "{mirror_dir.as_uri()}"\n']
    settings = load_settings(cwd=home)
    assert settings.setting(KEY).origin == f"{pyproject} [tool.uv]"
    assert settings.warnings == ()  # written where uv reads it, so nothing to warn about


def test_system_scope_writes_the_first_xdg_config_dir(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = home.parent / "sys-a"
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{system}:{home.parent / 'sys-b'}")
    path = set_value("python-preference", "system", "system", cwd=home)
    assert path == system / "uv" / "uv.toml"
    assert load_settings(cwd=home).setting("python-preference").kind == "system"


def test_system_scope_defaults_to_etc_uv_and_edits_an_existing_one(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CONFIG_DIRS")
    if not Path("/etc/uv/uv.toml").exists():
        assert target_file("system", env={}, cwd=home) == (Path("/etc/uv/uv.toml"), ())
    existing = home.parent / "sys-b" / "uv" / "uv.toml"
    existing.parent.mkdir(parents=True)
    existing.write_text("")
    env = {"XDG_CONFIG_DIRS": f"{home.parent / 'sys-a'}:{home.parent / 'sys-b'}"}
    assert target_file("system", env=env, cwd=home) == (existing, ())


# --- values are checked before anything is written ------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (KEY, "ftp://mirror.example/pbs", "not an http(s):// or file:// URL"),
        (KEY, "mirror.example/pbs", "not an http(s):// or file:// URL"),
        (KEY, "https://", "not a valid URL: it has no host"),
        (KEY, "http://[::1", "not a valid URL: Invalid IPv6 URL"),
        (KEY, "http://127.0.0.1:abc/", "not a valid URL: Port could not be cast"),
        (KEY, "file:///no/such/dir", "is not an existing directory"),
        (KEY, " https://x.example", "surrounding spaces"),
        ("python-downloads-json-url", "missing.json", "is not an existing file"),
        ("python-downloads-json-url", "file:///no/such.json", "is not an existing file"),
        ("python-downloads", "sometimes", "not one of automatic, manual, never, auto"),
        ("python-preference", "MANAGED", "not one of only-managed, managed, system, only-system"),
        (
            "python-install-dir",
            "/opt/py",
            "only from the environment variable UV_PYTHON_INSTALL_DIR",
        ),
        ("python-install-mirro", "https://x.example", "unknown setting"),
        ("default-flavour", "pgo lto", "not a valid name"),
        ("default-flavour", "bogus", "unknown flavour `bogus`: expected install_only"),
    ],
)
def test_bad_values_are_refused_before_writing(
    home: Path, key: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        set_value(key, value, "user", cwd=home)
    assert not user_file(home).exists()


def test_credentials_never_appear_in_errors_but_are_stored_as_given(home: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        set_value(KEY, "ftp://alice:s3cret@mirror.example/pbs", "user", cwd=home)
    assert "s3cret" not in str(caught.value)
    path = set_value(KEY, "https://alice:s3cret@mirror.example/pbs", "user", cwd=home)
    assert "alice:s3cret@" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0  # a new file with a secret: owner only


def test_relative_catalog_paths_are_stored_normalised_without_resolving_symlinks(
    home: Path,
) -> None:
    (home / "real").mkdir()
    (home / "real" / "cat.json").write_text("{}")
    (home / "linked").symlink_to(home / "real")
    deeper = home / "proj" / "sub" / "deeper"
    deeper.mkdir(parents=True)
    result = edit_setting("python-downloads-json-url", "../../../linked/./cat.json", cwd=deeper)
    assert result.stored == str(home / "linked" / "cat.json")
    assert load_settings(cwd=home).get("python-downloads-json-url") == result.stored


def test_catalog_paths_are_stored_absolute(home: Path) -> None:
    catalog = home / "catalog.json"
    catalog.write_text("{}")
    set_value("python-downloads-json-url", "catalog.json", "user", cwd=home)
    assert load_settings(cwd=home.parent).get("python-downloads-json-url") == str(catalog)
    set_value("python-downloads-json-url", catalog.as_uri(), "user", cwd=home)
    assert load_settings(cwd=home).get("python-downloads-json-url") == catalog.as_uri()


# --- nothing lost ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('python-downloads = "never"\n[pip\nindex-url = "x"\n', "line 2, column 5"),
        ('python-downloads = "a"\npython-downloads = "b"\n', "line 2, column"),
    ],
)
def test_a_file_that_does_not_parse_is_never_overwritten(home: Path, text: str, where: str) -> None:
    path = user_file(home)
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        set_value("python-preference", "system", "user", cwd=home)
    assert str(caught.value).startswith(f"{path}: invalid TOML at {where}")
    assert path.read_text() == text
    assert sorted(p.name for p in path.parent.iterdir()) == ["uv.toml"]


def test_permission_bits_are_kept_and_no_temp_file_is_left(home: Path) -> None:
    path = user_file(home)
    path.parent.mkdir(parents=True)
    path.write_text('python-downloads = "never"\n')
    path.chmod(0o640)
    set_value("python-downloads", "manual", "user", cwd=home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == ["uv.toml"]


CONCURRENT_EDIT = """
import os, sys, time
from pathlib import Path
import tomlkit  # imported before the start line, so the edits overlap as much as they can
from tui.core.config_write import edit_setting
start = Path(sys.argv[1])
while not start.exists():
    time.sleep(0.001)
edit_setting(sys.argv[2], sys.argv[3], "user", cwd=Path.cwd())
"""


def test_concurrent_edits_of_one_file_are_all_kept(home: Path, tmp_path: Path) -> None:
    start = tmp_path / "start"
    edits = {f"ui.key{n}": f"value{n}" for n in range(12)}
    edits |= {"python-preference": "only-managed", "python-downloads": "manual"}
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT_EDIT, str(start), key, value],
            cwd=home,
            env={**os.environ, "PYTHONPATH": str(Path(tui.__file__).parents[1])},
            stderr=subprocess.PIPE,
            text=True,
        )
        for key, value in edits.items()
    ]
    time.sleep(1.0)  # let every process reach the start line
    start.touch()
    for run in runs:
        assert run.wait(timeout=60) == 0, run.communicate()[1]
    settings = load_settings(cwd=home)
    assert {key: settings.get(key) for key in edits} == edits
    leftovers = [*user_file(home).parent.iterdir(), *settings.preferences.path.parent.iterdir()]
    assert sorted(p.name for p in leftovers) == ["pybuilds.toml", "uv.toml"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize(("private", "expected"), [(False, 0o640), (True, 0o600)])
def test_a_new_file_gets_the_umask_mode_or_owner_only_with_credentials(
    home: Path, private: bool, expected: int
) -> None:
    mirror = "https://alice:s3cret@m.example/pbs" if private else "https://m.example/pbs"
    old = os.umask(0o027)
    try:
        path = set_value(KEY, mirror, "user", cwd=home)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == expected
    path.chmod(0o644)  # an edit keeps what the user chose, with or without a secret
    set_value(KEY, "https://bob:pw@m.example/pbs", "user", cwd=home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


TOML_1_1_TOOL_UV = """\
[project]
name = "demo"

[tool.uv]
extra-build-variables = {
    demo = { CFLAGS = "-O2" },
}
"""


@pytest.mark.parametrize(
    "pyproject",
    [
        '[project]\nname = "demo"\n[tool.uv]\nnot-a-uv-key = 1\n',  # uv skips this table
        '[project\n[ "tool" . "uv" . pip ]\nindex-url = "x"\n',
        "[project\ntool.uv.managed = true\n",
        "[[tool.uv.index]]\nname = 'a'\nurl = 'https://x' oops\n",
    ],
    ids=["uv-skips-it", "quoted-header", "dotted-key", "array-of-tables"],
)
def test_no_uv_toml_is_created_beside_a_tool_uv_table_pybuilds_cannot_edit(
    home: Path, pyproject: str
) -> None:
    (home / "pyproject.toml").write_text(pyproject)
    with pytest.raises(ConfigError) as caught:
        set_value(KEY, "https://m.example/pbs", "project", cwd=home)
    assert str(caught.value).startswith(f"{home / 'pyproject.toml'}: has a [tool.uv] table")
    assert caught.value.hint == "edit [tool.uv] by hand, or use --scope user"
    assert sorted(p.name for p in home.iterdir()) == ["pyproject.toml"]


def test_a_toml_1_1_tool_uv_table_is_edited_in_place(home: Path) -> None:
    """uv 0.13.9 reads TOML 1.1; so do tomli (>= 2.4) and tomlkit (>= 0.15)."""
    (home / "pyproject.toml").write_text(TOML_1_1_TOOL_UV)
    written = set_value(KEY, "https://m.example/pbs", "project", cwd=home)
    assert written == home / "pyproject.toml"
    assert (home / "pyproject.toml").read_text() == (
        f'{TOML_1_1_TOOL_UV}{KEY} = "https://m.example/pbs"\n'
    )


def test_a_uv_toml_the_user_made_beside_tool_uv_is_edited(home: Path) -> None:
    (home / "pyproject.toml").write_text(TOML_1_1_TOOL_UV)
    (home / "uv.toml").write_text("")
    assert set_value(KEY, "https://m.example/pbs", "project", cwd=home) == home / "uv.toml"


@pytest.mark.parametrize(
    "pyproject", ['[project]\nname = "demo"\n', "[project\n[tool.ruff]\n"], ids=["valid", "broken"]
)
def test_a_uv_toml_is_created_beside_a_pyproject_without_tool_uv(
    home: Path, pyproject: str
) -> None:
    (home / "pyproject.toml").write_text(pyproject)
    assert set_value(KEY, "https://m.example/pbs", "project", cwd=home) == home / "uv.toml"


def test_a_symlinked_config_stays_a_symlink(home: Path) -> None:
    dotfiles = home.parent / "dotfiles" / "uv.toml"
    dotfiles.parent.mkdir()
    dotfiles.write_text("# mine\n")
    path = user_file(home)
    path.parent.mkdir(parents=True)
    path.symlink_to(dotfiles)
    set_value("python-downloads", "manual", "user", cwd=home)
    assert path.is_symlink()
    assert dotfiles.read_text() == '# mine\npython-downloads = "manual"\n'


def test_a_write_that_fails_leaves_nothing_behind(home: Path) -> None:
    blocker = home.parent / "home" / ".config"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="cannot write"):
        set_value("python-downloads", "manual", "user", cwd=home)
    assert blocker.read_text() == "not a directory"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_unwritable_system_dir_is_a_clear_error(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = home.parent / "locked"
    (locked / "uv").mkdir(parents=True)
    (locked / "uv").chmod(0o500)
    # root ignores mode bits; /sys refuses new entries even to root on Linux.
    system = Path("/sys") if os.geteuid() == 0 and sys.platform == "linux" else locked
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(system))
    try:
        with pytest.raises(ConfigError, match="permission denied") as caught:
            set_value("python-downloads", "manual", "system", cwd=home)
        assert str(caught.value).startswith(f"{system / 'uv' / 'uv.toml'}: ")
        assert caught.value.hint is not None and "--scope user" in caught.value.hint
    finally:
        (locked / "uv").chmod(0o700)


@pytest.mark.skipif(sys.platform != "linux", reason="Linux permissions and /sys")
@pytest.mark.parametrize("scope", ["user", "project", "pybuilds"])
def test_a_permission_error_hint_fits_the_scope(
    home: Path, monkeypatch: pytest.MonkeyPatch, scope: str
) -> None:
    locked = home.parent / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    # root ignores mode bits; /sys refuses new entries even to root.
    folder = Path("/sys/kernel") if os.geteuid() == 0 else locked
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    monkeypatch.setenv("PYBUILDS_CONFIG_FILE", str(folder / "pybuilds.toml"))
    key, value = ("default-flavour", "debug-full") if scope == "pybuilds" else (KEY, "https://m")
    try:
        with pytest.raises(ConfigError, match="permission denied") as caught:
            set_value(key, value, "project" if scope == "project" else "user", cwd=folder)
    finally:
        locked.chmod(0o700)
    assert caught.value.hint is not None
    assert "sudo" not in caught.value.hint and "administrator" not in caught.value.hint
    assert ("--scope user" in caught.value.hint) == (scope == "project")


# --- pybuilds.toml --------------------------------------------------------------------------


def test_pybuilds_keys_go_to_pybuilds_toml_and_never_to_uv_toml(home: Path) -> None:
    uv_toml = user_file(home)
    uv_toml.parent.mkdir(parents=True)
    uv_toml.write_text('python-downloads = "manual"\n')
    path = set_value("default-flavour", "pgo+lto-full", "user", cwd=home)
    assert path == home.parent / "home" / ".config" / "pybuilds" / "pybuilds.toml"
    assert path.read_text() == 'default-flavour = "pgo+lto-full"\n'
    assert uv_toml.read_text() == 'python-downloads = "manual"\n'
    with pytest.raises(ConfigError, match="cannot go in the project scope"):
        set_value("default-flavour", "debug-full", "project", cwd=home)


def test_saving_an_unknown_default_flavour_is_refused(home: Path) -> None:
    with pytest.raises(ConfigError, match=r"^default-flavour: unknown flavour `fast`"):
        save_preference("default-flavour", "fast")
    assert not (home.parent / "home" / ".config" / "pybuilds").exists()


def test_preferences_round_trip_keeping_comments_and_unknown_keys(home: Path) -> None:
    path = home.parent / "home" / ".config" / "pybuilds" / "pybuilds.toml"
    path.parent.mkdir(parents=True)
    original = '# my pybuilds\nfuture-key = "kept"\n\n[ui]\n# look\ntheme = "dark"\n'
    path.write_text(original)
    save_preference("ui.theme", "light")
    save_preference("ui.compact", True)
    save_preference("default-flavour", "install_only")
    add_saved_mirror("corp", "https://u:p@corp.example/pbs")
    add_saved_mirror("local", "file:///srv/pbs")
    add_saved_mirror("corp", "https://corp2.example/pbs")
    prefs = load_preferences()
    assert prefs.default_flavour == "install_only"
    assert dict(prefs.ui) == {"theme": "light", "compact": True}
    assert [(m.name, m.url) for m in prefs.mirrors] == [
        ("local", "file:///srv/pbs"),
        ("corp", "https://corp2.example/pbs"),
    ]
    text = path.read_text()
    assert text.startswith('# my pybuilds\nfuture-key = "kept"\n')
    assert "# look\n" in text
    remove_saved_mirror("local")
    remove_saved_mirror("corp")
    save_preference("ui.compact", None)
    save_preference("default-flavour", None)
    assert "mirrors" not in path.read_text()
    assert load_preferences().ui == {"theme": "light"}
    assert set_value("ui.theme", "true", "user", cwd=home) == path
    assert load_preferences().ui == {"theme": True}
