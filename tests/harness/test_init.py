"""`spry-conformance init` and `./spry-target.toml` discovery: a new user's first two commands."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.config import load_target
from conformance.reference import ReferenceServer, ServerSettings
from conformance.scaffold import discover, example_text


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("SPRY_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_init_writes_the_commented_example_and_never_overwrites(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    written = (in_tmp / "spry-target.toml").read_text()
    assert written == example_text() and written.count("#") > 20
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert "already exists (--force replaces it)" in err and len(err.strip().splitlines()) == 1
    (in_tmp / "spry-target.toml").write_text("# mine\n")
    assert main(["init", "--force", "--output", "other.toml"]) == 0
    assert (in_tmp / "spry-target.toml").read_text() == "# mine\n"
    assert load_target(in_tmp / "other.toml", env={}).base_url.startswith("https://")


def test_init_with_a_url_fills_in_what_the_server_shows_and_no_secret(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ReferenceServer(ServerSettings()) as server:
        assert main(["init", "--target", server.base_url]) == 0
        secrets = [c["client_secret"] for c in server.credentials["clients"].values()]
        secrets.append(server.credentials["user"]["password"])
    text = (in_tmp / "spry-target.toml").read_text()
    out = capsys.readouterr().out
    assert "RFC 8414 metadata" in text and "answers (401 without credentials)" in text
    assert 'method = "form"' in text and "the login page is an HTML form" in out
    assert not [s for s in secrets if s in text + out], "init wrote a secret"
    target = load_target(in_tmp / "spry-target.toml", env={})
    assert target.base_url == server.base_url
    assert target.token_path == "/apis/v2/oauth/token" and target.refresh_path == "/apis/v1/oauth/token"


class _ScriptLogin(BaseHTTPRequestHandler):
    """A server without metadata whose authorization endpoint redirects to a page its script builds."""

    def do_GET(self) -> None:
        if self.path.startswith("/apis/v2/oauth/authorize"):
            self.send_response(302)
            self.send_header("Location", "/login#/start")
            self.end_headers()
            return
        if self.path.startswith("/login"):
            body = b'<!doctype html><html><body><div id="app"></div><script src="/app.js"></script></body></html>'
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_error(404)

    def do_POST(self) -> None:
        self.send_error(404)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def script_login() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ScriptLogin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_script_built_login_page_needs_the_browser(script_login: str, in_tmp: Path) -> None:
    found = discover(script_login)
    assert found.login == {"method": "browser"}
    assert any("no RFC 8414 metadata" in note for note in found.notes)
    assert any("token_path /apis/v2/oauth/token: answers 404" in note for note in found.notes)


def test_init_refuses_a_bad_url_in_one_line(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--target", "ftp://x"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (in_tmp / "spry-target.toml").exists()


def test_run_finds_spry_target_toml_and_says_so(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "spry-target.toml").write_text('[target]\nbase_urll = "https://x.example"\n')
    assert main(["run"]) == 2  # the file was read: its typo is the one-line error
    err = capsys.readouterr().err
    assert "using ./spry-target.toml" in err and "did you mean 'base_url'" in err
