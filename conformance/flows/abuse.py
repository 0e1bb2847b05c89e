"""Repeated failed client authentications (RFC 6749 §2.3.1) and the signs that a server throttles them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from conformance.config import Target
from conformance.http import Response, Session

#: Token-endpoint errors that ask the client to slow down (RFC 8628 §3.5; RFC 6749 §4.1.2.1).
SLOW_DOWN_ERRORS = frozenset({"slow_down", "temporarily_unavailable"})


def throttle_signal(response: Response) -> str | None:
    """How the response says "too many attempts", or None: HTTP 429, a Retry-After header, slow_down."""
    if response.status == 429:
        return "HTTP 429"
    retry_after = response.headers.get("retry-after")
    if retry_after is not None:
        return f"HTTP {response.status} with Retry-After: {retry_after}"
    body = response.json if isinstance(response.json, dict) else {}
    if body.get("error") in SLOW_DOWN_ERRORS:
        return f"HTTP {response.status} error {body['error']}"
    return None


@dataclass(frozen=True)
class Attempts:
    """Failed authentications sent for one client_id, up to the first throttled answer."""

    client_id: str
    responses: tuple[Response, ...]
    signal: str | None

    @property
    def count(self) -> int:
        return len(self.responses)


def failed_authentications(session: Session, target: Target, client_id: str, limit: int) -> Attempts:
    """Up to `limit` client_credentials requests for `client_id`, each with a new random wrong secret;
    stops at the first throttled answer."""
    responses: list[Response] = []
    for _ in range(limit):
        secret = secrets.token_urlsafe(24)
        session.masker.register(secret)
        response = session.request(
            "POST",
            target.token_path,
            data=[("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", secret)],
            wait_when_throttled=False,  # the throttling is what this looks for
        )
        responses.append(response)
        signal = throttle_signal(response)
        if signal is not None:
            return Attempts(client_id, tuple(responses), signal)
    return Attempts(client_id, tuple(responses), None)
