"""What the doctor (and every download) says about a netrc file it cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpserver import HTTPTestServer
from test_doctor import DATA, NAME, PLATFORM, SECRET, TAG, write_catalog

from tui.core.config import load_settings
from tui.core.doctor import Report, diagnose
from tui.core.fetch import FetchOptions
from tui.core.netrc_auth import lookup_credentials

ENTRY = f"machine 127.0.0.1 login mirror-user password {SECRET}"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (f"{ENTRY}\nbogus word\n", 2),  # a word the parser rejects mid-line
        ("bogus\n" + ENTRY + "\n", 1),  # ... ending a line: Python says line 2
        (f"{ENTRY} bogus\nmachine other\n", 1),
        (f"{ENTRY}\nmachine\n", 2),  # cut short at the end: Python says line 3
        (f"{ENTRY}\nmachine\n\n\n", 2),  # ... before blank lines: Python says line 5
        (f"{ENTRY}\nmacdef init\n", 2),  # a macro never ended by a blank line
        (f"{ENTRY}\nbogus", 2),
    ],
)
def test_a_netrc_syntax_error_names_its_line(tmp_path: Path, text: str, line: int) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(text)
    lookup = lookup_credentials("http://127.0.0.1/x", netrc)
    assert lookup.credentials is None
    assert lookup.warnings == (f"ignoring netrc file {netrc}: syntax error on line {line}",)
    assert SECRET not in str(lookup)


def test_a_netrc_folder_is_called_a_folder(tmp_path: Path) -> None:
    lookup = lookup_credentials("http://127.0.0.1/x", tmp_path)
    assert lookup.warnings == (f"ignoring netrc file {tmp_path}: it is a folder, not a file",)


def doctor_with_netrc(tmp_path: Path, server: HTTPTestServer, netrc: Path) -> Report:
    server.add_file(f"{TAG}/{NAME}", DATA)
    settings = load_settings(
        {
            "python-install-mirror": server.url,
            "python-downloads-json-url": str(write_catalog(tmp_path / "catalog.json")),
        },
        env={"HOME": str(tmp_path), "UV_NO_SYSTEM_CONFIG": "1"},
        cwd=tmp_path,
    )
    options = FetchOptions(timeout=5, retries=0, netrc_path=netrc)
    return diagnose("3.12", settings, PLATFORM, options=options)


def test_doctor_does_not_say_an_ignored_netrc_lacks_the_entry(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"{ENTRY}\nmachine\n")
    report = doctor_with_netrc(tmp_path, http_server, netrc)
    messages = [f.message for f in report.findings if f.step == "credentials"]
    assert messages == [
        f"credentials: ignoring netrc file {netrc}: syntax error on line 2",
        f"credentials: none ({netrc} was ignored)",
    ]


def test_doctor_says_a_netrc_folder_is_a_folder(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    folder = tmp_path / "netrc.d"
    folder.mkdir()
    report = doctor_with_netrc(tmp_path, http_server, folder)
    messages = [f.message for f in report.findings if f.step == "credentials"]
    assert messages == [
        f"credentials: ignoring netrc file {folder}: it is a folder, not a file",
        f"credentials: none ({folder} was ignored)",
    ]
