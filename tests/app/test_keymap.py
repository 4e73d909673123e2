"""Checking pybuilds.toml's key remaps against every screen's bindings."""

from __future__ import annotations

import pytest

from tui.app.keymap import check_keymap, key_problem, scopes


@pytest.mark.parametrize("key", ["I", "ctrl+o", "f2", "question_mark", "?", "5", "shift+tab"])
def test_key_names(key: str) -> None:
    assert key_problem(key) is None


@pytest.mark.parametrize("key", ["not a key!!", "ctrl+", "hyperspace+x", "escapee", " "])
def test_not_key_names(key: str) -> None:
    assert key_problem(key)


def test_a_swap_of_two_keys_is_no_clash() -> None:
    check = check_keymap({"key-install": "v", "key-toggle-variants": "i"}, scopes())
    assert check.keymap == {"install": "v", "toggle-variants": "i"}
    assert not check.problems


@pytest.mark.parametrize(
    ("entries", "refused", "reason"),
    [
        # The table has the focus, and `k` moves its cursor.
        ({"key-install": "k"}, "key-install", "is already Up (fixed) in the build list"),
        ({"key-install": "?"}, "key-install", "? is already Help (key-help)"),
        # The later of two entries asking for one key is the one refused.
        ({"key-install": "I", "key-uninstall": "I"}, "key-uninstall", "I is already Install"),
        ({"key-mirror-test": "escape"}, "key-mirror-test", "is already Builds (key-mirror-back)"),
    ],
)
def test_a_key_another_action_has_is_refused(
    entries: dict[str, object], refused: str, reason: str
) -> None:
    check = check_keymap(entries, scopes())
    assert refused.removeprefix("key-") not in check.keymap
    [problem] = map(str, check.problems)
    assert problem.startswith(f"{refused} = ") and reason in problem


def test_keys_of_separate_screens_do_not_clash() -> None:
    # Install (the build list) and Test (the mirrors screen) are never active together.
    check = check_keymap({"key-install": "t"}, scopes())
    assert check.keymap == {"install": "t"} and not check.problems
