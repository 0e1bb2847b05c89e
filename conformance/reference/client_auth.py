"""Client authentication at the token endpoint (RFC 6749 §2.3).

§2.3.1: clients may use HTTP Basic, with client_id and client_secret "encoded using the
application/x-www-form-urlencoded encoding algorithm" before base64, or body parameters; "The
client MUST NOT use more than one authentication method in each request" (§2.3). A failure is
``invalid_client`` with 401 and a ``WWW-Authenticate`` challenge (§5.2). Repeated failures for
one client_id are throttled (§2.3.1, RFC 6819 §4.3.5).
"""

from __future__ import annotations

import base64
import hmac
import traceback
from collections.abc import Mapping
from urllib.parse import unquote_plus

from starlette.requests import Request

from .registry import Client
from .responses import OAuthError, ServerFault
from .state import ServerState

CHALLENGE = 'Basic realm="spry"'


def parse_basic(header: str) -> tuple[str, str]:
    """client_id and client_secret from an ``Authorization: Basic`` value; ValueError when malformed."""
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise ValueError("not HTTP Basic credentials")
    decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise ValueError("no colon in the Basic credentials")
    return unquote_plus(client_id), unquote_plus(secret)


def _invalid_client(state: ServerState, description: str, *, basic: bool) -> OAuthError:
    if (
        state.faults.on("invalid-client-400")
        or not basic
        and state.faults.on("invalid-client-400-for-body-auth")
    ):
        return OAuthError("invalid_client", description, status=400)
    # Fault basic-failure-no-challenge: RFC 6749 §5.2 requires the challenge after Basic.
    if basic and state.faults.on("basic-failure-no-challenge"):
        return OAuthError("invalid_client", description, status=401)
    return OAuthError("invalid_client", description, status=401, headers={"WWW-Authenticate": CHALLENGE})


def authenticate(
    request: Request, params: Mapping[str, str], state: ServerState, *, anonymous_ok: bool = False
) -> Client | None:
    """The authenticated client, or OAuthError. ``None`` only when a fault lets a grant skip authentication."""
    faults = state.faults
    basic: tuple[str, str] | None = None
    header = request.headers.get("authorization")
    if header is not None and not faults.on("basic-auth-unsupported"):
        try:
            basic = parse_basic(header)
        except ValueError as exc:
            if faults.on("stacktrace-on-error"):
                raise ServerFault(traceback.format_exc(), "text/plain") from exc
            raise _invalid_client(state, "malformed HTTP Basic credentials", basic=True) from exc
    body_id: str | None
    body_secret: str | None
    body_id, body_secret = (
        (None, None)
        if faults.on("body-auth-unsupported")
        else (params.get("client_id"), params.get("client_secret"))
    )
    client_id: str | None
    secret: str | None
    if basic is not None:
        both = body_secret is not None or (body_id is not None and body_id != basic[0])
        if both and not faults.on("two-auth-methods-accepted"):
            raise OAuthError("invalid_request", "use exactly one client authentication method")
        client_id, secret = basic
    else:
        client_id, secret = body_id, body_secret
    if anonymous_ok and not secret:
        return state.registry.client(client_id or "")
    if not client_id:
        if faults.on("cc-anonymous-accepted") and params.get("grant_type") == "client_credentials":
            return state.registry.by_role("primary")
        raise _invalid_client(state, "client authentication is required", basic=False)
    # Fault client-id-non-ascii-500: a client_id outside ASCII reaches an encoder that crashes.
    if not client_id.isascii() and faults.on("client-id-non-ascii-500"):
        raise ServerFault("Internal Server Error", "text/plain")
    _check_throttle(state, client_id)
    client = state.registry.client(client_id)
    if client is None and faults.on("unknown-client-accepted"):
        return state.registry.by_role("primary")
    if client is None:
        reason = "client authentication failed"
    elif not secret:
        if faults.on("missing-secret-accepted"):
            return client
        reason = "the client secret is missing"
    elif (
        hmac.compare_digest(secret.encode(), client.client_secret.encode())
        or faults.on("wrong-secret-accepted")
        or (faults.on("secret-of-other-client-accepted") and _any_clients_secret(state, secret))
    ):
        return client
    else:
        reason = "client authentication failed"
    state.throttle.record_failure(client_id)
    if faults.on("secret-echoed") and secret:
        reason = f"{reason}: wrong secret {secret}"
    raise _invalid_client(state, reason, basic=basic is not None)


def _any_clients_secret(state: ServerState, secret: str) -> bool:
    """Whether ``secret`` is the secret of some registered client (fault secret-of-other-client-accepted)."""
    return any(
        hmac.compare_digest(secret.encode(), c.client_secret.encode())
        for c in state.registry.clients.values()
    )


def _check_throttle(state: ServerState, client_id: str) -> None:
    if state.faults.on("no-throttle"):
        return
    retry_after = state.throttle.retry_after(client_id)
    if retry_after is not None:
        raise OAuthError(
            "invalid_client",
            "too many failed client authentications; retry later",
            status=429,
            headers={"Retry-After": str(retry_after)},
        )
