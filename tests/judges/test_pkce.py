"""The PKCE judges, each on one good and one bad recorded answer."""

from __future__ import annotations

from conformance.judges import pkce as judge
from tests.judges.recorded import REDIRECT_URI, SPRY_TOKEN, redirect, token_answer


def test_code_for_an_s256_challenge() -> None:
    assert judge.ensure_code_for_an_s256_challenge(redirect(f"{REDIRECT_URI}?code=c&state=s")).held
    refused = judge.ensure_code_for_an_s256_challenge(redirect(f"{REDIRECT_URI}?error=invalid_request"))
    assert not refused.held and refused.observed == "no code (error 'invalid_request')"
    assert len(refused.exchanges) == 1


def test_matching_verifier_gets_a_token() -> None:
    assert judge.ensure_matching_verifier_gets_a_token(token_answer(200, SPRY_TOKEN)).held
    refused = judge.ensure_matching_verifier_gets_a_token(token_answer(400, {"error": "invalid_grant"}))
    assert not refused.held and refused.observed == "HTTP 400, error 'invalid_grant'"


def test_verifier_refusals() -> None:
    refused = token_answer(400, {"error": "invalid_grant"})
    issued = token_answer(200, SPRY_TOKEN)
    for ensure in (judge.ensure_missing_verifier_refused, judge.ensure_wrong_verifier_refused,
                   judge.ensure_verifier_without_challenge_refused, judge.ensure_challenge_is_not_a_verifier):  # fmt: skip
        assert ensure(refused).finding.held and ensure(refused).deviation is None
        assert not ensure(issued).finding.held
    # another §5.2 code than the one named: nothing issued, a deviation for TOKEN-ERROR-CODE
    other = judge.ensure_wrong_verifier_refused(token_answer(400, {"error": "invalid_request"}))
    assert other.finding.held and other.deviation is not None and other.deviation[0] == "TOKEN-ERROR-CODE"
