"""Client credentials grant (RFC 6749 §4.4).

§4.4.3: "A refresh token SHOULD NOT be included." The token acts for the client's own service
account, so ``sub`` is the client_id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..registry import Client
from ..responses import OAuthError, ServerFault
from ..scopes import ScopeError, resolve
from ..state import ServerState
from . import issue


async def client_credentials(state: ServerState, client: Client, params: Mapping[str, str]) -> dict[str, Any]:
    """Issue an access token to the authenticated client for the requested (or default) scope."""
    requested = params.get("scope")
    # Fault scope-spacing-500: the empty name between two spaces (or at either end) is looked up and crashes.
    if requested is not None and "" in requested.split(" ") and state.faults.on("scope-spacing-500"):
        raise ServerFault("Internal Server Error", "text/plain")
    try:
        scope = resolve(requested, client.scopes, state.faults)
    except ScopeError as exc:
        raise OAuthError("invalid_scope", str(exc)) from exc
    if requested is not None and state.faults.on("token-500-on-success"):  # the guide's request names a scope
        raise ServerFault('{"error": "server_error"}')
    identity = client.service_account
    if state.faults.on("cc-issues-refresh-token"):
        grant = state.store.new_grant(client.client_id, identity, scope, state.clock.now())
        return issue(state, client, identity, scope, grant=grant, refresh_scope=scope, requested=requested)
    return issue(state, client, identity, scope, requested=requested)
