"""Reading settings like uv: every precedence rule, discovery rule and provenance detail."""

from __future__ import annotations

import argparse
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tui.commands.common import add_config_arguments
from tui.commands.settings import settings_from_args
from tui.core.config import add_saved_mirror, load_preferences, load_settings
from tui.core.errors import ConfigError

KEY = "python-install-mirror"


@dataclass
class Tree:
    """An isolated machine: HOME, a system config dir and a project folder, all under tmp."""

    root: Path
    home: Path
    system_dir: Path
    project: Path

    @property
    def user_file(self) -> Path:
        return self.home / ".config" / "uv" / "uv.toml"

    @property
    def system_file(self) -> Path:
        return self.system_dir / "uv" / "uv.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tree:
    for name in list(os.environ):
        if name.startswith(("UV_", "XDG_", "PYBUILDS_")):
            monkeypatch.delenv(name)
    for parent in tmp_path.parents:
        assert not (parent / "uv.toml").exists(), f"stray {parent / 'uv.toml'} breaks discovery"
        assert not (parent / "pyproject.toml").exists(), f"stray {parent}/pyproject.toml"
    tree = Tree(tmp_path, tmp_path / "home", tmp_path / "etc-xdg", tmp_path / "work" / "proj")
    tree.project.mkdir(parents=True)
    tree.system_dir.mkdir()
    monkeypatch.setenv("HOME", str(tree.home))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tree.system_dir))
    return tree


# --- precedence: cli > env > project > user > system ---------------------------------------

LAYERS = ("cli", "env", "project", "user", "system")


@pytest.mark.parametrize(
    "layers",
    [c for n in range(1, 6) for c in itertools.combinations(LAYERS, n)],
    ids=lambda c: "+".join(c),
)
def test_highest_layer_wins_and_shadows_the_rest_in_order(
    tree: Tree, monkeypatch: pytest.MonkeyPatch, layers: tuple[str, ...]
) -> None:
    origins = {
        "cli": "--mirror",
        "env": "UV_PYTHON_INSTALL_MIRROR",
        "project": str(tree.project / "uv.toml"),
        "user": str(tree.user_file),
        "system": str(tree.system_file),
    }
    for layer in layers:
        value = f"https://{layer}.example/m"
        if layer == "env":
            monkeypatch.setenv("UV_PYTHON_INSTALL_MIRROR", value)
        elif layer != "cli":
            write(Path(origins[layer]), f'{KEY} = "{value}"\n')
    cli = {KEY: "https://cli.example/m" if "cli" in layers else None}

    setting = load_settings(cli, cwd=tree.project).setting(KEY)

    assert (setting.kind, setting.origin) == (layers[0], origins[layers[0]])
    assert setting.value == f"https://{layers[0]}.example/m"
    assert [(s.kind, s.origin, s.value) for s in setting.shadowed] == [
        (layer, origins[layer], f"https://{layer}.example/m") for layer in layers[1:]
    ]
    assert all(s.shadowed == () for s in setting.shadowed)


def test_unset_key_is_default_with_nothing_shadowed(tree: Tree) -> None:
    settings = load_settings(cwd=tree.project)
    setting = settings.setting(KEY)
    assert (setting.value, setting.kind, setting.origin, setting.shadowed) == (
        None,
        "default",
        "default",
        (),
    )
    assert settings.get(KEY) is None
    assert settings.python_preference() == "managed"
    assert settings.python_downloads() == "automatic"
    with pytest.raises(KeyError):
        settings.setting("python-install-mirro")


def test_empty_environment_values_count_as_unset(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tree.user_file, f'{KEY} = "https://user.example/m"\n')
    monkeypatch.setenv("UV_PYTHON_INSTALL_MIRROR", "")
    monkeypatch.setenv("UV_CONFIG_FILE", "")
    monkeypatch.setenv("UV_NO_CONFIG", "")
    setting = load_settings(cwd=tree.project).setting(KEY)
    assert (setting.kind, setting.value) == ("user", "https://user.example/m")


