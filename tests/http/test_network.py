"""Networks as they are: every request through the proxy (race sender included), and mutual TLS on loopback.

A small forward proxy counts what passes through it (absolute-form requests for http, CONNECT tunnels
for https); a TLS server demands a client certificate issued by a throwaway CA (trustme).
"""

from __future__ import annotations

import json
import select
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import trustme

from conformance.errors import ConfigError, TargetError
from conformance.evidence import Recorder
from conformance.http import Network, Session
from conformance.masking import Masker


class _Target(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.seen.append(self.command)  # type: ignore[attr-defined]
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.do_GET()

    def log_message(self, *args: Any) -> None:
        pass


class _Proxy(socketserver.BaseRequestHandler):
    """CONNECT: a tunnel to the named authority. Anything else: an absolute-form request, forwarded."""

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            head += chunk
        line, _, rest = head.partition(b"\r\n")
        method, target, _ = line.decode().split(" ", 2)
        server: Any = self.server
        server.lines.append(f"{method} {target}")
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)))
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            url = urlsplit(target)
            upstream = socket.create_connection((url.hostname or "", url.port or 80))
            upstream.sendall(
                f"{method} {url.path or '/'}{'?' + url.query if url.query else ''} HTTP/1.1\r\n".encode()
                + rest
            )
        _pipe(self.request, upstream)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    sockets = [a, b]
    try:
        while True:
            ready, _, _ = select.select(sockets, [], [], 5)
            if not ready:
                return
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                (b if sock is a else a).sendall(data)
    finally:
        b.close()


def _serve(server: socketserver.BaseServer) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]  # type: ignore[misc]
    return f"{host}:{port}"


@pytest.fixture
def proxy() -> Iterator[Any]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Proxy)
    server.daemon_threads = True
    server.lines = []  # type: ignore[attr-defined]
    server.url = "http://" + _serve(server)  # type: ignore[attr-defined]
    yield server
    server.shutdown()
    server.server_close()


def _plain_target() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Target)
    server.seen = []  # type: ignore[attr-defined]
    return server


@pytest.fixture
def target() -> Iterator[Any]:
    server = _plain_target()
    server.url = "http://" + _serve(server)  # type: ignore[attr-defined]
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    files = {"ca": folder / "ca.pem", "server": folder / "server.pem", "client": folder / "client.pem",
             "client_cert": folder / "client-cert.pem", "client_key": folder / "client-key.pem"}  # fmt: skip
    ca.cert_pem.write_to_path(str(files["ca"]))
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(files["server"]))
    client = ca.issue_cert("conformance-client@example.org")
    client.private_key_and_cert_chain_pem.write_to_path(str(files["client"]))
    client.cert_chain_pems[0].write_to_path(str(files["client_cert"]))
    client.private_key_pem.write_to_path(str(files["client_key"]))
    return files


@pytest.fixture
def mtls_target(pki: dict[str, Path]) -> Iterator[Any]:
    """An https server that refuses any connection without a client certificate from the CA."""
    server = _plain_target()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki["ca"]))
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(str(pki["server"]))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.url = "https://" + _serve(server)  # type: ignore[attr-defined]
    yield server
    server.shutdown()
    server.server_close()


def _session(base_url: str, **options: Any) -> Session:
    return Session(base_url=base_url, masker=Masker(), recorder=Recorder(), timeout=5, **options)


def _exercise(http: Session) -> None:
    """One request through the session's client, three through the race sender."""
    assert http.request("GET", "/v2/patients").status == 200
    answers = http.send_together("POST", "/token", [{"n": "1"}, {"n": "2"}, {"n": "3"}])
    assert [a.status for a in answers] == [200, 200, 200]


@pytest.fixture
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def test_http_proxy_from_the_environment_carries_every_request(
    target: Any, proxy: Any, clean_proxy_env: pytest.MonkeyPatch
) -> None:
    clean_proxy_env.setenv("HTTP_PROXY", proxy.url)
    http = _session(target.url)
    _exercise(http)
    http.close()
    assert http.requests_sent == 4
    assert len(target.seen) == 4
    assert len(proxy.lines) == 4, proxy.lines
    assert all(line.split()[1].startswith(target.url) for line in proxy.lines), "absolute form to the proxy"


