"""Client credentials grant (RFC 6749 §4.4), as the Spry guide's recommended flow documents it."""

from __future__ import annotations

from conformance.catalogue import requirement
from conformance.config import Client, Target
from conformance.flows.token import TokenResponse, client_credentials, token_request
from conformance.http import Session
from conformance.verdict import describe, expect


@requirement("CC-SUCCESS")
def test_valid_request_gets_access_token(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §4.4.3: a valid, authorized request is answered with an access token (HTTP 200)."""
    answer = client_credentials(http, target, cc_primary, scope=cc_primary.scope)
    expect(answer.status == 200, "HTTP 200", answer, observed=f"HTTP {answer.status}")
    expect(answer.access_token, "a JSON body with a string access_token", answer)


@requirement("TOKEN-TYPE-BEARER")
def test_token_type_is_bearer(cc_token: TokenResponse) -> None:
    """RFC 6749 §5.1: token_type is REQUIRED; its value is case insensitive (Bearer, RFC 6750)."""
    token_type = cc_token.token_type
    expect((token_type or "").lower() == "bearer", 'token_type "Bearer" (any case)', cc_token,
           observed=f"token_type {describe(token_type)}")  # fmt: skip


@requirement("TOKEN-SCOPE-IN-RESPONSE")
def test_response_states_granted_scope(cc_token: TokenResponse, cc_primary: Client) -> None:
    """Spry guide: the response carries "scope": "read write"."""
    expect(isinstance(cc_token.body.get("scope"), str), "a string scope member", cc_token,
           observed=f"scope {describe(cc_token.body.get('scope', '(absent)'))}")  # fmt: skip
    expect(cc_token.scopes == set(cc_primary.scopes), f"scope {cc_primary.scope!r} (what was asked and granted)",
           cc_token, observed=f"scope {describe(cc_token.scope)}")  # fmt: skip


_SPRY_FIELDS = {
    "organisation_id": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "user_id": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "roles": ("a list of strings", lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v)),
    "clinic_id_list": (
        "a list of integers",
        lambda v: isinstance(v, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in v),
    ),
    "name": ("a string", lambda v: isinstance(v, str)),
}


@requirement("SPRY-TOKEN-FIELDS")
def test_spry_fields_have_documented_types(cc_token: TokenResponse) -> None:
    """Spry guide, Client Credentials Flow > Response: the identity fields and their JSON types."""
    wrong = [
        f"{name} should be {kind}, is {describe(cc_token.body.get(name, '(absent)'))}"
        for name, (kind, ok) in _SPRY_FIELDS.items()
        if not ok(cc_token.body.get(name))
    ]
    expect(not wrong, "organisation_id, user_id, roles, clinic_id_list and name as the guide shows them",
           cc_token, observed="; ".join(wrong))  # fmt: skip


@requirement("CC-NO-REFRESH-TOKEN")
def test_no_refresh_token_is_issued(cc_token: TokenResponse) -> None:
    """RFC 6749 §4.4.3: "A refresh token SHOULD NOT be included."""
    expect("refresh_token" not in cc_token.body, "no refresh_token member", cc_token,
           observed="a refresh_token was issued")  # fmt: skip


@requirement("CC-CLIENT-AUTH-REQUIRED")
def test_anonymous_request_is_refused(http: Session, target: Target) -> None:
    """RFC 6749 §4.4.2: "The client MUST authenticate with the authorization server"; §5.2
    invalid_client covers "no client authentication included". No client_id, no secret: no token."""
    answer = token_request(http, target, [("grant_type", "client_credentials"), ("scope", "read")])
    expect(not answer.access_token and answer.error == "invalid_client", "error invalid_client, no token", answer,
           observed=f"a request without any client authentication: HTTP {answer.status}, "
                    f"{'an access token' if answer.access_token else f'error {answer.error!r}'}")  # fmt: skip