def test_cli_none_means_not_given_and_unknown_cli_names_are_a_bug(tree: Tree) -> None:
    assert load_settings({KEY: None}, cwd=tree.project).setting(KEY).kind == "default"
    with pytest.raises(ValueError, match="python-mirror"):
        load_settings({"python-mirror": "https://x.example"}, cwd=tree.project)


def test_every_env_variable_maps_to_its_key(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    variables = {
        "UV_PYTHON_INSTALL_MIRROR": "python-install-mirror",
        "UV_PYPY_INSTALL_MIRROR": "pypy-install-mirror",
        "UV_GRAALPY_INSTALL_MIRROR": "graalpy-install-mirror",
        "UV_PYTHON_DOWNLOADS_JSON_URL": "python-downloads-json-url",
        "UV_PYTHON_INSTALL_DIR": "python-install-dir",
        "UV_PYTHON_BIN_DIR": "python-bin-dir",
        "UV_PYTHON_CACHE_DIR": "python-cache-dir",
    }
    for name in variables:
        monkeypatch.setenv(name, f"/value/of/{name}")
    settings = load_settings(cwd=tree.project)
    for name, key in variables.items():
        assert (settings.get(key), settings.setting(key).origin) == (f"/value/of/{name}", name)
    assert settings.install_dir() == Path("/value/of/UV_PYTHON_INSTALL_DIR")
    assert settings.bin_dir() == Path("/value/of/UV_PYTHON_BIN_DIR")
    assert settings.cache_dir() == Path("/value/of/UV_PYTHON_CACHE_DIR")


def test_env_only_directories_take_flags_and_resolve_relative_to_cwd(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", "/from/env")
    settings = load_settings({"python-install-dir": "pythons"}, cwd=tree.project)
    setting = settings.setting("python-install-dir")
    assert (setting.kind, setting.origin) == ("cli", "--install-dir")
    assert [s.origin for s in setting.shadowed] == ["UV_PYTHON_INSTALL_DIR"]
    assert settings.install_dir() == tree.project / "pythons"


def test_a_quoted_tilde_is_taken_as_uv_takes_it_with_a_warning(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    # uv 0.13.9: `UV_PYTHON_INSTALL_DIR='~/py' uv python dir` is `~/py`, under the working dir.
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", "~/py")
    monkeypatch.setenv("UV_PYTHON_BIN_DIR", "/bin/ok")
    settings = load_settings(cwd=tree.project)
    assert settings.install_dir() == tree.project / "~" / "py"
    assert settings.bin_dir() == Path("/bin/ok")
    assert [w for w in settings.warnings if "`~`" in w] == [
        "UV_PYTHON_INSTALL_DIR: `~/py` starts with `~`, which uv does not expand: it means a "
        "folder named `~` in the working directory; write the full path"
    ]


def test_install_dir_default_follows_xdg_data_home(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tree.root / "data"))
    assert load_settings(cwd=tree.project).install_dir() == tree.root / "data" / "uv" / "python"


# --- python-downloads / python-preference values --------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("auto", "automatic"), ("1", "automatic"), ("TRUE", "automatic"), ("Never", "never"),
     ("0", "never"), ("false", "never"), ("manual", "manual")],
)  # fmt: skip
def test_python_downloads_env_values_normalise_like_uv(
    tree: Tree, monkeypatch: pytest.MonkeyPatch, raw: str, expected: str
) -> None:
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", raw)
    settings = load_settings(cwd=tree.project)
    assert settings.get("python-downloads") == expected
    assert settings.python_downloads() == expected
    assert settings.warnings == ()


def test_python_downloads_auto_in_a_file_means_automatic(tree: Tree) -> None:
    write(tree.project / "uv.toml", 'python-downloads = "auto"\npython-preference = "system"\n')
    settings = load_settings(cwd=tree.project)
    assert settings.python_downloads() == "automatic"
    assert settings.python_preference() == "system"


