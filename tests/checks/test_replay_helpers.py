"""The race harness: `Session.send_together` releases its requests together, under the Session's rules."""

from __future__ import annotations

import io
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest

from conformance.evidence import Recorder
from conformance.flows.race import DEFAULT_RACE_N, race_size
from conformance.http import BudgetExhausted, CredentialGuard, Session, race
from conformance.masking import Masker


class _Server(socketserver.ThreadingTCPServer):
    """Records when each request was complete (its last byte read) and answers with the request's `n`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.completed: list[tuple[float, str]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += self.request.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        while len(body) < length:
            body += self.request.recv(65536)
        server: _Server = self.server  # type: ignore[assignment]
        n = dict(parse_qsl(body.decode()))["n"]
        with server.lock:
            server.completed.append((time.perf_counter(), n))
        answer = f'{{"n": "{n}", "refresh_token": "rt-secret-{n}-abcdef"}}'.encode()
        self.request.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + f"Content-Length: {len(answer)}\r\n\r\n".encode()
            + answer
        )


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _session(server: _Server, **options: object) -> Session:
    return Session(base_url=server.url, masker=Masker(), recorder=Recorder(), timeout=5.0, **options)  # type: ignore[arg-type]


def test_every_request_is_written_but_its_last_byte_before_any_is_completed(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The barrier, deterministically: N connections opened and written up to their last byte, then the
    N last bytes back to back (the timing itself is proven by the code-race and refresh-race faults)."""
    log: list[tuple[int, bytes]] = []

    class Wire:
        def __init__(self, index: int) -> None:
            self.index = index

        def sendall(self, data: bytes) -> None:
            log.append((self.index, data))

        def makefile(self, mode: str) -> io.BytesIO:
            return io.BytesIO(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

        def close(self) -> None:
            pass

    wires = iter(Wire(i) for i in range(4))
    monkeypatch.setattr(race, "_connect", lambda session, request: next(wires))
    responses = _session(server).send_together("POST", "/token", [[("n", str(i))] for i in range(4)])
    assert [r.content for r in responses] == [b"ok"] * 4
    assert [index for index, _ in log] == [0, 1, 2, 3, 0, 1, 2, 3]
    assert all(len(data) == 1 for _, data in log[4:]), "the release sends one byte per request"
    request = log[0][1] + log[4][1]
    head, _, body = request.partition(b"\r\n\r\n")
    assert head.startswith(b"POST /token HTTP/1.1\r\n") and b"Connection: close" in head
    assert body == b"n=0" and b"Content-Length: 3" in head


def test_requests_reach_a_real_server_and_answers_keep_their_order(server: _Server) -> None:
    responses = _session(server).send_together("POST", "/token", [[("n", str(i))] for i in range(8)])
    assert [r.json["n"] for r in responses] == [str(i) for i in range(8)]
    assert sorted(n for _, n in server.completed) == sorted(str(i) for i in range(8))


def test_each_request_counts_against_the_budget_and_is_recorded_masked(server: _Server) -> None:
    session = _session(server, max_requests=10)
    responses = session.send_together("POST", "/token", [[("n", "1")], [("n", "2")], [("n", "3")]])
    assert session.requests_sent == 3
    exchanges, _ = session.recorder.take()
    assert len(exchanges) == 3 and all(e.status == 200 for e in exchanges)
    assert "rt-secret-1-abcdef" not in exchanges[0].response_body  # learnt from the answer and masked
    assert "rt-secret" not in responses[0].exchange.summary()
    with pytest.raises(BudgetExhausted):
        session.send_together("POST", "/token", [[("n", str(i))] for i in range(8)])


def test_credentials_never_go_to_another_origin(server: _Server) -> None:
    session = _session(server)
    with pytest.raises(CredentialGuard):
        session.send_together("POST", "http://127.0.0.2:9/token", [[("client_secret", "s")]])
    assert session.requests_sent == 0 and not server.completed


def test_an_unreachable_target_is_a_target_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session = Session(base_url=f"http://127.0.0.1:{port}", masker=Masker(), recorder=Recorder(), timeout=2.0)
    with pytest.raises(Exception, match="could not connect"):
        session.send_together("POST", "/token", [[("n", "1")], [("n", "2")]])


@pytest.mark.parametrize(
    ("value", "n"), [("", DEFAULT_RACE_N), ("8", 8), ("1", 2), ("500", 20), ("many", DEFAULT_RACE_N)]
)
def test_race_size_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, n: int) -> None:
    monkeypatch.setenv("SPRY_RACE_N", value)
    assert race_size() == n
