"""Where does the authorization server send the user agent for a look-alike redirect URI?

`probe_lookalike` sends an authorization request carrying a look-alike of the registered redirect
URI (`redirect_lookalikes`). Most servers refuse it at once (an error page). If the server shows
its login page instead, the login and consent are driven like `authorize` drives them, because
some servers validate the redirect URI only once the user has signed in. The walk stops at the
first redirect that leaves the server for the client's side (the registered URI's origin or a
look-alike's): it is captured and never followed, so no request ever goes to a client or an
attacker host. Nothing here asserts: the `Probe` says what happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx

from conformance.config import Client, Target
from conformance.errors import LoginError
from conformance.flows.authorize import authorization_url, new_state
from conformance.flows.redirect_lookalikes import Lookalike, is_registered_uri, without_query
from conformance.http import Response, Session
from conformance.login.drivers import driver_for

# The login pages are answered with the form driver's own steps (`login_with_form` stops at one
# redirect URI only; a look-alike walk must stop at any redirect towards the client's side).
from conformance.login.form import LoginUser, Walk, answer_page
from conformance.login.pages import parse_page
from conformance.urls import origin, reaches

MAX_STEPS = 10  # requests per look-alike, login included


@dataclass(frozen=True)
class Probe:
    """How one look-alike fared."""

    lookalike: Lookalike
    registered: str
    first: Response  # the answer to the authorization request
    last: Response  # the last response seen (the redirect captured, or the page the walk stopped on)
    location: str | None = None  # where the server sent the user agent off to the client's side
    logged_in: bool = False  # the login pages were driven
    needs_login: bool = False  # a login page came back and the target has no password to sign in with
    inconclusive: str = ""  # the walk broke down before the server decided (masked text)

    @property
    def diverted(self) -> bool:
        """The server sent the user agent somewhere other than the registered URI.

        The suite's reading where two texts meet: RFC 9700 §2.1 wants exact string matching, and RFC 3986
        §3.2.2 makes the host case-insensitive, so a redirect to the registered URI with its host in another
        case reaches the registered host and gives an attacker nothing. It is reported (`host_case_only`),
        not judged a breach.
        """
        return self.location is not None and not is_registered_uri(
            self.location, self.registered, host_case=True
        )

    @property
    def host_case_only(self) -> bool:
        """Redirected to the registered URI but for the case of its host (accepted, not exact)."""
        return (
            self.location is not None
            and not is_registered_uri(self.location, self.registered)
            and is_registered_uri(self.location, self.registered, host_case=True)
        )

    @property
    def carried(self) -> str:
        """What the redirect carried: a code, an access token, an error."""
        if self.location is None:
            return ""
        parts = urlsplit(self.location)
        params, fragment = dict(parse_qsl(parts.query)), dict(parse_qsl(parts.fragment))
        if "code" in params:
            return "a code"
        if re.search(
            r"[?&#;@/]code=", self.location
        ):  # a code wherever the Location carries it (a fragment...)
            return "a code (outside the query)"
        if "access_token" in fragment:
            return "an access token"
        if "error" in params:
            return f"error={params['error']!r}"
        return "no code"

    def describe(self) -> str:
        """What happened, without any credential (the query of a Location is never quoted)."""
        if self.location is not None:
            after = " after the login and consent" if self.logged_in else ""
            return f"HTTP {self.last.status} to {without_query(self.location)}{after}, with {self.carried}"
        if self.needs_login:
            return f"HTTP {self.first.status}: a login page (no password configured to go further)"
        if self.inconclusive:
            return f"undecided: {self.inconclusive}"
        return f"refused (HTTP {self.last.status} {self.last.content_type or 'page'}, no redirect)"


def probe_lookalike(
    session: Session, target: Target, client: Client, lookalike: Lookalike, *, state: str | None = None
) -> Probe:
    """Send the authorization request with the look-alike and follow it to the server's decision."""
    registered = str(client.redirect_uri)
    first_value, *others = lookalike.values
    url = authorization_url(
        target, client, state=state or new_state(), redirect_uri=first_value,
        extra=[("redirect_uri", value) for value in others],
    )  # fmt: skip
    watched = [registered, *lookalike.values]
    walk = Walk(session, httpx.Cookies(), MAX_STEPS)
    first = response = walk.send("GET", url)

    def result(last: Response, **outcome: object) -> Probe:
        return Probe(lookalike, registered, first, last, logged_in=walk.logged_in, **outcome)  # type: ignore[arg-type]

    try:
        while True:
            if response.is_redirect:
                location = urljoin(response.url, response.location or "")
                if _towards_client(location, watched, session.base_url):
                    return result(response, location=location)
                response = walk.follow(response, location)
                continue
            if target.user.login.method == "browser" and response.status < 400 and not walk.logged_in:
                # the page is the browser's: it logs in, stopping at any URL towards the client's side
                driver = driver_for(target, ends=lambda u: _towards_client(u, watched, session.base_url))
                browsed = driver.login(session, url, redirect_uri=registered)
                last = browsed.response or response
                return Probe(lookalike, registered, first, last, location=browsed.location, logged_in=True)
            page = parse_page(response.text, response.url)
            if response.status >= 400 or not page.forms:
                return result(response)
            if target.user.login.method == "command" and not walk.logged_in:
                location = driver_for(target).login(session, url, redirect_uri=registered).location
                return Probe(lookalike, registered, first, response, location=location, logged_in=True)
            if not target.user.username or not target.user.password:
                return result(response, needs_login=True)
            user = LoginUser(
                target.user.username, target.user.password,
                target.user.login.username_field, target.user.login.password_field,
            )  # fmt: skip
            session.masker.register(target.user.password)
            response = answer_page(walk, response, page, user, approve=True, drop_hidden=False)
    except LoginError as error:
        return result(error.response or response, inconclusive=str(error))


def _towards_client(location: str, watched: list[str], base_url: str) -> bool:
    """Does this redirect leave the server for the client's side (a watched URI or its origin)?"""
    where = origin(location)
    if where is None:  # another scheme (a native app's): the user agent leaves the server
        return True
    if any(reaches(location, uri) for uri in watched):
        return True
    return where in {origin(uri) for uri in watched} and where != origin(base_url)


__all__ = ["MAX_STEPS", "Probe", "probe_lookalike"]