def test_invalid_values_are_reported_and_fail_only_when_used(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "yes")  # uv rejects `yes` here
    write(tree.user_file, 'python-preference = "MANAGED"\n')
    settings = load_settings(cwd=tree.project)
    assert any("UV_PYTHON_DOWNLOADS" in w and "uv refuses" in w for w in settings.warnings)
    assert any(str(tree.user_file) in w and "python-preference" in w for w in settings.warnings)
    with pytest.raises(ConfigError, match=r"UV_PYTHON_DOWNLOADS.*automatic, manual, never"):
        settings.python_downloads()
    with pytest.raises(ConfigError, match="only-managed, managed, system, only-system"):
        settings.python_preference()


# --- project discovery ----------------------------------------------------------------------


def test_uv_toml_beats_sibling_pyproject_and_says_what_is_ignored(tree: Tree) -> None:
    write(tree.project / "uv.toml", f'{KEY} = "https://uv-toml.example"\n')
    write(
        tree.project / "pyproject.toml",
        '[project]\nname = "p"\n[tool.uv]\npython-downloads = "never"\n'
        f'{KEY} = "https://pyproject.example"\n',
    )
    settings = load_settings(cwd=tree.project)
    assert settings.setting(KEY).origin == str(tree.project / "uv.toml")
    assert settings.setting(KEY).shadowed == ()
    assert settings.get("python-downloads") is None
    [warning] = settings.warnings
    assert "[tool.uv] is ignored" in warning
    assert f"python-downloads, {KEY}" in warning


def test_pyproject_tool_uv_is_read_and_mirror_keys_there_are_used_as_uv_does(tree: Tree) -> None:
    pyproject = write(
        tree.project / "pyproject.toml",
        f'[project]\nname = "p"\n\n[tool.uv]\n{KEY} = "https://pp.example"\n'
        'python-downloads = "manual"\n',
    )
    settings = load_settings(cwd=tree.project / "src" / "pkg")
    assert settings.setting(KEY).origin == f"{pyproject} [tool.uv]"
    assert settings.setting(KEY).kind == "project"
    assert settings.python_downloads() == "manual"
    assert settings.warnings == ()  # uv 0.13.9 reads mirror keys from [tool.uv] too


def test_pyproject_without_tool_uv_is_skipped_and_the_walk_goes_up(tree: Tree) -> None:
    outer = write(tree.project.parent / "uv.toml", f'{KEY} = "https://outer.example"\n')
    write(tree.project / "pyproject.toml", "[tool.black]\nline-length = 100\n")
    assert load_settings(cwd=tree.project / "deep").setting(KEY).origin == str(outer)


def test_nearest_project_file_wins_and_further_ones_are_not_read(tree: Tree) -> None:
    write(tree.project.parent / "uv.toml", f'{KEY} = "https://outer.example"\n')
    inner = write(tree.project / "a" / "uv.toml", f'{KEY} = "https://inner.example"\n')
    setting = load_settings(cwd=tree.project / "a" / "b" / "c").setting(KEY)
    assert (setting.origin, setting.shadowed) == (str(inner), ())


def test_inside_a_project_the_search_starts_at_its_root_as_uv_does(tree: Tree) -> None:
    root_file = write(tree.project / "uv.toml", f'{KEY} = "https://root.example"\n')
    write(tree.project / "pyproject.toml", '[project]\nname = "p"\nversion = "0"\n')
    write(tree.project / "sub" / "uv.toml", f'{KEY} = "https://sub.example"\n')
    assert load_settings(cwd=tree.project / "sub").setting(KEY).origin == str(root_file)


def test_workspace_members_use_the_workspace_root_settings(tree: Tree) -> None:
    write(
        tree.project / "pyproject.toml",
        '[project]\nname = "root"\n[tool.uv.workspace]\nmembers = ["packages/*"]\n'
        f'[tool.uv]\n{KEY} = "https://root.example"\n',
    )
    member = tree.project / "packages" / "a"
    write(
        member / "pyproject.toml",
        f'[project]\nname = "a"\n[tool.uv]\n{KEY} = "https://a.example"\n',
    )
    assert load_settings(cwd=member).get(KEY) == "https://root.example"


