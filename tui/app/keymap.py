"""Key remaps from pybuilds.toml (`[ui]` `key-install = "I"`): checked, then shown as bound."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.binding import Binding, BindingType

_MODIFIERS = frozenset(["ctrl", "shift", "alt", "meta", "super", "hyper"])
_EXAMPLES = 'as in "I", "ctrl+o", "f2" or "question_mark"'


@dataclass(frozen=True, slots=True)
class Scope:
    """Bindings active at the same time: a key may mean one of them only."""

    name: str
    """Where, for messages: `the build list`."""
    bindings: tuple[Binding, ...]


@dataclass(frozen=True, slots=True)
class KeyProblem:
    """A `key-*` entry left out, and why."""

    entry: str
    """The entry's name: `key-install`."""
    written: str
    """The entry as the file has it (`key-install = "q"`), or its name alone."""
    reason: str
    keep: str | None = None
    """The key the binding keeps (`i`); None when the entry names no binding."""

    def __str__(self) -> str:
        kept = f"; keeping {self.keep}" if self.keep else ""
        return f"{self.written}: {self.reason}{kept}"


@dataclass(frozen=True, slots=True)
class KeymapCheck:
    """What of the `[ui]` `key-*` entries can be used."""

    keymap: dict[str, str]
    """Binding id -> keys, for `App.set_keymap`; only the usable entries."""
    problems: tuple[KeyProblem, ...]
    """One per entry left out; as text, one line naming it, saying why and what key stays."""


def scopes() -> tuple[Scope, ...]:
    """Every screen's bindings, with the app's where they apply too.

    Imported here, not at the top: the screens load on first use, and this runs only when
    pybuilds.toml remaps keys.
    """
    from textual.binding import Binding

    from tui.app.app import PybuildsApp
    from tui.app.screens.browse import BrowseScreen
    from tui.app.screens.confirm import ConfirmScreen
    from tui.app.screens.error import ErrorModal
    from tui.app.screens.help import HelpScreen
    from tui.app.screens.install import InstallDialog
    from tui.app.screens.mirrors import MirrorsScreen
    from tui.app.screens.platform import PlatformDialog
    from tui.app.widgets.build_table import BuildTable

    def bound(*owners: Sequence[BindingType]) -> tuple[Binding, ...]:
        return tuple(b for owner in owners for b in Binding.make_bindings(owner))

    everywhere = PybuildsApp.BINDINGS
    return (
        # The table has the focus most of the time: its keys come first.
        Scope("the build list", bound(BuildTable.BINDINGS, BrowseScreen.BINDINGS, everywhere)),
        Scope("the mirrors screen", bound(MirrorsScreen.BINDINGS, everywhere)),
        Scope("the help", bound(HelpScreen.BINDINGS)),
        Scope("the install dialog", bound(InstallDialog.BINDINGS)),
        Scope("the platform dialog", bound(PlatformDialog.BINDINGS)),
        Scope("questions", bound(ConfirmScreen.BINDINGS)),
        Scope("error messages", bound(ErrorModal.BINDINGS)),
    )


def key_problem(key: str) -> str | None:
    """Why `key` is no key Textual can bind, or None."""
    from textual.keys import Keys, format_key

    *modifiers, name = key.split("+")
    if not name:
        return f'"{key}" is not a key name ({_EXAMPLES})'
    unknown = [m for m in modifiers if m.lower() not in _MODIFIERS]
    if unknown:
        return f'"{unknown[0]}" in "{key}" is not a modifier (ctrl, shift, alt, meta)'
    if len(name) == 1:
        ok = name.isprintable() and not name.isspace()
    else:
        ok = name in {k.value for k in Keys} or len(format_key(name)) == 1
    return None if ok else f'"{name}" is not a key name ({_EXAMPLES})'


def canonical(key: str) -> str:
    """One spelling per key, to find clashes: `?` and `question_mark` are the same key."""
    from textual.keys import format_key

    *modifiers, name = key.split("+")
    return "+".join([*sorted(m.lower() for m in modifiers), format_key(name)])


