"""The client authentication judges, each on one good and one bad recorded answer."""

from __future__ import annotations

from conformance.judges import client_authentication as judge
from tests.judges.recorded import SPRY_TOKEN, token_answer

INVALID_CLIENT = {"error": "invalid_client"}
BASIC = [("www-authenticate", 'Basic realm="spry"')]


def test_basic_and_body_credentials_accepted() -> None:
    assert judge.ensure_basic_accepted(token_answer(200, SPRY_TOKEN)).held
    refused = judge.ensure_basic_accepted(token_answer(401, INVALID_CLIENT))
    assert not refused.held and refused.observed == "HTTP 401, error 'invalid_client'"
    assert judge.ensure_body_credentials_accepted(token_answer(200, SPRY_TOKEN)).held
    assert not judge.ensure_body_credentials_accepted(token_answer(401, INVALID_CLIENT)).held


def test_failed_authentication_refused() -> None:
    good = judge.ensure_authentication_refused(token_answer(401, INVALID_CLIENT), "a wrong secret")
    assert good.finding.held and good.deviation is None
    issued = judge.ensure_authentication_refused(token_answer(200, SPRY_TOKEN), "a wrong secret")
    assert (
        not issued.finding.held and issued.finding.observed == "a wrong secret: HTTP 200 with an access token"
    )
    # Refused in another form: the property held, the form is TOKEN-ERROR-CODE's or TOKEN-ERROR-BODY's finding.
    other_code = judge.ensure_authentication_refused(token_answer(400, {"error": "invalid_grant"}), "x")
    assert other_code.finding.held and other_code.deviation is not None
    assert other_code.deviation[0] == "TOKEN-ERROR-CODE"
    empty = judge.ensure_authentication_refused(token_answer(403, ""), "x")
    assert empty.finding.held and empty.deviation is not None and empty.deviation[0] == "TOKEN-ERROR-BODY"


def test_invalid_client_is_401() -> None:
    assert judge.is_invalid_client(token_answer(400, INVALID_CLIENT))
    assert judge.ensure_invalid_client_is_401(token_answer(401, INVALID_CLIENT, headers=BASIC)).held
    bare = judge.ensure_invalid_client_is_401(token_answer(400, INVALID_CLIENT))
    assert not bare.held and bare.observed == "HTTP 400, WWW-Authenticate (absent)"


def test_failed_basic_gets_basic_challenge() -> None:
    assert judge.ensure_basic_challenge(token_answer(401, INVALID_CLIENT, headers=BASIC)).held
    bearer = [("www-authenticate", "Bearer")]
    wrong = judge.ensure_basic_challenge(token_answer(401, INVALID_CLIENT, headers=bearer))
    assert not wrong.held and wrong.wanted == "WWW-Authenticate: Basic ..."
    assert not judge.ensure_basic_challenge(token_answer(400, INVALID_CLIENT, headers=BASIC)).held


def test_one_method_only() -> None:
    assert judge.ensure_one_method_only(token_answer(400, {"error": "invalid_request"})).held
    assert not judge.ensure_one_method_only(token_answer(200, SPRY_TOKEN)).held