def test_a_broken_pyproject_is_skipped_with_a_warning_like_uv(tree: Tree) -> None:
    outer = write(tree.project.parent / "uv.toml", f'{KEY} = "https://outer.example"\n')
    write(tree.project / "pyproject.toml", "[project\nname = 1\n")
    settings = load_settings(cwd=tree.project)
    assert settings.setting(KEY).origin == str(outer)
    assert any("line 1, column" in w and "uv skips" in w for w in settings.warnings)


def test_toml_1_1_is_read_as_uv_reads_it(tree: Tree) -> None:
    """Multi-line inline tables and `\\e` escapes are TOML 1.1: uv 0.13.9 reads them, and
    tomllib (TOML 1.0) refused the whole file."""
    write(
        tree.project / "pyproject.toml",
        f'[project]\nname = "a"\n[tool.uv]\n{KEY} = "https://m.example"\n'
        'extra-build-variables = {\n  a = { B = "\\e" },\n}\n',
    )
    settings = load_settings(cwd=tree.project)
    assert not settings.warnings
    assert settings.get(KEY) == "https://m.example"


def test_a_pyproject_with_an_unknown_tool_uv_key_is_skipped_like_uv(tree: Tree) -> None:
    outer = write(tree.project.parent / "uv.toml", f'{KEY} = "https://outer.example"\n')
    write(tree.project / "pyproject.toml", f'[tool.uv]\n{KEY} = "https://x"\nbogus = 1\n')
    settings = load_settings(cwd=tree.project)
    assert settings.setting(KEY).origin == str(outer)
    assert any("unknown key `bogus`" in w and "uv skips" in w for w in settings.warnings)


def test_an_unknown_key_in_uv_toml_is_kept_reading_but_reported(tree: Tree) -> None:
    write(tree.user_file, f'{KEY} = "https://user.example"\npython-install-mirro = "typo"\n')
    settings = load_settings(cwd=tree.project)
    assert settings.get(KEY) == "https://user.example"
    [warning] = settings.warnings
    assert "`python-install-mirro`" in warning and "uv refuses this file" in warning


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (KEY, f"`{KEY}` is under [pip], but uv takes it only at the top level, before any table"),
        ("bogus", "unknown key `pip.bogus`"),
    ],
    ids=["mirror-key", "unknown-key"],
)
def test_a_key_uv_does_not_accept_under_pip_is_reported(tree: Tree, key: str, problem: str) -> None:
    path = write(tree.user_file, f'python-downloads = "manual"\n\n[pip]\n{key} = "https://x"\n')
    settings = load_settings(cwd=tree.project)
    assert settings.warnings == (f"{path}: {problem}; uv refuses this file",)
    assert settings.get(KEY) is None


def test_a_pyproject_with_a_bad_tool_uv_pip_key_is_skipped_like_uv(tree: Tree) -> None:
    outer = write(tree.project.parent / "uv.toml", f'{KEY} = "https://outer.example"\n')
    write(
        tree.project / "pyproject.toml",
        f'[tool.uv]\n{KEY} = "https://x"\n[tool.uv.pip]\n{KEY} = "https://y"\n',
    )
    settings = load_settings(cwd=tree.project)
    assert settings.setting(KEY).origin == str(outer)
    assert any("is under [pip]" in w and "uv skips" in w for w in settings.warnings)


