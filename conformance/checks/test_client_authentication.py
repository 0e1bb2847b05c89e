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
from conformance.findings import settle, settle_refusal
from conformance.flows.responses import unknown_client
from conformance.flows.token import client_credentials
from conformance.http import Session
from conformance.judges import client_authentication as judge


@requirement("CLIENT-AUTH-BASIC")
def test_basic_authentication_is_supported(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §2.3.1: "The authorization server MUST support the HTTP Basic authentication scheme for
    authenticating clients that were issued a client password." (id and secret form-urlencoded first)"""
    answer = client_credentials(http, target, cc_primary, scope=cc_primary.scope, auth="basic")
    settle(judge.ensure_basic_accepted(answer))


@requirement("CLIENT-AUTH-BODY")
def test_body_credentials_are_supported(http: Session, target: Target, cc_primary: Client) -> None:
    """Spry guide, Client Credentials Flow: client_id and client_secret are sent in the form body
    (RFC 6749 §2.3.1 makes this a MAY; the guide documents it as the way to authenticate)."""
    answer = client_credentials(http, target, cc_primary, scope=cc_primary.scope, auth="body")
    settle(judge.ensure_body_credentials_accepted(answer))


@requirement("CLIENT-AUTH-WRONG-SECRET")
def test_wrong_secret_is_refused(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §3.2.1, §4.4.2: the client MUST authenticate; §5.2 invalid_client: "Client
    authentication failed". A registered client id with a wrong secret gets no token."""
    wrong = _with_secret(cc_primary, secrets.token_urlsafe(24))
    answer = client_credentials(http, target, wrong, scope=cc_primary.scope)
    what = f"a wrong secret for {cc_primary.client_id}"
    settle_refusal(judge.ensure_authentication_refused(answer, what), http.recorder)


@requirement("CLIENT-AUTH-UNKNOWN-CLIENT")
def test_unknown_client_is_refused(http: Session, target: Target) -> None:
    """RFC 6749 §5.2 invalid_client: "Client authentication failed (e.g., unknown client ...)"."""
    stranger = unknown_client()
    answer = client_credentials(http, target, stranger, scope="read")
    what = "an unregistered client id"
    settle_refusal(judge.ensure_authentication_refused(answer, what), http.recorder)


@requirement("CLIENT-AUTH-MISSING-SECRET")
def test_missing_secret_is_refused(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §3.2.1: "Confidential clients ... MUST authenticate with the authorization server";
    §5.2 invalid_client covers "no client authentication included". client_id alone gets no token."""
    answer = client_credentials(http, target, cc_primary, scope=cc_primary.scope, auth="none")
    what = f"client_id {cc_primary.client_id} without a secret"
    settle_refusal(judge.ensure_authentication_refused(answer, what), http.recorder)


@requirement("CLIENT-AUTH-SECRET-BOUND-TO-CLIENT")
def test_other_clients_secret_is_refused(
    http: Session, target: Target, cc_primary: Client, secondary: Client
) -> None:
    """RFC 6749 §2.3.1, §3.2.1: the secret authenticates the client it was issued to. The primary
    client's id with the secondary client's (valid) secret gets no token."""
    borrowed = _with_secret(cc_primary, secondary.client_secret or "")
    answer = client_credentials(http, target, borrowed, scope=cc_primary.scope)
    what = f"{cc_primary.client_id} with {secondary.client_id}'s secret"
    settle_refusal(judge.ensure_authentication_refused(answer, what), http.recorder)


@requirement("CLIENT-AUTH-INVALID-CLIENT-401")
def test_invalid_client_is_401(http: Session, target: Target) -> None:
    """Spry profile: every invalid_client is answered 401 with a WWW-Authenticate challenge. RFC 6749
    §5.2 makes 401 a MAY for credentials in the body (a MUST after HTTP Basic: CLIENT-AUTH-BASIC-CHALLENGE);
    RFC 9110 §15.5.2: a 401 "MUST send a WWW-Authenticate header field"."""
    answer = client_credentials(http, target, unknown_client(), scope="read", auth="body")
    if not judge.is_invalid_client(answer):
        pytest.skip(
            f"the unregistered client got {judge.outcome(answer)}, not invalid_client (CLIENT-AUTH-UNKNOWN-CLIENT)"
        )
    settle(judge.ensure_invalid_client_is_401(answer))


@requirement("CLIENT-AUTH-BASIC-CHALLENGE")
def test_failed_basic_gets_basic_challenge(http: Session, target: Target) -> None:
    """RFC 6749 §5.2: "If the client attempted to authenticate via the "Authorization" request header
    field, the authorization server MUST respond with an HTTP 401 (Unauthorized) status code and
    include the "WWW-Authenticate" response header field matching the authentication scheme used by
    the client." (an unregistered client id, sent with HTTP Basic)"""
    answer = client_credentials(http, target, unknown_client(), scope="read", auth="basic")
    settle(judge.ensure_basic_challenge(answer))


@requirement("CLIENT-AUTH-ONE-METHOD")
def test_two_authentication_methods_are_refused(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each request";
    §5.2 invalid_request: the request "utilizes more than one mechanism for authenticating the client"."""
    answer = client_credentials(http, target, cc_primary, scope=cc_primary.scope, auth="both")
    settle(judge.ensure_one_method_only(answer))


def _with_secret(client: Client, secret: str) -> Client:
    return replace(client, client_secret=secret)
