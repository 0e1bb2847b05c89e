"""How long an access token says it lives: expires_in (RFC 6749 §5.1), a JWT's exp - iat (RFC 7519 §4.1.4),
and the lifetime the target's configuration documents. Plain functions, no assertions.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

from conformance.flows.jwt import decode_unverified
from conformance.flows.token import TokenResponse


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def jwt_lifetime(token: str | None, *, issued_at: float | None = None) -> float | None:
    """exp - iat of a JWT access token (exp - `issued_at` when it has no iat), or None (opaque, or no exp)."""
    decoded = decode_unverified(token)
    if decoded is None:
        return None
    exp, iat = decoded.claims.get("exp"), decoded.claims.get("iat")
    if not is_number(exp):
        return None
    start = iat if is_number(iat) else issued_at
    return None if start is None else float(exp) - float(start)


def response_date(answer: TokenResponse) -> float | None:
    """The token response's `Date` header as a timestamp (the server's clock when it answered), if any."""
    value = answer.response.headers.get("date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def token_lifetimes(answer: TokenResponse) -> dict[str, float]:
    """The lifetimes the token response itself states, by source: expires_in and a JWT's exp - iat
    (only the ones present and positive)."""
    found: dict[str, float] = {}
    if is_number(answer.expires_in) and answer.expires_in > 0:
        found["expires_in"] = float(answer.expires_in)
    from_jwt = jwt_lifetime(answer.access_token)
    if from_jwt is not None and from_jwt > 0:
        found["exp - iat"] = from_jwt
    return found


def stated_lifetimes(answer: TokenResponse, configured: int) -> dict[str, float]:
    """Every lifetime stated for the response's access token: the token's own and token.expected_lifetime."""
    return {"token.expected_lifetime": float(configured), **token_lifetimes(answer)}


def own_lifetimes(answer: TokenResponse, configured: int) -> dict[str, float]:
    """The token's own lifetimes, or token.expected_lifetime when it states none (an opaque token without
    expires_in): what decides when the token is dead by its own account."""
    return token_lifetimes(answer) or {"token.expected_lifetime": float(configured)}


def describe_lifetimes(lifetimes: dict[str, float]) -> str:
    return ", ".join(f"{source} {seconds:g} s" for source, seconds in lifetimes.items())
