"""The one credential guard (RFC 6749 §10.6, §10.15; RFC 9700 §4.1): credentials go to the target's origin only."""

from __future__ import annotations

import pytest

from conformance.errors import CredentialGuard
from conformance.http.request import carries_credentials, guard, outgoing

TARGET = "https://spry.test"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"data": {"client_secret": "s"}},
        {"data": {"Password": "p"}},  # a login form's field name, in any case
        {"params": {"password": "p"}},  # a GET form puts the password in the query
        {"params": {"code": "c"}},
        {"content": '{"refresh_token": "r"}'},
        {"headers": {"Authorization": "Bearer t"}},
        {"headers": {"proxy-authorization": "Basic x"}},
        {"headers": {"Cookie": "session=1"}},
        {"basic": ("client", "secret")},
    ],
)
def test_a_credential_to_another_origin_is_refused(request_kwargs: dict[str, object]) -> None:
    request = outgoing("POST", "https://evil.example/login", **request_kwargs)  # type: ignore[arg-type]
    assert carries_credentials(request)
    with pytest.raises(CredentialGuard, match="evil.example"):
        guard(request, TARGET)


def test_a_credential_to_the_targets_origin_passes() -> None:
    guard(outgoing("POST", "https://SPRY.test:443/apis/v2/oauth/token", data={"password": "p"}), TARGET)


def test_a_url_without_a_host_is_no_ones_origin() -> None:
    with pytest.raises(CredentialGuard):
        guard(outgoing("GET", "https:///login", params={"password": "p"}), TARGET)


def test_a_request_without_credentials_may_go_anywhere() -> None:
    request = outgoing("GET", "https://evil.example/page", params={"state": "x", "scope": "read"})
    assert not carries_credentials(request)
    guard(request, TARGET)
