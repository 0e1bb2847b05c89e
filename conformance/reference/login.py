"""Resource-owner interaction between authorization request and response (RFC 6749 §4.1.1-§4.1.2).

The user logs in, then approves or denies. Both forms carry a CSRF token tied to the session
(RFC 6749 §10.12, RFC 9700 §4.7); a successful login replaces the session id (session fixation).
Approval issues a code (§4.1.2: "The authorization code MUST expire shortly after it is issued
... A maximum authorization code lifetime of 10 minutes is RECOMMENDED") of 256 random bits
(§10.10), bound to client, redirect URI and PKCE challenge; denial redirects ``access_denied``.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .forms import FORM, UnreadableBody, form_pairs, media_type, read_body
from .grants import issue
from .pages import consent_page, error_page, login_page
from .redirects import error_redirect, redirect
from .state import ServerState
from .store import AuthorizationCode, LoginSession

COOKIE = "spry_session"
CONSENT_PATH = "/apis/v2/oauth/consent"


def set_session_cookie(response: Response, sid: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Path=/ (not Secure: the server runs on plain-HTTP loopback)."""
    response.set_cookie(COOKIE, sid, httponly=True, samesite="lax", path="/")


async def _form(request: Request) -> dict[str, str] | None:
    if media_type(request) != FORM:
        return None
    try:
        return dict(form_pairs(await read_body(request)))
    except UnreadableBody:
        return None


def csrf_ok(state: ServerState, session: LoginSession, form: dict[str, str]) -> bool:
    if state.faults.on("login-csrf-not-checked"):
        return True
    return hmac.compare_digest(form.get("csrf_token", "").encode(), session.csrf.encode())


async def _session_and_form(
    request: Request, *, logged_in: bool
) -> tuple[LoginSession, dict[str, str]] | Response:
    state: ServerState = request.app.state.spry
    faults = state.faults
    if request.method != "POST":
        return error_page(faults, 405, "Use the form.")
    session = state.store.session(request.cookies.get(COOKIE), state.clock.now())
    if session is None or (logged_in and session.username is None):
        return error_page(
            faults, 400, "Your session expired or is missing. Start again from the application."
        )
    form = await _form(request)
    if form is None:
        return error_page(faults, 400, "The form could not be read.")
    if not csrf_ok(state, session, form):
        return error_page(faults, 403, "The form is stale or was not sent by this site.")
    return session, form


async def login(request: Request) -> Response:
    """Check the user's credentials; on success rotate the session and go to consent (303)."""
    state: ServerState = request.app.state.spry
    outcome = await _session_and_form(request, logged_in=False)
    if isinstance(outcome, Response):
        return outcome
    session, form = outcome
    # Fault login-username-500: a username outside ASCII reaches an encoder that crashes.
    if not form.get("username", "").isascii() and state.faults.on("login-username-500"):
        return Response("Internal Server Error", status_code=500, media_type="text/plain")
    client = state.registry.client(session.pending.client_id)
    assert client is not None
    if not credentials_ok(state, form):
        state.store.rotate_csrf(session)
        return login_page(state.faults, session, client, "Invalid username or password.")
    fresh = state.store.replace_session(session, state.registry.user.username)
    response = RedirectResponse(CONSENT_PATH, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    set_session_cookie(response, fresh.sid)
    return response


def credentials_ok(state: ServerState, form: dict[str, str]) -> bool:
    """The demo user's username and password (the password compared in constant time)."""
    user = state.registry.user
    good_password = hmac.compare_digest(form.get("password", "").encode(), user.password.encode())
    return form.get("username") == user.username and good_password


async def consent(request: Request) -> Response:
    """GET shows the consent form; POST approves (code or, under a fault, token) or denies."""
    state: ServerState = request.app.state.spry
    faults = state.faults
    if request.method in ("GET", "HEAD"):
        session = state.store.session(request.cookies.get(COOKIE), state.clock.now())
        if session is None or session.username is None:
            return error_page(
                faults, 400, "Your session expired or is missing. Start again from the application."
            )
        client = state.registry.client(session.pending.client_id)
        assert client is not None
        return consent_page(faults, session, client)
    outcome = await _session_and_form(request, logged_in=True)
    if isinstance(outcome, Response):
        return outcome
    session, form = outcome
    decision = form.get("decision")
    if decision not in ("approve", "deny"):
        return error_page(faults, 400, "Choose Allow or Deny.")
    return decide(state, session, decision)


def decide(
    state: ServerState, session: LoginSession, decision: str, scope: frozenset[str] | None = None
) -> Response:
    """The user's answer to consent (`approve` or `deny`), for the scopes approved (all requested by
    default): the redirect back to the client with a code, an error, or (under a fault) a token."""
    faults = state.faults
    pending = session.pending
    state.store.drop_session(session.sid)
    if decision == "deny" and not faults.on("consent-deny-issues-code"):
        return error_redirect(
            pending.target, "access_denied", "the resource owner denied the request", pending.state, faults
        )
    if faults.on("authorize-500"):
        return error_page(faults, 500, "Internal Server Error")
    if pending.response_type == "token":
        return _implicit(state, session)
    code = AuthorizationCode(
        _new_code(state),
        pending.client_id,
        pending.redirect_uri,
        pending.scope if scope is None else scope,
        state.registry.user.identity,
        pending.challenge,
        pending.method,
        state.clock.now() + (10 if state.faults.on("short-lived-codes") else state.settings.code_lifetime),
    )
    state.store.add_code(code, state.clock.now())
    return redirect(pending.target, {"code": code.code, "state": pending.state}, faults)


def _new_code(state: ServerState) -> str:
    if state.faults.on("low-entropy-code"):
        while True:
            code = f"{secrets.randbelow(10**6):06d}"
            if code not in state.store.codes:
                return code
    return secrets.token_urlsafe(32)


def _implicit(state: ServerState, session: LoginSession) -> Response:
    """Fault implicit-grant-enabled: the access token travels in the redirect fragment (RFC 9700 §2.1.2)."""
    pending = session.pending
    client = state.registry.client(pending.client_id)
    assert client is not None
    body = issue(state, client, state.registry.user.identity, pending.scope)
    params: dict[str, str | None] = {
        name: str(body[name]) for name in ("access_token", "token_type", "expires_in") if name in body
    }
    params.update(scope=body.get("scope"), state=pending.state)
    return redirect(pending.target, params, state.faults, fragment=True)
