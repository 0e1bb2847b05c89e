"""The reference server over TLS: HTTPS served, plain HTTP refused on the same port, HSTS sent; the two
transport faults (the ones test_faults.py cannot probe on a plain server) break exactly those rules."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from conformance.reference import FAULTS, ReferenceServer, ServerSettings, TlsFiles
from tests.support import throwaway_pki

AUTHORIZE = "/apis/v2/oauth/authorize"
TOKEN = "/apis/v2/oauth/token"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[TlsFiles, str]:
    """A certificate for 127.0.0.1 from a throw-away CA: (the server's files, the CA bundle path)."""
    files, bundle = throwaway_pki(tmp_path_factory.mktemp("tls"))
    return files, str(bundle)


@pytest.fixture
def tls_server(
    certificate: tuple[TlsFiles, str],
) -> Iterator[Callable[..., tuple[ReferenceServer, httpx.Client]]]:
    started: list[tuple[ReferenceServer, httpx.Client]] = []

    def start(*faults: str) -> tuple[ReferenceServer, httpx.Client]:
        server = ReferenceServer(ServerSettings(tls=certificate[0], faults=frozenset(faults))).start()
        client = httpx.Client(
            base_url=server.base_url, verify=ssl.create_default_context(cafile=certificate[1])
        )
        started.append((server, client))
        return started[-1]

    yield start
    for server, client in started:
        client.close()
        server.stop()


def _login_page(server: ReferenceServer, client: httpx.Client) -> httpx.Response:
    primary = server.credentials["clients"]["primary"]
    params = {"response_type": "code", "client_id": primary["client_id"], "redirect_uri": primary["redirect_uri"],
              "state": "s"}  # fmt: skip
    return client.get(AUTHORIZE, params=params)


def _plain_token_request(server: ReferenceServer) -> httpx.Response | None:
    """A token request (no secret) sent over plain HTTP to the HTTPS port; None when the connection is refused."""
    try:
        return httpx.post(server.base_url.replace("https://", "http://") + TOKEN,
                          data={"grant_type": "client_credentials", "client_id": "probe"}, timeout=5)  # fmt: skip
    except httpx.TransportError:
        return None


def test_https_is_served_with_hsts(tls_server: Callable[..., tuple[ReferenceServer, httpx.Client]]) -> None:
    server, client = tls_server()
    assert server.base_url.startswith("https://127.0.0.1:")
    primary = server.credentials["clients"]["primary"]
    token = client.post(TOKEN, data={"grant_type": "client_credentials", "client_id": primary["client_id"],
                                     "client_secret": primary["client_secret"]})  # fmt: skip
    assert token.status_code == 200 and token.json()["token_type"] == "Bearer"
    page = _login_page(server, client)
    assert page.status_code == 200
    assert page.headers["strict-transport-security"].startswith("max-age=31536000")


def test_plain_http_on_the_tls_port_is_refused(
    tls_server: Callable[..., tuple[ReferenceServer, httpx.Client]],
) -> None:
    server, _ = tls_server()
    assert _plain_token_request(server) is None


def test_no_hsts_fault(tls_server: Callable[..., tuple[ReferenceServer, httpx.Client]]) -> None:
    server, client = tls_server("no-hsts")
    assert "strict-transport-security" not in _login_page(server, client).headers
    assert _plain_token_request(server) is None  # only HSTS is broken


def test_plain_http_served_fault(tls_server: Callable[..., tuple[ReferenceServer, httpx.Client]]) -> None:
    server, client = tls_server("plain-http-served")
    plain = _plain_token_request(server)
    assert plain is not None and plain.status_code == 401 and plain.json()["error"] == "invalid_client"
    assert "strict-transport-security" not in plain.headers  # never over plain HTTP (RFC 6797 §7.2)
    assert _login_page(server, client).headers["strict-transport-security"]  # HTTPS unchanged


def test_transport_faults_need_tls() -> None:
    transport = sorted(name for name, fault in FAULTS.items() if fault.needs_tls)
    assert transport == ["no-hsts", "plain-http-served"]
    for name in transport:
        with pytest.raises(ValueError, match="TLS server"):
            ReferenceServer(ServerSettings(faults=frozenset({name})))


def test_a_missing_certificate_fails_before_binding(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        ReferenceServer(ServerSettings(tls=TlsFiles(str(tmp_path / "absent.pem"))))
