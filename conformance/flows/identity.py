"""Who a token speaks for: the JWT `sub` (read without verifying) and the Spry `user_id` of the response.

The Spry guide's authorization code flow is for applications "that need to act on behalf of a
user"; its client-credentials response names the account the client acts as. RFC 9068 §2.2: in
a grant with a resource owner, `sub` "SHOULD correspond to the subject identifier of the resource
owner"; in the client credentials grant, to "an identifier the authorization server uses to
indicate the client application". `whose_token` compares a code-flow token with what is known of
the client's own identity and says whether it shows the user, the client, or cannot tell.
No assertion here: the check decides.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Literal

from conformance.flows.token import TokenResponse


def jwt_claims(token: str | None) -> dict[str, Any] | None:
    """The payload of a JWS compact token, decoded WITHOUT verifying it; None for an opaque token."""
    if not token or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _int(value: object) -> int | str | None:
    if isinstance(value, bool):
        return None
    return value if isinstance(value, int | str) and value != "" else None


@dataclass(frozen=True)
class TokenIdentity:
    """The identity a token response shows: the JWT `sub` and the Spry `user_id` (either may be unknown)."""

    subject: str | None
    user_id: int | str | None
    jwt: bool

    def describe(self) -> str:
        parts = [
            f"sub {self.subject!r}"
            if self.subject is not None
            else ("no sub" if self.jwt else "opaque token")
        ]
        parts.append(f"user_id {self.user_id!r}" if self.user_id is not None else "no user_id")
        return ", ".join(parts)


def token_identity(answer: TokenResponse) -> TokenIdentity:
    """The `sub` of the access token (when it is a JWT) and the `user_id` of the response (or the JWT)."""
    claims = jwt_claims(answer.access_token)
    subject = claims.get("sub") if claims else None
    user_id = _int(answer.body.get("user_id"))
    if user_id is None and claims:
        user_id = _int(claims.get("user_id"))
    return TokenIdentity(subject if isinstance(subject, str) else None, user_id, claims is not None)


Whose = Literal["user", "client", "unknown"]


def whose_token(code: TokenIdentity, client_id: str, own: TokenIdentity | None) -> tuple[Whose, str]:
    """Does a code-flow token show the user, or the client's own identity?

    `own` is the identity of a client-credentials token of the same client, when one was obtained.
    "user": something in the token differs from everything known of the client's own identity.
    "client": its `sub` is the client_id, and its user_id is absent or the client-credentials token's.
    "unknown": it names the same identity as the client-credentials token, which is right when the
    configured user is the account the client acts as, and wrong otherwise: the suite cannot tell.
    """
    if (
        own is not None
        and code.user_id is not None
        and own.user_id is not None
        and code.user_id != own.user_id
    ):
        return "user", f"user_id {code.user_id!r} differs from the client-credentials token's {own.user_id!r}"
    if code.subject is not None and code.subject != client_id:
        if own is None or own.subject is None:
            return "user", f"sub {code.subject!r} differs from the client_id"
        if code.subject != own.subject:
            return (
                "user",
                f"sub {code.subject!r} differs from the client_id and the client-credentials token's sub",
            )
    if code.subject is not None and code.subject == client_id:
        if code.user_id is None:
            return "client", "its sub is the client_id and it carries no user_id"
        if own is not None and own.user_id == code.user_id:
            return (
                "client",
                f"its sub is the client_id and its user_id {code.user_id!r} is the client-credentials token's",
            )
    if own is None:
        return (
            "unknown",
            f"the token shows {code.describe()} and no client-credentials token could be compared",
        )
    return (
        "unknown",
        f"the token shows {code.describe()}, as the client-credentials token does ({own.describe()})",
    )


__all__ = ["TokenIdentity", "jwt_claims", "token_identity", "whose_token"]
