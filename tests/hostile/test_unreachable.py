"""A target that cannot be used at all: the run stops at the preflight, exit 3, one line saying why.

The rule (README, "Exit status of run"): 3 when the target could not be reached before any check ran.
Each case is a whole run (no --requirement): the preflight must stop it within a few target
timeouts, naming what the target did, with no traceback.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path

from .conftest import (
    TIMEOUT,
    Outcome,
    Pki,
    RawServer,
    Wrapped,
    fixed_secrets,
    read_request,
    run_against,
    secret_env,
)
from .middleware import Counter

PREFLIGHT_BOUND = 15.0  # seconds: a preflight that stops the run takes a few target timeouts at most


def _stopped_at_preflight(outcome: Outcome) -> None:
    assert outcome.code == 3, outcome.explain()
    assert outcome.seconds < PREFLIGHT_BOUND, outcome.explain()
    assert "Traceback" not in outcome.output, outcome.explain()
    assert "spry-conformance: the target could not be reached" in outcome.output, outcome.explain()


def test_connection_refused_exits_3_saying_so(tmp_path: Path) -> None:
    """Nothing listens on the port (it is bound, never listening): every connection is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as bound:
        bound.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{bound.getsockname()[1]}"
        outcome = run_against(tmp_path, base_url, secret_env(fixed_secrets()))
    _stopped_at_preflight(outcome)
    assert re.search(r"could not connect: .*refused", outcome.output, re.I), outcome.explain()


def test_untrusted_certificate_exits_3_and_no_request_completes(
    tmp_path: Path, pki: Pki, reference_target: Callable[..., Wrapped]
) -> None:
    """RFC 6749 §10.9: the client MUST validate the server's TLS certificate; the suite does unless the
    user opts out (target.verify_tls, target.ca_bundle).

    The reference server over TLS with a certificate from a CA the run does not trust: the
    handshake fails, so not one request (the client secret in it) reaches the server's app.
    """
    counter = Counter()
    served = reference_target(counter, tls=pki.files)
    outcome = run_against(tmp_path, served.base_url, served.env)
    _stopped_at_preflight(outcome)
    assert re.search(r"certificate verify failed", outcome.output, re.I), outcome.explain()
    assert counter.seen == [], f"requests reached the server over an unverified connection: {counter.seen}"


def test_the_same_certificate_is_trusted_with_its_ca_bundle(
    tmp_path: Path, pki: Pki, reference_target: Callable[..., Wrapped]
) -> None:
    """The control for the case above: the same server, its CA given as target.ca_bundle, works."""
    served = reference_target(tls=pki.files)
    outcome = run_against(
        tmp_path, served.base_url, served.env, "--requirement", "CC-SUCCESS", ca_bundle=pki.ca_bundle
    )
    assert outcome.statuses() == {"CC-SUCCESS": "passed"}, outcome.explain()
    assert outcome.code == 0, outcome.explain()


def test_server_that_never_answers_times_out_at_preflight(
    tmp_path: Path, raw_server: Callable[..., RawServer]
) -> None:
    """The server accepts the connection, reads the request and never answers: the target timeout ends it."""

    def silent(conn: socket.socket, server: RawServer) -> None:
        read_request(conn, server)
        server.closing.wait()

    listener = raw_server(silent)
    outcome = run_against(tmp_path, listener.base_url, secret_env(fixed_secrets()))
    _stopped_at_preflight(outcome)
    assert f"timed out after {TIMEOUT:g} s" in outcome.output, outcome.explain()
    assert outcome.seconds >= TIMEOUT
    assert len(listener.received) == 1, "the preflight sends one request and stops"


def test_tls_handshake_that_never_completes_times_out_at_preflight(
    tmp_path: Path, raw_server: Callable[..., RawServer]
) -> None:
    """The server accepts TCP and never answers the TLS ClientHello: the connect timeout ends it."""

    def mute(conn: socket.socket, server: RawServer) -> None:
        server.closing.wait()

    listener = raw_server(mute)
    base_url = listener.base_url.replace("http://", "https://")
    outcome = run_against(tmp_path, base_url, secret_env(fixed_secrets()))
    _stopped_at_preflight(outcome)
    assert f"timed out after {TIMEOUT:g} s" in outcome.output, outcome.explain()
