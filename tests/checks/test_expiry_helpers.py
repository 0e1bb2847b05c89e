"""The pure helpers of the expiry and refresh checks: reading a JWT unverified, and a token's stated lifetimes."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from conformance.evidence import Exchange
from conformance.flows.jwt import b64url_decode, decode_unverified
from conformance.flows.lifetime import (
    jwt_lifetime,
    own_lifetimes,
    response_date,
    stated_lifetimes,
    token_lifetimes,
)
from conformance.flows.token import TokenResponse
from conformance.http import Response


def _segment(data: Any) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwt(claims: dict[str, Any], header: Any = None) -> str:
    return f"{_segment(header or {'alg': 'HS256', 'typ': 'JWT'})}.{_segment(claims)}.c2lnbmF0dXJl"


def _answer(body: dict[str, Any], headers: dict[str, str] | None = None) -> TokenResponse:
    exchange = Exchange(
        method="POST", url="http://server/token", request_headers=[], request_body="", status=200
    )
    content = json.dumps(body).encode()
    return TokenResponse(
        Response(200, httpx.Headers(headers or {}), content, "http://server/token", exchange)
    )


def test_b64url_decode_without_padding() -> None:
    assert b64url_decode("eyJhIjoxfQ") == b'{"a":1}'


def test_decode_unverified_reads_header_and_claims() -> None:
    decoded = decode_unverified(_jwt({"exp": 200, "iat": 100}))
    assert decoded is not None
    assert decoded.header["alg"] == "HS256"
    assert decoded.claims == {"exp": 200, "iat": 100}


def test_decode_unverified_rejects_opaque_and_malformed_tokens() -> None:
    assert decode_unverified(None) is None
    assert decode_unverified("Jk3b9x_opaque-token") is None
    assert decode_unverified("a.b.c") is None  # not base64url JSON
    assert decode_unverified(f"{_segment([1, 2])}.{_segment({'exp': 1})}.sig") is None  # header not an object
    assert decode_unverified(f"{_segment(b'not json')}.{_segment({'exp': 1})}.sig") is None


def test_jwt_lifetime_is_exp_minus_iat() -> None:
    assert jwt_lifetime(_jwt({"iat": 1000, "exp": 4600})) == 3600
    assert jwt_lifetime(_jwt({"exp": 4600}), issued_at=1000) == 3600


def test_jwt_lifetime_unknown_without_exp_or_start() -> None:
    assert jwt_lifetime(_jwt({"iat": 1000})) is None
    assert jwt_lifetime(_jwt({"iat": 1000, "exp": "4600"})) is None  # exp must be a number
    assert jwt_lifetime(_jwt({"exp": 4600})) is None
    assert jwt_lifetime("opaque") is None


def test_stated_lifetimes_collects_every_source() -> None:
    answer = _answer({"access_token": _jwt({"iat": 0, "exp": 7200}), "expires_in": 3600})
    assert stated_lifetimes(answer, 3600) == {
        "token.expected_lifetime": 3600,
        "expires_in": 3600,
        "exp - iat": 7200,
    }


def test_stated_lifetimes_ignores_absent_and_nonsense_values() -> None:
    answer = _answer({"access_token": "opaque", "expires_in": True})
    assert stated_lifetimes(answer, 60) == {"token.expected_lifetime": 60}
    answer = _answer({"access_token": "opaque", "expires_in": -5})
    assert stated_lifetimes(answer, 60) == {"token.expected_lifetime": 60}


def test_own_lifetimes_prefer_what_the_token_states() -> None:
    answer = _answer({"access_token": "opaque", "expires_in": 30})
    assert token_lifetimes(answer) == {"expires_in": 30}
    assert own_lifetimes(answer, 3600) == {"expires_in": 30}


def test_own_lifetimes_fall_back_to_the_configured_one() -> None:
    answer = _answer({"access_token": "opaque"})
    assert token_lifetimes(answer) == {}
    assert own_lifetimes(answer, 3600) == {"token.expected_lifetime": 3600}


def test_response_date() -> None:
    assert response_date(_answer({}, {"Date": "Thu, 01 Jan 1970 01:00:00 GMT"})) == 3600
    assert response_date(_answer({}, {"Date": "yesterday"})) is None
    assert response_date(_answer({})) is None
