"""Judges of PKCE (RFC 7636) on the authorization code grant, as RFC 9700 §2.1.1 requires of authorization
servers. Pure: each reads the recorded redirect or token answer. The refusals (a missing, wrong or
downgraded code_verifier) are judged as every token refusal is (`verdict.expect_refused`).
"""

from __future__ import annotations

from conformance.findings import Finding, judged
from conformance.flows.authorize import AuthorizationResponse
from conformance.flows.token import TokenResponse
from conformance.judges.authorization_code import redirect_evidence
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
