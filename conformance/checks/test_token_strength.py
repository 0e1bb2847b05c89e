"""Token strength: codes, refresh tokens and opaque access tokens cannot be guessed (RFC 6749 §10.10).

A small sample of issued values is estimated by `flows.entropy`: the length × log2(alphabet) upper
bound, lowered by fixed positions, repeats and sequential or crowded values. The values themselves
never appear in a message: only their length, alphabet and the patterns found.
"""

from __future__ import annotations

import pytest

from conformance.catalogue import requirement
from conformance.checks.conftest import Authorizer
from conformance.config import Client, Target
from conformance.findings import settle
from conformance.flows.token import TokenResponse, client_credentials, exchange_code, refresh
from conformance.http import Session
from conformance.judges import token_strength as judge

CODE_SAMPLES = 5  # each one needs a login
REFRESH_SAMPLES = 6  # one login, then one refresh each (when the server rotates)
ACCESS_SAMPLES = 5


@requirement("SEC-ENTROPY-CODE")
@pytest.mark.long
def test_authorization_codes_cannot_be_guessed(code_client: Client, authorize_user: Authorizer) -> None:
    """RFC 6749 §10.10: "The probability of an attacker guessing generated tokens (and other credentials not
    intended for handling by end-users) MUST be less than or equal to 2^(-128)"; §10.5: codes are unguessable.
    Estimated from a few codes issued to the primary client."""
    answers = [authorize_user(code_client) for _ in range(CODE_SAMPLES)]
    codes = [a.code for a in answers if a.code]
    if len(codes) < len(answers):
        pytest.fail(f"{len(answers) - len(codes)} of {len(answers)} authorization requests returned no code")
    settle(judge.ensure_unguessable(codes, "authorization codes", answers[-1]))


@requirement("SEC-ENTROPY-REFRESH")
@pytest.mark.long
def test_refresh_tokens_cannot_be_guessed(
    http: Session,
    target: Target,
    code_client: Client,
    refresh_client: Client,
    refreshable: TokenResponse,
    authorize_user: Authorizer,
) -> None:
    """RFC 6749 §10.10: generated tokens MUST be guessed with probability at most 2^(-128); §10.4: refresh tokens
    must not be generated, modified or guessed. Estimated from refresh tokens issued in sequence (by rotation,
    or by new grants when the server does not rotate)."""
    tokens = [refreshable.refresh_token or ""]
    evidence: TokenResponse = refreshable
    while len(tokens) < REFRESH_SAMPLES:
        evidence = refresh(http, target, refresh_client, tokens[-1])
        if not evidence.ok or not evidence.refresh_token or evidence.refresh_token == tokens[-1]:
            evidence = _new_grant(http, target, code_client, authorize_user)  # the server does not rotate
        tokens.append(evidence.refresh_token or "")
    settle(judge.ensure_unguessable(tokens, "refresh tokens", evidence))


def _new_grant(http: Session, target: Target, client: Client, authorize_user: Authorizer) -> TokenResponse:
    code = authorize_user(client).code
    answer = exchange_code(http, target, client, code or "", redirect_uri=client.redirect_uri)
    if not answer.refresh_token:
        pytest.fail(
            f"a new grant for one more refresh token failed (HTTP {answer.status}, error {answer.error})"
        )
    return answer


@requirement("SEC-ENTROPY-ACCESS")
def test_opaque_access_tokens_cannot_be_guessed(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §10.10: generated tokens MUST be guessed with probability at most 2^(-128); §10.3: access tokens
    must not be generated, modified or guessed. Applies to opaque (reference) tokens: a JWT's unpredictability
    is its signature key and jti, which the JWT family checks (JWT-STRONG-KEY, JWT-JTI-UNIQUE)."""
    answers = [
        client_credentials(http, target, cc_primary, scope=cc_primary.scope) for _ in range(ACCESS_SAMPLES)
    ]
    failed = [a for a in answers if not a.ok]
    if failed:
        pytest.fail(
            f"a client-credentials token request failed (HTTP {failed[0].status}, error {failed[0].error})"
        )
    tokens = [a.access_token or "" for a in answers]
    if judge.all_jwts(tokens):
        pytest.skip(
            "the access tokens are JWTs: their unpredictability is the signing key and the jti"
            " (JWT-STRONG-KEY, JWT-JTI-UNIQUE), not the token string"
        )
    settle(judge.ensure_unguessable(tokens, "access tokens", answers[-1]))
