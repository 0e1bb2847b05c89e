"""The token endpoint's request and response rules (RFC 6749 §3.2, §5.1, §5.2), whatever the grant.

Requests authenticate as the Spry guide shows (client_id and client_secret in the form body).
Error responses are provoked without a failed authentication of a real client: a missing or
unknown grant_type with valid credentials, an unregistered client id, a random refresh token.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable

import pytest

from conformance.catalogue import requirement
from conformance.config import Client, Target
from conformance.findings import settle
from conformance.flows.responses import unknown_client
from conformance.flows.token import TokenResponse, client_credentials, exchange_code, refresh, token_request
from conformance.http import Session
from conformance.judges import token_endpoint as judge

UNKNOWN_GRANT = "spry_conformance_unknown_grant"

# Error responses: each provoked by one request that no conforming server answers with a token.
ErrorProbe = Callable[[Session, Target, Client], TokenResponse]
ERROR_PROBES: dict[str, ErrorProbe] = {
    # §5.2 invalid_request: "The request is missing a required parameter".
    "missing-grant-type": lambda http, target, client: token_request(
        http, target, [("scope", client.scope)], client=client
    ),
    # §5.2 unsupported_grant_type.
    "unknown-grant-type": lambda http, target, client: token_request(
        http, target, [("grant_type", UNKNOWN_GRANT)], client=client
    ),
    # §5.2 invalid_client: an unregistered client id (never a real client's failure count).
    "unknown-client": lambda http, target, client: client_credentials(http, target, unknown_client()),
    # §5.2 invalid_grant (or unauthorized_client when the client may not refresh): a random refresh token.
    "random-refresh-token": lambda http, target, client: token_request(
        http,
        target,
        [("grant_type", "refresh_token"), ("refresh_token", secrets.token_urlsafe(32))],
        client=client,
    ),
}

SUCCESS_GRANTS = ("client_credentials", "authorization_code", "refresh_token")


def _success(request: pytest.FixtureRequest, grant: str) -> TokenResponse:
    """A token response of `grant` (skips when the target or its configuration does not offer it)."""
    if grant in {"client_credentials", "authorization_code"}:
        issued: TokenResponse = request.getfixturevalue(
            "cc_token" if grant == "client_credentials" else "code_tokens"
        )
        return issued
    tokens: TokenResponse = request.getfixturevalue("refreshable")
    client: Client = request.getfixturevalue("refresh_client")
    http: Session = request.getfixturevalue("http")
    target: Target = request.getfixturevalue("target")
    answer = refresh(http, target, client, tokens.refresh_token or "")
    if not answer.ok:
        pytest.fail(
            f"the refresh at {target.refresh_path} failed (HTTP {answer.status}, error {answer.error})"
        )
    return answer


def _error(request: pytest.FixtureRequest, probe: str) -> TokenResponse:
    client: Client = request.getfixturevalue("primary")
    answer = ERROR_PROBES[probe](request.getfixturevalue("http"), request.getfixturevalue("target"), client)
    if answer.ok:
        pytest.fail(
            f"the {probe} probe was answered with a token (HTTP {answer.status}): no error to inspect"
        )
    return answer


@requirement("TOKEN-POST-ONLY")
def test_get_is_refused(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §3.2: "The client MUST use the HTTP "POST" method when making access token requests."

    The token request is sent as GET with its parameters in the query and the client's credentials
    in an HTTP Basic header (so that the secret never travels in a URL).
    """
    params = [("grant_type", "client_credentials"), ("scope", cc_primary.scope)]
    response = http.request("GET", target.token_path, params=params,
                            basic=(cc_primary.client_id, cc_primary.client_secret or ""))  # fmt: skip
    answer = TokenResponse(response)
    if answer.error == "invalid_client":
        # Refused, but maybe only because the Basic credentials were not understood: tell the two apart.
        post = client_credentials(http, target, cc_primary, scope=cc_primary.scope, auth="basic")
        if not post.ok:
            pytest.skip("needs HTTP Basic client authentication (CLIENT-AUTH-BASIC) to send a GET token "
                        "request without putting the client secret in the URL")  # fmt: skip
    settle(judge.ensure_get_refused(answer))


