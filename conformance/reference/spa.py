"""The single-page-app login (``--login spa``): login and consent built by a script from a JSON API.

Many authorization servers serve their login and consent screens this way: the HTML holds
``<div id="app">Loading...</div>`` and a script asks an API what to show, builds the form and posts
JSON back. The rules are the form login's (``login.py``): a CSRF token tied to the session cookie
(RFC 6749 §10.12), a new session id after login, and consent that ends in the redirect back to the
client (RFC 6749 §4.1.2), which the script performs by navigating to the URL the API returns.
The requested scopes are listed as checkboxes the user ticks; only the ticked ones are granted
(RFC 6749 §3.3: the server "MAY fully or partially ignore the scope requested").
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .forms import UnreadableBody, media_type, read_body
from .login import COOKIE, credentials_ok, csrf_ok, decide, set_session_cookie
from .pages import SCOPE_TEXT, page
from .state import ServerState
from .store import LoginSession

SCRIPT_PATH = "/apis/v2/oauth/spa.js"
SESSION_PATH = "/apis/v2/oauth/spa/session"
LOGIN_API_PATH = "/apis/v2/oauth/spa/login"
CONSENT_API_PATH = "/apis/v2/oauth/spa/consent"


def spa_page(state: ServerState) -> Response:
    """The page the authorization request shows: an empty app the script fills in."""
    body = f'<div id="app">Loading...</div>\n<script src="{SCRIPT_PATH}"></script>'
    return page(state.faults, "Sign in", body)


async def script(request: Request) -> Response:
    return Response(_SCRIPT, media_type="text/javascript", headers={"Cache-Control": "no-store"})


def _json(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _session(request: Request) -> LoginSession | None:
    state: ServerState = request.app.state.spry
    return state.store.session(request.cookies.get(COOKIE), state.clock.now())


async def _body(request: Request) -> dict[str, Any] | None:
    if request.method != "POST" or media_type(request) != "application/json":
        return None
    try:
        document = json.loads(await read_body(request))
    except (UnreadableBody, ValueError):
        return None
    return document if isinstance(document, dict) else None


async def session_api(request: Request) -> Response:
    """GET: what the app shows now: the login step, or the consent step with the requested scopes."""
    state: ServerState = request.app.state.spry
    session = _session(request)
    if session is None:
        return _json(400, {"error": "Your session expired or is missing. Start again from the application."})
    client = state.registry.client(session.pending.client_id)
    assert client is not None
    scopes = [{"name": name, "text": SCOPE_TEXT.get(name, name)} for name in sorted(session.pending.scope)]
    return _json(200, {
        "step": "login" if session.username is None else "consent",
        "client": {"id": client.client_id, "name": client.service_account.name},
        "scopes": scopes, "csrf_token": session.csrf,
    })  # fmt: skip


async def _checked(request: Request, *, logged_in: bool) -> tuple[LoginSession, dict[str, Any]] | Response:
    state: ServerState = request.app.state.spry
    body = await _body(request)
    if body is None:
        return _json(400, {"error": "Send a JSON object with POST."})
    session = _session(request)
    if session is None or (logged_in and session.username is None):
        return _json(400, {"error": "Your session expired or is missing. Start again from the application."})
    if not csrf_ok(state, session, {"csrf_token": str(body.get("csrf_token", ""))}):
        return _json(403, {"error": "The form is stale or was not sent by this site."})
    return session, body


async def login_api(request: Request) -> Response:
    """POST {username, password, csrf_token}: a new session and the consent step, or the error."""
    state: ServerState = request.app.state.spry
    outcome = await _checked(request, logged_in=False)
    if isinstance(outcome, Response):
        return outcome
    session, body = outcome
    form = {"username": str(body.get("username", "")), "password": str(body.get("password", ""))}
    if not credentials_ok(state, form):
        state.store.rotate_csrf(session)
        return _json(401, {"error": "Invalid username or password.", "csrf_token": session.csrf})
    fresh = state.store.replace_session(session, state.registry.user.username)
    response = _json(200, {"step": "consent"})
    set_session_cookie(response, fresh.sid)
    return response


async def consent_api(request: Request) -> Response:
    """POST {decision, scopes, csrf_token}: where the app sends the browser next (the client's redirect URI)."""
    state: ServerState = request.app.state.spry
    outcome = await _checked(request, logged_in=True)
    if isinstance(outcome, Response):
        return outcome
    session, body = outcome
    decision = body.get("decision")
    if decision not in ("approve", "deny"):
        return _json(400, {"error": "Choose Allow or Deny."})
    ticked = body.get("scopes") if isinstance(body.get("scopes"), list) else []
    granted = session.pending.scope & {str(name) for name in ticked}
    if decision == "approve" and not granted:
        return _json(400, {"error": "Tick at least one permission to allow access."})
    answer = decide(state, session, decision, granted if decision == "approve" else None)
    location = answer.headers.get("location")
    if location is None:
        return _json(answer.status_code, {"error": "The authorization could not be completed."})
    return _json(200, {"redirect": location})


ROUTES = ((SCRIPT_PATH, script), (SESSION_PATH, session_api), (LOGIN_API_PATH, login_api),
          (CONSENT_API_PATH, consent_api))  # fmt: skip

_SCRIPT = (
    r"""
"use strict";
const app = document.getElementById("app");
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}
async function api(path, body) {
  const init = body === undefined ? {credentials: "same-origin"} : {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
  const response = await fetch(path, init);
  return [response.status, await response.json()];
}
function show(error, ...nodes) {
  app.replaceChildren(...(error ? [el("p", {class: "error", role: "alert"}, error)] : []), ...nodes);
}
function loginStep(info, error) {
  const user = el("input", {type: "text", id: "user", autocomplete: "username"});
  const pass = el("input", {type: "password", id: "pass", autocomplete: "current-password"});
  const button = el("button", {type: "submit"}, "Sign in");
  const form = el("form", {},
    el("p", {}, info.client.name + " (" + info.client.id + ") asks to use your Spry account."),
    el("label", {for: "user"}, "Username"), user, el("label", {for: "pass"}, "Password"), pass, button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    const [status, answer] = await api("__LOGIN__",
      {username: user.value, password: pass.value, csrf_token: info.csrf_token});
    if (status === 200) return start();
    loginStep({...info, csrf_token: answer.csrf_token || info.csrf_token}, answer.error);
  });
  show(error, el("h2", {}, "Sign in"), form);
}
function consentStep(info, error) {
  const boxes = info.scopes.map((s) => el("input", {type: "checkbox", id: "scope-" + s.name, value: s.name}));
  const list = el("ul", {}, ...info.scopes.map((s, i) =>
    el("li", {}, boxes[i], el("label", {for: "scope-" + s.name}, s.name + ": " + s.text))));
  const decide = async (decision) => {
    const scopes = boxes.filter((b) => b.checked).map((b) => b.value);
    const [status, answer] = await api("__CONSENT__", {decision, scopes, csrf_token: info.csrf_token});
    if (status === 200 && answer.redirect) { window.location.assign(answer.redirect); return; }
    consentStep(info, answer.error);
  };
  const allow = el("button", {type: "button"}, "Allow");
  const deny = el("button", {type: "button"}, "Deny");
  allow.addEventListener("click", () => decide("approve"));
  deny.addEventListener("click", () => decide("deny"));
  show(error, el("h2", {}, "Allow access"),
       el("p", {}, "Allow " + info.client.id + " to access your account? Tick the permissions you grant."),
       list, allow, deny);
}
async function start() {
  const [status, info] = await api("__SESSION__");
  if (status !== 200) return show(info.error);
  (info.step === "login" ? loginStep : consentStep)(info);
}
start();
""".replace("__LOGIN__", LOGIN_API_PATH)
    .replace("__CONSENT__", CONSENT_API_PATH)
    .replace("__SESSION__", SESSION_PATH)
)
