"""What a request carries: built in one place, and guarded in one place, for every way of sending.

The session's httpx path and the race sender both build their requests with `outgoing` and pass
them through `guard`, so the credential rule cannot hold on one path and not on the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from conformance.errors import CredentialGuard
from conformance.http.response import FormData, basic_authorization
from conformance.urls import origin_text, same_origin

#: Headers that carry credentials (RFC 9110 §11.6.2, §11.7.2; RFC 6265 §5.4).
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
#: Parameters that carry credentials (RFC 6749 §2.3.1, §4.1.3, §4.3.2, §6), matched in any case.
CREDENTIAL_PARAMETERS = ("client_secret", "password", "refresh_token", "code")


@dataclass(frozen=True)
class Outgoing:
    """A request ready to send: the URL with its query, the headers, the body."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None


def form_pairs(data: FormData) -> list[tuple[str, str]]:
    return list(data.items()) if isinstance(data, Mapping) else list(data)


def outgoing(
    method: str,
    url: str,
    *,
    params: FormData | None = None,
    data: FormData | None = None,
    content: bytes | str | None = None,
    headers: Mapping[str, str] | None = None,
    basic: tuple[str, str] | None = None,
) -> Outgoing:
    """The one request builder: Basic credentials (RFC 6749 §2.3.1), a form body, a query string."""
    built = dict(headers or {})
    if basic is not None:
        built["Authorization"] = basic_authorization(*basic)
    body: bytes | None = None
    if data is not None:
        body = urlencode(form_pairs(data)).encode()
        built.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif content is not None:
        body = content.encode() if isinstance(content, str) else content
    if params:
        url = f"{url}{'&' if '?' in url else '?'}{urlencode(form_pairs(params))}"
    return Outgoing(method, url, built, body)


def carries_credentials(request: Outgoing) -> bool:
    """Whether the request carries a credential: in a header, or as a parameter of its query or body.

    Parameter names are matched in any case and in form (`password=`) or JSON (`"password"`) spelling:
    a login form's `Password` field is a password too.
    """
    if any(name.lower() in CREDENTIAL_HEADERS for name in request.headers):
        return True
    places = [urlsplit(request.url).query.encode(), request.body or b""]
    for place in (p.lower() for p in places if p):
        for name in CREDENTIAL_PARAMETERS:
            if f"{name}=".encode() in place or f'"{name}"'.encode() in place:
                return True
    return False


def guard(request: Outgoing, target_url: str) -> None:
    """Credentials go to the target's own origin and nowhere else (RFC 6749 §10.6, §10.15; RFC 9700 §4.1).

    A URL without an origin (no host, a port that is not a number) is never the target's.
    """
    if same_origin(request.url, target_url) or not carries_credentials(request):
        return
    raise CredentialGuard(
        f"refused to send credentials to {origin_text(request.url)} (the target is {origin_text(target_url)})"
    )
