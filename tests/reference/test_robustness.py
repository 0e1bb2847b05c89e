"""Brute-force throttling (RFC 6749 §2.3.1, RFC 6819 §4.3.5) and odd inputs: never a 500."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from spry_helpers import AUTHORIZE, CONSENT, FORM, LOGIN, PATIENTS, REFRESH, TOKEN, Spry


def test_failed_authentications_are_throttled(make_spry: Callable[..., Spry]) -> None:
    spry = make_spry()
    client_id = spry.client()["client_id"]
    statuses = [spry.cc(auth=None, client_id=client_id, client_secret="guess").status_code for _ in range(10)]
    assert statuses == [401] * 10
    throttled = spry.cc()  # even the right secret, while locked out
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 60
    assert throttled.json()["error"] and throttled.headers["cache-control"] == "no-store"
    assert spry.cc(role="secondary").status_code == 200  # per client_id
    spry.server.clock.advance(61)
    assert spry.cc().status_code == 200


def test_unknown_client_ids_are_throttled_per_presented_id(make_spry: Callable[..., Spry]) -> None:
    spry = make_spry()
    for _ in range(10):
        spry.cc(auth=None, client_id="ghost", client_secret="x")
    assert spry.cc(auth=None, client_id="ghost", client_secret="x").status_code == 429
    assert spry.cc(auth=None, client_id="ghost-2", client_secret="x").status_code == 401
    assert spry.cc().status_code == 200


def test_the_window_slides(make_spry: Callable[..., Spry]) -> None:
    spry = make_spry()
    for _ in range(9):
        spry.cc(auth=None, client_id="conformance-primary", client_secret="guess")
    spry.server.clock.advance(30)
    spry.cc(auth=None, client_id="conformance-primary", client_secret="guess")
    assert spry.cc().status_code == 429
    spry.server.clock.advance(31)  # the first nine have left the window
    assert spry.cc().status_code == 200


ODD_VALUES = [
    "ü€😀",
    "\x00",
    "a" * 5000,
    "%",
    "%zz",
    "+",
    "&",
    "=",
    "'\"<>",
    "\r\nX-Injected: 1",
    "../../etc/passwd",
]

ODD_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    *[
        (
            "POST",
            TOKEN,
            {
                "data": {
                    "grant_type": value,
                    "scope": value,
                    "client_id": value,
                    "client_secret": value,
                    "code": value,
                    "refresh_token": value,
                    "redirect_uri": value,
                    "code_verifier": value,
                }
            },
        )
        for value in ODD_VALUES
    ],
    ("POST", TOKEN, {"content": b"\xff\xfe\x00garbage=\xc3(", "headers": FORM}),
    ("POST", TOKEN, {"content": b"&&&===&a&=b", "headers": FORM}),
    ("POST", TOKEN, {"content": "&".join(f"k{i}=v" for i in range(5000)), "headers": FORM}),
    ("POST", TOKEN, {"content": b"x" * 200_000, "headers": FORM}),
    ("POST", TOKEN, {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
    ("POST", TOKEN, {"content": b"[" * 30000, "headers": {"Content-Type": "application/json"}}),
    ("POST", TOKEN, {"content": b"", "headers": {"Content-Type": ";;;"}}),
    ("POST", REFRESH, {"data": {"grant_type": "refresh_token", "refresh_token": "\u2028"}}),
    *[
        ("POST", TOKEN, {"data": {"grant_type": "client_credentials"}, "headers": {"Authorization": header}})
        for header in (
            b"Basic \xff\xfe",
            b"Basic " + base64.b64encode(b"\xff:\xfe"),
            b"Basic " + base64.b64encode(b"%zz:%"),
            b"Basic ===",
            b"basic " + base64.b64encode(b"a:b"),
            b"\xc3\xa9",
            b"Basic " + b"x" * 8000,
        )
    ],
    (
        "GET",
        AUTHORIZE,
        {"params": {"client_id": "conformance-primary", "response_type": "code", "state": "\x00\ud7ff"}},
    ),
    ("GET", AUTHORIZE, {"params": {"client_id": "\x00", "redirect_uri": "http://[::1"}}),
    ("GET", AUTHORIZE, {"params": {"client_id": "conformance-primary", "code_challenge": "ü" * 50}}),
    ("GET", AUTHORIZE + "?%zz=%zz&&&=", {}),
    ("PUT", AUTHORIZE, {}),
    ("POST", LOGIN, {"content": b"\xff" * 100, "headers": FORM}),
    ("POST", LOGIN, {"json": {"username": 1}}),
    ("POST", LOGIN, {"data": {"csrf_token": "x"}, "headers": {"Cookie": b"spry_session=\xc3\xa9; a=\xff"}}),
    ("GET", CONSENT, {"headers": {"Cookie": "spry_session=" + "x" * 4000}}),
    ("DELETE", CONSENT, {}),
    ("GET", PATIENTS, {"headers": {"Authorization": b"Bearer \xff\xfe"}}),
    ("GET", PATIENTS, {"headers": {"Authorization": "Bearer " + "a." * 3000}}),
    (
        "GET",
        PATIENTS,
        {
            "headers": {
                "Authorization": "Bearer eyJhbGciOiJub25lIn0.bm90IGpzb24.",
                "Content-Type": FORM["Content-Type"],
            },
            "content": b"\xff=\xfe",
        },
    ),
    ("POST", PATIENTS, {"content": b"x" * 100_000, "headers": {"Authorization": "Bearer x"}}),
    ("GET", "/apis/v2/oauth/token/", {}),
    ("GET", "/nowhere", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), ODD_REQUESTS, ids=range(len(ODD_REQUESTS)))
def test_odd_inputs_never_cause_a_500(spry: Spry, method: str, path: str, kwargs: dict[str, Any]) -> None:
    response = spry.http.request(method, path, **kwargs)
    assert response.status_code < 500, response.text[:500]
    assert "Traceback" not in response.text


def test_odd_bodies_with_a_valid_token_never_cause_a_500(spry: Spry) -> None:
    headers = {"Authorization": f"Bearer {spry.cc_token()}"}
    for body in (
        b"[" * 50000,
        b"\xff\xfe",
        b"1e999999",
        b'{"first_name": "\\ud800"}',
        b"null",
        b'"' + b"x" * 60000 + b'"',
    ):
        response = spry.http.post(
            PATIENTS, content=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status_code in (400, 413, 422), (body[:20], response.status_code)
