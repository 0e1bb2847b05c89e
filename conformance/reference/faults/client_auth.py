"""Faults of client authentication at the token endpoint (RFC 6749 §2.3, §3.2.1, §4.4.2)."""

from __future__ import annotations

from .fault import Fault

DECLARED = (
    Fault(
        "basic-auth-unsupported",
        ("CLIENT-AUTH-BASIC",),
        "HTTP Basic client authentication is not recognised (invalid_client)",
    ),
    Fault(
        "body-auth-unsupported",
        ("CLIENT-AUTH-BODY",),
        "client_id/client_secret in the body are ignored (invalid_client)",
    ),
    Fault(
        "wrong-secret-accepted", ("CLIENT-AUTH-WRONG-SECRET",), "any secret is accepted for a known client"
    ),
    Fault(
        "unknown-client-accepted",
        ("CLIENT-AUTH-UNKNOWN-CLIENT",),
        "an unknown client_id gets a token (as if it were primary)",
    ),
    Fault(
        "missing-secret-accepted",
        ("CLIENT-AUTH-MISSING-SECRET",),
        "a known client_id without any secret gets a token",
    ),
    Fault(
        "invalid-client-400",
        ("CLIENT-AUTH-INVALID-CLIENT-401", "CLIENT-AUTH-BASIC-CHALLENGE"),
        "invalid_client is answered with 400 and no WWW-Authenticate",
    ),
    Fault(
        "basic-failure-no-challenge",
        ("CLIENT-AUTH-BASIC-CHALLENGE",),
        "a failed Basic authentication gets 401 without WWW-Authenticate",
    ),
    Fault(
        "two-auth-methods-accepted",
        ("CLIENT-AUTH-ONE-METHOD",),
        "Basic and body credentials together are accepted",
    ),
    Fault(
        "secret-of-other-client-accepted",
        ("CLIENT-AUTH-SECRET-BOUND-TO-CLIENT",),
        "a client id with any registered client's secret is authenticated",
    ),
    Fault(
        "cc-anonymous-accepted",
        ("CC-CLIENT-AUTH-REQUIRED",),
        "client_credentials without any client authentication gets a token (as the primary client)",
    ),
)
