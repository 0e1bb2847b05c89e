"""Where an authorization request ends, whatever the server does first (RFC 6749 §4.1.1, §4.1.2.1).

A server may answer an authorization request at once (an error redirect, an error page) or show
its login page first and decide after the user signed in. `attempt_authorization` sends the
request, and when a page (or a redirect within the server's own origin) comes back it drives the
login and consent like `authorize` does. It watches one URI: the first redirect whose Location
reaches it is captured, never followed; a redirect off the server's origin to anywhere else is not
followed either. Nothing here asserts: the outcome says what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin

from conformance.config import Client, Target
from conformance.errors import LoginError
from conformance.evidence import Exchange
from conformance.flows.authorize import (
    AuthorizationResponse,
    authorization_url,
    parse_redirect,
    request_authorization,
)
from conformance.flows.pkce import Pkce
from conformance.http import Response, Session
from conformance.login.drivers import driver_for
from conformance.urls import reaches, same_origin

_DEFAULT = object()


@dataclass(frozen=True)
class AuthorizationOutcome:
    """How an authorization request ended.

    `redirect` is the redirect that reached the watched URI (code or error), if any. Otherwise
    `stopped` says why the walk ended elsewhere (an error page, a redirect off the server's origin),
    or `needs_login` is set: a login page came back and the target has no way to sign in.
    """

    url: str  # the authorization request sent
    watched: str  # the URI a redirect is captured towards
    first: Response  # the answer to the authorization request itself
    redirect: AuthorizationResponse | None = None
    stopped: LoginError | None = None
    walked: bool = False  # the login and consent pages were walked (or tried)
    needs_login: bool = False
    off_origin: str | None = None  # a redirect left the server for this URL (not followed)

    @property
    def redirected(self) -> bool:
        return self.redirect is not None

    @property
    def error(self) -> str | None:
        return self.redirect.error if self.redirect else None

    @property
    def code(self) -> str | None:
        return self.redirect.code if self.redirect else None

    @property
    def last(self) -> Response:
        """The last response seen: the redirect, the page the walk stopped on, or the first answer."""
        if self.redirect is not None and self.redirect.response is not None:
            return self.redirect.response
        if self.stopped is not None and self.stopped.response is not None:
            return self.stopped.response
        return self.first

    @property
    def exchanges(self) -> list[Exchange]:
        """The first and the last exchange (once when they are the same), as evidence."""
        first, last = self.first.exchange, self.last.exchange
        return [first] if first is last else [first, last]

    def describe(self) -> str:
        """What happened, in a few words (no credential: codes are not quoted)."""
        if self.redirect is not None:
            status = self.redirect.response.status if self.redirect.response is not None else "a"
            what = (
                f"error={self.redirect.error!r}"
                if self.redirect.error
                else ("a code" if self.redirect.code else "neither code nor error")
            )
            after = " after the login pages" if self.walked else ""
            return f"HTTP {status} redirect to the watched URI{after} with {what}"
        if self.needs_login:
            return f"HTTP {self.first.status}: a page that needs the user's login"
        if self.off_origin is not None:
            return f"HTTP {self.last.status} redirect off the server's origin (not followed)"
        if self.stopped is not None and self.walked:
            return f"no redirect to the watched URI: {self.stopped}"
        return f"HTTP {self.first.status} {self.first.content_type or 'without content type'}, no redirect"


def raw_authorization_url(target: Target, pairs: Sequence[tuple[str, str]]) -> str:
    """An authorization request URL with exactly these parameters (to leave one out, or repeat one)."""
    return f"{target.url(target.authorize_path)}?{urlencode(list(pairs))}"


def attempt_authorization(
    session: Session,
    target: Target,
    client: Client,
    *,
    state: str | None,
    scope: str | None = None,
    response_type: str | None = "code",
    redirect_uri: str | None | object = _DEFAULT,
    pkce: Pkce | None = None,
    extra: Sequence[tuple[str, str]] = (),
    url: str | None = None,
    watch: str | None = None,
    approve: bool = True,
) -> AuthorizationOutcome:
    """Send the authorization request and follow it to its end, watching `watch`.

    `watch` defaults to the redirect URI sent (or the client's). `url` replaces the request built
    from the other arguments.
    """
    sent = client.redirect_uri if redirect_uri is _DEFAULT else redirect_uri
    if url is None:
        url = authorization_url(
            target, client, state=state, scope=scope, response_type=response_type,
            redirect_uri=None if sent is None else str(sent), pkce=pkce, extra=extra,
        )  # fmt: skip
    watched = str(watch or sent or client.redirect_uri or "")
    first = request_authorization(session, url)
    if first.is_redirect:
        location = urljoin(first.url, first.location or "")
        if watched and reaches(location, watched):
            return AuthorizationOutcome(url, watched, first, redirect=parse_redirect(location, first))
        if not same_origin(location, first.url):
            return AuthorizationOutcome(url, watched, first, off_origin=location)
    elif not 200 <= first.status < 300:
        return AuthorizationOutcome(url, watched, first)
    return _drive(session, target, url, watched, first, approve=approve)


def _drive(
    session: Session, target: Target, url: str, watched: str, first: Response, *, approve: bool
) -> AuthorizationOutcome:
    """The login and consent pages, as `authorize` drives them, to the redirect towards `watched`."""
    user = target.user
    if user.login.method == "form" and not (user.username and user.password):
        return AuthorizationOutcome(url, watched, first, needs_login=True)
    try:
        outcome = driver_for(target).login(session, url, redirect_uri=watched, approve=approve)
    except LoginError as error:
        return AuthorizationOutcome(url, watched, first, stopped=error, walked=True)
    if not reaches(outcome.location, watched):  # a command's URL: its program went elsewhere
        return AuthorizationOutcome(url, watched, first, walked=True, off_origin=outcome.location)
    redirect = parse_redirect(outcome.location, outcome.response)
    return AuthorizationOutcome(url, watched, first, redirect=redirect, walked=True)


__all__ = ["AuthorizationOutcome", "attempt_authorization", "raw_authorization_url"]
