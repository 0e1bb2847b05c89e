"""The one interface of the three login drivers (`form`, `browser`, `command`): `LoginDriver`, `LoginOutcome`.

Whatever drives the pages, a login starts at the authorization request (RFC 6749 §4.1.1), answers the
login and consent screens as the resource owner would (approve or deny), and ends at the redirect back
to the client's redirect URI (§4.1.2, §4.1.2.1), which is captured and never followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

from conformance.errors import LoginError
from conformance.evidence import Exchange
from conformance.http import Response, Session


@dataclass(frozen=True)
class LoginOutcome:
    """The redirect back to the client, captured and not followed."""

    location: str  # the redirect's Location, absolute
    response: Response | None  # the target's answer the suite saw (None: a command did the login)
    pages: tuple[str, ...]  # the URLs requested, masked
    #: the requests the login command said it made (masked; not observed by the suite)
    reported: tuple[Exchange, ...] = ()

    @property
    def params(self) -> dict[str, str]:
        """The query parameters of the Location (code, state, error...)."""
        return dict(parse_qsl(urlsplit(self.location).query, keep_blank_values=True))


class LoginDriver(Protocol):
    """A way to get through the login and consent pages (`[user.login] method`)."""

    #: the method's name in `[user.login] method`
    method: str

    def login(
        self, session: Session, authorize_url: str, *, redirect_uri: str, approve: bool = True
    ) -> LoginOutcome:
        """Open `authorize_url`, log in, approve (or deny, `approve=False`) and return the redirect towards
        `redirect_uri`. Raises LoginError naming where and why the login stopped."""
        ...


def credentials(username: str | None, password: str | None, password_env: str | None) -> tuple[str, str]:
    """The user's username and password, for the drivers that type them (form, browser)."""
    if not password or not username:
        raise LoginError(f"no password for {username}: set {password_env}")
    return username, password
