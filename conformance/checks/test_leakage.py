"""Leakage and browser-facing defences: error responses give nothing away, the authorization pages defend the browser.

Probes only: each check sends its requests and hands the answers to its judge (conformance/judges/leakage.py).
"""

from __future__ import annotations

import secrets

import pytest

from conformance.catalogue import requirement
from conformance.config import Client, Target
from conformance.findings import settle
from conformance.flows.authorize import LoginError, authorization_url, authorize, new_state
from conformance.flows.browser import AuthorizationPage
from conformance.flows.leaks import authorize_probes, echoes, resource_probes, send, token_probes
from conformance.flows.token import exchange_code, refresh, token_request
from conformance.http import Response, Session, basic_authorization
from conformance.judges import leakage as judge
from conformance.login.form import login_with_form


def _random(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(24)


# --- SEC-NO-STACKTRACE ----------------------------------------------------------------------


@requirement("SEC-NO-STACKTRACE")
@pytest.mark.long
@pytest.mark.parametrize("endpoint", ["token", "authorize", "resource"])
def test_errors_carry_no_stack_trace(http: Session, target: Target, endpoint: str) -> None:
    """ASVS 5.0 16.5.1: "a generic message is returned to the consumer when an unexpected or security-sensitive
    error occurs, ensuring no exposure of sensitive internal system data such as stack traces, queries ..."."""
    primary = target.clients.get("primary")
    if endpoint == "token":
        probes = token_probes(target.token_path)
    elif endpoint == "authorize":
        probes = authorize_probes(
            target.authorize_path,
            primary.client_id if primary else None,
            primary.redirect_uri if primary else None,
        )
    else:
        probes = resource_probes(target.resource.read.method, target.resource.read.path)
    answers: list[tuple[str, Response]] = []
    for probe in probes:
        response = send(http, probe)
        if response is not None:
            answers.append((probe.label, response))
    if not answers:
        pytest.skip(f"the {endpoint} endpoint answered none of the {len(probes)} malformed requests")
    settle(judge.ensure_errors_show_no_internals(answers))


# --- SEC-NO-SECRET-ECHO ---------------------------------------------------------------------


def _echoes(http: Session, response: Response, submitted: dict[str, str]) -> dict[str, list[str]]:
    """'the client_secret «…»' (masked) -> where the raw response repeats it, for every submitted value."""
    return {
        f"the {what} {http.masker.mask(value)}": echoes(response, value) for what, value in submitted.items()
    }


ECHO_PROBES = ["client_secret-body", "client_secret-basic", "trace", "password-grant", "code", "refresh_token",
               "bearer-token", "login-password"]  # fmt: skip


@requirement("SEC-NO-SECRET-ECHO")
@pytest.mark.parametrize("probe", ECHO_PROBES)
def test_errors_do_not_echo_secrets(http: Session, target: Target, probe: str) -> None:
    """ASVS 5.0 16.5.1: no exposure of "secret keys, and tokens" in error responses. The raw response (before
    masking) is searched for each submitted value and its encodings; every value is random and registered for
    masking first, so the report shows them masked."""
    primary = target.client("primary")
    unknown = _random("probe-")
    value = _random()
    http.masker.register(value)
    submitted = {"client_secret": value}
    if probe == "client_secret-body":
        response = http.request(
            "POST", target.token_path,
            data=[("grant_type", "client_credentials"), ("client_id", unknown), ("client_secret", value)],
        )  # fmt: skip
    elif probe in {"client_secret-basic", "trace"}:
        credentials = basic_authorization(unknown, value).split(" ", 1)[1]
        http.masker.register(credentials)
        submitted["Basic credentials"] = credentials
        if (
            probe == "trace"
        ):  # RFC 9110 §9.3.8: TRACE has no content; a server that echoes it reflects the header
            response = http.request("TRACE", target.token_path, basic=(unknown, value))
        else:
            response = http.request(
                "POST", target.token_path, data=[("grant_type", "client_credentials")], basic=(unknown, value)
            )
    elif probe == "bearer-token":
        submitted = {"bearer token": value}
        response = http.request(target.resource.read.method, target.resource.read.path,
                                headers={"Authorization": f"Bearer {value}"})  # fmt: skip
    elif probe == "login-password":
        response = _wrong_password_answer(http, target, value)
        submitted = {"password": value}
    else:
        if primary is None:
            pytest.skip("needs [clients.primary] with its secret: this probe authenticates the client")
        if probe == "password-grant":
            submitted = {"password": value}
            params = [("grant_type", "password"), ("username", _random("nobody-")), ("password", value)]
            response = token_request(http, target, params, client=primary).response
        elif probe == "code":
            submitted = {"authorization code": value}
            response = exchange_code(http, target, primary, value, redirect_uri=primary.redirect_uri).response
        else:
            submitted = {"refresh token": value}
            response = refresh(http, target, primary, value).response
        submitted["client_secret of the primary client"] = primary.client_secret or ""
    if 200 <= response.status < 300 and probe not in {"login-password", "trace"}:
        pytest.fail(f"the {probe} probe was accepted (HTTP {response.status}): no error response to examine")
    settle(judge.ensure_no_secret_echoed(response, _echoes(http, response, submitted)))


def _wrong_password_answer(http: Session, target: Target, password: str) -> Response:
    """The login page's answer to the configured username with a wrong password (one failed login)."""
    client = target.client("primary") or target.clients.get("primary")
    login = target.user.login
    if login.method != "form":
        pytest.skip('needs user.login.method = "form": a login command types the password itself')
    if client is None or not client.redirect_uri or not client.can("authorization_code"):
        pytest.skip("needs clients.primary with the authorization_code grant and its redirect_uri")
    if not target.user.username:
        pytest.skip("needs user.username for the login form")
    url = authorization_url(target, client, state=new_state())
    try:
        result = login_with_form(
            http, url, username=target.user.username, password=password, redirect_uri=client.redirect_uri,
            username_field=login.username_field, password_field=login.password_field,
        )  # fmt: skip
    except LoginError as error:
        if error.response is None:
            pytest.skip(f"the login page could not be driven: {error}")
        refused: Response = error.response  # the login page's answer to the wrong password
        return refused
    return result.redirect


# --- the authorization page: framing, Referrer-Policy, caching ------------------------------


@requirement("SEC-ANTI-FRAMING")
def test_authorization_page_forbids_framing(authorization_page: AuthorizationPage) -> None:
    """RFC 9700 §4.16: "Authorization servers MUST prevent clickjacking attacks" (X-Frame-Options, CSP
    frame-ancestors; RFC 6749 §10.13). Judged as a current browser does: CSP frame-ancestors wins when present."""
    page = authorization_page.response
    assert page is not None
    settle(judge.ensure_framing_forbidden(page))


@requirement("SEC-CSP-FRAME-ANCESTORS")
def test_authorization_page_sets_csp_frame_ancestors(authorization_page: AuthorizationPage) -> None:
    """RFC 9700 §4.16: "authorization servers SHOULD also use Content Security Policy (CSP) level 2 ... or greater"."""
    page = authorization_page.response
    assert page is not None
    settle(judge.ensure_csp_frame_ancestors(page))


@requirement("SEC-REFERRER-POLICY")
def test_authorization_page_suppresses_referer(authorization_page: AuthorizationPage) -> None:
    """RFC 9700 §4.2.4: "Suppress the Referer header by applying an appropriate Referrer Policy ... to the document"."""
    page = authorization_page.response
    assert page is not None
    settle(judge.ensure_referer_suppressed(page))


@requirement("SEC-LOGIN-NO-STORE")
def test_login_page_is_not_cached(authorization_page: AuthorizationPage) -> None:
    """ASVS 5.0 14.3.2: "sufficient anti-caching HTTP response header fields (i.e., Cache-Control: no-store)"."""
    page = authorization_page.response
    assert page is not None
    settle(judge.ensure_not_stored(page))


# --- SEC-LOGIN-CSRF -------------------------------------------------------------------------


@requirement("SEC-LOGIN-CSRF")
def test_login_forms_refuse_post_without_csrf_token(
    http: Session, target: Target, authorization_page: AuthorizationPage
) -> None:
    """RFC 6749 §10.12: "The authorization server MUST implement CSRF protection for its authorization endpoint".
    The login is driven without the forms' hidden inputs (what a third-party page cannot know): refused, while
    the same login with them succeeds. The first form carrying a hidden input is the one judged."""
    client = _code_client(target)
    if not authorization_page.has_hidden_input:
        pytest.skip("the login page has no hidden input: its CSRF defence, if any, is not a form token "
                    "(SameSite cookies, Origin checks) and is not judged from here")  # fmt: skip
    try:
        forged = authorize(http, target, client, state=new_state(), drop_hidden=True)
    except LoginError:
        forged = None
    if forged is not None:
        settle(judge.ensure_forged_login_refused(forged))
        return
    try:
        control = authorize(http, target, client, state=new_state())
    except LoginError as error:
        pytest.fail(f"the login with the hidden inputs failed too, so the refusal proves nothing: {error}")
    if not control.code:
        pytest.fail(
            f"the login with the hidden inputs returned no code (error {control.error!r}): nothing to compare"
        )


def _code_client(target: Target) -> Client:
    login = target.user.login
    if login.method == "command":
        pytest.skip('needs user.login.method = "form": a login command submits the forms itself')
    client = target.client("primary")
    if client is None or not client.can("authorization_code") or not client.redirect_uri:
        pytest.skip(
            "needs clients.primary with its secret, the authorization_code grant and its redirect_uri"
        )
    if not target.user.password:
        pytest.skip(f"needs the user's password in {target.user.password_env} to drive the login")
    return client
