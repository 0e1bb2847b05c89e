"""Browser-facing defences, read from responses: framing, Referrer-Policy, caching, HSTS, CORS, transport.

`open_authorization_page` sends the authorization request as a browser would and stops at the first
page it shows (the login page, normally), following same-site redirects; the parsers below read
one header each as browsers do. Nothing here judges: the checks do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from conformance.http import Response, Session
from conformance.login.pages import Page, parse_page
from conformance.rfc6749 import TOKEN_ERRORS
from conformance.urls import reaches


@dataclass(frozen=True)
class AuthorizationPage:
    """What the authorization request led to: a page (`response`), or a redirect back to the client."""

    response: Response | None  # the page shown, when there is one
    redirect: Response | None = None  # the redirect to the client's redirect URI, when it came first
    hops: tuple[Response, ...] = ()  # the redirects followed on the way
    cookies: httpx.Cookies = field(default_factory=httpx.Cookies)

    @property
    def page(self) -> Page:
        assert self.response is not None
        return parse_page(self.response.text, self.response.url)

    @property
    def has_hidden_input(self) -> bool:
        return any(f.type == "hidden" for form in self.page.forms for f in form.fields)


def open_authorization_page(
    session: Session, url: str, *, redirect_uri: str | None, max_redirects: int = 5
) -> AuthorizationPage:
    """GET the authorization URL and follow redirects (GET, cookies kept) to the first page shown.

    Stops at a redirect to `redirect_uri` (never requested), at a redirect that is not http(s),
    or after `max_redirects`. Raises `CredentialGuard` when a hop would carry cookies elsewhere.
    """
    jar = httpx.Cookies()
    hops: list[Response] = []
    response = session.request("GET", url, cookies=jar)
    while response.is_redirect and len(hops) < max_redirects:
        location = urljoin(response.url, response.location or "")
        if (redirect_uri and reaches(location, redirect_uri)) or urlsplit(location).scheme not in {
            "http",
            "https",
        }:
            return AuthorizationPage(None, response, tuple(hops), jar)
        hops.append(response)
        response = session.request("GET", location, cookies=jar)
    if response.is_redirect:
        return AuthorizationPage(None, response, tuple(hops), jar)
    return AuthorizationPage(response, None, tuple(hops), jar)


# --- header parsers -------------------------------------------------------------------------


def header_values(headers: httpx.Headers, name: str) -> list[str]:
    """Every value of a header, each repeated field kept apart."""
    return [value for key, value in headers.multi_items() if key.lower() == name.lower()]


def _directives(policy: str) -> dict[str, list[str]]:
    """A CSP policy's directives (name lower-cased -> source list); the first of a repeated name wins."""
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        tokens = part.split()
        if tokens:
            parsed.setdefault(tokens[0].lower(), tokens[1:])
    return parsed


def frame_ancestors(headers: httpx.Headers) -> list[list[str]]:
    """The source lists of every enforced `frame-ancestors` directive (CSP in a header; a <meta> CSP cannot set it)."""
    found = []
    for value in header_values(headers, "content-security-policy"):
        for policy in value.split(","):  # one field may carry several policies, joined by commas
            sources = _directives(policy).get("frame-ancestors")
            if sources is not None:
                found.append(sources)
    return found


def restricts_framing(sources: Sequence[str]) -> bool:
    """Does a frame-ancestors source list keep an arbitrary site from framing the page?

    `'none'`, `'self'` and host sources restrict; `*`, a bare scheme (`https:`, `http:`, `data:`...)
    and an empty list do not ('none' is the empty set only when written).
    """
    lowered = [s.lower() for s in sources]
    if not lowered:
        return False
    if "'none'" in lowered:
        return True
    return not any(s == "*" or re.fullmatch(r"[a-z][a-z0-9+.-]*:", s) for s in lowered)


def x_frame_options(headers: httpx.Headers) -> set[str]:
    """The X-Frame-Options values, lower-cased (commas split, as browsers do)."""
    return {
        part.strip().lower()
        for value in header_values(headers, "x-frame-options")
        for part in value.split(",")
        if part.strip()
    }


def framing_verdict(headers: httpx.Headers) -> tuple[bool, str]:
    """(framing by an arbitrary site is forbidden, how), as a current browser decides.

    A CSP `frame-ancestors` directive, when present, decides alone (browsers then ignore
    X-Frame-Options); otherwise X-Frame-Options DENY or SAMEORIGIN forbids framing
    (ALLOW-FROM is obsolete and ignored by current browsers).
    """
    ancestors = frame_ancestors(headers)
    if ancestors:
        shown = "; ".join("frame-ancestors " + " ".join(s) for s in ancestors)
        return any(restricts_framing(s) for s in ancestors), f"Content-Security-Policy {shown}"
    xfo = x_frame_options(headers)
    if xfo:
        return bool(xfo & {"deny", "sameorigin"}), f"X-Frame-Options {', '.join(sorted(xfo)).upper()}"
    return False, "no Content-Security-Policy frame-ancestors and no X-Frame-Options"


