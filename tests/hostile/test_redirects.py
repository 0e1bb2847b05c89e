"""A token endpoint that redirects elsewhere: no credential ever leaves the target's origin.

RFC 6749 §10.6 / §10.15 and the suite's own rule (conformance/http.py): redirects are returned,
never followed, and a request carrying a client secret, a password, a code, a refresh token, an
Authorization or a Cookie header is only ever sent to the target's own origin. A second listener
on another port (another origin) plays the attacker's host: it must see nothing at all.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.types import ASGIApp

from .conftest import REFRESH_PATH, TOKEN_PATH, RawServer, Wrapped, read_request, requirements, run_against
from .middleware import after, on_route, redirect

CREDENTIAL_MARKERS = (
    b"client_secret",
    b"password",
    b"code=",
    b"refresh_token",
    b"authorization:",
    b"cookie:",
)
STOLEN = (
    b'{"access_token": "stolen", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "stolen-too"}'
)


def _collector(conn: socket.socket, server: RawServer) -> None:
    """The other host: records whatever arrives and answers like a token endpoint would."""
    read_request(conn, server)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(STOLEN)
    conn.sendall(head + STOLEN)


def _redirecting(status: int, elsewhere: str, *, served_first: int = 1) -> Callable[[ASGIApp], ASGIApp]:
    """Both token paths (v2 token, v1 refresh) redirect every POST to the other host, but for the
    first `served_first` token requests (the preflight's: it would stop the run otherwise)."""
    token = on_route(
        "POST", TOKEN_PATH, after(served_first, redirect(status, f"{elsewhere}/collect{TOKEN_PATH}"))
    )
    refresh = on_route("POST", REFRESH_PATH, redirect(status, f"{elsewhere}/collect{REFRESH_PATH}"))
    return lambda app: token(refresh(app))


def _nothing_reached(other: RawServer) -> None:
    leaks = sum(1 for r in other.received if any(m in r.lower() for m in CREDENTIAL_MARKERS))
    assert leaks == 0, f"{leaks} requests carried credentials to the other host"  # never printed
    assert other.connections == 0, f"the other host was contacted {other.connections} times"


def test_token_redirect_to_other_host_gets_no_credentials(
    tmp_path: Path, raw_server: Callable[..., RawServer], reference_target: Callable[..., Wrapped]
) -> None:
    """A whole run against a server whose token endpoints answer every POST after the preflight's with a
    307 to another host: the token checks fail naming the redirect, the checks that need no token keep passing,
    and the other host never receives a single request."""
    other = raw_server(_collector)
    served = reference_target(_redirecting(307, other.base_url))
    outcome = run_against(tmp_path, served.base_url, served.env)
    _nothing_reached(other)
    assert outcome.code == 1, outcome.explain()
    statuses = outcome.statuses()
    assert statuses["CC-SUCCESS"] == "failed", outcome.explain()
    (message,) = [
        m for c, m in outcome.messages("failed").items() if "test_valid_request_gets_access_token" in c
    ]
    assert "observed: HTTP 307" in message and f"location: {other.base_url}/collect" in message, message
    unusable = {**outcome.messages("failed"), **outcome.messages("error")}
    assert not [check for check, text in unusable.items() if "307" not in text], (
        "a failure that does not name the 307"
    )
    for untouched in (
        "AC-UNKNOWN-CLIENT-NO-REDIRECT",
        "AC-REDIRECT-MISMATCH-NO-REDIRECT",
        "BEARER-MISSING-CHALLENGE",
    ):
        assert statuses[untouched] == "passed", (untouched, statuses[untouched])
    assert "Traceback" not in outcome.output
    assert outcome.seconds < 120, outcome.explain()


@pytest.mark.parametrize("status", [302, 303, 308])
def test_each_redirect_status_is_reported_not_followed(
    status: int,
    tmp_path: Path,
    raw_server: Callable[..., RawServer],
    reference_target: Callable[..., Wrapped],
) -> None:
    """Client credentials, the code exchange (a code and a secret) and the refresh (a refresh token):
    each redirected with `status`, each failing on the redirect, none sent on."""
    other = raw_server(_collector)
    served = reference_target(_redirecting(status, other.base_url))
    outcome = run_against(tmp_path, served.base_url, served.env,
                          *requirements("CC-SUCCESS", "AC-LOGIN-REDIRECT", "RT-DOCUMENTED-ENDPOINT"))  # fmt: skip
    _nothing_reached(other)
    statuses = outcome.statuses()
    assert statuses["CC-SUCCESS"] == "failed", outcome.explain()
    assert statuses["AC-LOGIN-REDIRECT"] == "passed", outcome.explain()  # the front channel is not redirected
    assert statuses["RT-DOCUMENTED-ENDPOINT"] in {"failed", "error"}, outcome.explain()
    assert f"HTTP {status}" in "".join(outcome.messages("failed").values()) + "".join(
        outcome.messages("error").values()
    )
    assert outcome.code == 1


def test_token_endpoint_that_redirects_from_the_start_stops_at_preflight(
    tmp_path: Path, raw_server: Callable[..., RawServer], reference_target: Callable[..., Wrapped]
) -> None:
    """The preflight is an allowlist: a 307 to another host instead of a token ends the run before any
    check, with exit 3 and one line naming the redirect (not thousands of lines of failures)."""
    other = raw_server(_collector)
    served = reference_target(_redirecting(307, other.base_url, served_first=0))
    outcome = run_against(tmp_path, served.base_url, served.env)
    _nothing_reached(other)
    assert outcome.code == 3, outcome.explain()
    lines = [line for line in outcome.output.splitlines() if line.strip()]
    assert len(lines) <= 3, outcome.explain()
    assert "HTTP 307" in outcome.output and "redirects are never followed" in outcome.output, (
        outcome.explain()
    )
