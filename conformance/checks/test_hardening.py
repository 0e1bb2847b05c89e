"""Hardening: deprecated grants refused, TLS required, HSTS, CORS, and brute-force throttling.

Probes only: each check sends its requests and hands the answers to its judge (conformance/judges/hardening.py).
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import pytest

from conformance.catalogue import requirement
from conformance.config import Client, Target
from conformance.findings import settle
from conformance.flows.abuse import failed_authentications
from conformance.flows.authorize import LoginError, authorization_url, authorize, new_state
from conformance.flows.browser import (
    AuthorizationPage,
    open_authorization_page,
    plain_http_url,
    served_over_plain_http,
)
from conformance.flows.token import token_request
from conformance.http import CredentialGuard, Response, Session, TargetError
from conformance.judges import hardening as judge


def _authorize_client(target: Target) -> Client:
    client = target.clients.get("primary")
    if client is None or not client.can("authorization_code") or not client.redirect_uri:
        pytest.skip("needs clients.primary with the authorization_code grant and its redirect_uri")
    return client


# --- deprecated grants ----------------------------------------------------------------------


@requirement("SEC-IMPLICIT-DISABLED")
def test_implicit_grant_is_not_served(http: Session, target: Target) -> None:
    """RFC 9700 §2.1.2: "clients SHOULD NOT use the implicit grant (response type "token")"; ASVS 10.4.4: the
    authorization server does not allow it. response_type=token must not end in an access token."""
    client = _authorize_client(target)
    url = authorization_url(target, client, state=new_state(), response_type="token")
    try:
        first = open_authorization_page(http, url, redirect_uri=client.redirect_uri)
    except CredentialGuard as error:
        pytest.skip(f"the authorization request leads to another site with cookies ({error})")
    if first.redirect is not None:
        _expect_no_token(http, first.redirect.location or "", first.redirect)
        return
    assert first.response is not None
    if first.response.status >= 400 or not first.page.forms:
        return  # an error page: refused before any login
    if target.user.login.method == "form" and not target.user.password:
        pytest.skip(
            f"the server shows its login page for response_type=token: needs {target.user.password_env} to go on"
        )
    try:
        answer = authorize(http, target, client, state=new_state(), response_type="token")
    except LoginError:
        _control_login(http, target, client)  # refused within the pages, while response_type=code works
        return
    _expect_no_token(http, answer.location, answer.response or first.response)


def _expect_no_token(http: Session, location: str, evidence: Response) -> None:
    token = judge.redirect_access_token(location)
    if token:
        http.masker.register(token)
    settle(judge.ensure_no_token_from_authorization_endpoint(location, evidence))


def _control_login(http: Session, target: Target, client: Client) -> None:
    """The same login with response_type=code, to tell a refusal of the grant from a login that cannot be driven."""
    try:
        control = authorize(http, target, client, state=new_state())
    except LoginError as error:
        pytest.fail(f"the login with response_type=code fails too, so nothing is proven: {error}")
    if not control.code:
        pytest.fail(f"the login with response_type=code returned no code (error {control.error!r})")


@requirement("SEC-PASSWORD-GRANT-DISABLED")
def test_password_grant_is_refused(http: Session, target: Target, primary: Client) -> None:
    """RFC 9700 §2.4: "The resource owner password credentials grant [RFC6749] MUST NOT be used." The user's real
    credentials, from the authenticated primary client, get no access token."""
    user = target.user
    if not user.username or not user.password:
        pytest.skip(f"needs the user's username and password ({user.password_env}) to try the password grant")
    params = [("grant_type", "password"), ("username", user.username), ("password", user.password)]
    if primary.scope:
        params.append(("scope", primary.scope))
    answer = token_request(http, target, params, client=primary)
    settle(judge.ensure_password_grant_refused(answer))


# --- transport ------------------------------------------------------------------------------


def _transport_skip(target: Target) -> None:
    if urlsplit(target.base_url).scheme == "http" and target.is_loopback:
        pytest.skip(
            "the target is a plain-http loopback server (a local development server): transport security is "
            "judged on deployed targets; point the suite at the https:// URL (or a non-loopback host)"
        )


@requirement("SEC-TLS-REQUIRED")
@pytest.mark.parametrize("endpoint", ["token", "authorize", "resource"])
def test_plain_http_is_not_served(http: Session, target: Target, endpoint: str) -> None:
    """RFC 6749 §3.1/§3.2: "The authorization server MUST require the use of TLS" for the authorization and token
    endpoints; RFC 6750 §5.3: bearer requests "MUST always use TLS". Nothing secret is sent over plain HTTP."""
    _transport_skip(target)
    base = plain_http_url(target.base_url)
    redirect_uri = None
    if endpoint == "token":
        method, url = "POST", base + target.token_path
        data = [("grant_type", "client_credentials"), ("client_id", "probe-" + secrets.token_hex(6))]
    elif endpoint == "authorize":
        client = _authorize_client(target)
        redirect_uri = client.redirect_uri
        method, data = "GET", None
        parts = urlsplit(authorization_url(target, client, state=new_state()))
        url = f"{base}{target.authorize_path}?{parts.query}"
    else:
        method, url, data = target.resource.read.method, base + target.resource.read.path, None
    try:
        response: Response | None = http.request(method, url, data=data)
    except TargetError:
        response = None
    served, how = served_over_plain_http(endpoint, response, redirect_uri)
    evidence = [response] if response is not None else []
    settle(judge.ensure_not_served_over_plain_http(endpoint, url, served, how, *evidence))


@requirement("SEC-HSTS")
def test_authorization_page_sends_hsts(target: Target, authorization_page: AuthorizationPage) -> None:
    """RFC 9325 §3.2: "Web servers SHOULD use HSTS to indicate that they are willing to accept TLS-only clients"."""
    _transport_skip(target)
    page = authorization_page.response
    assert page is not None
    settle(judge.ensure_hsts(page))


# --- CORS -----------------------------------------------------------------------------------

ORIGINS = ["https://attacker.example", "null"]


def _preflight(http: Session, path: str, origin: str, method: str) -> Response:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    return http.request("OPTIONS", path, headers=headers)


@requirement("SEC-CORS")
@pytest.mark.parametrize("origin", ORIGINS)
def test_token_endpoint_cors_never_shares_credentials(http: Session, target: Target, origin: str) -> None:
    """ASVS 5.0 3.4.2: Access-Control-Allow-Origin is fixed or checked against an allowlist. Never `*` or the
    sent Origin together with Access-Control-Allow-Credentials: true (RFC 9700 §2.6 only allows CORS there)."""
    preflight = _preflight(http, target.token_path, origin, "POST")
    primary = target.client("primary")
    if primary is not None and primary.can("client_credentials"):
        actual = _cc_with_origin(http, target, primary, origin)
    else:
        actual = http.request("POST", target.token_path, headers={"Origin": origin},
                              data=[("grant_type", "client_credentials"), ("client_id", "probe-" + secrets.token_hex(6))])  # fmt: skip
    settle(judge.ensure_no_credentialed_cors(origin, preflight, actual))


def _cc_with_origin(http: Session, target: Target, client: Client, origin: str) -> Response:
    data = [
        ("grant_type", "client_credentials"),
        ("client_id", client.client_id),
        ("client_secret", client.client_secret or ""),
    ]
    if client.scope:
        data.append(("scope", client.scope))
    return http.request("POST", target.token_path, data=data, headers={"Origin": origin})


@requirement("SEC-CORS-AUTHORIZE")
def test_authorization_endpoint_has_no_cors(http: Session, target: Target) -> None:
    """RFC 9700 §2.6: "CORS MUST NOT be supported at the authorization endpoint"."""
    client = _authorize_client(target)
    origin = ORIGINS[0]
    preflight = _preflight(http, target.authorize_path, origin, "GET")
    request = http.request(
        "GET", authorization_url(target, client, state=new_state()), headers={"Origin": origin}
    )
    settle(judge.ensure_no_cors_at_authorization_endpoint(preflight, request))


# --- brute force ----------------------------------------------------------------------------

ATTEMPTS = 30


@pytest.mark.aggressive
@requirement("SEC-BRUTE-FORCE-THROTTLED")
def test_failed_client_authentication_is_throttled(http: Session, target: Target) -> None:
    """RFC 6749 §2.3.1: "the authorization server MUST protect any endpoint utilizing it against brute force
    attacks" (RFC 6819 §4.3.5: lock out). First a random unknown client_id; only when it is never throttled, a
    registered non-primary client (the primary is never locked out: later checks need it)."""
    unknown = failed_authentications(http, target, "probe-" + secrets.token_hex(8), ATTEMPTS)
    if unknown.signal:
        return
    registered = target.client("read_only") or target.client("secondary")
    if registered is None:
        pytest.skip(
            f"{ATTEMPTS} failed authentications of an unknown client_id were never throttled; judging a registered "
            "client needs [clients.read_only] or [clients.secondary] with its secret (the primary is never locked out)"
        )
    known = failed_authentications(http, target, registered.client_id, ATTEMPTS)
    settle(
        judge.ensure_throttled(known.signal, ATTEMPTS, unknown.responses, known.responses, registered.name)
    )