@requirement("TOKEN-NO-CREDENTIALS-IN-QUERY")
def test_client_credentials_in_query_are_refused(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §2.3.1: the client credential parameters "can only be transmitted in the request-body
    and MUST NOT be included in the request URI"."""
    query = [("client_id", cc_primary.client_id), ("client_secret", cc_primary.client_secret or "")]
    form = [("grant_type", "client_credentials"), ("scope", cc_primary.scope)]
    answer = TokenResponse(http.request("POST", target.token_path, params=query, data=form))
    settle(judge.ensure_query_credentials_refused(answer))


@requirement("TOKEN-FORM-ENCODED-ONLY")
def test_json_body_is_refused(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §4.4.2 (and §4.1.3, §6): the client sends its parameters "using the
    application/x-www-form-urlencoded format"; a JSON body is not a token request."""
    document = {
        "grant_type": "client_credentials",
        "client_id": cc_primary.client_id,
        "client_secret": cc_primary.client_secret,
        "scope": cc_primary.scope,
    }
    response = http.request("POST", target.token_path, content=json.dumps(document),
                            headers={"Content-Type": "application/json"})  # fmt: skip
    answer = TokenResponse(response)
    settle(judge.ensure_json_body_refused(answer))


@requirement("TOKEN-REPEATED-PARAM-REFUSED")
@pytest.mark.parametrize("parameter", ["grant_type", "scope"])
def test_repeated_parameter_is_refused(
    http: Session, target: Target, cc_primary: Client, parameter: str
) -> None:
    """RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once"; §5.2:
    invalid_request when the request "repeats a parameter"."""
    if parameter == "grant_type":
        params = [("grant_type", "client_credentials"), ("grant_type", "client_credentials"),
                  ("scope", cc_primary.scope)]  # fmt: skip
    else:
        params = [
            ("grant_type", "client_credentials"),
            ("scope", cc_primary.scopes[0]),
            ("scope", cc_primary.scope),
        ]
    answer = token_request(http, target, params, client=cc_primary)
    settle(judge.ensure_repeated_parameter_refused(answer, parameter))


@requirement("TOKEN-NO-STORE")
@pytest.mark.parametrize("grant", SUCCESS_GRANTS)
def test_token_response_is_not_stored(request: pytest.FixtureRequest, grant: str) -> None:
    """RFC 6749 §5.1: "The authorization server MUST include the HTTP "Cache-Control" response header
    field with a value of "no-store" in any response containing tokens"."""
    settle(judge.ensure_directive(_success(request, grant), "Cache-Control", "no-store", grant))


@requirement("TOKEN-PRAGMA-NO-CACHE")
@pytest.mark.parametrize("grant", SUCCESS_GRANTS)
def test_token_response_has_pragma_no_cache(request: pytest.FixtureRequest, grant: str) -> None:
    """RFC 6749 §5.1: "... as well as the "Pragma" response header field with a value of "no-cache"."""
    settle(judge.ensure_directive(_success(request, grant), "Pragma", "no-cache", grant))


@requirement("TOKEN-ERROR-NO-CACHE")
@pytest.mark.parametrize("probe", ["missing-grant-type", "unknown-client", "random-refresh-token"])
def test_error_response_is_not_cached(request: pytest.FixtureRequest, probe: str) -> None:
    """RFC 6749 §5.1 asks for "no-store" and "Pragma: no-cache" on responses with tokens, credentials
    "or other sensitive information"; this suite expects them on the token endpoint's errors too."""
    settle(judge.ensure_error_not_cached(_error(request, probe)))


@requirement("TOKEN-CONTENT-TYPE-JSON")
@pytest.mark.parametrize("response", ["client_credentials", "missing-grant-type", "unknown-client"])
def test_response_is_application_json(request: pytest.FixtureRequest, response: str) -> None:
    """RFC 6749 §5.1 and §5.2: the parameters are included in the entity-body "using the
    application/json media type"."""
    answer = _success(request, response) if response in SUCCESS_GRANTS else _error(request, response)
    settle(judge.ensure_json_object(answer))


@requirement("TOKEN-ERROR-BODY")
@pytest.mark.parametrize("probe", sorted(ERROR_PROBES))
def test_error_body_follows_rfc(request: pytest.FixtureRequest, probe: str) -> None:
    """RFC 6749 §5.2: HTTP 400 (401 allowed for invalid_client) with a JSON object whose `error`
    (REQUIRED) is one of the listed codes; error_description (OPTIONAL) is human-readable ASCII
    text, error_uri (OPTIONAL) a URI."""
    settle(judge.ensure_error_body(_error(request, probe)))


@requirement("TOKEN-ERROR-CODE")
@pytest.mark.parametrize("cause", ["another-clients-code", "unknown-refresh-token"])
def test_refusal_names_its_cause(
    http: Session, target: Target, request: pytest.FixtureRequest, cause: str
) -> None:
    """RFC 6749 §5.2 invalid_grant: the grant or refresh token "is invalid, expired, revoked, ... or was issued
    to another client". The other refusal checks of the run report their deviations here too."""
    if cause == "another-clients-code":
        secondary: Client = request.getfixturevalue("secondary")
        code = request.getfixturevalue("issued_code")
        owner: Client = request.getfixturevalue("code_client")
        if not secondary.can("authorization_code"):
            pytest.skip("needs [clients.secondary] registered for the authorization_code grant")
        answer = exchange_code(http, target, secondary, code.code or "", redirect_uri=owner.redirect_uri)
        if answer.error == "invalid_client":  # the secondary's own credentials, not the code, were refused
            pytest.skip(
                "the secondary client's credentials were refused (invalid_client): check [clients.secondary]"
            )
    else:
        client: Client = request.getfixturevalue("refresh_client")
        answer = refresh(http, target, client, secrets.token_urlsafe(32))
    settle(judge.ensure_invalid_grant(answer))


@requirement("TOKEN-UNKNOWN-PARAM-IGNORED")
def test_unknown_parameter_is_ignored(
    http: Session, target: Target, cc_primary: Client, cc_token: TokenResponse
) -> None:
    """RFC 6749 §3.2: "The authorization server MUST ignore unrecognized request parameters."

    `cc_token` shows the same request without the extra parameter succeeds.
    """
    params = [
        ("grant_type", "client_credentials"),
        ("scope", cc_primary.scope),
        ("spry_conformance_extension", "1"),
    ]
    answer = token_request(http, target, params, client=cc_primary)
    settle(judge.ensure_unknown_parameter_ignored(answer))


@requirement("TOKEN-EMPTY-PARAM-OMITTED")
def test_empty_parameter_is_treated_as_omitted(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 6749 §3.2: "Parameters sent without a value MUST be treated as if they were omitted from
    the request." `scope=` must get the same answer as no scope parameter at all."""
    omitted = client_credentials(http, target, cc_primary)
    empty = client_credentials(http, target, cc_primary, scope="")
    settle(judge.ensure_empty_parameter_omitted(omitted, empty))


@requirement("TOKEN-GRANT-TYPE-MISSING")
def test_missing_grant_type_is_invalid_request(http: Session, target: Target, primary: Client) -> None:
    """RFC 6749 §5.2: invalid_request - "The request is missing a required parameter"; grant_type
    is REQUIRED (§4.1.3, §4.4.2, §6)."""
    answer = ERROR_PROBES["missing-grant-type"](http, target, primary)
    settle(judge.ensure_missing_grant_type_invalid(answer))


@requirement("TOKEN-GRANT-TYPE-UNSUPPORTED")
def test_unknown_grant_type_is_unsupported(http: Session, target: Target, primary: Client) -> None:
    """RFC 6749 §5.2: unsupported_grant_type - "The authorization grant type is not supported by the
    authorization server."""
    answer = ERROR_PROBES["unknown-grant-type"](http, target, primary)
    settle(judge.ensure_unknown_grant_type_unsupported(answer, UNKNOWN_GRANT))