def check_keymap(entries: Mapping[str, object], scopes: Iterable[Scope]) -> KeymapCheck:
    """The usable `key-*` entries of pybuilds.toml's `[ui]`, and a line for each other one.

    An entry is left out (the binding keeps its default key) when its id names no binding,
    its value is not a string of key names, or one of its keys already means another action
    where the binding applies: `key-toggle-variants = "i"` would take Install's key.

    Args:
        entries: `[ui]` entries whose names start with `key-`, in file order.
        scopes: Bindings active together (see `scopes()`).
    """
    scopes = tuple(scopes)
    known = {b.id: b for scope in scopes for b in scope.bindings if b.id}
    problems: list[KeyProblem] = []
    wanted: dict[str, tuple[str, str]] = {}
    """id -> (keys, the entry as written), for entries whose keys are valid."""
    for name, value in entries.items():
        binding_id = name.removeprefix("key-")
        written = f"{name} = {value!r}".replace("'", '"')
        binding = known.get(binding_id)
        if binding is None:
            reason = f"no binding has the id `{binding_id}` (help lists them)"
            problems.append(KeyProblem(name, name, reason))
            continue
        keep = _shown(binding.key)
        if not isinstance(value, str):
            reason = f'keys are a string, as in {name} = "{value}"'
            problems.append(KeyProblem(name, written, reason, keep))
            continue
        keys = [key.strip() for key in value.split(",")]
        if not value.strip() or "" in keys:
            problems.append(KeyProblem(name, written, "an empty key", keep))
            continue
        problem = next((p for key in keys if (p := key_problem(key))), None)
        if problem:
            problems.append(KeyProblem(name, written, problem, keep))
            continue
        wanted[binding_id] = (",".join(keys), written)
    # Refuse the latest entry in a clash, until none is left: a swap of two keys is fine.
    while clash := _first_clash(scopes, {i: keys for i, (keys, _) in wanted.items()}):
        binding_id, key, other, where = clash
        written = wanted.pop(binding_id)[1]
        taken = f"{other.description} ({_entry(other)})"
        reason = f"{_shown(key)} is already {taken} in {where}"
        problems.append(
            KeyProblem(f"key-{binding_id}", written, reason, _shown(known[binding_id].key))
        )
    return KeymapCheck({i: keys for i, (keys, _) in wanted.items()}, tuple(problems))


def _first_clash(
    scopes: tuple[Scope, ...], keymap: Mapping[str, str]
) -> tuple[str, str, Binding, str] | None:
    """(remapped id, its key, the binding that already has it, where), the latest remap
    first, or None."""
    order = list(keymap)
    found: list[tuple[int, str, str, Binding, str]] = []
    for scope in scopes:
        owners: dict[str, list[Binding]] = {}
        for binding in scope.bindings:
            keys = keymap.get(binding.id or "", binding.key)
            for key in {canonical(k.strip()) for k in keys.split(",")}:
                owners.setdefault(key, []).append(binding)
        for key, bindings in owners.items():
            actions = {(b.id, b.action) for b in bindings}
            if len(actions) < 2:
                continue
            for binding in bindings:
                if binding.id is not None and binding.id in keymap:
                    other = next(
                        b for b in bindings if (b.id, b.action) != (binding.id, binding.action)
                    )
                    found.append((order.index(binding.id), binding.id, key, other, scope.name))
    if not found:
        return None
    _, binding_id, key, other, where = max(found, key=lambda item: item[0])
    return binding_id, key, other, where


def _entry(binding: Binding) -> str:
    return f"key-{binding.id}" if binding.id else "fixed"


def shown_keys(keys: str) -> tuple[str, ...]:
    """`?`, `^o`, `f1`: each of the comma-separated `keys` as the footer shows it."""
    from textual.binding import Binding
    from textual.keys import format_key

    shown = []
    for key in keys.split(","):
        modifiers, name = Binding(key.strip(), "").parse_key()
        text = format_key(name)
        if "ctrl" in modifiers:
            modifiers.remove("ctrl")
            text = f"^{text}"
        shown.append("+".join([*modifiers, text]))
    return tuple(shown)


def _shown(keys: str) -> str:
    return " ".join(shown_keys(keys))


def key_names(bindings: Iterable[Binding], keymap: Mapping[str, str]) -> dict[str, str]:
    """The first key of each binding id as shown (`P`, `?`, `^o`), after `keymap`."""
    names: dict[str, str] = {}
    for binding in bindings:
        if binding.id and binding.id not in names:
            keys = keymap.get(binding.id, binding.key)
            names[binding.id] = shown_keys(keys)[0]
    return names
