"""The bearer token judges, each on one good and one bad recorded answer."""

from __future__ import annotations

from conformance.http import Response
from conformance.judges import bearer as judge
from tests.judges.recorded import SPRY_TOKEN, response, token_answer

RESOURCE = "https://spry.test/apis/v2/patients"
ENVELOPE = {"code": 2000, "data": [], "message": "Success"}


def _resource(status: int, body: object = "", challenge: str | None = None) -> Response:
    headers = [("www-authenticate", challenge)] if challenge else []
    return response(status, body, headers=headers, url=RESOURCE, method="GET")


BARE = _resource(401, "", "Bearer")
INVALID = _resource(401, "", 'Bearer error="invalid_token"')


def test_header_token_served() -> None:
    access = token_answer(200, SPRY_TOKEN)
    assert judge.ensure_header_token_served(access, _resource(200, ENVELOPE), "GET /v2/patients").held
    refused = judge.ensure_header_token_served(access, BARE, "GET /v2/patients")
    assert not refused.held and refused.observed == "HTTP 401, WWW-Authenticate 'Bearer'"


def test_missing_token_challenge() -> None:
    assert judge.ensure_bearer_challenge(BARE).held
    assert not judge.ensure_bearer_challenge(_resource(401, "", 'Basic realm="x"')).held
    assert not judge.ensure_bearer_challenge(_resource(403, "", "Bearer")).held
    assert judge.has_bearer_challenge(BARE) and judge.ensure_challenge_without_error(BARE).held
    assert not judge.ensure_challenge_without_error(INVALID).held


def test_invalid_token() -> None:
    assert judge.ensure_invalid_token_refused(INVALID, "a random token").held
    served = judge.ensure_invalid_token_refused(_resource(200, ENVELOPE), "a random token")
    assert not served.held and served.observed == "HTTP 200, no WWW-Authenticate"
    assert judge.ensure_invalid_token_error(INVALID, "x").held
    assert not judge.ensure_invalid_token_error(BARE, "x").held


def test_scheme_and_placement() -> None:
    assert judge.ensure_scheme_served(_resource(200, ENVELOPE), "bearer").held
    assert not judge.ensure_scheme_served(BARE, "BEARER").held
    assert judge.ensure_query_token_refused(BARE).held
    assert not judge.ensure_query_token_refused(_resource(200, ENVELOPE)).held


def test_form_token() -> None:
    assert judge.form_token_refused(BARE)
    assert judge.ensure_form_token_refused(BARE, None).held
    served = _resource(200, ENVELOPE)
    assert not judge.form_inconclusive(served, BARE)
    bad = judge.ensure_form_token_refused(served, BARE)
    assert not bad.held and bad.observed.startswith(
        "valid form token: HTTP 200; invalid form token: HTTP 401"
    )
    assert judge.form_inconclusive(_resource(415), _resource(415))


def test_one_method() -> None:
    assert judge.ensure_one_method(_resource(400, {"error": "invalid_request"}), "query").held
    assert judge.ensure_one_method(_resource(400, "", 'Bearer error="invalid_request"'), "form").held
    bad = judge.ensure_one_method(_resource(200, ENVELOPE), "query")
    assert not bad.held and bad.observed == "HTTP 200, error None, no WWW-Authenticate"


def test_insufficient_scope() -> None:
    token = token_answer(200, SPRY_TOKEN)
    forbidden = _resource(403, "", 'Bearer error="insufficient_scope"')
    assert judge.scope_refusal_to_inspect(forbidden) and not judge.scope_refusal_to_inspect(_resource(422))
    assert judge.ensure_insufficient_scope(token, forbidden, "POST /v2/patients").held
    assert not judge.ensure_insufficient_scope(token, _resource(403, "", "Bearer"), "POST /v2/patients").held


def test_revoked_tokens_refused() -> None:
    assert judge.grant_revoked(token_answer(400, {"error": "invalid_grant"}))
    assert judge.ensure_revoked_tokens_refused([("the token", INVALID)], "the replay", [], None).held
    probe = token_answer(400, {"error": "invalid_grant"})
    served = judge.ensure_revoked_tokens_refused(
        [("the token", _resource(200, ENVELOPE))], "the replay", [], probe
    )
    assert not served.held and served.observed.startswith(
        "after the replay: the token still served (HTTP 200)"
    )
    wrong = judge.ensure_revoked_tokens_refused([("the token", _resource(403))], "the replay", [], None)
    assert not wrong.held and wrong.observed == "the token: HTTP 403, no WWW-Authenticate"


def test_spry_envelope() -> None:
    assert judge.ensure_spry_envelope(_resource(200, ENVELOPE)).held
    bare = judge.ensure_spry_envelope(_resource(200, {"patients": []}))
    assert not bare.held and bare.observed.startswith("code is '(absent)'; no data member")
    assert not judge.ensure_spry_envelope(_resource(200, {**ENVELOPE, "code": True})).held