def test_no_proxy_sends_directly(target: Any, proxy: Any, clean_proxy_env: pytest.MonkeyPatch) -> None:
    clean_proxy_env.setenv("HTTP_PROXY", proxy.url)
    clean_proxy_env.setenv("NO_PROXY", "127.0.0.1")
    http = _session(target.url)
    _exercise(http)
    http.close()
    assert len(target.seen) == 4 and proxy.lines == []


def test_configured_proxy_wins_without_any_environment(
    target: Any, proxy: Any, clean_proxy_env: pytest.MonkeyPatch
) -> None:
    http = _session(target.url, network=Network(proxy=proxy.url))
    _exercise(http)
    http.close()
    assert len(proxy.lines) == 4 and len(target.seen) == 4


def test_https_goes_through_a_connect_tunnel_with_the_client_certificate(
    mtls_target: Any, proxy: Any, pki: dict[str, Path], clean_proxy_env: pytest.MonkeyPatch
) -> None:
    clean_proxy_env.setenv("HTTPS_PROXY", proxy.url)
    network = Network(client_cert=str(pki["client_cert"]), client_key=str(pki["client_key"]))
    http = _session(mtls_target.url, verify=str(pki["ca"]), network=network)
    _exercise(http)
    http.close()
    authority = mtls_target.url.removeprefix("https://")
    assert proxy.lines == [f"CONNECT {authority}"] * 4, "one tunnel for the client, one per raced request"
    assert len(mtls_target.seen) == 4


@pytest.mark.parametrize("sender", ["session", "race"])
def test_mtls_server_refuses_a_client_without_a_certificate(
    mtls_target: Any, pki: dict[str, Path], sender: str, clean_proxy_env: pytest.MonkeyPatch
) -> None:
    http = _session(mtls_target.url, verify=str(pki["ca"]))
    with pytest.raises(TargetError):
        if sender == "session":
            http.request("GET", "/v2/patients")
        else:
            http.send_together("POST", "/token", [{"n": "1"}, {"n": "2"}])
    http.close()
    assert mtls_target.seen == []


def test_mtls_with_certificate_and_key_in_one_file(
    mtls_target: Any, pki: dict[str, Path], clean_proxy_env: pytest.MonkeyPatch
) -> None:
    http = _session(mtls_target.url, verify=str(pki["ca"]), network=Network(client_cert=str(pki["client"])))
    _exercise(http)
    http.close()
    assert len(mtls_target.seen) == 4


def test_target_keys_proxy_and_client_certificate(tmp_path: Path, pki: dict[str, Path]) -> None:
    from conformance.config import load_target

    config = tmp_path / "spry-target.toml"
    config.write_text(
        f'[target]\nproxy = "http://proxy.internal:3128"\nclient_cert = "{pki["client_cert"]}"\n'
        f'client_key = "{pki["client_key"]}"\n'
    )
    target = load_target(config, env={})
    assert (target.proxy, target.client_cert, target.client_key) == (
        "http://proxy.internal:3128", str(pki["client_cert"]), str(pki["client_key"]))  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('client_key = "{key}"', "without target.client_cert"),
        ('client_cert = "/nowhere/cert.pem"', "no such file"),
        ('client_cert = "{ca}"', "cannot be loaded"),
        ('proxy = "http://user:pw@proxy.internal:3128"', "must not carry credentials"),
        ('proxy = "socks://proxy.internal"', r"must be an http\(s\) URL"),
    ],
)
def test_bad_network_keys_are_one_line_errors(
    tmp_path: Path, pki: dict[str, Path], lines: str, message: str
) -> None:
    from conformance.config import load_target

    config = tmp_path / "spry-target.toml"
    config.write_text("[target]\n" + lines.format(key=pki["client_key"], ca=pki["ca"]) + "\n")
    with pytest.raises(ConfigError, match=message) as error:
        load_target(config, env={})
    assert "\n" not in str(error.value) and "pw" not in str(error.value)


def test_the_environment_proxy_password_is_known_to_the_masker(clean_proxy_env: pytest.MonkeyPatch) -> None:
    from conformance.http.network import proxy_authorization, proxy_passwords

    clean_proxy_env.setenv("HTTPS_PROXY", "http://ops:s%40cret-proxy-pw@proxy.internal:3128")
    assert proxy_passwords() == ["s@cret-proxy-pw"]
    assert (
        proxy_authorization("http://ops:s%40cret-proxy-pw@proxy.internal:3128")
        == "Basic b3BzOnNAY3JldC1wcm94eS1wdw=="
    )
