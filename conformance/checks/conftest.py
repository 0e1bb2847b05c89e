"""Fixtures the checks share: the configured clients, issued tokens, the user's authorization.

A fixture that needs configuration the target lacks skips the check and says what to set.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.config import Client, Target
from conformance.flows.authorize import (
    AuthorizationResponse,
    LoginError,
    authorization_url,
    authorize,
    new_state,
)
from conformance.flows.browser import AuthorizationPage, open_authorization_page
from conformance.flows.front_channel import AuthorizationOutcome
from conformance.flows.pkce import Pkce
from conformance.flows.token import TokenResponse, client_credentials, exchange_code
from conformance.http import CredentialGuard, Session
from conformance.run.needs import (
    authorization_page_missing,
    client_missing,
    code_flow_missing,
    read_only_missing,
)


def _client(target: Target, name: str, *, grant: str | None = None) -> Client:
    missing = client_missing(target, name, grant)  # the reason `run --list` predicts, word for word
    client = target.client(name)
    if missing or client is None:
        pytest.skip(missing or f"needs [clients.{name}]")
    return client


@pytest.fixture
def primary(target: Target) -> Client:
    """The client the suite acts as."""
    return _client(target, "primary")


@pytest.fixture
def secondary(target: Target) -> Client:
    """A second registered client: codes and refresh tokens must not cross between clients."""
    return _client(target, "secondary")


@pytest.fixture
def read_only(target: Target) -> Client:
    """A client registered for `read` only."""
    missing = read_only_missing(target)
    if missing:
        pytest.skip(missing)
    return _client(target, "read_only")


@pytest.fixture
def cc_primary(target: Target) -> Client:
    return _client(target, "primary", grant="client_credentials")


@pytest.fixture
def cc_token(http: Session, target: Target, cc_primary: Client) -> TokenResponse:
    """A client-credentials token for the primary client, as the Spry guide requests it."""
    answer = client_credentials(http, target, cc_primary, scope=cc_primary.scope)
    if not answer.ok:
        pytest.fail(
            f"could not obtain a client-credentials token (HTTP {answer.status}, error {answer.error})"
        )
    return answer


@pytest.fixture
def access(request: pytest.FixtureRequest, target: Target) -> TokenResponse:
    """An access token of the primary client: client credentials, else the authorization code flow."""
    primary = target.client("primary")
    if primary is not None and primary.can("client_credentials"):
        return request.getfixturevalue("cc_token")
    return request.getfixturevalue("code_tokens")


@pytest.fixture
def code_client(target: Target) -> Client:
    """The primary client, when it may use the authorization code grant."""
    missing = code_flow_missing(target)
    if missing:
        pytest.skip(missing)
    return _client(target, "primary", grant="authorization_code")


Authorizer = Callable[..., AuthorizationResponse]


@pytest.fixture(scope="session")
def login_probe() -> dict[str, str | None]:
    """Whether the suite can get through the login pages at all, found out once per run (see `usable_login`)."""
    return {}


LoginCheck = Callable[[AuthorizationOutcome], None]


@pytest.fixture
def usable_login(
    http: Session, target: Target, code_client: Client, login_probe: dict[str, str | None]
) -> LoginCheck:
    """For a walk of the login pages that stopped short: can the suite drive those pages at all?

    Checks that walk the login pages with an unusual request judge where the walk ends. When it stops at a
    page (no form, two login forms, ...), one plain authorization is tried, once per run: if that stops
    too, the end says nothing about the server's rules, and the check ends as an error naming the page
    rather than as a failure. A walk that reached the client costs nothing.
    """

    def check(outcome: AuthorizationOutcome) -> None:
        if outcome.redirect is not None or outcome.stopped is None:
            return
        if "why" not in login_probe:
            try:
                authorize(http, target, code_client, state=new_state())
                login_probe["why"] = None
            except LoginError as error:
                login_probe["why"] = str(error)
        if login_probe["why"]:
            pytest.fail(f"could not get through the login pages: {login_probe['why']}")

    return check


@pytest.fixture
def authorize_user(http: Session, target: Target) -> Authorizer:
    """Runs the front channel (login and consent) for a client and returns the redirect back to it."""

    def run(client: Client, **options: object) -> AuthorizationResponse:
        options.setdefault("state", new_state())
        try:
            return authorize(http, target, client, **options)  # type: ignore[arg-type]
        except LoginError as error:
            pytest.fail(f"could not get through the login pages: {error}")

    return run


@pytest.fixture
def issued_code(code_client: Client, authorize_user: Authorizer) -> AuthorizationResponse:
    """A fresh authorization code for the primary client (no PKCE)."""
    answer = authorize_user(code_client)
    if not answer.code:
        pytest.fail(f"the authorization request returned no code (error {answer.error!r})")
    return answer


@pytest.fixture
def code_tokens(
    http: Session, target: Target, code_client: Client, issued_code: AuthorizationResponse
) -> TokenResponse:
    """Tokens from redeeming a fresh code: an access token and (normally) a refresh token for the user."""
    answer = exchange_code(
        http, target, code_client, issued_code.code or "", redirect_uri=code_client.redirect_uri
    )
    if not answer.ok:
        pytest.fail(f"the code exchange failed (HTTP {answer.status}, error {answer.error})")
    return answer


@pytest.fixture
def refresh_client(target: Target) -> Client:
    return _client(target, "primary", grant="refresh_token")


@pytest.fixture
def refreshable(code_tokens: TokenResponse, refresh_client: Client) -> TokenResponse:
    """Code-flow tokens that include a refresh token."""
    if not code_tokens.refresh_token:
        pytest.skip("the target issued no refresh token in the authorization code flow")
    return code_tokens


@pytest.fixture
def authorization_page(http: Session, target: Target) -> AuthorizationPage:
    """The page the primary client's authorization request shows before any login (the login page, normally)."""
    missing = authorization_page_missing(target)
    if missing:
        pytest.skip(missing)
    client = _client(target, "primary", grant="authorization_code")
    url = authorization_url(target, client, state=new_state())
    try:
        page = open_authorization_page(http, url, redirect_uri=client.redirect_uri)
    except CredentialGuard as error:
        pytest.skip(f"the authorization request leads to another site with cookies ({error})")
    if page.response is None:
        pytest.skip("the authorization request redirected straight back to the client: no page is shown")
    if page.response.status >= 400:
        pytest.fail(
            f"the authorization request was refused (HTTP {page.response.status}): check clients.primary's "
            "client_id and redirect_uri"
        )
    return page


__all__ = ["AuthorizationPage", "Authorizer", "Pkce"]
