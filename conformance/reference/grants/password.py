"""Resource owner password credentials grant (RFC 6749 §4.3) - served only by a fault.

RFC 9700 §2.4: "The resource owner password credentials grant MUST NOT be used." The clean
server answers ``unsupported_grant_type``; the ``password-grant-enabled`` fault routes here.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from ..registry import Client
from ..responses import OAuthError
from ..scopes import ScopeError, resolve
from ..state import ServerState
from . import invalid_grant, issue


async def password(state: ServerState, client: Client, params: Mapping[str, str]) -> dict[str, Any]:
    """Issue tokens for the user's username and password."""
    user = state.registry.user
    username, secret = params.get("username", ""), params.get("password", "")
    if username != user.username or not hmac.compare_digest(secret.encode(), user.password.encode()):
        raise invalid_grant("the resource owner credentials are invalid")
    try:
        scope = resolve(params.get("scope"), client.scopes, state.faults)
    except ScopeError as exc:
        raise OAuthError("invalid_scope", str(exc)) from exc
    grant = state.store.new_grant(client.client_id, user.identity, scope, state.clock.now())
    return issue(state, client, user.identity, scope, grant=grant, refresh_scope=scope)
