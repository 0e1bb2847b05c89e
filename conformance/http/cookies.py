"""Cookies bound to the origin that set them (RFC 6454), not only to its host (RFC 6265 §8.5).

A browser sends a cookie of `127.0.0.1:8000` to `127.0.0.1:9` too: cookies do not isolate ports or
schemes. The login walk keeps one jar, so each cookie is tagged with the origin whose response set it,
and a request goes out with the cookies of its own origin only: the target's session cookie never
reaches another origin, whatever that origin shares with it.
"""

from __future__ import annotations

import httpx

from conformance.urls import origin_text

_ORIGIN = "spry-origin"  # a nonstandard cookie attribute (http.cookiejar keeps them), never sent


def keep_cookies(jar: httpx.Cookies, response: httpx.Response) -> None:
    """Store the response's Set-Cookie in `jar`, each cookie tagged with the response's origin."""
    before = {id(cookie) for cookie in jar.jar}
    jar.extract_cookies(response)
    source = origin_text(str(response.request.url))
    for cookie in jar.jar:
        if id(cookie) not in before:
            cookie.set_nonstandard_attr(_ORIGIN, source)


def origin_cookies(jar: httpx.Cookies, url: str) -> httpx.Cookies:
    """The cookies `jar` may send to `url`: those its origin set (and the cookies a caller set by hand)."""
    here = origin_text(url)
    chosen = httpx.Cookies()
    for cookie in jar.jar:
        if cookie.get_nonstandard_attr(_ORIGIN, here) == here:
            chosen.jar.set_cookie(cookie)
    return chosen
