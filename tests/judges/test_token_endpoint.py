"""The token endpoint judges, each on one good and one bad recorded answer."""

from __future__ import annotations

from conformance.judges import token_endpoint as judge
from tests.judges.recorded import SPRY_TOKEN, token_answer

NO_CACHE = [("cache-control", "no-store"), ("pragma", "no-cache")]
INVALID_REQUEST = {"error": "invalid_request"}


def test_refusals_issue_no_token() -> None:
    refused = token_answer(405, "")
    issued = token_answer(200, SPRY_TOKEN)
    for ensure in (judge.ensure_get_refused, judge.ensure_query_credentials_refused):
        assert ensure(refused).held
        assert not ensure(issued).held
    assert judge.ensure_get_refused(issued).observed == "GET answered an access token was issued"
    assert judge.ensure_json_body_refused(token_answer(400, INVALID_REQUEST)).held
    assert not judge.ensure_json_body_refused(token_answer(302, "")).held  # not a refusal


def test_repeated_parameter_refused() -> None:
    assert judge.ensure_repeated_parameter_refused(token_answer(400, INVALID_REQUEST), "scope").held
    bad = judge.ensure_repeated_parameter_refused(token_answer(400, {"error": "invalid_scope"}), "scope")
    assert not bad.held and bad.observed == "scope sent twice: HTTP 400, error 'invalid_scope'"


def test_cache_directives() -> None:
    good = token_answer(
        200, SPRY_TOKEN, headers=[("cache-control", "private, no-store"), ("pragma", "no-cache")]
    )
    assert judge.ensure_directive(good, "Cache-Control", "no-store", "client_credentials").held
    assert judge.ensure_directive(good, "Pragma", "no-cache", "client_credentials").held
    bare = judge.ensure_directive(token_answer(200, SPRY_TOKEN), "Pragma", "no-cache", "refresh_token")
    assert not bare.held and bare.observed == "Pragma: (absent)"
    assert bare.wanted == "Pragma: no-cache on the refresh_token token response"
    assert judge.ensure_error_not_cached(token_answer(400, INVALID_REQUEST, headers=NO_CACHE)).held
    only_one = [("cache-control", "no-store")]
    assert not judge.ensure_error_not_cached(token_answer(400, INVALID_REQUEST, headers=only_one)).held


def test_json_object() -> None:
    assert judge.ensure_json_object(token_answer(200, SPRY_TOKEN)).held
    text = judge.ensure_json_object(
        token_answer(200, "access_token=x", headers=[("content-type", "text/plain")])
    )
    assert not text.held and text.observed == "Content-Type: text/plain"
    array = judge.ensure_json_object(token_answer(200, [1]))
    assert not array.held and array.observed == "the body is not a JSON object"


def test_error_body() -> None:
    assert judge.ensure_error_body(token_answer(400, INVALID_REQUEST)).held
    assert not judge.ensure_error_body(token_answer(400, {"message": "bad"})).held


def test_invalid_grant() -> None:
    assert judge.ensure_invalid_grant(token_answer(400, {"error": "invalid_grant"})).held
    issued = judge.ensure_invalid_grant(token_answer(200, SPRY_TOKEN))
    assert not issued.held and issued.wanted == "refused"
    other = judge.ensure_invalid_grant(token_answer(400, INVALID_REQUEST))
    assert not other.held and other.observed == "HTTP 400, error 'invalid_request'"


def test_unknown_parameter_ignored() -> None:
    assert judge.ensure_unknown_parameter_ignored(token_answer(200, SPRY_TOKEN)).held
    assert not judge.ensure_unknown_parameter_ignored(token_answer(400, INVALID_REQUEST)).held


def test_empty_parameter_omitted() -> None:
    token = token_answer(200, SPRY_TOKEN)
    assert judge.ensure_empty_parameter_omitted(token, token_answer(200, SPRY_TOKEN)).held
    scope = token_answer(400, {"error": "invalid_scope"})
    assert judge.ensure_empty_parameter_omitted(token_answer(400, {"error": "invalid_scope"}), scope).held
    bad = judge.ensure_empty_parameter_omitted(token, scope)
    assert not bad.held
    assert (
        bad.observed
        == "omitted scope: a token with scope 'read write'; empty scope: HTTP 400, error 'invalid_scope'"
    )


def test_grant_type_errors() -> None:
    assert judge.ensure_missing_grant_type_invalid(token_answer(400, INVALID_REQUEST)).held
    assert not judge.ensure_missing_grant_type_invalid(
        token_answer(400, {"error": "unsupported_grant_type"})
    ).held
    unsupported = token_answer(400, {"error": "unsupported_grant_type"})
    assert judge.ensure_unknown_grant_type_unsupported(unsupported, "x").held
    bad = judge.ensure_unknown_grant_type_unsupported(token_answer(400, INVALID_REQUEST), "x")
    assert not bad.held and bad.observed == "grant_type=x: HTTP 400, error 'invalid_request'"
