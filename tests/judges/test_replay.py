"""The race judges, each on one good and one bad set of recorded answers."""

from __future__ import annotations

from conformance.judges import replay as judge
from tests.judges.recorded import SPRY_TOKEN, token_answer

REFUSED = token_answer(400, {"error": "invalid_grant"})


def test_one_code_yields_one_token() -> None:
    assert judge.ensure_one_code_yields_one_token([token_answer(200, SPRY_TOKEN), REFUSED, REFUSED], 3).held
    two = judge.ensure_one_code_yields_one_token([token_answer(200, SPRY_TOKEN)] * 2 + [REFUSED], 3)
    assert not two.held
    assert two.observed == "2 of 3 got an access token (HTTP 200, HTTP 200, HTTP 400 invalid_grant)"
    assert len(two.exchanges) == 2


def test_one_refresh_token_yields_one_pair() -> None:
    new = token_answer(200, {**SPRY_TOKEN, "refresh_token": "new"})
    assert judge.ensure_one_refresh_token_yields_one_pair([new, REFUSED], "old", 2).held
    # the same old refresh token given back is not a rotation
    assert judge.ensure_one_refresh_token_yields_one_pair(
        [new, token_answer(200, {**SPRY_TOKEN, "refresh_token": "old"})], "old", 2
    ).held
    assert not judge.ensure_one_refresh_token_yields_one_pair([new, new], "old", 2).held


def test_a_race_refused_for_another_reason_says_nothing() -> None:
    assert judge.judged_on_the_grant([REFUSED, REFUSED])
    assert judge.judged_on_the_grant([token_answer(200, SPRY_TOKEN), token_answer(429, "")])
    assert not judge.judged_on_the_grant([REFUSED, token_answer(429, "")])
