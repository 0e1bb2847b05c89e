"""The protected resource (RFC 6750): token transport, challenges, scope and expiry, and the
Spry envelope."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import httpx
import jwt
import pytest
from spry_helpers import FORM, PATIENTS, VALID_PATIENT, Spry, claims

REALM = 'Bearer realm="spry"'
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith(REALM + ', error="invalid_token", error_description="'), challenge
    assert response.json()["code"] == 4001 and response.json()["data"] is None


def forge(
    spry: Spry, token: str, *, key: bytes | None = None, algorithm: str = "HS256", **changes: object
) -> str:
    payload = {**claims(token), **changes}
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key or spry.server.state.tokens.signing_key, algorithm=algorithm)


def test_read_token_lists_patients_in_the_envelope(spry: Spry) -> None:
    response = spry.get_patients(spry.cc_token("read"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"code", "data", "message"} and body["code"] == 2000 and body["message"] == "Success"
    assert isinstance(body["data"], list)


def test_write_token_creates_and_validates_patients(spry: Spry) -> None:
    token = spry.cc_token("write")
    empty = spry.post_patient(token, {})
    assert empty.status_code == 422
    assert empty.json()["code"] == 4022 and empty.json()["data"] is None and empty.json()["message"]
    created = spry.post_patient(token, VALID_PATIENT)
    assert created.status_code == 201 and created.json()["code"] == 2000
    assert created.json()["data"]["first_name"] == "Ada" and isinstance(created.json()["data"]["id"], int)
    listed = spry.get_patients(spry.cc_token("read")).json()["data"]
    assert created.json()["data"] in listed


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {"first_name": "A", "last_name": "B", "date_of_birth": "1990-13-01"},
        {"first_name": "A", "last_name": "B", "date_of_birth": "19900101"},
        {"first_name": "", "last_name": "B", "date_of_birth": "1990-01-01"},
        {"first_name": 1, "last_name": None, "date_of_birth": 19900101},
    ],
)
def test_invalid_patients_are_422(spry: Spry, body: object) -> None:
    assert spry.post_patient(spry.cc_token(), body).status_code == 422


def test_invalid_json_is_400(spry: Spry) -> None:
    response = spry.http.post(
        PATIENTS, content=b"{not json", headers={"Authorization": f"Bearer {spry.cc_token()}"}
    )
    assert response.status_code == 400 and response.json()["code"] == 4000


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_scheme_is_case_insensitive(spry: Spry, scheme: str) -> None:
    assert spry.get_patients(spry.cc_token(), scheme=scheme).status_code == 200


@pytest.mark.parametrize("how", ["nothing", "basic", "query only", "form only", "empty header"])
def test_missing_credentials_get_a_bare_challenge(spry: Spry, how: str) -> None:
    token = spry.cc_token()
    if how == "form only":
        response = spry.http.request(
            "GET", PATIENTS, content=urlencode({"access_token": token}), headers=FORM
        )
    else:
        headers = {
            "basic": {"Authorization": "Basic " + base64.b64encode(b"a:b").decode()},
            "empty header": {"Authorization": ""},
        }.get(how, {})
        response = spry.http.get(
            PATIENTS, headers=headers, params={"access_token": token} if how == "query only" else None
        )
    assert response.status_code == 401 and response.headers["www-authenticate"] == REALM


@pytest.mark.parametrize("second", ["query", "form"])
def test_two_token_methods_are_invalid_request(spry: Spry, second: str) -> None:
    token = spry.cc_token()
    headers = {"Authorization": f"Bearer {token}"}
    if second == "query":
        response = spry.http.get(PATIENTS, headers=headers, params={"access_token": token})
    else:
        response = spry.http.request(
            "GET", PATIENTS, headers={**headers, **FORM}, content=urlencode({"access_token": token})
        )
    assert response.status_code == 400
    assert response.headers["www-authenticate"].startswith(REALM + ', error="invalid_request"')


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x y", "Bearer", "e30.e30.", "é", "a" * 5000])
def test_malformed_tokens_are_invalid_token(spry: Spry, token: str) -> None:
    assert_invalid_token(spry.http.get(PATIENTS, headers={b"Authorization": f"Bearer {token}".encode()}))


@pytest.mark.parametrize(
    "forgery",
    [
        "bad signature",
        "alg none",
        "HS512 same key",
        "jwk header",
        "wrong iss",
        "wrong aud",
        "no exp",
        "string exp",
        "no jti",
        "payload not object",
    ],
)
def test_forged_tokens_are_invalid_token(spry: Spry, forgery: str) -> None:
    token = spry.cc_token()
    header, payload, _ = token.split(".")
    attacker = b"k" * 32
    forged = {
        "bad signature": lambda: forge(spry, token, key=attacker),
        "alg none": lambda: (
            base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode() + f".{payload}."
        ),
        "HS512 same key": lambda: forge(spry, token, algorithm="HS512"),
        "jwk header": lambda: jwt.encode(
            claims(token),
            attacker,
            algorithm="HS256",
            headers={"jwk": {"kty": "oct", "k": base64.urlsafe_b64encode(attacker).rstrip(b"=").decode()}},
        ),
        "wrong iss": lambda: forge(spry, token, iss="https://evil.example"),
        "wrong aud": lambda: forge(spry, token, aud="other-api"),
        "no exp": lambda: forge(spry, token, exp=None),
        "string exp": lambda: forge(spry, token, exp="9999999999"),
        "no jti": lambda: forge(spry, token, jti=None),
        "payload not object": lambda: jwt.api_jws.encode(
            json.dumps([1]).encode(), spry.server.state.tokens.signing_key
        ),
    }[forgery]()
    assert_invalid_token(spry.get_patients(forged))


def test_a_correctly_signed_forgery_is_accepted_so_the_forge_helper_is_sound(spry: Spry) -> None:
    assert spry.get_patients(forge(spry, spry.cc_token(), name="Changed")).status_code == 200


def test_tokens_expire_on_the_server_clock(spry: Spry) -> None:
    token = spry.cc_token()
    spry.server.clock.advance(3590)
    assert spry.get_patients(token).status_code == 200
    spry.server.clock.advance(11)
    response = spry.get_patients(token)
    assert_invalid_token(response)
    assert "expired" in response.headers["www-authenticate"]


@pytest.mark.parametrize(("method", "scope", "needed"), [("POST", "read", "write"), ("GET", "write", "read")])
def test_insufficient_scope_is_403(spry: Spry, method: str, scope: str, needed: str) -> None:
    token = spry.cc_token(scope)
    response = spry.post_patient(token, VALID_PATIENT) if method == "POST" else spry.get_patients(token)
    assert response.status_code == 403
    assert response.headers["www-authenticate"] == f'{REALM}, error="insufficient_scope", scope="{needed}"'
    assert response.json()["code"] == 4003


def test_read_only_client_cannot_write(spry: Spry) -> None:
    assert spry.post_patient(spry.cc_token(role="read_only")).status_code == 403


def test_other_methods_are_405(spry: Spry) -> None:
    response = spry.http.delete(PATIENTS, headers={"Authorization": f"Bearer {spry.cc_token()}"})
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"
