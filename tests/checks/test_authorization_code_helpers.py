"""Unit tests of the pure helpers of the authorization code checks: whose identity a token carries."""

from __future__ import annotations

import base64
import json

import pytest

from conformance.flows.identity import TokenIdentity, jwt_claims, whose_token

CLIENT_ID = "conformance-primary"


def _jwt(payload: object) -> str:
    def part(data: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJl"


def test_jwt_claims_reads_the_payload_without_verifying() -> None:
    assert jwt_claims(_jwt({"sub": "1001", "user_id": 1001})) == {"sub": "1001", "user_id": 1001}


@pytest.mark.parametrize(
    "token", [None, "", "opaque-token-value", "a.b", "a.!!!.c", _jwt(["not", "an", "object"])]
)
def test_jwt_claims_is_none_for_what_is_not_a_jwt(token: str | None) -> None:
    assert jwt_claims(token) is None


def _id(subject: str | None, user_id: int | str | None, *, jwt: bool = True) -> TokenIdentity:
    return TokenIdentity(subject, user_id, jwt)


def test_a_token_for_the_user_is_the_users() -> None:
    own = _id(CLIENT_ID, 276)
    assert whose_token(_id("1001", 1001), CLIENT_ID, own)[0] == "user"
    assert whose_token(_id("1001", None), CLIENT_ID, None)[0] == "user"
    # an opaque token whose Spry user_id differs from the client-credentials token's
    assert whose_token(_id(None, 1001, jwt=False), CLIENT_ID, _id(None, 276, jwt=False))[0] == "user"
    # sub kept as the client, but the user_id names the user: the resource can tell them apart
    assert whose_token(_id(CLIENT_ID, 1001), CLIENT_ID, own)[0] == "user"


def test_a_token_with_the_clients_identity_is_the_clients() -> None:
    assert whose_token(_id(CLIENT_ID, 276), CLIENT_ID, _id(CLIENT_ID, 276))[0] == "client"
    assert whose_token(_id(CLIENT_ID, None), CLIENT_ID, None)[0] == "client"


def test_the_same_identity_as_the_client_credentials_token_is_undecided() -> None:
    # The configured user may be the very account the client acts as (the guide's client-credentials
    # response names a person): a correct server then issues the same identity, so no verdict.
    assert whose_token(_id("276", 276), CLIENT_ID, _id("276", 276))[0] == "unknown"
    assert whose_token(_id(None, 276, jwt=False), CLIENT_ID, _id(None, 276, jwt=False))[0] == "unknown"
    assert whose_token(_id(CLIENT_ID, 276), CLIENT_ID, None)[0] == "unknown"
    assert whose_token(_id(None, None, jwt=False), CLIENT_ID, None)[0] == "unknown"
