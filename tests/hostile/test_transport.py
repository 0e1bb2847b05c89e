"""A target that stops answering on one route, hangs up, or trickles: bounded, and only those checks suffer.

The rule (README, "Reading a result"): `error` means the check could not run because the target did
not answer usably; a check that could run keeps its own result. Every request is bounded by the
target timeout (1 s here), so a route that never answers costs each check that uses it one timeout.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from .conftest import (
    LOGIN_PATH,
    PATIENTS_PATH,
    TIMEOUT,
    RawServer,
    Wrapped,
    fixed_secrets,
    read_request,
    requirements,
    run_against,
    secret_env,
)
from .middleware import hang, on_route, stream

TIMED_OUT = f"timed out after {TIMEOUT:g} s"


def test_one_hanging_route_errors_its_checks_and_keeps_the_others(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    """A whole run; POST /v2/patients (the write probe) never answers, every other route behaves.

    The checks that need the write probe end `error`, naming the route and the timeout; every
    other requirement keeps its result (passed, or skipped for a remote target), none fails.
    """
    served = reference_target(on_route("POST", PATIENTS_PATH, hang))
    outcome = run_against(tmp_path, served.base_url, served.env)
    assert outcome.code == 1, outcome.explain()
    errors = outcome.messages("error")
    assert errors, outcome.explain()
    for check, message in errors.items():
        assert TIMED_OUT in message and f"POST {served.base_url}{PATIENTS_PATH}" in message, (check, message)
    statuses = outcome.statuses()
    assert {statuses[r] for r in ("SCOPE-WRITE-TOKEN-WRITES", "SCOPE-READ-ONLY-CANNOT-WRITE")} == {"error"}
    assert not [r for r, s in statuses.items() if s in {"failed", "warning"}], outcome.explain()
    passed = [r for r, s in statuses.items() if s == "passed"]
    for untouched in ("CC-SUCCESS", "AC-LOGIN-REDIRECT", "RT-DOCUMENTED-ENDPOINT", "BEARER-HEADER-ACCEPTED"):
        assert untouched in passed, (untouched, statuses[untouched])
    assert len(passed) >= 90, f"only {len(passed)} requirements passed\n{outcome.explain()}"
    assert outcome.seconds < 150, outcome.explain()


def test_hanging_login_page_errors_the_login_checks_only(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    """The login form's POST never answers: the authorization code checks (and the fuzzing campaign,
    which logs in for its stateful scenarios) end `error` naming the timeout; the others pass."""
    served = reference_target(on_route("POST", LOGIN_PATH, hang))
    login_checks = ["AC-LOGIN-REDIRECT", "AC-PKCE-S256", "FUZZ-TOKEN-NO-5XX"]
    others = ["CC-SUCCESS", "BEARER-HEADER-ACCEPTED", "AC-UNKNOWN-CLIENT-NO-REDIRECT"]
    outcome = run_against(tmp_path, served.base_url, served.env, *requirements(*login_checks, *others))
    statuses = outcome.statuses()
    assert {r: statuses[r] for r in login_checks} == dict.fromkeys(login_checks, "error"), outcome.explain()
    assert {r: statuses[r] for r in others} == dict.fromkeys(others, "passed"), outcome.explain()
    for check, message in outcome.messages("error").items():
        assert TIMED_OUT in message and LOGIN_PATH in message, (check, message)
    assert outcome.code == 1
    assert outcome.seconds < 60, outcome.explain()


def test_server_that_hangs_up_without_answering_exits_3_saying_so(
    tmp_path: Path, raw_server: Callable[..., RawServer]
) -> None:
    """The server reads the request and closes the connection: the run stops at the preflight, naming it."""

    def hang_up(conn: socket.socket, server: RawServer) -> None:
        read_request(conn, server)

    listener = raw_server(hang_up)
    outcome = run_against(tmp_path, listener.base_url, secret_env(fixed_secrets()))
    assert outcome.code == 3, outcome.explain()
    assert "disconnected without sending a response" in outcome.output, outcome.explain()
    assert "Traceback" not in outcome.output
    assert outcome.seconds < 15, outcome.explain()


def test_body_that_trickles_forever_times_out(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    """GET /v2/patients sends its headers, then a byte every 50 ms without end: each read is within the
    timeout, the whole never is. The body must be bounded by the timeout too, or the run never ends."""
    trickle = stream({"content-type": "application/json"}, chunk=b" ", pause=0.05)
    served = reference_target(on_route("GET", PATIENTS_PATH, trickle))
    outcome = run_against(tmp_path, served.base_url, served.env,
                          *requirements("BEARER-HEADER-ACCEPTED", "CC-SUCCESS"), limit=60)  # fmt: skip
    statuses = outcome.statuses()
    assert statuses["BEARER-HEADER-ACCEPTED"] == "error", outcome.explain()
    assert statuses["CC-SUCCESS"] == "passed", outcome.explain()
    (message,) = outcome.messages("error").values()
    assert TIMED_OUT in message and f"GET {served.base_url}{PATIENTS_PATH}" in message, message
    assert outcome.seconds < 30, outcome.explain()