#: Referrer policies that never send the page's path and query to another origin.
SAFE_REFERRER_POLICIES = frozenset({
    "no-referrer", "same-origin", "origin", "strict-origin", "origin-when-cross-origin", "strict-origin-when-cross-origin",
})  # fmt: skip
_KNOWN_REFERRER_POLICIES = SAFE_REFERRER_POLICIES | {"no-referrer-when-downgrade", "unsafe-url"}
_META_REFERRER = re.compile(
    r"<meta\b(?=[^>]*\bname\s*=\s*[\"']?referrer\b)[^>]*\bcontent\s*=\s*[\"']?([^\"'>]*)", re.IGNORECASE
)


def referrer_policy(headers: httpx.Headers, html: str = "") -> str | None:
    """The page's effective referrer policy: the last known token of the header, overridden by a
    `<meta name="referrer">`; None when neither sets one (the browser default then applies)."""
    policy = None
    for value in header_values(headers, "referrer-policy"):
        for token in value.split(","):
            if token.strip().lower() in _KNOWN_REFERRER_POLICIES:
                policy = token.strip().lower()
    for match in _META_REFERRER.finditer(html):
        token = match.group(1).strip().lower()
        if token in _KNOWN_REFERRER_POLICIES:
            policy = token
    return policy


def cache_directives(headers: httpx.Headers) -> set[str]:
    """The Cache-Control directive names, lower-cased."""
    return {
        part.split("=", 1)[0].strip().lower()
        for value in header_values(headers, "cache-control")
        for part in value.split(",")
        if part.strip()
    }


def hsts_max_age(headers: httpx.Headers) -> int | None:
    """max-age of the first Strict-Transport-Security field (RFC 6797 §6.1), None when absent or invalid."""
    values = header_values(headers, "strict-transport-security")
    if not values:
        return None
    for directive in values[0].split(";"):
        name, _, value = directive.strip().partition("=")
        if name.strip().lower() == "max-age":
            value = value.strip().strip('"')
            return int(value) if value.isdigit() else None
    return None


def cors_exposure(headers: httpx.Headers, origin: str) -> str | None:
    """Why these response headers let a page at `origin` read the response with the user's credentials, or None.

    The exposure is the origin itself reflected with `Access-Control-Allow-Credentials: true`. A wildcard
    with credentials is no exposure: the Fetch standard's CORS check fails a credentialed request whose
    `Access-Control-Allow-Origin` is `*` ("If request's credentials mode is "include" and
    `Access-Control-Allow-Origin` is `*`, return failure"), so no page can read it."""
    allow = header_values(headers, "access-control-allow-origin")
    credentials = any(
        v.strip().lower() == "true" for v in header_values(headers, "access-control-allow-credentials")
    )
    if not allow or not credentials:
        return None
    value = allow[0].strip()
    if value == origin:
        return f"the Origin it was sent ({origin}) reflected in Access-Control-Allow-Origin, with credentials allowed"
    return None


def plain_http_url(base_url: str) -> str:
    """The plain-HTTP form of the target's base URL: the same host, `http`, port 80 for a default
    HTTPS port, the same port otherwise (where a server may also speak plain HTTP)."""
    parts = urlsplit(base_url)
    if parts.scheme == "http":
        return base_url.rstrip("/")
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = host if parts.port in (None, 443) else f"{host}:{parts.port}"
    return urlunsplit(("http", netloc, parts.path.rstrip("/"), "", ""))


def served_over_plain_http(
    endpoint: str, response: Response | None, redirect_uri: str | None = None
) -> tuple[bool, str]:
    """(the endpoint is served, what the answer was) for a request sent over plain HTTP.

    `endpoint` is "token", "authorize" or "resource". No answer, a redirect to https, or an answer
    that is not the endpoint's own (an error page of a front server) means it is not served.
    """
    if response is None:
        return False, "no answer (the connection was refused or closed)"
    status = f"HTTP {response.status}"
    if response.is_redirect:
        location = urljoin(response.url, response.location or "")
        if endpoint == "authorize" and redirect_uri and reaches(location, redirect_uri):
            return (
                True,
                f"{status} redirect back to the client: the authorization request was served over plain HTTP",
            )
        if urlsplit(location).scheme == "https":
            return False, f"{status} redirect to https"
        if endpoint == "authorize" and urlsplit(location).scheme == "http":
            return True, f"{status} redirect to another plain-HTTP page of the server"
        return False, f"{status} redirect to {urlsplit(location).scheme or 'a relative'} location"
    body = response.json if isinstance(response.json, dict) else {}
    if endpoint == "token":
        if "access_token" in body or body.get("error") in TOKEN_ERRORS:
            return True, f"{status} token endpoint answer (error {body.get('error')!r})"
        return False, f"{status}, not a token endpoint answer"
    if endpoint == "resource":
        challenge = response.headers.get("www-authenticate", "")
        if 200 <= response.status < 300 or (
            response.status == 401 and challenge.lower().startswith("bearer")
        ):
            return True, f"{status} from the resource ({challenge or 'data'})"
        return False, f"{status}, not the resource's answer"
    page = parse_page(response.text, response.url)
    if 200 <= response.status < 300 and any(f.has_password_input for f in page.forms):
        return True, f"{status} login page with a password field"
    return False, f"{status}, no login page"