def test_a_non_string_value_is_reported_and_ignored(tree: Tree) -> None:
    write(tree.project / "uv.toml", f"{KEY} = 1\n")
    write(tree.user_file, f'{KEY} = "https://user.example"\n')
    settings = load_settings(cwd=tree.project)
    assert settings.setting(KEY).kind == "user"
    assert any("must be a string" in w for w in settings.warnings)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (f'# ok\n{KEY} = "https://x"\npython-downloads = manual\n', "line 3, column 20"),
        (f'{KEY} = "a"\n{KEY} = "b"\n', "line 2, column"),
        ('python-downloads = "never', "line 1, column"),
    ],
)
def test_a_uv_toml_that_does_not_parse_is_one_error_with_line_and_column(
    tree: Tree, text: str, where: str
) -> None:
    path = write(tree.project / "uv.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(cwd=tree.project)
    message = str(caught.value)
    assert message.startswith(f"{path}: invalid TOML at {where}")
    assert "\n" not in message


def test_a_file_that_is_not_utf8_names_the_position(tree: Tree) -> None:
    tree.user_file.parent.mkdir(parents=True)
    tree.user_file.write_bytes(b'# ok\npython-downloads = "n\xe9ver"\n')
    with pytest.raises(ConfigError, match=r"not UTF-8 text at line 2, column 22"):
        load_settings(cwd=tree.project)


# --- user and system files ------------------------------------------------------------------


def test_user_file_follows_xdg_config_home_but_not_a_relative_one(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tree.user_file, f'{KEY} = "https://home.example"\n')
    xdg_file = write(tree.root / "xdg" / "uv" / "uv.toml", f'{KEY} = "https://xdg.example"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tree.root / "xdg"))
    assert load_settings(cwd=tree.project).setting(KEY).origin == str(xdg_file)
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/xdg")
    assert load_settings(cwd=tree.project).setting(KEY).origin == str(tree.user_file)


def test_system_file_is_the_first_along_xdg_config_dirs(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = (tree.root / name for name in ("s1", "s2", "s3"))
    write(third / "uv" / "uv.toml", f'{KEY} = "https://s3.example"\n')
    chosen = write(second / "uv" / "uv.toml", f'{KEY} = "https://s2.example"\n')
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{first}::{second}:{third}")
    setting = load_settings(cwd=tree.project).setting(KEY)
    assert (setting.kind, setting.origin, setting.shadowed) == ("system", str(chosen), ())


@pytest.mark.parametrize(
    ("flag", "read"), [("1", False), ("true", False), ("0", True), ("off", True)]
)
def test_uv_no_system_config(
    tree: Tree, monkeypatch: pytest.MonkeyPatch, flag: str, read: bool
) -> None:
    write(tree.system_file, f'{KEY} = "https://system.example"\n')
    monkeypatch.setenv("UV_NO_SYSTEM_CONFIG", flag)
    assert (load_settings(cwd=tree.project).get(KEY) is not None) is read


# --- UV_CONFIG_FILE and UV_NO_CONFIG --------------------------------------------------------


def test_config_file_replaces_every_discovered_file(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in (tree.project / "uv.toml", tree.user_file, tree.system_file):
        write(path, f'{KEY} = "https://discovered.example"\npython-downloads = "never"\n')
    explicit = write(tree.project / "conf" / "mine.toml", f'{KEY} = "https://mine.example"\n')
    monkeypatch.setenv("UV_CONFIG_FILE", "conf/mine.toml")  # relative to the working dir
    settings = load_settings(cwd=tree.project)
    setting = settings.setting(KEY)
    assert (setting.kind, setting.origin, setting.shadowed) == ("config-file", str(explicit), ())
    assert settings.get("python-downloads") is None
    assert settings.discovery.override == "UV_CONFIG_FILE"


def test_config_file_flag_beats_env_and_both_beat_no_config(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_env = write(tree.root / "env.toml", f'{KEY} = "https://env-file.example"\n')
    from_flag = write(tree.root / "flag.toml", f'{KEY} = "https://flag-file.example"\n')
    monkeypatch.setenv("UV_CONFIG_FILE", str(from_env))
    monkeypatch.setenv("UV_NO_CONFIG", "1")
    assert load_settings(cwd=tree.project).setting(KEY).origin == str(from_env)
    settings = load_settings(cwd=tree.project, config_file=from_flag, no_config=True)
    assert settings.setting(KEY).origin == str(from_flag)
    assert settings.discovery.override == "--config-file"


def test_a_missing_config_file_is_an_error(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_CONFIG_FILE", str(tree.root / "missing.toml"))
    with pytest.raises(ConfigError, match=r"missing\.toml: file not found") as caught:
        load_settings(cwd=tree.project)
    assert caught.value.hint is not None and "UV_CONFIG_FILE" in caught.value.hint


def test_a_pyproject_given_as_config_file_is_read_as_uv_toml_with_warnings(tree: Tree) -> None:
    path = write(tree.root / "pyproject.toml.d" / "pyproject.toml", '[project]\nname = "x"\n')
    settings = load_settings(cwd=tree.project, config_file=path)
    assert "expects a uv.toml file" in settings.warnings[0]
    assert "unknown key `project`" in settings.warnings[1]


@pytest.mark.parametrize(("value", "ignored"), [("1", True), ("yes", True), ("false", False)])
def test_uv_no_config_ignores_files_but_not_env(
    tree: Tree, monkeypatch: pytest.MonkeyPatch, value: str, ignored: bool
) -> None:
    for path in (tree.project / "uv.toml", tree.user_file, tree.system_file):
        write(path, 'python-downloads = "never"\n')
    monkeypatch.setenv("UV_NO_CONFIG", value)
    monkeypatch.setenv("UV_PYTHON_INSTALL_MIRROR", "https://env.example")
    settings = load_settings(cwd=tree.project)
    assert (settings.get("python-downloads") is None) is ignored
    assert settings.get(KEY) == "https://env.example"
    assert (settings.files == ()) is ignored


def test_no_config_argument_and_bad_boolean(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tree.user_file, 'python-downloads = "never"\n')
    settings = load_settings(cwd=tree.project, no_config=True)
    assert (settings.get("python-downloads"), settings.discovery.override) == (None, "--no-config")
    monkeypatch.setenv("UV_NO_CONFIG", "banana")
    with pytest.raises(ConfigError, match="UV_NO_CONFIG: invalid value `banana`"):
        load_settings(cwd=tree.project)


# --- pybuilds.toml --------------------------------------------------------------------------


def test_pybuilds_preferences_come_from_their_own_file(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tree.home / ".config" / "pybuilds" / "pybuilds.toml",
        'default-flavour = "pgo+lto-full"\nfuture-key = 1\n\n[[mirrors]]\nname = "corp"\n'
        'url = "https://u:p@corp.example/pbs"\n\n[ui]\ntheme = "dark"\ncompact = true\n',
    )
    settings = load_settings(cwd=tree.project)
    flavour = settings.setting("default-flavour")
    assert (flavour.value, flavour.kind, flavour.origin) == ("pgo+lto-full", "pybuilds", str(path))
    assert settings.get("ui.theme") == "dark"
    assert settings.get("ui.compact") == "true"
    prefs = settings.preferences
    assert [(m.name, m.url) for m in prefs.mirrors] == [("corp", "https://u:p@corp.example/pbs")]
    cli = load_settings({"default-flavour": "install_only"}, cwd=tree.project)
    assert [
        s.kind for s in (cli.setting("default-flavour"), *cli.setting("default-flavour").shadowed)
    ] == ["cli", "pybuilds"]
    other = write(tree.root / "elsewhere.toml", 'default-flavour = "debug-full"\n')
    monkeypatch.setenv("PYBUILDS_CONFIG_FILE", str(other))
    assert load_preferences().default_flavour == "debug-full"


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ('ui = "dark"\n', "`ui` must be a table; ignored"),
        ("ui = [1, 2]\n", "`ui` must be a table; ignored"),
        ("mirrors = 5\n", "`mirrors` must be an array of tables; ignored"),
        ('mirrors = "corp"\n', "`mirrors` must be an array of tables; ignored"),
        ("[mirrors]\nname = 'x'\n", "`mirrors` must be an array of tables; ignored"),
    ],
)
def test_a_mistyped_preference_table_is_a_warning_naming_file_and_key(
    tree: Tree, text: str, warning: str
) -> None:
    path = write(
        tree.home / ".config" / "pybuilds" / "pybuilds.toml",
        'default-flavour = "debug-full"\n' + text,
    )
    settings = load_settings(cwd=tree.project)
    assert settings.warnings == (f"{path}: {warning}",)
    assert settings.preferences.ui == {}
    assert settings.preferences.mirrors == ()
    assert settings.get("default-flavour") == "debug-full"


@pytest.mark.parametrize(
    ("value", "warning"),
    [
        ('"bogus"', "`default-flavour`: unknown flavour `bogus`: expected install_only"),
        ("3", "`default-flavour` must be a string; ignored"),
    ],
)
def test_a_bad_default_flavour_is_reported_against_its_file_and_ignored(
    tree: Tree, value: str, warning: str
) -> None:
    path = write(
        tree.home / ".config" / "pybuilds" / "pybuilds.toml", f"default-flavour = {value}\n"
    )
    settings = load_settings(cwd=tree.project)
    [reported] = settings.warnings
    assert reported.startswith(f"{path}: {warning}") and reported.endswith("; ignored")
    assert settings.setting("default-flavour").kind == "default"


def test_saving_a_mirror_replaces_a_mistyped_mirrors_value(tree: Tree) -> None:
    path = write(tree.home / ".config" / "pybuilds" / "pybuilds.toml", "mirrors = 5\n")
    add_saved_mirror("corp", "https://corp.example/pbs")
    assert [(m.name, m.url) for m in load_preferences().mirrors] == [
        ("corp", "https://corp.example/pbs")
    ]
    assert load_preferences().warnings == ()
    assert "mirrors = 5" not in path.read_text()


def test_uv_keys_in_pybuilds_toml_are_not_uv_settings(tree: Tree) -> None:
    write(tree.home / ".config" / "pybuilds" / "pybuilds.toml", f'{KEY} = "https://p.example"\n')
    assert load_settings(cwd=tree.project).get(KEY) is None


BOM = "\ufeff"


@pytest.mark.parametrize("where", ["uv.toml", "pyproject.toml", "user", "pybuilds.toml"])
def test_a_utf8_bom_at_the_start_is_ignored_as_uv_ignores_it(tree: Tree, where: str) -> None:
    key, line = "python-downloads", 'python-downloads = "manual"\n'
    path = {
        "user": tree.user_file,
        "pybuilds.toml": tree.home / ".config" / "pybuilds" / "pybuilds.toml",
    }.get(where, tree.project / where)
    if where == "pyproject.toml":
        line = f'[project]\nname = "x"\n[tool.uv]\n{line}'
    elif where == "pybuilds.toml":
        key, line = "default-flavour", 'default-flavour = "debug-full"\n'
    write(path, BOM + line)
    settings = load_settings(cwd=tree.project)
    assert settings.setting(key).origin.startswith(str(path))
    assert settings.warnings == ()


def test_a_broken_pybuilds_toml_is_a_clear_error(tree: Tree) -> None:
    path = write(tree.home / ".config" / "pybuilds" / "pybuilds.toml", "[ui\n")
    with pytest.raises(ConfigError, match=rf"^{path}: invalid TOML at line 1, column"):
        load_settings(cwd=tree.project)


# --- commands: the common flags -------------------------------------------------------------


def test_settings_from_args_maps_the_common_flags(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tree.user_file, f'{KEY} = "https://user.example"\n')
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirror")
    parser.add_argument("--install-dir", type=Path)
    parser.add_argument("--no-python-downloads", action="store_true")
    add_config_arguments(parser)
    monkeypatch.chdir(tree.project)
    args = parser.parse_args(["--mirror", "https://flag.example", "--install-dir", "/opt/py"])
    settings = settings_from_args(args, show_warnings=False)
    assert settings.setting(KEY).origin == "--mirror"
    assert settings.setting(KEY).shadowed[0].kind == "user"
    assert settings.get("python-install-dir") == "/opt/py"
    assert settings.get("python-downloads") is None
    args = parser.parse_args(["--no-config", "--no-python-downloads"])
    settings = settings_from_args(args, show_warnings=False)
    assert settings.get(KEY) is None
    assert settings.python_downloads() == "never"
    assert settings.setting("python-downloads").origin == "--no-python-downloads"
