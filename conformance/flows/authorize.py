"""The authorization request (RFC 6749 §4.1.1) and the response it ends in (§4.1.2, §4.1.2.1).

`authorize` drives the whole front channel: the authorization request, the user's login
and consent (the driver of the configured login method, `conformance.login.drivers.driver_for`),
and the redirect back to the client, which is captured and parsed, never followed.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

from conformance.config import Client, Target
from conformance.errors import LoginError
from conformance.evidence import Exchange
from conformance.flows.pkce import Pkce
from conformance.http import Response, Session
from conformance.login.drivers import driver_for
from conformance.urls import reaches

_DEFAULT = object()


@dataclass(frozen=True)
class AuthorizationResponse:
    """Where the authorization server sent the user agent back to, parsed."""

    location: str
    params: dict[str, str]
    fragment: dict[str, str] = field(default_factory=dict)
    response: Response | None = None

    @property
    def code(self) -> str | None:
        return self.params.get("code")

    @property
    def state(self) -> str | None:
        return self.params.get("state", self.fragment.get("state"))

    @property
    def error(self) -> str | None:
        return self.params.get("error", self.fragment.get("error"))

    @property
    def exchange(self) -> Exchange:
        assert self.response is not None, "the login command's redirect has no recorded exchange"
        return self.response.exchange


def new_state() -> str:
    return secrets.token_urlsafe(16)


def authorization_url(
    target: Target,
    client: Client,
    *,
    state: str | None,
    scope: str | None = None,
    response_type: str | None = "code",
    redirect_uri: str | None | object = _DEFAULT,
    pkce: Pkce | None = None,
    extra: Sequence[tuple[str, str]] = (),
) -> str:
    """The authorization request URL, as the Spry guide's Step 1 builds it."""
    params: list[tuple[str, str]] = []
    if response_type is not None:
        params.append(("response_type", response_type))
    params.append(("client_id", client.client_id))
    uri = client.redirect_uri if redirect_uri is _DEFAULT else redirect_uri
    if uri is not None:
        params.append(("redirect_uri", str(uri)))
    params.append(("scope", client.scope if scope is None else scope))
    if state is not None:
        params.append(("state", state))
    if pkce is not None:
        params += [("code_challenge", pkce.challenge), ("code_challenge_method", pkce.method)]
    params += list(extra)
    return f"{target.url(target.authorize_path)}?{urlencode(params)}"


def parse_redirect(location: str, response: Response | None = None) -> AuthorizationResponse:
    """The query and fragment parameters of a redirect (application/x-www-form-urlencoded, Appendix B)."""
    parts = urlsplit(location)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    fragment = dict(parse_qsl(parts.fragment, keep_blank_values=True))
    return AuthorizationResponse(location, params, fragment, response)


def authorize(
    session: Session,
    target: Target,
    client: Client,
    *,
    state: str | None = None,
    scope: str | None = None,
    pkce: Pkce | None = None,
    response_type: str | None = "code",
    redirect_uri: str | None | object = _DEFAULT,
    extra: Sequence[tuple[str, str]] = (),
    approve: bool = True,
    drop_hidden: bool = False,
) -> AuthorizationResponse:
    """Run the front channel through login and consent; return the redirect back to the client.

    Raises `LoginError` when the login pages cannot be driven.
    """
    url = authorization_url(
        target, client, state=state, scope=scope, response_type=response_type,
        redirect_uri=redirect_uri, pkce=pkce, extra=extra,
    )  # fmt: skip
    expected = client.redirect_uri if redirect_uri is _DEFAULT else redirect_uri
    outcome = driver_for(target, drop_hidden=drop_hidden).login(
        session, url, redirect_uri=str(expected or client.redirect_uri), approve=approve
    )
    return parse_redirect(outcome.location, outcome.response)


def request_authorization(session: Session, url: str) -> Response:
    """Only the first step: send the authorization request and return what comes back (page or redirect)."""
    return session.request("GET", url)


__all__ = [
    "AuthorizationResponse",
    "LoginError",
    "authorization_url",
    "authorize",
    "new_state",
    "parse_redirect",
    "reaches",
    "request_authorization",
]
