"""The authorization code judges, each on one good and one bad recorded outcome."""

from __future__ import annotations

from conformance.errors import LoginError
from conformance.judges import authorization_code as judge
from tests.judges.recorded import REDIRECT_URI, SPRY_TOKEN, outcome, redirect, response, token_answer

CODE = f"{REDIRECT_URI}?code=recorded-code&state=s1"
FOREIGN = "https://attacker.invalid/callback"


def test_login_that_fails_with_a_5xx_is_broken() -> None:
    finding = judge.ensure_login_ends_in_a_redirect(LoginError("consent", response=response(500, "oops")))
    assert not finding.held and finding.observed == "HTTP 500: consent"


def test_redirect_with_a_code() -> None:
    assert judge.ensure_redirect_with_a_code(redirect(CODE)).held
    # RFC 9700 §4.12.2: a 307 re-posts the forms
    assert judge.ensure_redirect_with_a_code(redirect(CODE, 307)).observed == "HTTP 307"
    no_code = judge.ensure_redirect_with_a_code(redirect(f"{REDIRECT_URI}?error=access_denied"))
    assert not no_code.held and no_code.observed == "no code (error 'access_denied')"


def test_state_comes_back_byte_identical() -> None:
    assert judge.ensure_state_comes_back(outcome(CODE), "s1").held
    assert not judge.ensure_state_comes_back(outcome(f"{REDIRECT_URI}?code=c&state=s2"), "s1").held
    assert not judge.ensure_state_comes_back(outcome(), "s1").held  # no redirect at all


def test_not_redirected_to_a_foreign_uri() -> None:
    assert judge.ensure_not_redirected_to(outcome(status=400), FOREIGN).held
    assert not judge.ensure_not_redirected_to(outcome(f"{FOREIGN}?error=x"), FOREIGN).held
    # a redirect off the server to the foreign URI's origin, not captured as the watched URI
    assert not judge.ensure_not_redirected_to(outcome(off_origin="https://attacker.invalid/x"), FOREIGN).held
    assert judge.ensure_not_redirected_to(outcome(off_origin="https://elsewhere.test/"), FOREIGN).held


def test_no_code_for_a_lookalike() -> None:
    assert judge.ensure_no_code_for_a_lookalike(outcome(status=400), REDIRECT_URI + "-evil").held
    assert not judge.ensure_no_code_for_a_lookalike(outcome(CODE), REDIRECT_URI + "-evil").held


def test_error_redirect() -> None:
    good = outcome(f"{REDIRECT_URI}?error=invalid_request&state=s1")
    assert judge.ensure_error_redirect(good, "invalid_request", "s1", "why").held
    wrong = judge.ensure_error_redirect(good, "invalid_scope", "s1", "why")
    assert not wrong.held and wrong.wanted == "error=invalid_scope in the redirect (why)"
    assert not judge.ensure_error_redirect(good, "invalid_request", "s2", "why").held
    assert not judge.ensure_error_redirect(outcome(status=400), "invalid_request", "s1", "why").held


def test_error_carries_the_state() -> None:
    assert judge.ensure_error_carries_the_state(outcome(f"{REDIRECT_URI}?error=x&state=s1"), "s1").held
    dropped = judge.ensure_error_carries_the_state(outcome(f"{REDIRECT_URI}?error=x"), "s1")
    assert not dropped.held and dropped.observed == "state (absent)"


def test_repeated_parameter_refused() -> None:
    refused = outcome(f"{REDIRECT_URI}?error=invalid_request&state=s1")
    assert judge.ensure_repeated_parameter_refused(refused, "scope").held
    assert not judge.ensure_repeated_parameter_refused(outcome(CODE), "scope").held


def test_error_code() -> None:
    assert judge.ensure_error_code(
        outcome(f"{REDIRECT_URI}?error=access_denied"), "access_denied", "deny"
    ).held
    other = judge.ensure_error_code(outcome(f"{REDIRECT_URI}?error=server_error"), "access_denied", "deny")
    assert not other.held and other.property_held is False
    assert other.observed == "error='server_error' where RFC 6749 §4.1.2.1 names access_denied (deny)"
    assert len(other.exchanges) == 1


