"""`pybuilds doctor` on real file:// trees and a real HTTP server on 127.0.0.1, good and broken."""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import ssl
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from httpserver import HTTPTestServer

from tui.commands import doctor_cmd
from tui.core.config import load_settings
from tui.core.doctor import Finding, Report, diagnose
from tui.core.doctor_common import verdict
from tui.core.fetch import FetchOptions
from tui.core.platform import Platform

PBS = "https://github.com/astral-sh/python-build-standalone/releases/download"
PLATFORM = Platform("linux", "x86_64", "gnu")
TAG = "20240713"
VERSION = "3.12.4"
NAME = f"cpython-{VERSION}+{TAG}-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
DATA = gzip.compress(random.Random(3).randbytes(64 << 10), compresslevel=1)
SHA = hashlib.sha256(DATA).hexdigest()
SECRET = "n0t-Th3-Pa55w0rd"


def write_catalog(
    path: Path, url: str = f"{PBS}/{TAG}/{quote(NAME)}", sha256: str | None = SHA
) -> Path:
    path.write_text(json.dumps({f"cpython-{VERSION}-linux-x86_64-gnu": entry(url, sha256)}))
    return path


def entry(url: str, sha256: str | None, *, tag: str = TAG, patch: int = 4) -> dict[str, object]:
    return {
        "name": "cpython",
        "arch": {"family": "x86_64", "variant": None},
        "os": "linux",
        "libc": "gnu",
        "major": 3,
        "minor": 12,
        "patch": patch,
        "prerelease": "",
        "url": url,
        "sha256": sha256,
        "variant": None,
        "build": tag,
    }


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    return write_catalog(tmp_path / "catalog.json")


