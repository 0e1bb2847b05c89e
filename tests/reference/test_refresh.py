"""Refresh tokens (RFC 6749 §6): rotation and family revocation (RFC 9700 §4.14.2), scope
narrowing without widening, client binding and the absolute lifetime."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from spry_helpers import REFRESH, TOKEN, Spry, claims, new_client


def error(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    return response.json()["error"]


@pytest.mark.parametrize("path", [REFRESH, TOKEN])
def test_refresh_rotates_both_tokens(spry: Spry, path: str) -> None:
    first = spry.code_tokens()
    response = spry.refresh(first["refresh_token"], path=path)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    second = response.json()
    assert (
        second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    )
    assert (second["expires_in"], second["scope"], second["user_id"]) == (3600, "read write", 1001)
    payload = claims(second["access_token"])
    assert payload["exp"] - payload["iat"] == 3600 and payload["sub"] == "1001"
    assert spry.get_patients(second["access_token"]).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_family(spry: Spry) -> None:
    first = spry.code_tokens()
    second = spry.refresh(first["refresh_token"]).json()
    assert error(spry.refresh(first["refresh_token"])) == "invalid_grant"
    assert error(spry.refresh(second["refresh_token"])) == "invalid_grant"
    assert spry.get_patients(second["access_token"]).status_code == 401
    assert spry.get_patients(first["access_token"]).status_code == 401


def test_narrowing_keeps_the_original_grant_on_the_new_refresh_token(spry: Spry) -> None:
    narrowed = spry.refresh(spry.code_tokens()["refresh_token"], scope="read").json()
    assert narrowed["scope"] == "read" and claims(narrowed["access_token"])["scope"] == "read"
    assert spry.post_patient(narrowed["access_token"]).status_code == 403
    widened_back = spry.refresh(narrowed["refresh_token"], scope="read write")
    assert widened_back.status_code == 200 and widened_back.json()["scope"] == "read write"
    assert spry.refresh(widened_back.json()["refresh_token"]).json()["scope"] == "read write"


@pytest.mark.parametrize("requested", ["read write", "write", "admin", "read admin", " "])
def test_scope_cannot_grow_beyond_the_original_grant(spry: Spry, requested: str) -> None:
    refresh_token = spry.code_tokens(scope="read")["refresh_token"]
    assert error(spry.refresh(refresh_token, scope=requested)) == "invalid_scope"
    assert spry.refresh(refresh_token).json()["scope"] == "read"  # a refused request consumes nothing


def test_refresh_token_is_bound_to_its_client(spry: Spry) -> None:
    refresh_token = spry.code_tokens()["refresh_token"]
    assert error(spry.refresh(refresh_token, role="secondary")) == "invalid_grant"
    assert spry.refresh(refresh_token).status_code == 200


def test_refresh_requires_client_authentication(spry: Spry) -> None:
    response = spry.refresh(spry.code_tokens()["refresh_token"], auth=None)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


@pytest.mark.parametrize("artefact", ["access token", "code", "garbage", "id token like", "empty-ish"])
def test_wrong_artefacts_are_invalid_grant(spry: Spry, artefact: str) -> None:
    tokens = spry.code_tokens()
    value = {
        "access token": tokens["access_token"],
        "code": spry.code(),
        "garbage": "x" * 43,
        "id token like": "a.b.c",
        "empty-ish": "%00",
    }[artefact]
    assert error(spry.refresh(value)) == "invalid_grant"


def test_missing_refresh_token(spry: Spry) -> None:
    assert error(spry.token({"grant_type": "refresh_token"}, path=REFRESH)) == "invalid_request"


def test_refresh_family_has_an_absolute_lifetime(spry: Spry) -> None:
    refresh_token = spry.code_tokens()["refresh_token"]
    spry.server.clock.advance(20 * 86400)
    refresh_token = spry.refresh(refresh_token).json()["refresh_token"]
    spry.server.clock.advance(10 * 86400)
    assert error(spry.refresh(refresh_token)) == "invalid_grant"


def test_parallel_refreshes_of_one_token_give_exactly_one_success(spry: Spry) -> None:
    client = spry.client()
    data = {
        "grant_type": "refresh_token",
        "refresh_token": spry.code_tokens()["refresh_token"],
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
    }

    def refresh(_: int) -> int:
        with new_client(spry.base) as http:
            return http.post(REFRESH, data=data).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(refresh, range(8)))
    assert statuses.count(200) == 1
