"""Races at the token endpoint: one code, or one refresh token, redeemed by N requests at the same instant.

The requests are released together by `Session.send_together` (every connection open and every request
written but its last byte, then the last bytes sent back to back), so a server that checks a code or a
refresh token and marks it used in two steps lets several of them through. Nothing here asserts.
"""

from __future__ import annotations

import os

from conformance.config import Client, Target
from conformance.flows.token import TokenResponse
from conformance.http import Session

DEFAULT_RACE_N = 5
"""Parallel requests per race (override with the environment variable SPRY_RACE_N, 2 to 20)."""


def race_size() -> int:
    """N: SPRY_RACE_N when it is set to a number from 2 to 20, else DEFAULT_RACE_N."""
    value = os.environ.get("SPRY_RACE_N", "")
    return min(max(int(value), 2), 20) if value.strip().isdigit() else DEFAULT_RACE_N


def _form(client: Client, params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The token request form with the client's credentials in the body, as the Spry guide sends them."""
    return [*params, ("client_id", client.client_id), ("client_secret", client.client_secret or "")]


def race_code(
    session: Session, target: Target, client: Client, code: str, *, redirect_uri: str | None, n: int
) -> list[TokenResponse]:
    """Redeem one authorization code with `n` simultaneous token requests (RFC 6749 §4.1.3)."""
    params = [("grant_type", "authorization_code"), ("code", code)]
    if redirect_uri is not None:
        params.append(("redirect_uri", redirect_uri))
    responses = session.send_together("POST", target.token_path, [_form(client, params)] * n)
    return [TokenResponse(response) for response in responses]


def race_refresh(
    session: Session, target: Target, client: Client, refresh_token: str, *, n: int
) -> list[TokenResponse]:
    """Use one refresh token in `n` simultaneous refresh requests (RFC 6749 §6), at the documented path."""
    params = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)]
    responses = session.send_together("POST", target.refresh_path, [_form(client, params)] * n)
    return [TokenResponse(response) for response in responses]


__all__ = ["DEFAULT_RACE_N", "race_code", "race_refresh", "race_size"]