@pytest.fixture
def options(tmp_path: Path) -> FetchOptions:
    return FetchOptions(timeout=5, retries=0, backoff=0.001, netrc_path=tmp_path / "no-netrc")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A settings environment with no uv config anywhere."""
    home = tmp_path / "home"
    home.mkdir()
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "UV_NO_SYSTEM_CONFIG": "1"}


Doctor = Callable[..., Report]


@pytest.fixture
def doctor(tmp_path: Path, catalog: Path, env: dict[str, str], options: FetchOptions) -> Doctor:
    def run(
        mirror: str | None,
        *,
        request: str = "3.12",
        verify: bool = False,
        fetch: FetchOptions = options,
        extra_env: dict[str, str] | None = None,
        catalog_file: Path = catalog,
        build_tag: str | None = None,
        flavour: str | None = None,
    ) -> Report:
        settings = load_settings(
            {"python-install-mirror": mirror, "python-downloads-json-url": str(catalog_file)},
            env={**env, **(extra_env or {})},
            cwd=tmp_path,
        )
        return diagnose(
            request,
            settings,
            PLATFORM,
            verify=verify,
            options=fetch,
            build_tag=build_tag,
            flavour=flavour,
        )

    return run


def step(report: Report, name: str) -> list[Finding]:
    return [finding for finding in report.findings if finding.step == name]


def failure(report: Report) -> Finding:
    assert not report.would_install
    [first] = [finding for finding in report.findings if finding.ok is False]
    return first


def make_mirror(
    root: Path, *, name: str = NAME, folder: str | None = TAG, sums: bool = True
) -> Path:
    target = root / folder if folder else root
    target.mkdir(parents=True, exist_ok=True)
    (target / name).write_bytes(DATA)
    if sums:
        (target / "SHA256SUMS").write_text(f"{SHA}  {NAME}\n")
    return root


def text_of(report: Report) -> str:
    return json.dumps([finding.to_json() for finding in report.findings])


# --- file:// -----------------------------------------------------------------------------------


def test_good_file_mirror_would_install(tmp_path: Path, doctor: Doctor) -> None:
    root = make_mirror(tmp_path / "mirror")
    report = doctor(root.as_uri())
    assert report.would_install
    [file] = step(report, "file")
    assert file.ok and str(root / TAG / NAME) in file.message
    assert [f.level for f in step(report, "checksums")] == ["ok"]
    canonical, rewritten = step(report, "url")
    assert canonical.detail["url"].startswith("https://github.com/astral-sh/")
    assert "rewritten by --mirror to file://" in rewritten.message and "%2B" in rewritten.message
    [build] = step(report, "build")
    assert build.detail["flavour"] == "install_only_stripped"
    assert build.detail["tag"] == TAG


def test_verify_a_good_file(tmp_path: Path, doctor: Doctor) -> None:
    report = doctor(make_mirror(tmp_path / "m").as_uri(), verify=True)
    [verify] = step(report, "verify")
    assert verify.level == "ok" and "matches the catalog" in verify.message
    assert verify.detail["size"] == len(DATA)


def test_verify_mismatch_fails(tmp_path: Path, doctor: Doctor) -> None:
    root = make_mirror(tmp_path / "m")
    (root / TAG / NAME).write_bytes(gzip.compress(b"another build"))
    report = doctor(root.as_uri(), verify=True)
    found = failure(report)
    assert found.step == "verify" and "mismatch" in found.message and SHA in found.message
    # Without --verify the SHA256SUMS still agrees with the catalog, so nothing looks wrong.
    assert doctor(root.as_uri()).would_install


def test_verify_against_a_wrong_sha256sums_when_the_catalog_has_no_checksum(
    tmp_path: Path, doctor: Doctor
) -> None:
    # Install checks only the catalog's sha256; with none, a wrong SHA256SUMS stops nothing.
    root = make_mirror(tmp_path / "m", sums=False)
    (root / TAG / "SHA256SUMS").write_text(f"{'0' * 64}  {NAME}\n")
    no_sha = write_catalog(tmp_path / "no-sha.json", sha256=None)
    report = doctor(root.as_uri(), verify=True, catalog_file=no_sha)
    assert report.would_install, text_of(report)
    [verify] = step(report, "verify")
    assert verify.level == "warning" and "SHA256SUMS disagrees with the file" in verify.message
    assert "install it unverified, since the catalog names no checksum" in verify.message
    assert verify.hint is not None and "SHA256SUMS is stale" in verify.hint


def test_encoded_plus_installs_with_a_rename_hint(tmp_path: Path, doctor: Doctor) -> None:
    root = make_mirror(tmp_path / "m", name=NAME.replace("+", "%2B"))
    report = doctor(root.as_uri())
    # pybuilds's installer falls back to the %2B file (with a warning), so it would install;
    # the warning says uv will not find it.
    assert report.would_install
    [file] = step(report, "file")
    assert file.level == "warning" and "uv reports the file as missing" in file.message
    assert file.hint is not None and file.hint.startswith("rename it: mv ")


def test_missing_tag_folder(tmp_path: Path, doctor: Doctor) -> None:
    root = make_mirror(tmp_path / "m", folder=None)
    found = failure(doctor(root.as_uri()))
    assert found.step == "file" and "does not exist" in found.message
    assert found.hint is not None and f"without its `{TAG}/` folder" in found.hint
    assert found.detail["near_misses"][0]["kind"] == "missing-tag-dir"


def test_mirror_set_to_the_tag_folder(tmp_path: Path, doctor: Doctor) -> None:
    root = make_mirror(tmp_path / "m")
    found = failure(doctor((root / TAG).as_uri()))
    assert found.step == "file" and found.detail["near_misses"][0]["kind"] == "mirror-is-tag-dir"
    assert found.hint is not None and "mkdir" not in found.hint
    assert found.hint.endswith(f"set python-install-mirror to its parent folder, {root.as_uri()}")


def test_release_folders_deeper_than_the_mirror(tmp_path: Path, doctor: Doctor) -> None:
    make_mirror(tmp_path / "m" / "releases" / "download")
    found = failure(doctor((tmp_path / "m").as_uri()))
    assert found.step == "file" and found.detail["near_misses"][0]["kind"] == "deeper"
    deeper = (tmp_path / "m" / "releases" / "download").as_uri()
    assert found.hint is not None and f"set python-install-mirror to {deeper}" in found.hint


def test_interrupted_mirror_download(tmp_path: Path, doctor: Doctor) -> None:
    root = make_mirror(tmp_path / "m", name=NAME + ".part")
    found = failure(doctor(root.as_uri()))
    assert found.detail["near_misses"][0]["kind"] == "partial"
    assert found.hint is not None and "run the same `pybuilds mirror` command" in found.hint


def test_other_flavour_present(tmp_path: Path, doctor: Doctor) -> None:
    other = NAME.replace("install_only_stripped", "install_only")
    root = make_mirror(tmp_path / "m", name=other)
    found = failure(doctor(root.as_uri()))
    assert found.hint is not None and "another flavour" in found.hint and other in found.hint


def test_name_differing_in_case(tmp_path: Path, doctor: Doctor) -> None:
    root = make_mirror(tmp_path / "m", name=NAME.replace("x86_64-unknown", "X86_64-Unknown"))
    found = failure(doctor(root.as_uri()))
    assert found.hint is not None and "letter case" in found.hint


def test_missing_sha256sums_is_information(tmp_path: Path, doctor: Doctor) -> None:
    report = doctor(make_mirror(tmp_path / "m", sums=False).as_uri())
    assert report.would_install
    [sums] = step(report, "checksums")
    assert sums.ok is None and "no SHA256SUMS" in sums.message


def test_catalog_with_plain_paths(
    tmp_path: Path, env: dict[str, str], options: FetchOptions
) -> None:
    root = make_mirror(tmp_path / "m")
    catalog = write_catalog(tmp_path / "paths.json", str(root / TAG / NAME))
    settings = load_settings({"python-downloads-json-url": str(catalog)}, env=env, cwd=tmp_path)
    report = diagnose("3.12", settings, PLATFORM, options=options)
    assert report.would_install
    path_warning = [f for f in step(report, "url") if f.level == "warning"]
    assert "uv cannot" in path_warning[0].message
    assert step(report, "file")[0].ok


def test_file_url_with_a_host(tmp_path: Path, doctor: Doctor) -> None:
    # The seed's second try: two slashes turn the first folder into a host name.
    found = failure(doctor("file://home/user/python_standalone"))
    assert found.step == "folder" and "cannot name a host (`home`)" in found.message
    assert found.hint is not None and "file:///srv/mirror" in found.hint


def test_mirror_given_as_a_path(tmp_path: Path, doctor: Doctor) -> None:
    root = make_mirror(tmp_path / "pbs mirror+1")
    report = doctor(str(root))
    found = failure(report)  # one error, nothing contradicting it
    assert found.message == (
        f"mirror: `{root}` (from --mirror) is a folder path, not a URL: "
        "neither uv nor pybuilds can download from it"
    )
    assert found.hint == f"use --mirror {root.as_uri()}"
    assert "pbs%20mirror%2B1" in (found.hint or "") and "%252B" not in text_of(report)
    assert not [f for f in report.findings if f.level == "warning"]
    from_env = failure(doctor(None, extra_env={"UV_PYTHON_INSTALL_MIRROR": str(root)}))
    assert from_env.hint == f"set UV_PYTHON_INSTALL_MIRROR={root.as_uri()}"


def test_missing_mirror_folder(tmp_path: Path, doctor: Doctor) -> None:
    found = failure(doctor((tmp_path / "nowhere").as_uri()))
    assert found.step == "folder" and "does not exist" in found.message


def test_web_page_saved_as_archive(tmp_path: Path, doctor: Doctor) -> None:
    root = make_mirror(tmp_path / "m")
    (root / TAG / NAME).write_bytes(b"<!DOCTYPE html><html>Sign in</html>")
    found = failure(doctor(root.as_uri()))
    assert found.step == "content" and "it is a saved web page, not an archive" in found.message
    # Credentials cannot fix a file already on disk.
    assert found.hint is not None and "netrc" not in found.hint and "credentials" not in found.hint
    assert "download the archive again" in found.hint


# --- build and settings --------------------------------------------------------------------------


def own_builds(tmp_path: Path) -> tuple[Path, str]:
    """A catalog with builds `40` and `45` of one version (the seed's own build numbers) and a
    file:// mirror holding both; returns the catalog and the mirror URL."""
    root = tmp_path / "own"
    entries = {}
    for tag in ("40", "45"):
        name = NAME.replace(TAG, tag)
        make_mirror(root, name=name, folder=tag, sums=False)
        key = f"cpython-{VERSION}-linux-x86_64-gnu-b{tag}"
        entries[key] = entry(f"{PBS}/{tag}/{quote(name)}", SHA, tag=tag)
    catalog = tmp_path / "builds.json"
    catalog.write_text(json.dumps(entries))
    return catalog, root.as_uri()


def test_build_tag_from_the_environment_picks_the_build_install_would(
    tmp_path: Path, doctor: Doctor
) -> None:
    catalog, mirror = own_builds(tmp_path)
    newest = doctor(mirror, catalog_file=catalog)
    assert step(newest, "build")[0].detail["tag"] == "45"
    report = doctor(mirror, catalog_file=catalog, extra_env={"UV_PYTHON_CPYTHON_BUILD": "40"})
    assert report.would_install, text_of(report)
    chosen, others = step(report, "build")
    assert chosen.detail["tag"] == "40" and "chosen by UV_PYTHON_CPYTHON_BUILD" in chosen.message
    assert others.detail["others"] == ["45"]
    assert f"/own/40/{NAME.replace(TAG, '40')}" in step(report, "file")[0].message
    # --build wins over the environment, as in install.
    flagged = doctor(
        mirror, catalog_file=catalog, build_tag="45", extra_env={"UV_PYTHON_CPYTHON_BUILD": "40"}
    )
    assert step(flagged, "build")[0].detail["tag"] == "45"


def test_a_build_tag_the_catalog_lacks_fails_as_install_does(
    tmp_path: Path, doctor: Doctor
) -> None:
    catalog, mirror = own_builds(tmp_path)
    found = failure(
        doctor(mirror, catalog_file=catalog, extra_env={"UV_PYTHON_CPYTHON_BUILD": "99"})
    )
    assert found.step == "build" and "tagged `99` (from UV_PYTHON_CPYTHON_BUILD)" in found.message
    assert found.hint is not None and "builds `45`, `40`" in found.hint
    assert "unset UV_PYTHON_CPYTHON_BUILD" in found.hint


def test_flavour_checks_that_archive_against_its_sha256sums(tmp_path: Path, doctor: Doctor) -> None:
    other = NAME.replace("install_only_stripped", "install_only")
    root = make_mirror(tmp_path / "m", name=other, sums=False)
    report = doctor(root.as_uri(), flavour="install_only")
    assert report.would_install, text_of(report)
    assert step(report, "file")[0].detail["path"] == str(root / TAG / other)
    [sums] = step(report, "checksums")
    assert sums.level == "warning" and f"pybuilds installs {other} unverified" in sums.message
    (root / TAG / "SHA256SUMS").write_text(f"{SHA}  {other}\n")
    report = doctor(root.as_uri(), flavour="install_only", verify=True)
    assert [f.level for f in step(report, "checksums")] == ["ok"]
    assert "matches SHA256SUMS" in step(report, "verify")[0].message
    (root / TAG / "SHA256SUMS").write_text(f"{'0' * 64}  {other}\n")
    assert failure(doctor(root.as_uri(), flavour="install_only", verify=True)).step == "verify"


def test_flavour_missing_or_unknown(tmp_path: Path, doctor: Doctor) -> None:
    root = make_mirror(tmp_path / "m")
    found = failure(doctor(root.as_uri(), flavour="pgo+lto-full"))
    assert found.step == "file" and "pgo+lto-full.tar.zst does not exist" in found.message
    assert found.hint is not None and "this install wants `pgo+lto-full`" in found.hint
    found = failure(doctor(root.as_uri(), flavour="bogus"))
    assert found.step == "url" and "no `bogus` archive" in found.message


def test_default_flavour_preference_is_checked_like_install(tmp_path: Path, doctor: Doctor) -> None:
    other = NAME.replace("install_only_stripped", "install_only")
    root = make_mirror(tmp_path / "m", name=other)
    preferences = tmp_path / "pybuilds.toml"
    preferences.write_text('default-flavour = "install_only"\n')
    report = doctor(root.as_uri(), extra_env={"PYBUILDS_CONFIG_FILE": str(preferences)})
    assert report.would_install, text_of(report)
    [flavour] = [f for f in step(report, "settings") if f.detail.get("key") == "flavour"]
    assert f"(from {preferences};" in flavour.message


def test_flavour_over_http_reads_the_sha256sums(
    doctor: Doctor, http_server: HTTPTestServer
) -> None:
    other = NAME.replace("install_only_stripped", "install_only")
    http_server.add_file(f"{TAG}/{other}", DATA)
    report = doctor(http_server.url, flavour="install_only")
    assert report.would_install, text_of(report)
    [sums] = step(report, "checksums")
    assert sums.level == "warning" and "unverified" in sums.message
    http_server.add_file(f"{TAG}/SHA256SUMS", f"{SHA}  {other}\n".encode())
    report = doctor(http_server.url, flavour="install_only", verify=True)
    assert [f.level for f in step(report, "checksums")] == ["ok"]
    assert step(report, "verify")[0].level == "ok"


def test_no_build_says_what_exists(tmp_path: Path, doctor: Doctor) -> None:
    found = failure(doctor(None, request="3.11"))
    assert found.step == "build"
    assert (
        found.hint is not None and f"for linux-x86_64-gnu the catalog has {VERSION}" in found.hint
    )


def test_version_on_another_platform(tmp_path: Path, doctor: Doctor) -> None:
    found = failure(doctor(None, request="3.12-macos"))
    assert found.hint is not None and "this version exists for linux-x86_64-gnu" in found.hint


def test_catalog_outside_the_prefix_a_mirror_replaces(
    tmp_path: Path, env: dict[str, str], options: FetchOptions
) -> None:
    url = f"https://example.com/builds/{quote(NAME)}"
    catalog = write_catalog(tmp_path / "custom.json", url)
    settings = load_settings(
        {"python-install-mirror": "file:///srv/m", "python-downloads-json-url": str(catalog)},
        env=env,
        cwd=tmp_path,
    )
    report = diagnose("3.12", settings, PLATFORM, options=options)
    [catalog_finding] = step(report, "catalog")
    assert catalog_finding.level == "warning" and "not under" in catalog_finding.message
    found = failure(report)
    assert found.step == "url" and "does not match the expected format" in found.message


def test_settings_show_where_each_value_came_from(
    tmp_path: Path, doctor: Doctor, env: dict[str, str]
) -> None:
    root = make_mirror(tmp_path / "m")
    project = tmp_path / "pyproject.toml"
    project.write_text(f'[tool.uv]\npython-install-mirror = "{root.as_uri()}"\n')
    report = doctor(None, extra_env={"UV_PYTHON_INSTALL_MIRROR": root.as_uri()})
    [mirror] = [
        f for f in step(report, "settings") if f.detail.get("key") == "python-install-mirror"
    ]
    assert "from UV_PYTHON_INSTALL_MIRROR" in mirror.message
    assert f"overrides {root.as_uri()} from {project} [tool.uv]" in mirror.message
    # uv honours mirror keys in [tool.uv] too, so there is nothing to warn about.
    assert not [f for f in step(report, "settings") if f.level == "warning"]
    assert report.would_install


# --- http ---------------------------------------------------------------------------------------


def test_good_http_mirror(doctor: Doctor, http_server: HTTPTestServer) -> None:
    http_server.add_file(f"{TAG}/{NAME}", DATA)
    report = doctor(http_server.url + "/", verify=True)
    assert report.would_install, text_of(report)
    assert [f.level for f in step(report, "dns")] == ["ok"]
    assert "accepted" in step(report, "connect")[0].message
    [http] = step(report, "http")
    assert http.detail["status"] == 200 and http.detail["size"] == len(DATA)
    assert step(report, "verify")[0].level == "ok"
    assert step(report, "proxy")[0].message == "proxy: none (direct connection)"


def test_verify_without_a_catalog_checksum_uses_the_mirror_sha256sums(
    tmp_path: Path, env: dict[str, str], options: FetchOptions, http_server: HTTPTestServer
) -> None:
    catalog = write_catalog(tmp_path / "no-sums.json", sha256=None)
    http_server.add_file(f"{TAG}/{NAME}", DATA)
    settings = load_settings(
        {"python-install-mirror": http_server.url, "python-downloads-json-url": str(catalog)},
        env=env,
        cwd=tmp_path,
    )
    report = diagnose("3.12", settings, PLATFORM, verify=True, options=options)
    assert [f.level for f in step(report, "build")] == ["ok", "warning"]
    assert step(report, "verify")[0].level == "warning"
    http_server.add_file(f"{TAG}/SHA256SUMS", f"{'0' * 64}  {NAME}\n".encode())
    # Installs never read SHA256SUMS for the catalog's own archive: both install it unverified.
    report = diagnose("3.12", settings, PLATFORM, verify=True, options=options)
    assert report.would_install, text_of(report)
    [verify] = step(report, "verify")
    assert verify.level == "warning"
    assert f"the mirror's SHA256SUMS disagrees with the file: it lists {'0' * 64}" in verify.message
    assert "pybuilds and uv install it unverified" in verify.message
    http_server.add_file(f"{TAG}/SHA256SUMS", f"{SHA}  {NAME}\n".encode())
    report = diagnose("3.12", settings, PLATFORM, verify=True, options=options)
    assert report.would_install
    assert "matches the mirror's SHA256SUMS" in step(report, "verify")[0].message


def test_http_redirect_chain_is_shown(doctor: Doctor, http_server: HTTPTestServer) -> None:
    http_server.add_file(f"moved/{TAG}/{NAME}", DATA)
    http_server.redirects[f"/{TAG}/{NAME}"] = http_server.url_for(f"moved/{TAG}/{NAME}")
    report = doctor(http_server.url)
    assert report.would_install
    [hop] = step(report, "redirect")
    assert hop.detail["status"] == 302 and "/moved/" in hop.message


def test_http_404_explains_the_layout_and_finds_the_flat_file(
    doctor: Doctor, http_server: HTTPTestServer
) -> None:
    http_server.add_file(NAME, DATA)
    report = doctor(http_server.url)
    found = failure(report)
    assert found.step == "http" and found.detail["status"] == 404
    assert found.hint is not None and "<tag>/<file name>" in found.hint
    assert any(f"without its `{TAG}/` folder" in f.message for f in step(report, "http"))


def test_http_mirror_set_to_the_tag_folder(doctor: Doctor, http_server: HTTPTestServer) -> None:
    http_server.add_file(f"pbs/{TAG}/{NAME}", DATA)
    report = doctor(http_server.url_for(f"pbs/{TAG}"))
    assert failure(report).detail["status"] == 404
    [found] = [f for f in step(report, "http") if f.message.startswith("found ")]
    parent = http_server.url_for("pbs")
    assert found.message.endswith(f"set python-install-mirror to its parent, {parent}")
    assert "move it" not in found.message


def test_http_404_finds_deeper_folders_and_interrupted_downloads(
    doctor: Doctor, http_server: HTTPTestServer
) -> None:
    http_server.add_file(f"pbs/releases/download/{TAG}/{NAME}", DATA)
    http_server.add_file(f"pbs/{TAG}/{NAME}.part", DATA[:100])
    report = doctor(http_server.url_for("pbs"))
    found = [f.message for f in step(report, "http") if f.message.startswith("found ")]
    deeper = http_server.url_for("pbs/releases/download")
    assert any(m.endswith(f"set python-install-mirror to {deeper}") for m in found), found
    assert any(".part: a `pybuilds mirror` download" in m for m in found), found


def test_http_404_finds_the_series_in_an_older_release(
    tmp_path: Path, doctor: Doctor, http_server: HTTPTestServer
) -> None:
    # A mirror made for an older catalog: it has 3.12.3 of release 20240415, not 3.12.4.
    old_tag, old_name = "20240415", NAME.replace(f"{VERSION}+{TAG}", "3.12.3+20240415")
    entries = {
        "new": entry(f"{PBS}/{TAG}/{quote(NAME)}", SHA),
        "old": entry(f"{PBS}/{old_tag}/{quote(old_name)}", SHA, tag=old_tag, patch=3),
    }
    catalog = tmp_path / "two.json"
    catalog.write_text(json.dumps(entries))
    http_server.add_file(f"{old_tag}/{old_name}", DATA)
    report = doctor(http_server.url, catalog_file=catalog)
    assert failure(report).detail["status"] == 404
    [found] = [f for f in step(report, "http") if f.message.startswith("found ")]
    assert found.message.endswith(
        f"of release {old_tag}, but the catalog asks for release {TAG}: the mirror was made "
        "for another catalog or uv version"
    )


def test_http_near_misses_where_head_is_refused(
    doctor: Doctor, http_server: HTTPTestServer
) -> None:
    http_server.head_status = 405
    http_server.add_file(NAME, DATA)
    report = doctor(http_server.url)
    assert any(f"without its `{TAG}/` folder" in f.message for f in step(report, "http"))
    probes = http_server.requests_for(NAME)
    assert [(r.method, r.headers.get("range")) for r in probes] == [
        ("HEAD", None),
        ("GET", "bytes=0-0"),
    ]


def test_http_404_finds_another_flavour(doctor: Doctor, http_server: HTTPTestServer) -> None:
    other = NAME.replace("install_only_stripped", "install_only")
    http_server.add_file(f"{TAG}/{other}", DATA)
    report = doctor(http_server.url)
    assert any("another flavour (`install_only`)" in f.message for f in step(report, "http"))


def test_http_401_without_credentials(doctor: Doctor, http_server: HTTPTestServer) -> None:
    http_server.add_file(f"{TAG}/{NAME}", DATA)
    http_server.auth = ("mirror-user", SECRET)
    report = doctor(http_server.url)
    found = failure(report)
    assert found.detail["status"] == 401 and "wants credentials" in found.message
    assert found.hint is not None and "netrc" in found.hint
    assert "credentials: none" in step(report, "credentials")[0].message


def test_http_credentials_from_netrc_are_never_shown(
    tmp_path: Path, doctor: Doctor, http_server: HTTPTestServer, options: FetchOptions
) -> None:
    http_server.add_file(f"{TAG}/{NAME}", DATA)
    http_server.auth = ("mirror-user", SECRET)
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login mirror-user password {SECRET}\n")
    netrc.chmod(0o600)
    with_netrc = FetchOptions(timeout=5, retries=0, netrc_path=netrc)
    report = doctor(http_server.url, fetch=with_netrc, verify=True)
    assert report.would_install, text_of(report)
    [credentials] = step(report, "credentials")
    assert f"from {netrc}" in credentials.message
    assert SECRET not in text_of(report) and "mirror-user" not in text_of(report)


def test_http_credentials_in_the_url_are_redacted(
    doctor: Doctor, http_server: HTTPTestServer
) -> None:
    http_server.add_file(f"{TAG}/{NAME}", DATA)
    http_server.auth = ("mirror-user", "right")
    report = doctor(f"http://mirror-user:{SECRET}@127.0.0.1:{http_server.port}")
    found = failure(report)
    assert "refused the user name and password given in the URL" in (found.hint or "")
    assert SECRET not in text_of(report)


def test_http_login_page(doctor: Doctor, http_server: HTTPTestServer) -> None:
    http_server.add_file(f"{TAG}/{NAME}", DATA)
    http_server.login_page = True
    found = failure(doctor(http_server.url))
    assert found.step == "content" and "web page (login page?)" in found.message


def test_proxy_from_the_environment_is_named(
    doctor: Doctor,
    http_server_factory: Callable[..., HTTPTestServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = http_server_factory()
    proxy.add_file(f"{TAG}/{NAME}", DATA)  # it answers absolute-form requests from its folder
    for name in ("http_proxy", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    report = doctor("http://mirror.invalid/", verify=True)
    assert report.would_install, text_of(report)
    [used] = step(report, "proxy")
    assert used.message == f"proxy: {proxy.url} (from HTTP_PROXY)"
    assert "dns: proxy 127.0.0.1" in step(report, "dns")[0].message
    assert "connect: the proxy at 127.0.0.1" in step(report, "connect")[0].message
    assert proxy.requests[-1].path.startswith("http://mirror.invalid/")


def test_unreachable_catalog_is_walked_too(
    tmp_path: Path, env: dict[str, str], options: FetchOptions, http_server: HTTPTestServer
) -> None:
    http_server.auth = ("user", SECRET)
    url = http_server.url_for("download-metadata.json")
    settings = load_settings({"python-downloads-json-url": url}, env=env, cwd=tmp_path)
    report = diagnose("3.12", settings, PLATFORM, options=options)
    failures = [f for f in report.findings if f.ok is False]
    assert [f.step for f in failures] == ["catalog", "http"]
    assert "401" in failures[0].message and failures[1].detail["status"] == 401


def test_catalog_url_answering_with_a_web_page(
    tmp_path: Path, env: dict[str, str], options: FetchOptions, http_server: HTTPTestServer
) -> None:
    http_server.login_page = True
    url = http_server.url_for("download-metadata.json")
    settings = load_settings({"python-downloads-json-url": url}, env=env, cwd=tmp_path)
    report = diagnose("3.12", settings, PLATFORM, options=options)
    [content] = step(report, "content")
    assert content.message.endswith("a web page (login page?) instead of the catalog")


def test_connection_refused(
    doctor: Doctor, http_server_factory: Callable[..., HTTPTestServer]
) -> None:
    server = http_server_factory()
    port = server.port
    server.close()
    found = failure(doctor(f"http://127.0.0.1:{port}"))
    assert found.step == "connect" and "refused the connection" in found.message


def test_unresolvable_host(doctor: Doctor) -> None:
    found = failure(doctor("http://mirror.invalid"))
    assert found.step == "dns" and "cannot resolve" in found.message


def test_untrusted_certificate_is_explained(
    doctor: Doctor,
    http_server_factory: Callable[..., HTTPTestServer],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = http_server_factory(tls=context)
    server.add_file(f"{TAG}/{NAME}", DATA)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    mirror = f"https://127.0.0.1:{server.port}"
    found = failure(doctor(mirror))
    assert found.step == "tls" and "self-signed" in found.message
    assert found.hint is not None and "SSL_CERT_FILE" in found.hint and "--native-tls" in found.hint
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    report = doctor(mirror)
    assert report.would_install, text_of(report)
    [tls] = step(report, "tls")
    assert "certificate for 127.0.0.1" in tls.message and "SSL_CERT_FILE" in tls.message


# --- the command ---------------------------------------------------------------------------------


def run_doctor(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    doctor_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["doctor", *argv])
    return int(args.run(args))


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PYBUILDS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PYBUILDS_CONFIG_FILE", str(tmp_path / "pybuilds.toml"))
    monkeypatch.chdir(tmp_path)


PLATFORM_ARGS = ("--os", "linux", "--arch", "x86_64", "--libc", "gnu")


@pytest.mark.usefixtures("isolated")
def test_command_lines_and_exit_status(
    tmp_path: Path, catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_mirror(tmp_path / "m")
    base = ("3.12", *PLATFORM_ARGS, "--python-downloads-json-url", str(catalog))
    assert run_doctor(*base, "--mirror", root.as_uri()) == 0
    out = capsys.readouterr().out
    assert f"✓ file: {root / TAG / NAME}" in out
    assert out.rstrip().endswith(
        f"`3.12` would install (cpython-{VERSION}-linux-x86_64-gnu, release {TAG})"
    )
    (root / TAG / NAME).rename(root / NAME)
    assert run_doctor(*base, "--mirror", root.as_uri()) == 1
    out = capsys.readouterr().out
    assert f"✗ file: {root / TAG / NAME} does not exist" in out
    assert "\n    hint: found " in out
    assert out.rstrip().endswith(
        f"would NOT install (cpython-{VERSION}-linux-x86_64-gnu, release {TAG})"
    )


@pytest.mark.usefixtures("isolated")
def test_command_warns_that_uv_ignores_the_cached_catalog(
    tmp_path: Path, catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.core.catalog_source import cache_path, update_cache

    update_cache(str(catalog))
    mirror = make_mirror(tmp_path / "m").as_uri()
    assert run_doctor("3.12", *PLATFORM_ARGS, "--mirror", mirror) == 0
    out = capsys.readouterr().out
    assert f"✓ catalog: {cache_path()} (1 build)" in out
    assert "! catalog: uv does not read pybuilds' cached catalog" in out
    assert f"pybuilds config set python-downloads-json-url '{cache_path()}'" in out


@pytest.mark.usefixtures("isolated")
def test_command_build_flag_beats_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog, mirror = own_builds(tmp_path)
    monkeypatch.setenv("UV_PYTHON_CPYTHON_BUILD", "45")
    base = ("3.12", *PLATFORM_ARGS, "--python-downloads-json-url", str(catalog), "--mirror", mirror)
    assert run_doctor(*base, "--build", "40") == 0
    out = capsys.readouterr().out
    assert "chosen by --build" in out
    assert out.rstrip().endswith(
        f"would install with pybuilds (cpython-{VERSION}-linux-x86_64-gnu, release 40); "
        "uv was not checked: it ignores --build and would pick release 45"
    )
    assert run_doctor(*base, "--build", "99") == 1
    assert "tagged `99` (from --build)" in capsys.readouterr().out


@pytest.mark.usefixtures("isolated")
def test_command_fails_where_uv_would(
    tmp_path: Path, catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # pybuilds falls back to a `%2B` file name; uv does not, so the setup is broken for uv.
    root = make_mirror(tmp_path / "m", name=NAME.replace("+", "%2B"))
    argv = ("3.12", *PLATFORM_ARGS, "--python-downloads-json-url", str(catalog))
    assert run_doctor(*argv, "--mirror", root.as_uri()) == 1
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    assert last.startswith(
        f"`3.12` would install with pybuilds (cpython-{VERSION}-linux-x86_64-gnu, release {TAG}); "
        "uv would fail: it looks only for the name with `+`, and the mirror saved the file with "
        "`%2B`; rename it: mv "
    )
    assert run_doctor(*argv, "--mirror", root.as_uri(), "--json") == 1
    document = json.loads(capsys.readouterr().out)
    assert document["would_install"] is True and document["uv_would_install"] is False
    assert document["verdict"] == last
    # Another flavour is pybuilds' alone: the verdict says uv was not checked, and exits 0.
    other = NAME.replace("install_only_stripped", "install_only").replace("+", "%2B")
    make_mirror(root, name=other)
    assert run_doctor(*argv, "--mirror", root.as_uri(), "--flavour", "install_only") == 0
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    assert last.endswith(
        "uv was not checked: it has no flavour choice and installs the catalog's own archive"
    )


def test_a_uv_toml_uv_refuses_fails_for_uv(
    tmp_path: Path, doctor: Doctor, env: dict[str, str]
) -> None:
    root = make_mirror(tmp_path / "m")
    (tmp_path / "uv.toml").write_text('python-install-mirro = "typo"\n')
    report = doctor(root.as_uri())
    assert report.would_install
    [refused] = [f for f in step(report, "settings") if f.uv_failure]
    assert refused.uv_failure == (
        f"it refuses {tmp_path / 'uv.toml'} (unknown key `python-install-mirro`) before "
        "downloading anything; fix or remove that line"
    )


def test_catalog_paths_fail_for_uv(
    tmp_path: Path, env: dict[str, str], options: FetchOptions
) -> None:
    root = make_mirror(tmp_path / "m")
    catalog = write_catalog(tmp_path / "paths.json", str(root / TAG / NAME))
    settings = load_settings({"python-downloads-json-url": str(catalog)}, env=env, cwd=tmp_path)
    findings = list(diagnose("3.12", settings, PLATFORM, options=options).findings)
    assert verdict("3.12", findings).endswith(
        f'uv would fail: the catalog gives the archive as a path, which uv rejects ("relative '
        f'URL without a base"); write it as {(root / TAG / NAME).as_uri()}'
    )


@pytest.mark.usefixtures("isolated")
def test_command_json_never_shows_credentials(
    catalog: Path, http_server: HTTPTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    http_server.add_file(f"{TAG}/{NAME}", DATA)
    mirror = f"http://user:{SECRET}@127.0.0.1:{http_server.port}"
    argv = ("3.12", *PLATFORM_ARGS, "--python-downloads-json-url", str(catalog), "--json")
    assert run_doctor(*argv, "--mirror", mirror, "--verify") == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["would_install"] is True
    assert {"settings", "catalog", "build", "url", "http", "verify"} <= {
        f["step"] for f in document["findings"]
    }
    assert SECRET not in captured.out + captured.err
    assert http_server.requests[-1].headers.get("authorization", "").startswith("Basic ")


def test_astral_mirror_url_is_checked_as_the_only_source(
    doctor: Doctor, http_server: HTTPTestServer
) -> None:
    http_server.add_file(f"github/python-build-standalone/releases/download/{TAG}/{NAME}", DATA)
    report = doctor(None, verify=True, extra_env={"UV_ASTRAL_MIRROR_URL": http_server.url})
    assert report.would_install, text_of(report)
    messages = [f.message for f in step(report, "url")]
    assert any("rewritten by UV_ASTRAL_MIRROR_URL" in m for m in messages), messages
    assert step(report, "verify")[0].level == "ok"
