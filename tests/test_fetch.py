"""Downloads over a real HTTP server on 127.0.0.1 and from real file:// trees."""

from __future__ import annotations

import logging
import random
import ssl
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from app.trickle import TrickleServer
from httpserver import HTTPTestServer

from tui.core.errors import Cancelled, ConfigError, DownloadFailed
from tui.core.fetch import (
    Download,
    FetchOptions,
    file_url_to_path,
    open_url,
    probe,
    read_bytes,
)
from tui.core.fetch_http import GATHER

FAST = FetchOptions(timeout=5, backoff=0.001, chunk_size=64 << 10)
TAG = "20240713"
NAME = f"cpython-3.12.4+{TAG}-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
SECRET = "s3cr3t-Pa55w0rd"
DATA = random.Random(7).randbytes(3 << 20)


def fetch(url: str, options: FetchOptions = FAST) -> tuple[bytes, Download]:
    with open_url(url, options=options) as download:
        return b"".join(download.chunks()), download


def failure(url: str, options: FetchOptions = FAST) -> DownloadFailed:
    with pytest.raises(DownloadFailed) as info:
        fetch(url, options)
    return info.value


def assert_no_secret(error: DownloadFailed, caplog: pytest.LogCaptureFixture) -> None:
    for text in (str(error), error.hint or "", error.url, caplog.text):
        assert SECRET not in text
    assert all(SECRET not in record.getMessage() for record in caplog.records)


@pytest.fixture
def archive(http_server: HTTPTestServer) -> str:
    http_server.add_file(f"{TAG}/{NAME}", DATA)
    return http_server.url_for(f"{TAG}/{NAME}")


# --- http ------------------------------------------------------------------------------------


def test_streams_a_multi_megabyte_file(http_server: HTTPTestServer, archive: str) -> None:
    assert "%2B" in archive
    body, download = fetch(archive)
    assert body == DATA
    assert download.total == len(DATA)
    assert download.path is None
    assert download.warnings == []
    assert download.credentials_from is None
    [request] = http_server.requests
    assert request.headers["accept-encoding"] == "identity"
    assert request.headers["user-agent"].startswith("pybuilds/")


@pytest.mark.parametrize("dropped_at", [1 << 20, (1 << 20) + 1000])
def test_resumes_with_range_after_a_dropped_connection(
    http_server: HTTPTestServer, archive: str, dropped_at: int
) -> None:
    """Also when the drop comes in the middle of a piece being gathered: what arrived of it
    is handed on, and the next request starts right after it."""
    http_server.drop_after = dropped_at
    body, _ = fetch(archive)
    assert body == DATA
    first, second = http_server.requests
    assert "range" not in first.headers
    assert second.headers["range"] == f"bytes={dropped_at}-"
    assert second.headers["if-range"].startswith('"')


def test_slow_http_body_is_handed_on_as_it_arrives(tmp_path: Path) -> None:
    """Pieces wait at most GATHER_WAIT for more: a slow mirror's progress is not held back
    until a whole piece has arrived."""
    (tmp_path / NAME).write_bytes(DATA[:GATHER])
    with (
        TrickleServer(tmp_path, piece=16 << 10, pause=0.05) as server,  # 256 KiB in 0.8 s
        open_url(f"{server.url}/{NAME}", options=FAST) as download,
    ):
        sizes = [len(chunk) for chunk in download.chunks()]
    assert sum(sizes) == GATHER
    assert len(sizes) >= 3


def test_http_body_comes_in_gathered_pieces(http_server: HTTPTestServer, archive: str) -> None:
    with open_url(archive, options=FAST) as download:
        sizes = [len(chunk) for chunk in download.chunks()]
    assert sum(sizes) == len(DATA)
    assert all(size >= GATHER for size in sizes[:-1])
    assert max(sizes) < GATHER + (64 << 10)  # one read of httpcore's past the target at most


@pytest.mark.parametrize("ranges", [True, False])
def test_start_resumes_a_partial_file_or_sends_it_all(
    http_server: HTTPTestServer, archive: str, ranges: bool
) -> None:
    http_server.ranges = ranges
    with open_url(archive, options=FAST, start=1000) as download:
        body = b"".join(download.chunks())
        assert download.total == len(DATA)
        assert download.offset == (1000 if ranges else 0)
    assert body == DATA[download.offset :]
    [request] = http_server.requests
    assert request.headers["range"] == "bytes=1000-"


