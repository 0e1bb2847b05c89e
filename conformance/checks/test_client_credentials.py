"""Client credentials grant (RFC 6749 §4.4), as the Spry guide's recommended flow documents it.

Probes only: each check sends its requests and hands the answer to its judge
(conformance/judges/client_credentials.py), where the rule is decided and quoted.
"""

from __future__ import annotations

from conformance.catalogue import requirement
from conformance.config import Client, Target
from conformance.findings import settle, settle_property
from conformance.flows.token import TokenResponse, client_credentials, token_request
from conformance.http import Session
from conformance.judges import client_credentials as judge
from conformance.verdict import refusal_format


@requirement("CC-SUCCESS")
def test_valid_request_gets_access_token(http: Session, target: Target, cc_primary: Client) -> None:
    settle(
        judge.ensure_access_token_issued(client_credentials(http, target, cc_primary, scope=cc_primary.scope))
    )


@requirement("TOKEN-TYPE-BEARER")
def test_token_type_is_bearer(cc_token: TokenResponse) -> None:
    settle(judge.ensure_token_type_is_bearer(cc_token))


@requirement("TOKEN-SCOPE-IN-RESPONSE")
def test_response_states_granted_scope(
    http: Session, target: Target, cc_token: TokenResponse, cc_primary: Client
) -> None:
    settle(judge.ensure_granted_scope_is_stated(cc_token, cc_primary))
    default = client_credentials(
        http, target, cc_primary
    )  # no scope asked: the granted default must be stated
    if default.access_token:
        settle(judge.ensure_granted_scope_is_stated(default, cc_primary, requested=False))


@requirement("SPRY-TOKEN-FIELDS")
def test_spry_fields_have_documented_types(cc_token: TokenResponse) -> None:
    settle(judge.ensure_spry_fields_have_documented_types(cc_token))


@requirement("CC-NO-REFRESH-TOKEN")
def test_no_refresh_token_is_issued(cc_token: TokenResponse) -> None:
    settle(judge.ensure_no_refresh_token(cc_token))


@requirement("CC-CLIENT-AUTH-REQUIRED")
def test_anonymous_request_is_refused(http: Session, target: Target) -> None:
    answer = token_request(http, target, [("grant_type", "client_credentials"), ("scope", "read")])
    # no token is the property; a refusal with another error than invalid_client is TOKEN-ERROR-CODE's finding
    settle_property(judge.ensure_anonymous_request_refused(answer), http.recorder, refusal_format(answer))
