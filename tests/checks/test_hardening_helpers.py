"""The readers behind the hardening checks: CORS exposure, HSTS, the plain-HTTP URL and verdict, throttling."""

from __future__ import annotations

import json

import httpx
import pytest

from conformance.evidence import Exchange
from conformance.flows.abuse import throttle_signal
from conformance.flows.browser import cors_exposure, hsts_max_age, plain_http_url, served_over_plain_http
from conformance.http import Response

ATTACKER = "https://attacker.example"


def _headers(*pairs: tuple[str, str]) -> httpx.Headers:
    return httpx.Headers(list(pairs))


def _response(status: int, body: object = b"", url: str = "http://t.example/x", **headers: str) -> Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    pairs = [(name.replace("_", "-"), value) for name, value in headers.items()]
    return Response(status, httpx.Headers(pairs), content, url, Exchange("GET", url, [], "", status))


@pytest.mark.parametrize(
    "pairs, exposed",
    [
        # Fetch standard: a credentialed request fails the CORS check with `*`, so no page can read it
        ([("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")], False),
        ([("Access-Control-Allow-Origin", ATTACKER), ("Access-Control-Allow-Credentials", "TRUE")], True),
        ([("Access-Control-Allow-Origin", "*")], False),  # RFC 9700 §2.6 allows CORS at the token endpoint
        ([("Access-Control-Allow-Origin", ATTACKER)], False),
        (
            [
                ("Access-Control-Allow-Origin", "https://app.example"),
                ("Access-Control-Allow-Credentials", "true"),
            ],
            False,
        ),
        ([], False),
    ],
)
def test_cors_exposure(pairs: list[tuple[str, str]], exposed: bool) -> None:
    assert (cors_exposure(_headers(*pairs), ATTACKER) is not None) is exposed


@pytest.mark.parametrize(
    "value, max_age",
    [
        ("max-age=31536000; includeSubDomains", 31536000),
        ('MAX-AGE="600"', 600),
        ("includeSubDomains; max-age=0", 0),
        ("includeSubDomains", None),
        ("max-age=soon", None),
        (None, None),
    ],
)
def test_hsts_max_age(value: str | None, max_age: int | None) -> None:
    headers = _headers(("Strict-Transport-Security", value)) if value is not None else _headers()
    assert hsts_max_age(headers) == max_age


@pytest.mark.parametrize(
    "base, plain",
    [
        ("https://provider.staging.spryhealth.care", "http://provider.staging.spryhealth.care"),
        ("https://provider.example:443/prefix/", "http://provider.example/prefix"),
        ("https://127.0.0.1:8443", "http://127.0.0.1:8443"),
        ("https://[::1]:8443", "http://[::1]:8443"),
        ("http://provider.example", "http://provider.example"),
    ],
)
def test_plain_http_url(base: str, plain: str) -> None:
    assert plain_http_url(base) == plain


CALLBACK = "https://client.example.org/callback"


@pytest.mark.parametrize(
    "endpoint, response, served",
    [
        ("token", None, False),
        ("token", _response(301, location="https://t.example/apis/v2/oauth/token"), False),
        ("token", _response(400, b"<html>400 The plain HTTP request was sent to HTTPS port</html>"), False),
        ("token", _response(401, {"error": "invalid_client"}), True),
        ("token", _response(200, {"access_token": "x", "token_type": "Bearer"}), True),
        ("resource", _response(401, {"code": 4001}, www_authenticate='Bearer realm="spry"'), True),
        ("resource", _response(200, {"data": []}), True),
        ("resource", _response(403, b"Forbidden"), False),
        (
            "authorize",
            _response(200, b'<form method="post"><input type="password" name="password"></form>'),
            True,
        ),
        ("authorize", _response(302, location=CALLBACK + "?error=invalid_request&state=x"), True),
        ("authorize", _response(308, location="https://t.example/apis/v2/oauth/authorize?x=1"), False),
        ("authorize", _response(200, b"<p>Use HTTPS.</p>"), False),
    ],
)
def test_served_over_plain_http(endpoint: str, response: Response | None, served: bool) -> None:
    assert served_over_plain_http(endpoint, response, CALLBACK)[0] is served


@pytest.mark.parametrize(
    "response, throttled",
    [
        (_response(429, {"error": "invalid_client"}), True),
        (_response(401, {"error": "invalid_client"}, retry_after="30"), True),
        (_response(400, {"error": "slow_down"}), True),
        (_response(401, {"error": "invalid_client"}), False),
        (_response(400, {"error": "invalid_request"}), False),
    ],
)
def test_throttle_signal(response: Response, throttled: bool) -> None:
    assert (throttle_signal(response) is not None) is throttled
