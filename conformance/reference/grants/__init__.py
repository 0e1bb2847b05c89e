"""Grant types of the token endpoint (RFC 6749 §4) and what they share: issuing tokens."""

from __future__ import annotations

import secrets
from typing import Any

from ..registry import Client, Identity
from ..responses import OAuthError, token_body
from ..scopes import canonical
from ..state import ServerState
from ..store import Grant
from ..tokens import IssuedToken

REFRESH_LIFETIME = 30 * 86400
"""Absolute lifetime of a refresh-token family, from the original grant (seconds)."""


def invalid_grant(description: str) -> OAuthError:
    """RFC 6749 §5.2 ``invalid_grant``: the code or refresh token is invalid, expired, revoked or misbound."""
    return OAuthError("invalid_grant", description)


def mint_refresh_token(state: ServerState, client: Client, identity: Identity, scope: frozenset[str]) -> str:
    """A new refresh token value: 256 random bits, opaque (RFC 6749 §10.10, RFC 9700 §4.14)."""
    if state.faults.on("low-entropy-refresh"):
        return str(state.store.next_counter())
    if state.faults.on("refresh-token-is-jwt-accepted"):
        return state.tokens.sign_refresh_jwt(client, identity, canonical(scope), REFRESH_LIFETIME)
    return secrets.token_urlsafe(32)


def issue(
    state: ServerState,
    client: Client,
    identity: Identity,
    scope: frozenset[str],
    *,
    grant: Grant | None = None,
    refresh_scope: frozenset[str] | None = None,
    lifetime: int | None = None,
    reuse: IssuedToken | None = None,
    requested: str | None = None,
) -> dict[str, Any]:
    """Sign an access token (and, with ``grant`` and ``refresh_scope``, a refresh token) and build the body."""
    # Fault narrowed-token-keeps-scope: the response states `scope`, the token carries every registered scope.
    claimed = client.scopes if state.faults.on("narrowed-token-keeps-scope") else scope
    issued = reuse or state.tokens.issue_access_token(
        client, identity, canonical(claimed), lifetime or state.settings.access_token_lifetime
    )
    if reuse is None:
        state.store.record_access_token(grant, issued.jti, issued.token)
    body = token_body(issued, scope, identity, state.faults, requested)
    if grant is not None and refresh_scope is not None:
        refresh_token = mint_refresh_token(state, client, identity, refresh_scope)
        state.store.add_refresh_token(grant, refresh_token, client.client_id, refresh_scope)
        body["refresh_token"] = refresh_token
    return body
