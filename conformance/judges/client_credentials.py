"""Judges of the client credentials grant (RFC 6749 §4.4) and the Spry guide's token response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.config import Client
from conformance.findings import Finding, first_broken, judged
from conformance.flows.token import TokenResponse
from conformance.verdict import describe


def ensure_access_token_issued(answer: TokenResponse) -> Finding:
    """RFC 6749 §4.4.3: a valid, authorized request is answered with an access token (HTTP 200)."""
    return first_broken(
        judged(answer.status == 200, "HTTP 200", answer, observed=f"HTTP {answer.status}"),
        judged(answer.access_token, "a JSON body with a string access_token", answer),
    )


def ensure_token_type_is_bearer(answer: TokenResponse) -> Finding:
    """RFC 6749 §5.1: token_type is REQUIRED; its value is case insensitive (Bearer, RFC 6750)."""
    token_type = answer.token_type
    return judged((token_type or "").lower() == "bearer", 'token_type "Bearer" (any case)', answer,
                  observed=f"token_type {describe(token_type)}")  # fmt: skip


def ensure_granted_scope_is_stated(
    answer: TokenResponse, client: Client, *, requested: bool = True
) -> Finding:
    """RFC 6749 §5.1: scope is "OPTIONAL, if identical to the scope requested by the client; otherwise,
    REQUIRED". Absent after a request that named the client's scope: read as that scope, which is permitted."""
    scope = answer.body.get("scope")
    if "scope" not in answer.body and requested and answer.access_token:
        return judged(True, "a scope member, or none when the granted scope is the one requested", answer,
                      observed="no scope member: read as the requested scope (RFC 6749 §5.1)")  # fmt: skip
    if not isinstance(scope, str):
        return judged(
            False,
            "a string scope member"
            + ("" if requested else " (no scope was requested: the default must be stated)"),
            answer,
            observed=f"scope {describe(answer.body.get('scope', '(absent)'))}",
        )
    if not requested:
        return judged(True, "a string scope member", answer, observed=f"scope {describe(scope)}")
    return judged(answer.scopes == set(client.scopes), f"scope {client.scope!r} (what was asked and granted)",
                  answer, observed=f"scope {describe(answer.scope)}")  # fmt: skip


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


#: Spry guide, Client Credentials Flow > Response: the identity fields and their JSON types.
SPRY_FIELDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "organisation_id": ("an integer", _is_int),
    "user_id": ("an integer", _is_int),
    "roles": ("a list of strings", lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v)),
    "clinic_id_list": ("a list of integers", lambda v: isinstance(v, list) and all(_is_int(i) for i in v)),
    "name": ("a string", lambda v: isinstance(v, str)),
}


def ensure_spry_fields_have_documented_types(answer: TokenResponse) -> Finding:
    """Spry guide, Client Credentials Flow > Response: the identity fields and their JSON types."""
    wrong = [
        f"{name} should be {kind}, is {describe(answer.body.get(name, '(absent)'))}"
        for name, (kind, ok) in SPRY_FIELDS.items()
        if not ok(answer.body.get(name))
    ]
    return judged(not wrong, "organisation_id, user_id, roles, clinic_id_list and name as the guide shows them",
                  answer, observed="; ".join(wrong))  # fmt: skip


def ensure_no_refresh_token(answer: TokenResponse) -> Finding:
    """RFC 6749 §4.4.3: "A refresh token SHOULD NOT be included."""
    return judged("refresh_token" not in answer.body, "no refresh_token member", answer,
                  observed="a refresh_token was issued")  # fmt: skip


def ensure_anonymous_request_refused(answer: TokenResponse) -> Finding:
    """RFC 6749 §4.4.2: "The client MUST authenticate with the authorization server"; §5.2
    invalid_client covers "no client authentication included". No client_id, no secret: no token."""
    return judged(not answer.access_token and answer.error == "invalid_client", "error invalid_client, no token",
                  answer, observed=f"a request without any client authentication: HTTP {answer.status}, "
                  f"{'an access token' if answer.access_token else f'error {answer.error!r}'}",
                  property_held=not answer.access_token)  # fmt: skip
