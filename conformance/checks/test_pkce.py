"""PKCE (RFC 7636) on the authorization code grant, as RFC 9700 §2.1.1 requires of authorization servers.

Probes only: each check sends its requests and hands the answer to its judge (conformance/judges/pkce.py,
the refusals judged as every token refusal is, by `judges.refusal.ensure_refused`).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.catalogue import requirement
from conformance.checks._controls import pkce_exchange_or_skip
from conformance.checks.conftest import Authorizer
from conformance.config import Client, Target
from conformance.findings import Refusal, settle, settle_refusal
from conformance.flows.authorize import AuthorizationResponse
from conformance.flows.pkce import Pkce, new_pkce
from conformance.flows.token import TokenResponse, exchange_code
from conformance.http import Session
from conformance.judges import pkce as judge


@pytest.fixture
def pkce() -> Pkce:
    return new_pkce("S256")


@pytest.fixture
def pkce_code(code_client: Client, authorize_user: Authorizer, pkce: Pkce) -> AuthorizationResponse:
    """A fresh code for an authorization request with an S256 code challenge."""
    answer = authorize_user(code_client, pkce=pkce)
    if not answer.code:
        pytest.skip(
            f"the server issued no code for an S256 code challenge (error {answer.error!r}): see AC-PKCE-S256"
        )
    return answer


def _redeem(
    http: Session, target: Target, client: Client, code: AuthorizationResponse, verifier: str | None
) -> TokenResponse:
    return exchange_code(
        http, target, client, code.code or "", redirect_uri=client.redirect_uri, code_verifier=verifier
    )


def _refused(http: Session, answer: TokenResponse, refusal: Refusal, control: Callable[[], None]) -> None:
    if not answer.ok:
        control()  # a refusal counts once a matching verifier is shown to work on this target
    settle_refusal(refusal, http.recorder)


@requirement("AC-PKCE-S256")
def test_s256_flow_succeeds(
    http: Session, target: Target, code_client: Client, authorize_user: Authorizer, pkce: Pkce
) -> None:
    """RFC 7636 §4.2: S256 "is Mandatory To Implement (MTI) on the server"; RFC 9700 §2.1.1."""
    answer = authorize_user(code_client, pkce=pkce)
    settle(judge.ensure_code_for_an_s256_challenge(answer))
    tokens = _redeem(http, target, code_client, answer, pkce.verifier)
    settle(judge.ensure_matching_verifier_gets_a_token(tokens))


@requirement("AC-PKCE-VERIFIER-REQUIRED")
def test_verifier_is_required(
    http: Session,
    target: Target,
    code_client: Client,
    pkce_code: AuthorizationResponse,
    authorize_user: Authorizer,
) -> None:
    """RFC 9700 §2.1.1: with a code_challenge, the server "MUST enforce the correct usage of code_verifier"."""
    answer = _redeem(http, target, code_client, pkce_code, None)
    _refused(http, answer, judge.ensure_missing_verifier_refused(answer),
             control=lambda: pkce_exchange_or_skip(http, target, code_client, authorize_user))  # fmt: skip


@requirement("AC-PKCE-VERIFIER-CHECKED")
def test_wrong_verifier_is_refused(
    http: Session,
    target: Target,
    code_client: Client,
    pkce_code: AuthorizationResponse,
    authorize_user: Authorizer,
) -> None:
    """RFC 7636 §4.6: "If the values are not equal, an error response indicating "invalid_grant" ... MUST be returned"."""
    answer = _redeem(http, target, code_client, pkce_code, new_pkce().verifier)
    _refused(http, answer, judge.ensure_wrong_verifier_refused(answer),
             control=lambda: pkce_exchange_or_skip(http, target, code_client, authorize_user))  # fmt: skip


@requirement("AC-PKCE-DOWNGRADE")
def test_verifier_without_challenge_is_refused(
    http: Session,
    target: Target,
    code_client: Client,
    issued_code: AuthorizationResponse,
    authorize_user: Authorizer,
) -> None:
    """RFC 9700 §2.1.1: a token request with a code_verifier is accepted "only if a code_challenge
    parameter was present in the authorization request"."""
    answer = _redeem(http, target, code_client, issued_code, new_pkce().verifier)
    _refused(http, answer, judge.ensure_verifier_without_challenge_refused(answer),
             control=lambda: pkce_exchange_or_skip(http, target, code_client, authorize_user))  # fmt: skip


@requirement("AC-PKCE-METHOD-BOUND")
def test_challenge_is_not_a_verifier(
    http: Session,
    target: Target,
    code_client: Client,
    pkce_code: AuthorizationResponse,
    pkce: Pkce,
    authorize_user: Authorizer,
) -> None:
    """RFC 7636 §4.4, §4.6: the verifier is transformed with the method stored with the code (S256)."""
    answer = _redeem(http, target, code_client, pkce_code, pkce.challenge)
    _refused(http, answer, judge.ensure_challenge_is_not_a_verifier(answer),
             control=lambda: pkce_exchange_or_skip(http, target, code_client, authorize_user))  # fmt: skip
