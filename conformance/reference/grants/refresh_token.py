"""Refresh token grant (RFC 6749 §6) with rotation and replay detection (RFC 9700 §4.14.2).

§6: the server must "validate the refresh token" and "ensure that the refresh token was issued
to the authenticated client"; the requested scope "MUST NOT include any scope not originally
granted by the resource owner, and if omitted is treated as equal to the scope originally
granted"; a new refresh token keeps the scope of the original grant. RFC 9700 §4.14.2: with
rotation, "If a refresh token is compromised and subsequently used by both the attacker and the
legitimate client, one of them will present an invalidated refresh token, which will inform the
authorization server of the breach" - the whole family is then revoked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from ..registry import KNOWN_SCOPES, Client, Identity
from ..responses import OAuthError
from ..scopes import canonical, parse
from ..state import ServerState
from ..store import Grant, RefreshToken
from ..tokens import InvalidToken, IssuedToken
from . import REFRESH_LIFETIME, invalid_grant, issue

RACE_WINDOW = 0.05
"""Seconds between check and act under the ``refresh-race`` fault."""


def _requested_scope(
    state: ServerState, record: RefreshToken, client: Client, requested: str | None
) -> frozenset[str]:
    """The access token's scope: the original one, or a subset of it (§6)."""
    if requested is None:
        return record.scope
    scope = parse(requested)
    if not scope or not scope <= set(KNOWN_SCOPES):
        raise OAuthError("invalid_scope", "the scope is empty or unknown")
    widening_allowed = state.faults.on("refresh-scope-widening") and scope <= client.scopes
    if not scope <= record.scope and not widening_allowed:
        raise OAuthError("invalid_scope", "the scope exceeds the scope originally granted")
    if state.faults.on("refresh-narrow-ignored"):
        return record.scope
    return scope


def _check(state: ServerState, record: RefreshToken, grant: Grant, client: Client) -> None:
    faults = state.faults
    if grant.revoked:
        raise invalid_grant("the refresh token was revoked")
    if record.used:
        if not faults.on("refresh-reuse-keeps-family"):
            state.store.revoke_grant(grant.id)
        raise invalid_grant("the refresh token was already used")
    if record.client_id != client.client_id and not faults.on("refresh-not-bound-to-client"):
        raise invalid_grant("the refresh token was issued to another client")
    if state.clock.now() >= grant.created_at + REFRESH_LIFETIME:
        raise invalid_grant("the refresh token expired")
    # Fault refresh-expires-with-access-token: the family dies with its first access token.
    if (
        faults.on("refresh-expires-with-access-token")
        and state.clock.now() >= grant.created_at + state.settings.access_token_lifetime
    ):
        raise invalid_grant("the refresh token expired")


async def refresh_token(
    state: ServerState, client: Client | None, params: Mapping[str, str]
) -> dict[str, Any]:
    """Rotate a refresh token: a new access token and a new refresh token; the old one dies."""
    value = params.get("refresh_token")
    if value is None:
        raise OAuthError("invalid_request", "refresh_token is required")
    store, faults = state.store, state.faults
    with store.lock:
        record = store.refresh_tokens.get(value)
        grant = store.grants.get(record.grant_id) if record else None
    if record is None or grant is None:
        if faults.on("access-token-as-refresh"):
            return _from_access_token(state, client, value, params.get("scope"))
        raise invalid_grant("the refresh token is invalid")
    client = client or state.registry.client(record.client_id)
    if client is None:
        raise invalid_grant("the refresh token is invalid")
    racy = faults.on("refresh-race")
    if racy:
        # Fault refresh-race: check, then a gap, then act - parallel refreshes all pass the check.
        _check(state, record, grant, client)
        scope = _requested_scope(state, record, client, params.get("scope"))
        await asyncio.sleep(RACE_WINDOW)
    with store.lock:
        if not racy:
            _check(state, record, grant, client)
            scope = _requested_scope(state, record, client, params.get("scope"))
        rotates = not faults.on("refresh-not-rotated")  # variant: the same refresh token stays in use
        if not faults.on("refresh-not-rotated-old-valid") and rotates:
            record.used = True
    refresh_scope = scope if faults.on("refresh-scope-not-preserved") else record.scope
    if faults.on("rotated-refresh-token-widens"):  # the rotated token is recorded with the client's scopes
        refresh_scope = client.scopes
    lifetime = state.settings.access_token_lifetime * (10 if faults.on("refreshed-token-long-lived") else 1)
    reuse = None
    if faults.on("refresh-same-access-token") and grant.last_access_token:
        reuse = IssuedToken(grant.last_access_token, "", lifetime)
    return issue(
        state,
        client,
        grant.identity,
        scope,
        grant=grant,
        refresh_scope=refresh_scope if rotates else None,
        lifetime=lifetime,
        reuse=reuse,
        requested=params.get("scope") or canonical(record.scope),
    )


def _from_access_token(
    state: ServerState, client: Client | None, value: str, requested: str | None
) -> dict[str, Any]:
    """Fault access-token-as-refresh: an access token is taken for a refresh token."""
    try:
        claims = state.tokens.verify(value)
        identity = Identity(
            claims["sub"],
            claims["organisation_id"],
            claims["user_id"],
            tuple(claims["roles"]),
            tuple(claims["clinic_id_list"]),
            claims["name"],
        )
    except (InvalidToken, KeyError, TypeError) as exc:
        raise invalid_grant("the refresh token is invalid") from exc
    if state.store.is_revoked(claims["jti"]):
        raise invalid_grant("the refresh token is invalid")
    client = client or state.registry.client(claims["client_id"]) or state.registry.by_role("primary")
    scope = parse(requested or claims["scope"])
    grant = state.store.new_grant(client.client_id, identity, scope, state.clock.now())
    return issue(state, client, identity, scope, grant=grant, refresh_scope=scope)
