"""Cookies go back to the origin that set them only (conformance.http.cookies)."""

from __future__ import annotations

import httpx

from conformance.http.cookies import keep_cookies, origin_cookies


def _set(jar: httpx.Cookies, url: str, cookie: str) -> None:
    keep_cookies(jar, httpx.Response(200, headers={"Set-Cookie": cookie}, request=httpx.Request("GET", url)))


def test_the_targets_cookie_never_reaches_another_port_of_the_same_host() -> None:
    jar = httpx.Cookies()
    _set(jar, "http://127.0.0.1:8000/login", "session=target-session; Path=/")
    assert dict(origin_cookies(jar, "http://127.0.0.1:8000/next")) == {"session": "target-session"}
    assert dict(origin_cookies(jar, "http://127.0.0.1:9/collect")) == {}
    assert dict(origin_cookies(jar, "https://127.0.0.1:8000/next")) == {}, "another scheme is another origin"


def test_each_origin_keeps_its_own_cookies() -> None:
    jar = httpx.Cookies()
    _set(jar, "https://login.example/", "csrf=login-csrf")
    _set(jar, "https://spry.example/", "session=spry-session")
    assert dict(origin_cookies(jar, "https://login.example/form")) == {"csrf": "login-csrf"}
    assert dict(origin_cookies(jar, "https://spry.example/x")) == {"session": "spry-session"}