def test_unsupported_method_is_invalid_request() -> None:
    good = outcome(f"{REDIRECT_URI}?error=invalid_request")
    assert judge.ensure_unsupported_method_is_invalid_request(good).held
    wrong = judge.ensure_unsupported_method_is_invalid_request(outcome(f"{REDIRECT_URI}?error=invalid_scope"))
    assert not wrong.held and "invalid_request" in wrong.wanted
    assert not judge.ensure_unsupported_method_is_invalid_request(outcome(CODE)).held


def test_state_is_not_merged() -> None:
    assert judge.ensure_state_is_not_merged(outcome(f"{REDIRECT_URI}?code=c&state=a"), "a", "b").held
    assert judge.ensure_state_is_not_merged(outcome(status=400), "a", "b").held
    assert not judge.ensure_state_is_not_merged(outcome(f"{REDIRECT_URI}?code=c&state=a,b"), "a", "b").held


def test_denial_issues_no_code() -> None:
    assert judge.ensure_denial_issues_no_code(outcome(f"{REDIRECT_URI}?error=access_denied")).held
    issued = judge.ensure_denial_issues_no_code(outcome(CODE))
    assert not issued.held and issued.observed == "a code was issued although the user denied the request"
    assert not judge.ensure_denial_issues_no_code(outcome(status=400)).held


def test_unknown_parameter_ignored() -> None:
    assert judge.ensure_unknown_parameter_ignored(outcome(CODE), "x").held
    assert not judge.ensure_unknown_parameter_ignored(
        outcome(f"{REDIRECT_URI}?error=invalid_request"), "x"
    ).held


def test_replay_revokes_its_tokens() -> None:
    replay = token_answer(400, {"error": "invalid_grant"})
    assert judge.ensure_replay_revokes_the_access_token(replay, response(401, ""), 401).held
    kept = judge.ensure_replay_revokes_the_access_token(replay, response(200, {}), 200)
    assert not kept.held and kept.observed == "HTTP 200: the access token still works"
    assert judge.ensure_replay_revokes_the_refresh_token(
        replay, token_answer(400, {"error": "invalid_grant"})
    ).held
    assert not judge.ensure_replay_revokes_the_refresh_token(replay, token_answer(200, SPRY_TOKEN)).held


def test_refresh_token_issued() -> None:
    assert judge.ensure_refresh_token_issued(token_answer(200, {**SPRY_TOKEN, "refresh_token": "r"})).held
    assert not judge.ensure_refresh_token_issued(token_answer(200, SPRY_TOKEN)).held


def test_client_authentication_required() -> None:
    assert judge.ensure_client_authentication_required(token_answer(401, {"error": "invalid_client"})).held
    assert not judge.ensure_client_authentication_required(token_answer(200, SPRY_TOKEN)).held


def test_token_represents_the_user() -> None:
    assert judge.ensure_token_represents_the_user("user", "sub differs", token_answer(200, SPRY_TOKEN)).held
    client = judge.ensure_token_represents_the_user(
        "client", "sub is the client_id", token_answer(200, SPRY_TOKEN)
    )
    assert not client.held and client.observed.endswith("sub is the client_id")


def test_code_refusals() -> None:
    refused = token_answer(400, {"error": "invalid_grant"})
    issued = token_answer(200, SPRY_TOKEN)
    assert judge.ensure_code_replay_refused(refused, issued).finding.held
    replayed = judge.ensure_code_replay_refused(issued, issued).finding
    assert not replayed.held and replayed.observed == "HTTP 200: a second access token was issued"
    assert judge.ensure_stolen_code_refused(refused).finding.held
    assert not judge.ensure_stolen_code_refused(issued).finding.held
    bare = judge.ensure_code_refused_without_its_redirect_uri(token_answer(403, ""), "no redirect_uri")
    assert bare.finding.held and bare.deviation is not None and bare.deviation[0] == "TOKEN-ERROR-BODY"
    assert not judge.ensure_code_refused_without_its_redirect_uri(issued, "no redirect_uri").finding.held
