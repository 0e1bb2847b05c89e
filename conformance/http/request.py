"""What a request carries: built in one place, and guarded in one place, for every way of sending.

The session's httpx path and the race sender both build their requests with `outgoing` and pass
them through `guard`, so the credential rule cannot hold on one path and not on the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus, urlencode, urlsplit

from conformance.errors import CredentialGuard
from conformance.http.response import FormData, basic_authorization
from conformance.urls import origin_text, same_origin

#: Headers that carry credentials (RFC 9110 §11.6.2, §11.7.2; RFC 6265 §5.4).
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
#: Parameters that carry credentials (RFC 6749 §2.3.1, §4.1.3, §4.3.2, §6; RFC 7523), matched in any case.
CREDENTIAL_PARAMETERS = (
    "client_secret",
    "password",
    "refresh_token",
    "code",
    "access_token",
    "client_assertion",
)


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


@dataclass(frozen=True)
class Pins:
    """Which origin each credential belongs to (RFC 6749 §10.6, §10.15; RFC 9700 §4.1).

    Everything goes to the target's origin. Elsewhere, only the user's password may go, and only to
    an origin the user listed in `[user.login] allowed_origins` (a deployment's login host). The client
    secret, codes, tokens, cookies and Authorization headers go nowhere but the target.
    """

    target: str
    password_origins: tuple[str, ...] = ()
    passwords: tuple[str, ...] = ()  # the user's password (as configured)
    #: Every secret value known so far (configured, and each code and token the target issued).
    known: Callable[[], Iterable[str]] = lambda: ()

    def carried(self, request: Outgoing) -> list[str]:
        """What credentials the request carries, by name and by value, wherever they are: header,
        query (a GET form puts the password there), body; names in any case, form or JSON spelling."""
        found = [f"a {name} header" for name in request.headers if name.lower() in CREDENTIAL_HEADERS]
        places = [
            p for p in (urlsplit(request.url).query, (request.body or b"").decode("utf-8", "replace")) if p
        ]
        decoded = [unquote_plus(p) for p in places]
        lowered = [p.lower() for p in places]
        for name in CREDENTIAL_PARAMETERS:
            named = re.compile(rf"(?:^|[&;?\s\"'{{,]){name}(?:=|\"\s*:)")
            if any(named.search(p) for p in lowered):
                found.append("the user's password" if name == "password" else f"a {name.replace('_', ' ')}")
        everywhere = places + decoded + list(request.headers.values())
        if any(v and v in p for v in self.passwords for p in everywhere):
            found.append("the user's password")
        passwords = set(self.passwords)
        if any(v not in passwords and v in p for v in self.known() for p in everywhere):
            found.append("a secret the target issued or the user configured")
        return list(dict.fromkeys(found))

    def allows(self, request: Outgoing) -> str | None:
        """None when the request may go; else why not, in one line naming the origin and what to set."""
        if same_origin(request.url, self.target):
            return None
        carried = self.carried(request)
        if not carried:
            return None
        elsewhere = origin_text(request.url)
        if carried == ["the user's password"]:
            if any(same_origin(request.url, allowed) for allowed in self.password_origins):
                return None
            return (
                f"refused to send the user's password to {elsewhere} (the target is {origin_text(self.target)}): "
                f"if {elsewhere} is this deployment's login host, add it to [user.login] allowed_origins"
            )
        return (
            f"refused to send {', '.join(carried)} to {elsewhere} (the target is {origin_text(self.target)}): "
            "credentials of the target go to its own origin only"
        )


def guard(request: Outgoing, pins: Pins) -> None:
    """Raise `CredentialGuard` unless every credential the request carries may go where it is going.

    A URL without an origin (no host, a port that is not a number) is never the target's.
    """
    refused = pins.allows(request)
    if refused:
        raise CredentialGuard(refused)
