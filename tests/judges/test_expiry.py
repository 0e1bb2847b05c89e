"""The expiry judges, each on one good and one bad recorded answer."""

from __future__ import annotations

from conformance.judges import expiry as judge
from tests.judges.recorded import SPRY_TOKEN, response, token_answer

RESOURCE = "https://spry.test/v2/patients"
SERVED = response(200, {"code": 2000, "data": [], "message": "Success"}, url=RESOURCE, method="GET")
EXPIRED = response(401, {"code": 4001}, url=RESOURCE, method="GET",
                   headers=[("www-authenticate", 'Bearer error="invalid_token"')])  # fmt: skip


def test_expired_token_refused() -> None:
    assert judge.ensure_expired_token_refused(SERVED, EXPIRED, 3605, "expires_in 3600 s").held
    accepted = judge.ensure_expired_token_refused(SERVED, SERVED, 3605, "expires_in 3600 s")
    assert not accepted.held and not accepted.property_held
    assert accepted.observed.startswith("HTTP 200 3605 s after issue")
    assert 'error="invalid_token"' in judge.refusal(EXPIRED)


def test_token_valid_before_expiry() -> None:
    assert judge.ensure_token_valid_before_expiry(SERVED, SERVED, 3585, "expires_in 3600 s").held
    early = judge.ensure_token_valid_before_expiry(SERVED, EXPIRED, 3585, "expires_in 3600 s")
    assert not early.held and "HTTP 401" in early.observed


def test_refresh_states_the_documented_lifetime() -> None:
    assert judge.ensure_refresh_states_lifetime(token_answer(200, SPRY_TOKEN), 3600).held
    assert not judge.ensure_refresh_states_lifetime(
        token_answer(200, {**SPRY_TOKEN, "expires_in": 36000}), 3600
    ).held
    assert not judge.ensure_refresh_states_lifetime(
        token_answer(200, {**SPRY_TOKEN, "expires_in": "3600"}), 3600
    ).held


def test_refreshed_token_expires() -> None:
    refreshed = token_answer(200, SPRY_TOKEN)
    assert judge.ensure_refreshed_token_expires(refreshed, SERVED, EXPIRED, 3605).held
    assert not judge.ensure_refreshed_token_expires(refreshed, SERVED, SERVED, 3605).held
    never = judge.ensure_refreshed_token_expires(refreshed, EXPIRED, EXPIRED, 3605)
    assert not never.held and "right after the refresh" in never.wanted


def test_refresh_outlives_access_token() -> None:
    first = token_answer(200, {**SPRY_TOKEN, "refresh_token": "r"})
    assert judge.ensure_refresh_outlives_access_token(first, token_answer(200, SPRY_TOKEN), 3605).held
    dead = judge.ensure_refresh_outlives_access_token(
        first, token_answer(400, {"error": "invalid_grant"}), 3605
    )
    assert not dead.held and "error invalid_grant" in dead.observed


def test_late_code_refused() -> None:
    assert judge.ensure_late_code_refused(token_answer(400, {"error": "invalid_grant"}), 605).held
    redeemed = judge.ensure_late_code_refused(token_answer(200, SPRY_TOKEN), 605)
    assert not redeemed.held and not redeemed.property_held
    wrong_form = judge.ensure_late_code_refused(token_answer(400, {"error": "invalid_request"}), 605)
    assert not wrong_form.held and wrong_form.property_held  # refused: only the error code is off


def test_expires_in_is_the_documented_lifetime() -> None:
    assert judge.ensure_expires_in_is_documented(
        token_answer(200, SPRY_TOKEN), 3600, "client_credentials"
    ).held
    text = judge.ensure_expires_in_is_documented(token_answer(200, {**SPRY_TOKEN, "expires_in": "3600"}), 3600,
                                                 "client_credentials")  # fmt: skip
    assert not text.held and "in the client_credentials response" in text.observed


def test_exp_agrees_with_expires_in() -> None:
    issued = token_answer(200, SPRY_TOKEN)
    assert judge.ensure_exp_agrees_with_expires_in(issued, 3600.0, "iat", 5).held
    assert not judge.ensure_exp_agrees_with_expires_in(issued, 7200.0, "iat", 5).held
