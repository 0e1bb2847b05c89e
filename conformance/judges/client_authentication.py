"""Judges of client authentication at the token endpoint (RFC 6749 §2.3, §3.2.1, §5.2)."""

from __future__ import annotations

from conformance.findings import Finding, Refusal, first_broken, judged
from conformance.flows.resource import parse_challenge
from conformance.flows.token import TokenResponse
from conformance.judges.refusal import ensure_refused
from conformance.verdict import describe


def outcome(answer: TokenResponse) -> str:
    """What a token request got, in a reader's words (never the token itself)."""
    if answer.access_token:
        return f"HTTP {answer.status} with an access token"
    return f"HTTP {answer.status}, error {answer.error!r}"


def ensure_basic_accepted(answer: TokenResponse) -> Finding:
    """RFC 6749 §2.3.1: "The authorization server MUST support the HTTP Basic authentication scheme for
    authenticating clients that were issued a client password." """
    return judged(answer.ok, "a token for the client authenticated with HTTP Basic", answer,
                  observed=outcome(answer))  # fmt: skip


def ensure_body_credentials_accepted(answer: TokenResponse) -> Finding:
    """Spry guide, Client Credentials Flow: client_id and client_secret are sent in the form body
    (RFC 6749 §2.3.1 makes this a MAY; the guide documents it as the way to authenticate)."""
    return judged(answer.ok, "a token for the client authenticated with client_id/client_secret in the body",
                  answer, observed=outcome(answer))  # fmt: skip


def ensure_authentication_refused(answer: TokenResponse, what: str) -> Refusal:
    """RFC 6749 §3.2.1: the client MUST authenticate; §5.2 invalid_client: "Client authentication failed
    (e.g., unknown client, no client authentication included, or unsupported authentication method)".
    No token is the property (a breach when one is issued); invalid_client is the form (TOKEN-ERROR-*)."""
    return ensure_refused(answer, f"no token for {what}", errors={"invalid_client"},
                          observed=f"{what}: {outcome(answer)}")  # fmt: skip


def is_invalid_client(answer: TokenResponse) -> bool:
    """Whether CLIENT-AUTH-INVALID-CLIENT-401 can judge this answer (otherwise it is UNKNOWN-CLIENT's finding)."""
    return answer.error == "invalid_client"


def ensure_invalid_client_is_401(answer: TokenResponse) -> Finding:
    """Spry profile: every invalid_client is answered 401 with a WWW-Authenticate challenge; RFC 9110
    §15.5.2: a 401 "MUST send a WWW-Authenticate header field"."""
    challenge = answer.response.headers.get("www-authenticate")
    return judged(answer.status == 401 and challenge, "HTTP 401 with a WWW-Authenticate challenge", answer,
                  observed=f"HTTP {answer.status}, WWW-Authenticate {describe(challenge) if challenge else '(absent)'}")  # fmt: skip


def ensure_basic_challenge(answer: TokenResponse) -> Finding:
    """RFC 6749 §5.2: "If the client attempted to authenticate via the "Authorization" request header field,
    the authorization server MUST respond with an HTTP 401 (Unauthorized) status code and include the
    "WWW-Authenticate" response header field matching the authentication scheme used by the client." """
    header = answer.response.headers.get("www-authenticate")
    challenge = parse_challenge(header)
    return first_broken(
        judged(not answer.access_token and answer.status == 401, "HTTP 401 after a failed HTTP Basic "
               "authentication", answer, observed=outcome(answer)),
        judged(challenge is not None and challenge.scheme.lower() == "basic", "WWW-Authenticate: Basic ...",
               answer, observed=f"WWW-Authenticate {describe(header) if header else '(absent)'}"),
    )  # fmt: skip


def ensure_one_method_only(answer: TokenResponse) -> Finding:
    """RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each request";
    §5.2 invalid_request: the request "utilizes more than one mechanism for authenticating the client"."""
    return judged(not answer.access_token and answer.error == "invalid_request",
                  "error invalid_request for HTTP Basic and body credentials together, no token", answer,
                  observed=f"Basic and body credentials together: {outcome(answer)}")  # fmt: skip
