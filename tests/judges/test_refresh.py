"""The refresh token judges, each on one good and one bad recorded answer."""

from __future__ import annotations

from conformance.judges import refresh as judge
from tests.judges.recorded import SPRY_TOKEN, response, token_answer

ROTATED = {**SPRY_TOKEN, "refresh_token": "new-refresh"}
INVALID_GRANT = {"error": "invalid_grant"}
RESOURCE = "https://spry.test/apis/v2/patients"


def _scoped(scope: str | None) -> dict[str, object]:
    body = {k: v for k, v in ROTATED.items() if k != "scope"}
    return body if scope is None else {**body, "scope": scope}


def test_outcome_never_shows_a_token() -> None:
    text = judge.outcome(token_answer(200, ROTATED))
    assert text == "HTTP 200: an access token (scope 'read write') with a refresh token"
    assert "eyJ" not in text and "new-refresh" not in text
    assert judge.outcome(token_answer(403, "")) == "HTTP 403, no content type body without an error member"


def test_documented_endpoint_refreshes() -> None:
    assert judge.ensure_documented_endpoint_refreshes(token_answer(200, ROTATED), "/v1").held
    bad = judge.ensure_documented_endpoint_refreshes(token_answer(404, ""), "/apis/v1/oauth/token")
    assert not bad.held and bad.wanted == "HTTP 200 from the documented refresh path /apis/v1/oauth/token"


def test_token_endpoint_answer() -> None:
    assert judge.ensure_token_endpoint_answer(
        token_answer(400, {"error": "unsupported_grant_type"}), "/v2"
    ).held
    assert judge.ensure_token_endpoint_answer(token_answer(200, ROTATED), "/v2").held
    assert not judge.ensure_token_endpoint_answer(token_answer(500, ""), "/v2").held


def test_client_authentication_required() -> None:
    control = token_answer(200, ROTATED)
    refused = token_answer(401, {"error": "invalid_client"})
    assert judge.ensure_client_authentication_required(control, refused, "client_id only").held
    issued = judge.ensure_client_authentication_required(
        control, token_answer(200, ROTATED), "client_id only"
    )
    assert not issued.held and len(issued.exchanges) == 2


def test_refresh_refused() -> None:
    good = judge.ensure_refresh_refused(token_answer(400, INVALID_GRANT), "refused")
    assert good.finding.held and good.deviation is None
    bad = judge.ensure_refresh_refused(token_answer(200, ROTATED), "refused")
    assert not bad.finding.held and not bad.finding.property_held
    odd = judge.ensure_refresh_refused(token_answer(400, {"error": "invalid_request"}), "refused")
    assert odd.finding.held and odd.deviation is not None and odd.deviation[0] == "TOKEN-ERROR-CODE"


def test_narrowed() -> None:
    assert judge.ensure_narrowed(token_answer(200, _scoped("read")), None).held
    assert not judge.ensure_narrowed(token_answer(200, _scoped("read write")), None).held
    unstated = token_answer(200, _scoped(None))
    assert judge.scope_unstated(unstated)
    assert judge.ensure_narrowed(unstated, response(403, "", url=RESOURCE)).held
    wrote = judge.ensure_narrowed(unstated, response(422, "", url=RESOURCE))
    assert not wrote.held and wrote.observed == "the write probe got HTTP 422"
    assert not judge.ensure_narrowed(token_answer(400, {"error": "invalid_scope"}), None).held


def test_not_widened() -> None:
    grant = token_answer(200, _scoped("read"))
    assert judge.ensure_not_widened(grant, token_answer(400, {"error": "invalid_scope"})).held
    assert judge.ensure_not_widened(grant, token_answer(200, _scoped("read"))).held
    assert not judge.ensure_not_widened(grant, token_answer(200, _scoped("read write"))).held
    assert not judge.ensure_not_widened(
        grant, token_answer(200, _scoped(None))
    ).held  # "as requested": widened


def test_scope_preserved() -> None:
    narrowed = token_answer(200, _scoped("read"))
    original = {"read", "write"}
    assert judge.ensure_scope_preserved(
        narrowed, token_answer(200, _scoped("read write")), original, "t", None
    ).held
    kept = judge.ensure_scope_preserved(narrowed, token_answer(200, _scoped("read")), original, "t", None)
    assert not kept.held and kept.observed == "scope 'read' from t"
    unstated = token_answer(200, _scoped(None))
    assert judge.ensure_scope_preserved(
        narrowed, unstated, original, "t", response(422, "", url=RESOURCE)
    ).held
    assert not judge.ensure_scope_preserved(
        narrowed, unstated, original, "t", response(403, "", url=RESOURCE)
    ).held


def test_new_access_token() -> None:
    previous = token_answer(200, ROTATED)
    assert judge.ensure_new_access_token(
        previous, token_answer(200, {**ROTATED, "access_token": "other"})
    ).held
    assert not judge.ensure_new_access_token(previous, token_answer(200, ROTATED)).held
    answer = token_answer(200, ROTATED)
    assert judge.ensure_new_token_accepted(answer, response(200, {"data": []}, url=RESOURCE), "GET /x").held
    assert not judge.ensure_new_token_accepted(answer, response(401, "", url=RESOURCE), "GET /x").held


def test_rotation_and_reuse() -> None:
    assert judge.rotates("old", token_answer(200, ROTATED))
    assert not judge.rotates("new-refresh", token_answer(200, ROTATED))
    rotated = token_answer(200, ROTATED)
    assert judge.ensure_replay_refused(rotated, token_answer(400, INVALID_GRANT)).held
    assert not judge.ensure_replay_refused(rotated, token_answer(200, ROTATED)).held
    replay = token_answer(400, INVALID_GRANT)
    revoked = judge.ensure_family_revoked(
        replay, response(401, "", url=RESOURCE), token_answer(400, INVALID_GRANT)
    )
    assert revoked.held
    alive = judge.ensure_family_revoked(replay, response(200, "{}", url=RESOURCE), token_answer(200, ROTATED))
    assert not alive.held and alive.observed.count("still") == 2
