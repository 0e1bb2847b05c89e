"""Authorization code grant: the token request (RFC 6749 §4.1.3) with PKCE (RFC 7636 §4.6).

§4.1.3: the server must "ensure that the authorization code was issued to the authenticated
confidential client", "verify that the authorization code is valid" and "ensure that the
"redirect_uri" parameter is present if the "redirect_uri" parameter was included in the initial
authorization request ..., and if included ensure that their values are identical".
§4.1.2 / §10.5: "The client MUST NOT use the authorization code more than once. If an
authorization code is used more than once, the authorization server MUST deny the request and
SHOULD revoke (when possible) all tokens previously issued based on that authorization code."
RFC 9700 §2.1.1: a verifier sent for a code issued without a challenge is refused (downgrade).
The code is consumed atomically: check and mark happen under the store lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from .. import pkce
from ..registry import Client
from ..responses import OAuthError
from ..state import ServerState
from ..store import AuthorizationCode
from . import invalid_grant, issue

RACE_WINDOW = 0.05
"""Seconds between check and act under the ``code-race`` fault."""


def _validate(
    state: ServerState, code: AuthorizationCode, client: Client | None, params: Mapping[str, str]
) -> None:
    faults = state.faults
    if (
        client is not None
        and code.client_id != client.client_id
        and not faults.on("code-not-bound-to-client")
    ):
        if faults.on("stolen-code-unauthorized-client"):  # refused, but with the error of another rule (§5.2)
            raise OAuthError("unauthorized_client", "the code was issued to another client")
        raise invalid_grant("the code was issued to another client")
    if state.clock.now() >= code.expires_at and not faults.on("code-never-expires"):
        raise invalid_grant("the code expired")
    sent = params.get("redirect_uri")
    if code.redirect_uri is not None:
        expected: str | None = code.redirect_uri
    elif sent is not None:  # not sent at authorization: if sent now, it must be the registered one
        registered = state.registry.client(code.client_id)
        expected = registered.redirect_uri if registered else None
    else:
        expected = sent
    if sent != expected and not faults.on("code-not-bound-to-redirect"):
        raise invalid_grant("redirect_uri does not match the authorization request")
    _check_pkce(state, code, params.get("code_verifier"))


def _check_pkce(state: ServerState, code: AuthorizationCode, verifier: str | None) -> None:
    faults = state.faults
    if faults.on("pkce-not-enforced"):
        return
    if code.challenge is None:
        if verifier is not None and not faults.on("pkce-downgrade-accepted"):
            raise invalid_grant("code_verifier sent for a code issued without code_challenge")
        return
    if verifier is None:
        raise invalid_grant("code_verifier is required")
    method = code.method or "plain"
    if pkce.verify(verifier, code.challenge, method):
        return
    if method == "S256" and verifier == code.challenge and faults.on("pkce-plain-downgrade"):
        return
    raise invalid_grant("code_verifier does not match the code_challenge")


def _replayed(state: ServerState, code: AuthorizationCode) -> OAuthError:
    """A used code: revoke what it produced (unless a fault keeps it) and refuse."""
    if not state.faults.on("code-reuse-keeps-tokens"):
        for grant_id in code.grant_ids:
            grant = state.store.grants.get(grant_id)
            # Fault replay-spares-refreshed-family: a family refreshed since the exchange is missed.
            if (
                grant is not None
                and len(grant.refresh_tokens) > 1
                and state.faults.on("replay-spares-refreshed-family")
            ):
                continue
            state.store.revoke_grant(grant_id)
    return invalid_grant("the code was already used")


async def authorization_code(
    state: ServerState, client: Client | None, params: Mapping[str, str]
) -> dict[str, Any]:
    """Redeem a code once, for the client it was issued to, and issue access and refresh tokens."""
    value = params.get("code")
    if value is None:
        raise OAuthError("invalid_request", "code is required")
    store, faults = state.store, state.faults
    with store.lock:
        code = store.codes.get(value)
    if code is None:
        raise invalid_grant("the code is invalid")
    client = client or state.registry.client(code.client_id)
    if client is None:
        raise invalid_grant("the code is invalid")
    racy = faults.on("code-race")
    if racy:
        # Fault code-race: check, then a gap, then act - parallel redemptions all pass the check.
        if code.used:
            raise _replayed(state, code)
        _validate(state, code, client, params)
        await asyncio.sleep(RACE_WINDOW)
    with store.lock:
        if code.used and not racy:
            raise _replayed(state, code)
        _validate(state, code, client, params)
        if not faults.on("code-reusable"):
            code.used = True
        identity = client.service_account if faults.on("code-token-is-client-identity") else code.identity
        grant = store.new_grant(client.client_id, identity, code.scope, state.clock.now())
        code.grant_ids.append(grant.id)
    refresh_scope = None if faults.on("code-flow-no-refresh-token") else code.scope
    return issue(state, client, identity, code.scope, grant=grant, refresh_scope=refresh_scope)
