"""The one credential guard (RFC 6749 §10.6, §10.15; RFC 9700 §4.1): credentials go to the target's origin only,
and the user's password also to the login origins the user allows."""

from __future__ import annotations

import pytest

from conformance.errors import CredentialGuard
from conformance.http.request import Pins, guard, outgoing

TARGET = "https://spry.test"
PASSWORD = "the-users-password-9"
PINS = Pins(TARGET, password_origins=("https://login.spry.test",), passwords=(PASSWORD,),
            known=lambda: ["issued-code-123456", PASSWORD])  # fmt: skip


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"data": {"client_secret": "s"}},
        {"data": {"Password": "p"}},  # a login form's field name, in any case
        {"params": {"password": "p"}},  # a GET form puts the password in the query
        {"params": {"pw": PASSWORD}},  # a field of any name, found by its value
        {"content": f"user=u&x={PASSWORD.upper().lower()}"},
        {"params": {"code": "c"}},
        {"params": {"state": "issued-code-123456"}},  # an issued code, whatever the parameter's name
        {"content": '{"refresh_token": "r"}'},
        {"headers": {"Authorization": "Bearer t"}},
        {"headers": {"proxy-authorization": "Basic x"}},
        {"headers": {"Cookie": "session=1"}},
        {"basic": ("client", "secret")},
    ],
)
def test_a_credential_to_another_origin_is_refused(request_kwargs: dict[str, object]) -> None:
    request = outgoing("POST", "https://evil.example/login", **request_kwargs)  # type: ignore[arg-type]
    assert PINS.carried(request)
    with pytest.raises(CredentialGuard, match="evil.example"):
        guard(request, PINS)


def test_the_password_to_another_origin_names_the_key_that_allows_it() -> None:
    with pytest.raises(CredentialGuard, match=r"allowed_origins"):
        guard(outgoing("POST", "https://sso.other.test/login", data={"Password": PASSWORD}), PINS)


def test_the_password_may_go_to_an_allowed_login_origin() -> None:
    guard(
        outgoing("POST", "https://login.spry.test/u/login", data={"username": "u", "password": PASSWORD}),
        PINS,
    )
    guard(outgoing("GET", "https://login.spry.test/u/login", params={"PASSWORD": PASSWORD}), PINS)


def test_an_allowed_login_origin_gets_nothing_but_the_password() -> None:
    for extra in ({"client_secret": "s"}, {"code": "c"}):
        with pytest.raises(CredentialGuard, match="login.spry.test"):
            guard(
                outgoing("POST", "https://login.spry.test/u/login", data={"password": PASSWORD, **extra}),
                PINS,
            )
    with pytest.raises(CredentialGuard):
        guard(outgoing("GET", "https://login.spry.test/", headers={"Cookie": "target-session=1"}), PINS)


def test_an_allowed_origin_is_exact_scheme_host_and_port() -> None:
    for url in (
        "http://login.spry.test/login",
        "https://login.spry.test:8443/login",
        "https://spry.test.evil/",
    ):
        with pytest.raises(CredentialGuard):
            guard(outgoing("POST", url, data={"password": PASSWORD}), PINS)


def test_a_credential_to_the_targets_origin_passes() -> None:
    guard(outgoing("POST", "https://SPRY.test:443/apis/v2/oauth/token", data={"password": "p"}), PINS)


def test_a_url_without_a_host_is_no_ones_origin() -> None:
    with pytest.raises(CredentialGuard):
        guard(outgoing("GET", "https:///login", params={"password": "p"}), PINS)


def test_a_request_without_credentials_may_go_anywhere() -> None:
    request = outgoing(
        "GET", "https://evil.example/page", params={"state": "x", "scope": "read", "zipcode": "1"}
    )
    assert not PINS.carried(request)
    guard(request, PINS)
