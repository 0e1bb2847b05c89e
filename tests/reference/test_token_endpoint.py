"""The token endpoint: request format (RFC 6749 §3.2), client authentication (§2.3), client
credentials grant (§4.4), scopes (§3.3), response and error format (§5.1, §5.2)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx
import jwt
import pytest
from spry_helpers import FORM, REFRESH, TOKEN, Spry, claims

BASIC_CHALLENGE = 'Basic realm="spry"'


def assert_token_headers(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    assert response.headers["content-type"] == "application/json"


def assert_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert_token_headers(response)
    body = response.json()
    assert set(body) == {"error", "error_description"} and body["error"] == error
    assert all(0x20 <= ord(ch) <= 0x7E and ch not in '"\\' for ch in body["error_description"])
    return body


def creds(spry: Spry, role: str = "primary") -> dict[str, str]:
    client = spry.client(role)
    return {"client_id": client["client_id"], "client_secret": client["client_secret"]}


# Client credentials grant: the success response.


def test_client_credentials_success_body_is_as_the_guide_shows(spry: Spry) -> None:
    response = spry.cc("read write")
    assert response.status_code == 200
    assert_token_headers(response)
    body = response.json()
    assert list(body) == [
        "access_token",
        "token_type",
        "expires_in",
        "scope",
        "organisation_id",
        "user_id",
        "roles",
        "clinic_id_list",
        "name",
    ]
    assert body | {"access_token": None} == {
        "access_token": None,
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "read write",
        "organisation_id": 74,
        "user_id": 276,
        "roles": ["ADMIN", "DOCTOR"],
        "clinic_id_list": [44, 58],
        "name": "Sam Matthew",
    }


def test_access_token_is_an_hs256_jwt_with_the_documented_claims(spry: Spry) -> None:
    token = spry.cc_token()
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    payload = claims(token)
    assert (
        payload["iss"] == spry.base
        and payload["sub"] == "conformance-primary"
        and payload["aud"] == "spry-api"
    )
    assert payload["exp"] - payload["iat"] == 3600 and abs(payload["iat"] - spry.server.clock.now()) < 5
    assert (payload["scope"], payload["client_id"]) == ("read write", "conformance-primary")
    assert (
        payload["organisation_id"],
        payload["user_id"],
        payload["roles"],
        payload["clinic_id_list"],
        payload["name"],
    ) == (74, 276, ["ADMIN", "DOCTOR"], [44, 58], "Sam Matthew")
    assert claims(spry.cc_token())["jti"] != payload["jti"]
    assert jwt.decode(
        token,
        spry.server.state.tokens.signing_key,
        algorithms=["HS256"],
        audience="spry-api",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert len(spry.server.state.tokens.signing_key) == 32


def test_each_client_acts_as_its_own_service_account(spry: Spry) -> None:
    identities = {role: spry.cc(role=role).json() for role in ("primary", "secondary", "read_only")}
    assert len({body["user_id"] for body in identities.values()}) == 3
    assert identities["read_only"]["scope"] == "read"
    assert claims(identities["secondary"]["access_token"])["sub"] == "conformance-secondary"


def test_no_refresh_token_for_client_credentials(spry: Spry) -> None:
    assert "refresh_token" not in spry.cc().json()


@pytest.mark.parametrize("path", [TOKEN, REFRESH])
def test_both_token_paths_serve_client_credentials(spry: Spry, path: str) -> None:
    assert spry.token({"grant_type": "client_credentials"}, path=path).status_code == 200


# Client authentication.


def test_basic_authentication(spry: Spry) -> None:
    assert spry.cc(auth="basic").status_code == 200


def test_basic_credentials_are_form_urlencoded_before_base64(make_spry: Callable[..., Spry]) -> None:
    secret = "s3cret with spaces+plus:colon/üñí%41"
    spry = make_spry(secrets={"primary": secret})
    raw = f"{quote_plus('conformance-primary')}:{quote_plus(secret)}"
    header = "Basic " + base64.b64encode(raw.encode()).decode()
    ok = spry.http.post(TOKEN, data={"grant_type": "client_credentials"}, headers={"Authorization": header})
    assert ok.status_code == 200
    assert spry.cc(auth=None, client_id="conformance-primary", client_secret=secret).status_code == 200


@pytest.mark.parametrize(
    "case",
    [
        "unknown client",
        "wrong secret",
        "missing secret",
        "empty secret",
        "no credentials",
        "basic wrong secret",
        "basic unknown client",
        "basic empty secret",
    ],
)
def test_failed_client_authentication_is_401_invalid_client_with_challenge(spry: Spry, case: str) -> None:
    primary = spry.client()["client_id"]
    data = {
        "unknown client": {"client_id": "nobody", "client_secret": "x"},
        "wrong secret": {"client_id": primary, "client_secret": "wrong-secret-value"},
        "missing secret": {"client_id": primary},
        "empty secret": {"client_id": primary, "client_secret": ""},
        "no credentials": {},
    }.get(case)
    if data is not None:
        response = spry.cc(auth=None, **data)
    else:
        user, secret = {
            "basic wrong secret": (primary, "wrong-secret-value"),
            "basic unknown client": ("nobody", "x"),
            "basic empty secret": (primary, ""),
        }[case]
        response = spry.http.post(TOKEN, data={"grant_type": "client_credentials"}, auth=(user, secret))
    assert_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"] == BASIC_CHALLENGE
    assert "wrong-secret-value" not in response.text


@pytest.mark.parametrize(
    "header",
    [
        "Basic",
        "Basic  x",
        "Basic !!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        "Basic Y29uZm9ybWFuY2UtcHJpbWFyeQ",
        "Bearer abc",
        "Digest username=x",
        "Basic " + "A" * 5000,
        "Basic ünïcode",
    ],
)
def test_malformed_authorization_header_is_invalid_client(spry: Spry, header: str) -> None:
    response = spry.http.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers={b"Authorization": header.encode()}
    )
    assert_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"] == BASIC_CHALLENGE


@pytest.mark.parametrize("body", ["secret", "other id"])
def test_two_authentication_methods_are_refused(spry: Spry, body: str) -> None:
    extra = (
        {"client_secret": spry.client()["client_secret"]}
        if body == "secret"
        else {"client_id": "conformance-secondary"}
    )
    assert_error(spry.cc(auth="basic", **extra), 400, "invalid_request")


def test_basic_with_the_same_client_id_in_the_body_is_fine(spry: Spry) -> None:
    assert spry.cc(auth="basic", client_id=spry.client()["client_id"]).status_code == 200


# Request format.


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_post(spry: Spry, method: str) -> None:
    response = spry.http.request(method, TOKEN, params={"grant_type": "client_credentials", **creds(spry)})
    assert_error(response, 405, "invalid_request")
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencodedx",
    ],
)
def test_body_must_be_form_encoded(spry: Spry, content_type: str | None) -> None:
    body = urlencode({"grant_type": "client_credentials", **creds(spry)})
    headers = {"Content-Type": content_type} if content_type else {}
    assert_error(spry.http.post(TOKEN, content=body, headers=headers), 400, "invalid_request")


def test_json_body_is_refused(spry: Spry) -> None:
    assert_error(
        spry.http.post(TOKEN, json={"grant_type": "client_credentials", **creds(spry)}),
        400,
        "invalid_request",
    )


def test_charset_parameter_is_fine(spry: Spry) -> None:
    body = urlencode({"grant_type": "client_credentials", **creds(spry)})
    response = spry.http.post(
        TOKEN, content=body, headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["grant_type", "scope", "client_id", "unknown_thing"])
def test_repeated_parameters_are_refused(spry: Spry, name: str) -> None:
    pairs = [("grant_type", "client_credentials"), *creds(spry).items(), (name, "read"), (name, "read")]
    assert_error(spry.token(pairs, auth=None), 400, "invalid_request")


@pytest.mark.parametrize("name", ["client_id", "client_secret"])
def test_credentials_in_the_query_are_refused(spry: Spry, name: str) -> None:
    response = spry.http.post(
        TOKEN, data={"grant_type": "client_credentials", **creds(spry)}, params={name: creds(spry)[name]}
    )
    assert_error(response, 400, "invalid_request")


def test_empty_parameters_are_omitted_and_unknown_ones_ignored(spry: Spry) -> None:
    response = spry.cc(scope="", code="", foo="bar", resource="https://x", audience="y")
    assert response.status_code == 200 and response.json()["scope"] == "read write"


def test_oversized_requests_are_invalid_request(spry: Spry) -> None:
    assert_error(spry.cc(padding="x" * 4097), 400, "invalid_request")
    assert_error(spry.cc(**{"n" * 4097: "x"}), 400, "invalid_request")
    big = urlencode(
        {"grant_type": "client_credentials", "pad": "x" * 4000, **{f"p{i}": "y" * 100 for i in range(700)}}
    )
    assert_error(spry.http.post(TOKEN, content=big, headers=FORM), 400, "invalid_request")
    assert spry.cc(padding="x" * 4096).status_code == 200


def test_missing_grant_type(spry: Spry) -> None:
    assert_error(spry.token({}), 400, "invalid_request")


@pytest.mark.parametrize(
    "grant_type",
    [
        "password",
        "implicit",
        "token",
        "foo",
        "CLIENT_CREDENTIALS",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "urn:ietf:params:oauth:grant-type:device_code",
    ],
)
def test_unsupported_grant_types(spry: Spry, grant_type: str) -> None:
    response = spry.token(
        {"grant_type": grant_type, "username": spry.user["username"], "password": spry.user["password"]}
    )
    assert_error(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize("grant_type", ["authorization_code", "refresh_token"])
def test_grant_not_registered_for_the_client(spry: Spry, grant_type: str) -> None:
    response = spry.token({"grant_type": grant_type, "code": "x", "refresh_token": "x"}, role="read_only")
    assert_error(response, 400, "unauthorized_client")


# Scopes.


@pytest.mark.parametrize(
    ("requested", "granted"),
    [
        (None, "read write"),
        ("read", "read"),
        ("write", "write"),
        ("read write", "read write"),
        ("write read", "read write"),
        ("  read   write ", "read write"),
        ("read read", "read"),
    ],
)
def test_scope_granted(spry: Spry, requested: str | None, granted: str) -> None:
    body = spry.cc(requested).json()
    assert body["scope"] == granted == claims(body["access_token"])["scope"]


@pytest.mark.parametrize(
    ("role", "requested"),
    [
        ("primary", "admin"),
        ("primary", "read admin"),
        ("primary", "READ"),
        ("primary", " "),
        ("primary", "read\twrite"),
        ("read_only", "write"),
        ("read_only", "read write"),
    ],
)
def test_invalid_scope(spry: Spry, role: str, requested: str) -> None:
    assert_error(spry.cc(requested, role=role), 400, "invalid_scope")


def test_read_only_client_defaults_to_its_registered_scope(spry: Spry) -> None:
    assert spry.cc(role="read_only").json()["scope"] == "read"


def test_errors_never_echo_submitted_values(spry: Spry) -> None:
    marker = "MARKER-<script>-4242"
    for response in (
        spry.cc(marker),
        spry.token({"grant_type": marker}),
        spry.cc(auth=None, client_id=marker, client_secret=marker),
        spry.token({"grant_type": "refresh_token", "refresh_token": marker}),
    ):
        assert response.status_code >= 400 and marker not in response.text
