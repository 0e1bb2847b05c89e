"""Client authentication at the token endpoint (RFC 6749 §2.3, §3.2.1, §5.2).

Failed authentications are spent sparingly: one wrong secret, one missing secret and one other
client's secret against the primary client per run; every other failure uses an unregistered
client id, so that no real client nears the server's brute-force throttle.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

import pytest

from conformance.catalogue import requirement
from conformance.config import Client, Target
from conformance.flows.resource import parse_challenge
from conformance.flows.responses import unknown_client
from conformance.flows.token import TokenResponse, client_credentials
from conformance.http import Session
from conformance.verdict import describe, expect, expect_refused


def _outcome(answer: TokenResponse) -> str:
    if answer.access_token:
        return f"HTTP {answer.status} with an access token"
    return f"HTTP {answer.status}, error {answer.error!r}"


def _refused(http: Session, answer: TokenResponse, what: str) -> None:
    """No token is the property (a breach when one is issued); invalid_client is the form (TOKEN-ERROR-*)."""
    expect_refused(http.recorder, answer, f"no token for {what}", errors={"invalid_client"},
                   observed=f"{what}: {_outcome(answer)}")  # fmt: skip


@requirement("CLIENT-AUTH-BASIC")
def test_basic_authentication_is_supported(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §2.3.1: "The authorization server MUST support the HTTP Basic authentication scheme for
    authenticating clients that were issued a client password." (id and secret form-urlencoded first)"""
    answer = client_credentials(http, target, cc_primary, scope=cc_primary.scope, auth="basic")
    expect(
        answer.ok, "a token for the client authenticated with HTTP Basic", answer, observed=_outcome(answer)
    )


@requirement("CLIENT-AUTH-BODY")
def test_body_credentials_are_supported(http: Session, target: Target, cc_primary: Client) -> None:
    """Spry guide, Client Credentials Flow: client_id and client_secret are sent in the form body
    (RFC 6749 §2.3.1 makes this a MAY; the guide documents it as the way to authenticate)."""
    answer = client_credentials(http, target, cc_primary, scope=cc_primary.scope, auth="body")
    expect(answer.ok, "a token for the client authenticated with client_id/client_secret in the body", answer,
           observed=_outcome(answer))  # fmt: skip


@requirement("CLIENT-AUTH-WRONG-SECRET")
def test_wrong_secret_is_refused(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §3.2.1, §4.4.2: the client MUST authenticate; §5.2 invalid_client: "Client
    authentication failed". A registered client id with a wrong secret gets no token."""
    wrong = _with_secret(cc_primary, secrets.token_urlsafe(24))
    answer = client_credentials(http, target, wrong, scope=cc_primary.scope)
    _refused(http, answer, f"a wrong secret for {cc_primary.client_id}")


@requirement("CLIENT-AUTH-UNKNOWN-CLIENT")
def test_unknown_client_is_refused(http: Session, target: Target) -> None:
    """RFC 6749 §5.2 invalid_client: "Client authentication failed (e.g., unknown client ...)"."""
    stranger = unknown_client()
    answer = client_credentials(http, target, stranger, scope="read")
    _refused(http, answer, "an unregistered client id")


@requirement("CLIENT-AUTH-MISSING-SECRET")
def test_missing_secret_is_refused(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §3.2.1: "Confidential clients ... MUST authenticate with the authorization server";
    §5.2 invalid_client covers "no client authentication included". client_id alone gets no token."""
    answer = client_credentials(http, target, cc_primary, scope=cc_primary.scope, auth="none")
    _refused(http, answer, f"client_id {cc_primary.client_id} without a secret")


@requirement("CLIENT-AUTH-SECRET-BOUND-TO-CLIENT")
def test_other_clients_secret_is_refused(
    http: Session, target: Target, cc_primary: Client, secondary: Client
) -> None:
    """RFC 6749 §2.3.1, §3.2.1: the secret authenticates the client it was issued to. The primary
    client's id with the secondary client's (valid) secret gets no token."""
    borrowed = _with_secret(cc_primary, secondary.client_secret or "")
    answer = client_credentials(http, target, borrowed, scope=cc_primary.scope)
    _refused(http, answer, f"{cc_primary.client_id} with {secondary.client_id}'s secret")


@requirement("CLIENT-AUTH-INVALID-CLIENT-401")
def test_invalid_client_is_401(http: Session, target: Target) -> None:
    """Spry profile: every invalid_client is answered 401 with a WWW-Authenticate challenge. RFC 6749
    §5.2 makes 401 a MAY for credentials in the body (a MUST after HTTP Basic: CLIENT-AUTH-BASIC-CHALLENGE);
    RFC 9110 §15.5.2: a 401 "MUST send a WWW-Authenticate header field"."""
    answer = client_credentials(http, target, unknown_client(), scope="read", auth="body")
    challenge = answer.response.headers.get("www-authenticate")
    if answer.error != "invalid_client":
        pytest.skip(
            f"the unregistered client got {_outcome(answer)}, not invalid_client (CLIENT-AUTH-UNKNOWN-CLIENT)"
        )
    expect(answer.status == 401 and challenge, "HTTP 401 with a WWW-Authenticate challenge", answer,
           observed=f"HTTP {answer.status}, WWW-Authenticate {describe(challenge) if challenge else '(absent)'}")  # fmt: skip


@requirement("CLIENT-AUTH-BASIC-CHALLENGE")
def test_failed_basic_gets_basic_challenge(http: Session, target: Target) -> None:
    """RFC 6749 §5.2: "If the client attempted to authenticate via the "Authorization" request header
    field, the authorization server MUST respond with an HTTP 401 (Unauthorized) status code and
    include the "WWW-Authenticate" response header field matching the authentication scheme used by
    the client." (an unregistered client id, sent with HTTP Basic)"""
    answer = client_credentials(http, target, unknown_client(), scope="read", auth="basic")
    header = answer.response.headers.get("www-authenticate")
    challenge = parse_challenge(header)
    expect(not answer.access_token and answer.status == 401, "HTTP 401 after a failed HTTP Basic authentication",
           answer, observed=_outcome(answer))  # fmt: skip
    expect(challenge is not None and challenge.scheme.lower() == "basic", "WWW-Authenticate: Basic ...", answer,
           observed=f"WWW-Authenticate {describe(header) if header else '(absent)'}")  # fmt: skip


@requirement("CLIENT-AUTH-ONE-METHOD")
def test_two_authentication_methods_are_refused(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each request";
    §5.2 invalid_request: the request "utilizes more than one mechanism for authenticating the client"."""
    answer = client_credentials(http, target, cc_primary, scope=cc_primary.scope, auth="both")
    expect(not answer.access_token and answer.error == "invalid_request",
           "error invalid_request for HTTP Basic and body credentials together, no token", answer,
           observed=f"Basic and body credentials together: {_outcome(answer)}")  # fmt: skip


def _with_secret(client: Client, secret: str) -> Client:
    return replace(client, client_secret=secret)
