"""Judges of PKCE (RFC 7636) on the authorization code grant, as RFC 9700 §2.1.1 requires of authorization
servers. Pure: each reads the recorded redirect or token answer. The refusals (a missing, wrong or
downgraded code_verifier) are judged as every token refusal is (`judges.refusal.ensure_refused`).
"""

from __future__ import annotations

from conformance.findings import Finding, Refusal, judged
from conformance.flows.authorize import AuthorizationResponse
from conformance.flows.token import TokenResponse
from conformance.judges.authorization_code import redirect_evidence
from conformance.judges.refusal import ensure_refused
from conformance.verdict import describe


def ensure_code_for_an_s256_challenge(answer: AuthorizationResponse) -> Finding:
    """RFC 7636 §4.2: S256 "is Mandatory To Implement (MTI) on the server": a request with
    code_challenge_method=S256 gets a code."""
    return judged(answer.code, "a code for the authorization request with code_challenge_method=S256",
                  *redirect_evidence(answer), observed=f"no code (error {describe(answer.error)})")  # fmt: skip


def ensure_matching_verifier_gets_a_token(tokens: TokenResponse) -> Finding:
    """RFC 7636 §4.6: when the transformed code_verifier equals the stored code_challenge, the code is redeemed."""
    return judged(tokens.ok, "a token for the code exchange with the matching code_verifier", tokens,
                  observed=f"HTTP {tokens.status}, error {describe(tokens.error)}")  # fmt: skip


def _verifier_refused(answer: TokenResponse, errors: set[str], wanted: str, what: str) -> Refusal:
    return ensure_refused(
        answer, wanted, errors=errors, observed=f"HTTP {answer.status}: a token was issued {what}"
    )


def ensure_missing_verifier_refused(answer: TokenResponse) -> Refusal:
    """RFC 9700 §2.1.1: with a code_challenge, the server "MUST enforce the correct usage of code_verifier"."""
    return _verifier_refused(answer, {"invalid_grant", "invalid_request"}, "the code refused without its "
                             "code_verifier", "without any code_verifier")  # fmt: skip


def ensure_wrong_verifier_refused(answer: TokenResponse) -> Refusal:
    """RFC 7636 §4.6: "If the values are not equal, an error response indicating "invalid_grant" ... MUST be
    returned"."""
    return _verifier_refused(answer, {"invalid_grant"}, "the code refused with another flow's code_verifier",
                             "for a code_verifier that does not match the challenge")  # fmt: skip


def ensure_verifier_without_challenge_refused(answer: TokenResponse) -> Refusal:
    """RFC 9700 §2.1.1: a token request with a code_verifier is accepted "only if a code_challenge parameter
    was present in the authorization request"."""
    return _verifier_refused(answer, {"invalid_grant", "invalid_request"},
                             "a code issued without code_challenge refused when a code_verifier comes with it",
                             "for a code_verifier although the authorization request had no code_challenge")  # fmt: skip


def ensure_challenge_is_not_a_verifier(answer: TokenResponse) -> Refusal:
    """RFC 7636 §4.4, §4.6: the verifier is transformed with the method stored with the code (S256), so the
    challenge itself sent back as the verifier does not match."""
    return _verifier_refused(answer, {"invalid_grant"}, "the S256 challenge itself refused as the code_verifier",
                             "for the challenge sent back as the verifier (plain instead of S256)")  # fmt: skip
