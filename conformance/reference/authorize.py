"""The authorization endpoint (RFC 6749 §3.1, §4.1.1, §4.1.2.1), with PKCE (RFC 7636 §4.3).

§4.1.2.1: "If the request fails due to a missing, invalid, or mismatching redirection URI, or if
the client identifier is missing or invalid, the authorization server SHOULD inform the resource
owner of the error and MUST NOT automatically redirect the user-agent to the invalid redirection
URI." Redirect URIs are compared by exact string equality (RFC 9700 §4.1.3, §2.1). Other errors
are redirected to the client with ``error`` and the exact ``state``. §3.1: parameters without a
value are omitted; none may be repeated.
"""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import Response

from . import pkce
from .login import set_session_cookie
from .pages import error_page, login_page
from .redirects import error_redirect
from .registry import KNOWN_SCOPES
from .scopes import ScopeError, parse, resolve
from .spa import spa_page
from .state import ServerState
from .store import PendingAuthorization

RECOGNISED = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    }
)
"""Authorization request parameters of RFC 6749 §4.1.1 and RFC 7636 §4.3; others are ignored (§3.1)."""


async def authorize(request: Request) -> Response:
    """Validate an authorization request; on success show the login page."""
    state: ServerState = request.app.state.spry
    faults = state.faults
    if request.method not in ("GET", "HEAD"):
        response = error_page(faults, 405, "The authorization endpoint accepts GET only.")
        response.headers["Allow"] = "GET"
        return response
    pairs = request.query_params.multi_items()
    repeated = {name for name, count in Counter(name for name, _ in pairs).items() if count > 1}
    if faults.on("authorize-repeated-param-accepted") or faults.on("repeated-param-merged"):
        repeated = set()
    params: dict[str, str] = {}
    for name, value in pairs:  # §3.1: a parameter without a value is omitted
        if value:
            # Fault repeated-param-merged: repeats are joined with commas, as some frameworks do.
            merge = name in params and name == "state" and faults.on("repeated-param-merged")
            params[name] = f"{params[name]},{value}" if merge else value
    # 1. Errors about the client or its redirect URI: an error page, never a redirect.
    if repeated & {"client_id", "redirect_uri"}:
        return error_page(faults, 400, "client_id or redirect_uri is repeated.")
    client = state.registry.client(params.get("client_id", ""))
    sent = params.get("redirect_uri")
    state_value = params.get("state")
    if client is None:
        open_redirect = faults.on("unknown-client-redirects") or faults.on("open-redirect-on-error")
        if sent is not None and open_redirect:
            return error_redirect(sent, "unauthorized_client", "unknown client", state_value, faults)
        return error_page(faults, 400, "The client is missing or unknown.")
    if client.redirect_uri is None:
        return error_page(faults, 400, "The client has no registered redirect URI.")
    if sent is None or sent == client.redirect_uri:
        target = client.redirect_uri
    elif faults.on("redirect-uri-prefix-match") and sent.startswith(client.redirect_uri):
        target = sent
    elif faults.on("redirect-uri-mismatch-redirects"):
        return error_redirect(sent, "invalid_request", "redirect_uri mismatch", state_value, faults)
    else:
        return error_page(faults, 400, "The redirect_uri does not match the registered one.")

    # 2. Everything else is reported to the client by redirect (§4.1.2.1).
    def fail(error: str, description: str) -> Response:
        return error_redirect(target, error, description, state_value, faults)

    if repeated:
        return fail("invalid_request", "a parameter is repeated")
    # Fault authorize-unknown-param-rejected: §3.1 "MUST ignore unrecognized request parameters".
    if faults.on("authorize-unknown-param-rejected") and set(params) - RECOGNISED:
        return fail("invalid_request", "unrecognised parameter")
    response_type = params.get("response_type")
    if response_type is None:
        if faults.on("response-type-missing-page"):
            return error_page(faults, 400, "response_type is missing.")
        return fail("invalid_request", "response_type is required")
    allowed = {"code", "token"} if faults.on("implicit-grant-enabled") else {"code"}
    if response_type not in allowed:
        error = (
            "invalid_request"
            if faults.on("response-type-unknown-wrong-error")
            else "unsupported_response_type"
        )
        return fail(error, "the response type is not supported")
    requested = params.get("scope")
    if requested is not None and faults.on("authorize-invalid-scope-ignored"):
        requested = " ".join(name for name in parse(requested) if name in KNOWN_SCOPES) or None
    try:
        scope = resolve(requested, client.scopes, faults)
    except ScopeError:
        return fail("invalid_scope", "the scope is invalid, unknown or not registered for the client")
    if "authorization_code" not in client.grants:
        return fail("unauthorized_client", "the client is not registered for the authorization code grant")
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if challenge is None and method is not None:
        return fail("invalid_request", "code_challenge_method without code_challenge")
    if challenge is not None:
        method = method or "plain"  # RFC 7636 §4.3
        if method not in pkce.METHODS or (method == "S256" and faults.on("pkce-s256-unsupported")):
            # Fault pkce-method-wrong-error: the refusal names another error than RFC 7636 §4.4.1's
            error = "unsupported_response_type" if faults.on("pkce-method-wrong-error") else "invalid_request"
            return fail(error, "transform algorithm not supported")
        if not pkce.well_formed(challenge):
            return fail("invalid_request", "code_challenge must be 43-128 unreserved characters")
    pending = PendingAuthorization(
        client.client_id, sent, target, response_type, scope, state_value, challenge, method
    )
    session = state.store.new_session(pending, state.clock.now())
    response = spa_page(state) if state.settings.login == "spa" else login_page(faults, session, client)
    set_session_cookie(response, session.sid)
    return response