def test_start_on_a_local_file(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(DATA)
    with open_url(path.as_uri(), options=FAST, start=10) as download:
        assert (download.offset, download.total) == (10, len(DATA))
        assert b"".join(download.chunks()) == DATA[10:]
    with open_url(str(path), options=FAST, start=len(DATA) + 5) as download:
        assert download.offset == 0  # past the end: the whole file
        assert b"".join(download.chunks()) == DATA


def test_restarts_when_nothing_was_yielded_and_ranges_are_unsupported(
    http_server: HTTPTestServer, archive: str
) -> None:
    http_server.ranges = False
    http_server.drop_after = 0  # the headers only: nothing reached the caller
    body, _ = fetch(archive)
    assert body == DATA
    assert [r.headers.get("range") for r in http_server.requests] == [None, None]


def test_fails_when_a_drop_cannot_be_resumed(http_server: HTTPTestServer, archive: str) -> None:
    http_server.ranges = False
    http_server.drop_after = 1 << 20
    error = failure(archive)
    assert "connection dropped after 1048576 bytes and the server does not support resuming" in (
        str(error)
    )


def test_gives_up_after_repeated_drops_without_progress(
    http_server: HTTPTestServer, archive: str
) -> None:
    http_server.drop_after = 0
    http_server.drop_times = 100
    error = failure(archive, FetchOptions(backoff=0.001, retries=2))
    assert "after 3 attempts" in str(error)
    assert len(http_server.requests) == 3


def test_retries_5xx_then_succeeds(http_server: HTTPTestServer, archive: str) -> None:
    http_server.fail_times = 2
    body, _ = fetch(archive)
    assert body == DATA
    assert len(http_server.requests) == 3


def test_5xx_fails_after_the_retries(http_server: HTTPTestServer, archive: str) -> None:
    http_server.fail_times = 10
    error = failure(archive, FetchOptions(backoff=0.001, retries=2))
    assert error.status == 503
    assert "HTTP 503 Service Unavailable (after 3 attempts)" in str(error)
    assert len(http_server.requests) == 3


def test_4xx_is_not_retried(http_server: HTTPTestServer) -> None:
    error = failure(http_server.url_for(f"{TAG}/{NAME}"))
    assert error.status == 404
    assert len(http_server.requests) == 1


def test_404_names_the_url_and_suggests_doctor(
    http_server: HTTPTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = http_server.url_for(f"{TAG}/{NAME}", userinfo=f"me:{SECRET}")
    error = failure(url)
    assert error.status == 404
    assert str(error).startswith(f"failed to download http://***@127.0.0.1:{http_server.port}/")
    assert "%2B" in error.url
    assert error.hint is not None and "pybuilds doctor" in error.hint
    assert_no_secret(error, caplog)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_from_the_url(
    http_server: HTTPTestServer, archive: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    http_server.auth = ("me", "the-real-one")
    http_server.auth_status = status
    error = failure(archive.replace("://", f"://me:{SECRET}@"))
    assert error.status == status
    assert f"HTTP {status}" in str(error)
    assert error.hint == "the server refused the user name and password given in the URL"
    assert_no_secret(error, caplog)


def test_401_without_credentials_says_no_netrc_was_found(
    http_server: HTTPTestServer, archive: str, tmp_path: Path
) -> None:
    http_server.auth = ("me", SECRET)
    missing = tmp_path / "absent-netrc"
    error = failure(archive, FetchOptions(backoff=0.001, netrc_path=missing))
    assert error.status == 401
    assert error.hint is not None
    assert f"no netrc file was found at {missing}" in error.hint
    assert "machine 127.0.0.1 login" in error.hint


def test_401_names_the_netrc_file_without_an_entry(
    http_server: HTTPTestServer, archive: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    http_server.auth = ("me", SECRET)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine other.example login me password elsewhere\n")
    monkeypatch.setenv("NETRC", str(netrc))
    error = failure(archive)
    assert error.hint is not None
    assert f"{netrc} has no entry for 127.0.0.1" in error.hint


def test_credentials_from_the_url(
    http_server: HTTPTestServer, archive: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    http_server.auth = ("me", SECRET)
    body, download = fetch(archive.replace("://", f"://me:{SECRET}@"))
    assert body == DATA
    assert download.credentials_from == "URL"
    assert download.display_url.startswith("http://***@127.0.0.1")
    assert SECRET not in download.display_url + caplog.text + "".join(download.warnings)
    # Sent preemptively, once: no 401 round trip.
    [request] = http_server.requests
    assert request.headers["authorization"].startswith("Basic ")
    assert "@" not in request.path


def test_credentials_from_netrc(
    http_server: HTTPTestServer,
    archive: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    http_server.auth = ("me", SECRET)
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1\n  login me\n  password {SECRET}\n")
    monkeypatch.setenv("NETRC", str(netrc))
    body, download = fetch(archive)
    assert body == DATA
    assert download.credentials_from == str(netrc)
    assert SECRET not in download.display_url + caplog.text


def test_user_in_url_takes_the_password_from_netrc(
    http_server: HTTPTestServer, archive: str, tmp_path: Path
) -> None:
    http_server.auth = ("me", SECRET)
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login me password {SECRET}\n")
    body, download = fetch(
        archive.replace("://", "://me@"), FetchOptions(backoff=0.001, netrc_path=netrc)
    )
    assert body == DATA
    assert download.credentials_from == str(netrc)


def test_broken_netrc_warns_without_quoting_it(
    http_server: HTTPTestServer, archive: str, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login me password\n{SECRET} bogus\n")
    _, download = fetch(archive, FetchOptions(backoff=0.001, netrc_path=netrc))
    [warning] = download.warnings
    assert str(netrc) in warning
    assert SECRET not in warning


def test_a_refusal_with_a_broken_netrc_blames_the_netrc(
    http_server: HTTPTestServer, archive: str, tmp_path: Path
) -> None:
    http_server.auth = ("me", SECRET)
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login me password {SECRET} bogus {SECRET}\n")
    error = failure(archive, FetchOptions(backoff=0.001, netrc_path=netrc))
    assert error.status == 401
    assert error.hint == (
        f"the server needs credentials; ignoring netrc file {netrc}: syntax error on line 1"
    )
    assert SECRET not in str(error)


def test_follows_redirects_on_the_same_origin_with_auth(
    http_server: HTTPTestServer, archive: str
) -> None:
    http_server.auth = ("me", SECRET)
    http_server.redirects["/latest.tar.gz"] = f"/{TAG}/{NAME.replace('+', '%2B')}"
    body, _ = fetch(http_server.url_for("latest.tar.gz", userinfo=f"me:{SECRET}"))
    assert body == DATA
    assert [r.headers.get("authorization") is not None for r in http_server.requests] == [
        True,
        True,
    ]


def test_cross_origin_redirect_does_not_forward_authorization(
    http_server: HTTPTestServer,
    http_server_factory: Callable[..., HTTPTestServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    storage = http_server_factory()
    storage.add_file("blob", DATA)
    http_server.auth = ("me", SECRET)
    http_server.redirects["/a.tar.gz"] = storage.url_for("blob") + "?X-Amz-Signature=sig-secret"
    body, _ = fetch(http_server.url_for("a.tar.gz", userinfo=f"me:{SECRET}"))
    assert body == DATA
    assert "authorization" in http_server.requests[0].headers
    [signed] = storage.requests
    assert "authorization" not in signed.headers
    assert "sig-secret" not in caplog.text


def test_a_redirect_to_a_missing_signed_url_is_reported_without_its_signature(
    http_server: HTTPTestServer, archive: str
) -> None:
    http_server.redirects[f"/{TAG}/{NAME}"] = f"/gone.tar.gz?X-Goog-Signature={SECRET}&a=1"
    error = failure(archive)
    assert "404" in str(error) and "(redirected to " in str(error)
    assert "X-Goog-Signature=***" in str(error)
    assert SECRET not in str(error) and SECRET not in (error.hint or "")


def test_html_login_page_instead_of_an_archive(http_server: HTTPTestServer, archive: str) -> None:
    http_server.login_page = True
    error = failure(archive)
    assert str(error).endswith("got an HTML page instead of an archive (a login page?)")


def test_cancel_midway(http_server: HTTPTestServer, archive: str) -> None:
    cancel = threading.Event()
    received = 0
    with (
        open_url(archive, options=FAST, cancel=cancel) as download,
        pytest.raises(Cancelled),
    ):
        for chunk in download.chunks():
            received += len(chunk)
            cancel.set()
    assert 0 < received < GATHER + (64 << 10)  # stopped after the first piece


def test_cancel_during_retry_wait(http_server: HTTPTestServer, archive: str) -> None:
    http_server.fail_times = 10
    cancel = threading.Event()
    threading.Timer(0.05, cancel.set).start()
    with (
        pytest.raises(Cancelled),
        open_url(archive, options=FetchOptions(backoff=10), cancel=cancel),
    ):
        pass


@pytest.mark.parametrize("status", [403, 405, 501])
def test_probe_asks_with_get_where_head_is_refused(
    http_server: HTTPTestServer, status: int
) -> None:
    """Object stores and CDNs refuse HEAD (S3: a URL signed for GET answers HEAD with 403)."""
    http_server.add_file("x.tar.gz", b"12345")
    http_server.head_status = status
    assert probe(http_server.url_for("x.tar.gz"), options=FAST) == 5
    assert [r.method for r in http_server.requests] == ["HEAD", "GET"]
    with pytest.raises(DownloadFailed) as info:
        probe(http_server.url_for("missing"), options=FAST)
    assert info.value.status == 404 and info.value.missing


def test_read_bytes_and_probe_over_http(http_server: HTTPTestServer) -> None:
    http_server.add_file("SHA256SUMS", b"abc  x.tar.gz\n")
    url = http_server.url_for("SHA256SUMS")
    assert read_bytes(url, options=FAST) == b"abc  x.tar.gz\n"
    assert probe(url, options=FAST) == 14
    assert http_server.requests[-1].method == "HEAD"
    with pytest.raises(DownloadFailed, match="larger than the 10-byte limit"):
        read_bytes(url, options=FAST, limit=10)
    with pytest.raises(DownloadFailed) as info:
        probe(http_server.url_for("missing"), options=FAST)
    assert info.value.status == 404


def test_unreachable_server_is_retried_then_reported(unused_port: int) -> None:
    error = failure(
        f"http://127.0.0.1:{unused_port}/x.tar.gz", FetchOptions(backoff=0.001, retries=1)
    )
    assert "ConnectError" in str(error)
    assert "after 2 attempts" in str(error)
    assert error.hint is not None and "NO_PROXY" in error.hint


def test_proxy_from_the_environment(
    http_server_factory: Callable[..., HTTPTestServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = http_server_factory()
    for name in ("http_proxy", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    error = failure("http://pbs.example.invalid/x.tar.gz")
    # The proxy got the absolute-form request and its 404 came back.
    assert error.status == 404
    [request] = proxy.requests
    assert request.path == "http://pbs.example.invalid/x.tar.gz"


@pytest.fixture
def unused_port(http_server_factory: Callable[..., HTTPTestServer]) -> int:
    server = http_server_factory()
    port = server.port
    server.close()
    return port


def test_missing_truststore_is_a_clear_error_or_works(
    http_server: HTTPTestServer, archive: str
) -> None:
    options = FetchOptions(backoff=0.001, trust_store="system")
    try:
        import truststore  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="truststore"):
            fetch(archive, options)
    else:
        assert fetch(archive, options)[0] == DATA


# --- TLS ---------------------------------------------------------------------------------------


@pytest.fixture
def https_server(
    certificate: tuple[Path, Path],
    http_server_factory: Callable[..., HTTPTestServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> HTTPTestServer:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    server = http_server_factory(tmp_path, tls=context)
    server.add_file("x.tar.gz", b"tls body")
    return server


def test_unknown_certificate_fails_without_retrying(https_server: HTTPTestServer) -> None:
    error = failure(https_server.url_for("x.tar.gz"))
    assert "TLS failed" in str(error)
    assert "CERTIFICATE_VERIFY_FAILED" in str(error)
    assert error.hint is not None and "SSL_CERT_FILE" in error.hint
    assert https_server.requests == []


@pytest.mark.parametrize(
    "options",
    [
        FAST,
        FetchOptions(backoff=0.001, proxies_from_env=False),
        FetchOptions(backoff=0.001, trust_store="system"),
    ],
    ids=["default", "no-env-proxies", "system-store"],
)
def test_ssl_cert_file_is_honoured(
    https_server: HTTPTestServer,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    options: FetchOptions,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    assert fetch(https_server.url_for("x.tar.gz"), options)[0] == b"tls body"


def test_unreadable_ssl_cert_file_is_a_config_error(
    https_server: HTTPTestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="SSL_CERT_FILE"):
        fetch(https_server.url_for("x.tar.gz"))


# --- file:// and paths -----------------------------------------------------------------------


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    (tmp_path / "mirror" / TAG).mkdir(parents=True)
    return tmp_path / "mirror"


def file_url(path: Path) -> str:
    return path.as_uri().replace("+", "%2B")


def test_file_url_is_read_in_place(mirror: Path) -> None:
    stored = mirror / TAG / NAME
    stored.write_bytes(DATA)
    url = file_url(stored)
    assert "%2B" in url
    assert file_url_to_path(url) == stored
    body, download = fetch(url)
    assert body == DATA
    assert download.path == stored
    assert download.total == len(DATA)
    assert download.warnings == []


def test_plain_path(mirror: Path) -> None:
    stored = mirror / TAG / NAME
    stored.write_bytes(b"abc")
    assert read_bytes(str(stored)) == b"abc"
    assert probe(str(stored)) == 3


def test_file_url_falls_back_to_the_encoded_name_with_a_warning(mirror: Path) -> None:
    encoded = mirror / TAG / NAME.replace("+", "%2B")
    encoded.write_bytes(DATA)
    body, download = fetch(file_url(mirror / TAG / NAME))
    assert body == DATA
    assert download.path == encoded
    [warning] = download.warnings
    assert f"mv '{encoded}' '{mirror / TAG / NAME}'" in warning


def test_file_not_found_lists_near_misses(mirror: Path) -> None:
    (mirror / NAME).write_bytes(DATA)
    other = NAME.replace("install_only_stripped", "install_only")
    (mirror / TAG / other).write_bytes(DATA)
    error = failure(file_url(mirror / TAG / NAME))
    assert f"file not found: {mirror / TAG / NAME}" in str(error)
    assert error.hint is not None
    assert f"found {mirror / NAME} without its `{TAG}/` folder" in error.hint
    assert other in error.hint


def test_file_not_found_in_a_missing_folder(tmp_path: Path) -> None:
    error = failure(file_url(tmp_path / "nowhere" / TAG / NAME))
    assert error.hint is not None
    assert f"the folder {tmp_path / 'nowhere' / TAG} does not exist" in error.hint


def test_cancel_file_download(mirror: Path) -> None:
    stored = mirror / TAG / NAME
    stored.write_bytes(DATA)
    cancel = threading.Event()
    cancel.set()
    with open_url(str(stored), options=FAST, cancel=cancel) as download, pytest.raises(Cancelled):
        next(iter(download.chunks()))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x.tar.gz", "unsupported URL scheme `ftp`"),
        ("file://server/share/x.tar.gz", "file:// URLs cannot name a host"),
    ],
)
def test_unsupported_sources(url: str, message: str) -> None:
    assert message in str(failure(url))


def test_read_bytes_logs_the_encoded_name_warning(
    mirror: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (mirror / TAG / "SHA256%2Bx").write_bytes(b"sums")
    with caplog.at_level(logging.WARNING, logger="tui.core.fetch"):
        assert read_bytes(file_url(mirror / TAG / "SHA256+x")) == b"sums"
    assert "mv '" in caplog.text


def test_network_options_read_uvs_variables_and_flags_win() -> None:
    from tui.core.fetch import network_options

    assert network_options({}) == FetchOptions()
    env = {"UV_NATIVE_TLS": "true", "UV_HTTP_TIMEOUT": "12"}
    assert network_options(env) == FetchOptions(timeout=12.0, trust_store="system")
    assert network_options(env, timeout=3.0).timeout == 3.0
    assert network_options({}, native_tls=True).trust_store == "system"
    assert network_options({"UV_HTTP_RETRIES": "0"}).retries == 0


@pytest.mark.parametrize("name", ["UV_HTTP_TIMEOUT", "UV_HTTP_RETRIES"])
def test_network_variables_that_are_not_numbers_are_refused(name: str) -> None:
    from tui.core.fetch import network_options

    with pytest.raises(ConfigError, match=f"{name}: expected a whole number of .*, got `abc`"):
        network_options({name: "abc"})


@pytest.mark.parametrize("url", ["http://[::1/x.json", "https://127.0.0.1:port/x", "http:///x"])
def test_a_url_that_does_not_parse_fails_as_a_download(url: str) -> None:
    error = failure(url)
    assert "not a valid URL" in str(error)
