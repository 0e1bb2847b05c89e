"""The token strength judges, on strong and weak recorded values."""

from __future__ import annotations

import secrets

from conformance.judges import token_strength as judge
from tests.judges.recorded import SPRY_TOKEN, token_answer


def test_random_values_are_unguessable() -> None:
    answer = token_answer(200, SPRY_TOKEN)
    strong = [secrets.token_urlsafe(32) for _ in range(5)]
    assert judge.ensure_unguessable(strong, "access tokens", answer).held
    weak = judge.ensure_unguessable([f"tok{i:04d}" for i in range(5)], "access tokens", answer)
    assert not weak.held and weak.observed.startswith("access tokens: ")
    assert "tok0" not in weak.message()  # the values never appear, only what was estimated


def test_jwts_are_left_to_the_jwt_family() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"
    assert judge.all_jwts([jwt, jwt])
    assert not judge.all_jwts([jwt, secrets.token_urlsafe(32)])
