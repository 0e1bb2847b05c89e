"""Judges of the token endpoint's request and response rules (RFC 6749 §3.2, §5.1, §5.2), whatever the grant."""

from __future__ import annotations

from conformance.findings import Finding, first_broken, judged
from conformance.flows.responses import directives, error_body_problems
from conformance.flows.token import TokenResponse
from conformance.verdict import describe


def issued(answer: TokenResponse) -> str:
    """Whether a token was issued, or the error that came instead (never the token)."""
    if answer.access_token:
        return "an access token was issued"
    return f"HTTP {answer.status}, error {answer.error!r}"


def ensure_get_refused(answer: TokenResponse) -> Finding:
    """RFC 6749 §3.2: "The client MUST use the HTTP "POST" method when making access token requests." """
    return judged(not answer.access_token, "GET refused (405 or a §5.2 error), no token issued", answer,
                  observed=f"GET answered {issued(answer)}")  # fmt: skip


def ensure_query_credentials_refused(answer: TokenResponse) -> Finding:
    """RFC 6749 §2.3.1: the client credential parameters "can only be transmitted in the request-body and
    MUST NOT be included in the request URI"."""
    return judged(not answer.access_token, "credentials in the URL query are not accepted: no token issued",
                  answer, observed=f"credentials sent only in the query: {issued(answer)}")  # fmt: skip


def ensure_json_body_refused(answer: TokenResponse) -> Finding:
    """RFC 6749 §4.4.2 (and §4.1.3, §6): the client sends its parameters "using the
    application/x-www-form-urlencoded format"; a JSON body is not a token request."""
    return judged(not answer.access_token and answer.status >= 400, "a JSON body refused (invalid_request), "
                  "no token", answer, observed=f"a JSON token request: {issued(answer)}")  # fmt: skip


def ensure_repeated_parameter_refused(answer: TokenResponse, parameter: str) -> Finding:
    """RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once"; §5.2:
    invalid_request when the request "repeats a parameter"."""
    return judged(not answer.access_token and answer.error == "invalid_request",
                  f"{parameter} sent twice is refused with invalid_request", answer,
                  observed=f"{parameter} sent twice: {issued(answer)}")  # fmt: skip


def ensure_directive(answer: TokenResponse, header: str, directive: str, grant: str) -> Finding:
    """RFC 6749 §5.1: "The authorization server MUST include the HTTP "Cache-Control" response header field
    with a value of "no-store" in any response containing tokens, credentials, or other sensitive
    information, as well as the "Pragma" response header field with a value of "no-cache"."""
    value = answer.response.headers.get(header)
    return judged(directive in directives(value), f"{header}: {directive} on the {grant} token response", answer,
                  observed=f"{header}: {describe(value) if value else '(absent)'}")  # fmt: skip


def ensure_error_not_cached(answer: TokenResponse) -> Finding:
    """RFC 6749 §5.1 asks for "no-store" and "Pragma: no-cache" on responses with tokens, credentials "or other
    sensitive information"; this suite expects them on the token endpoint's errors too."""
    cache_control = answer.response.headers.get("cache-control")
    pragma = answer.response.headers.get("pragma")
    return judged("no-store" in directives(cache_control) and "no-cache" in directives(pragma),
                  "Cache-Control: no-store and Pragma: no-cache on the error response", answer,
                  observed=f"Cache-Control: {cache_control or '(absent)'}; Pragma: {pragma or '(absent)'}")  # fmt: skip


def ensure_json_object(answer: TokenResponse) -> Finding:
    """RFC 6749 §5.1 and §5.2: the parameters are included in the entity-body "using the application/json
    media type"."""
    return first_broken(
        judged(answer.response.content_type == "application/json", "Content-Type: application/json", answer,
               observed=f"Content-Type: {answer.response.headers.get('content-type') or '(absent)'}"),
        judged(isinstance(answer.response.json, dict), "a JSON object body", answer,
               observed="the body is not a JSON object"),
    )  # fmt: skip


def ensure_error_body(answer: TokenResponse) -> Finding:
    """RFC 6749 §5.2: HTTP 400 (401 allowed for invalid_client) with a JSON object whose `error` (REQUIRED) is
    one of the listed codes; error_description (OPTIONAL) is human-readable ASCII text, error_uri a URI."""
    problems = error_body_problems(answer.status, answer.response.json)
    return judged(not problems, "an RFC 6749 §5.2 error response", answer, observed="; ".join(problems))


def ensure_invalid_grant(answer: TokenResponse) -> Finding:
    """RFC 6749 §5.2 invalid_grant: the grant or refresh token "is invalid, expired, revoked, ... or was issued
    to another client"."""
    return first_broken(
        judged(not answer.access_token, "refused", answer, observed=f"HTTP {answer.status}: a token was issued"),
        judged(answer.error == "invalid_grant", "error invalid_grant, the §5.2 code for this cause", answer,
               observed=f"HTTP {answer.status}, error {describe(answer.error)}"),
    )  # fmt: skip


def ensure_unknown_parameter_ignored(answer: TokenResponse) -> Finding:
    """RFC 6749 §3.2: "The authorization server MUST ignore unrecognized request parameters." """
    return judged(answer.ok, "the request succeeds as without the unrecognised parameter (HTTP 200, a token)",
                  answer, observed=f"with an unrecognised parameter: {issued(answer)}")  # fmt: skip


def _granted_or_error(answer: TokenResponse) -> str:
    if answer.ok:
        return f"a token with scope {describe(answer.scope) if answer.scope is not None else '(not stated)'}"
    return f"HTTP {answer.status}, error {answer.error!r}"


def ensure_empty_parameter_omitted(omitted: TokenResponse, empty: TokenResponse) -> Finding:
    """RFC 6749 §3.2: "Parameters sent without a value MUST be treated as if they were omitted from the
    request." `empty` (scope=) must get the same answer as `omitted` (no scope parameter at all)."""
    same = (omitted.ok and empty.ok and omitted.scopes == empty.scopes) or (
        not omitted.ok and not empty.ok and omitted.error == empty.error
    )
    return judged(same, "`scope=` answered like an omitted scope", omitted, empty,
                  observed=f"omitted scope: {_granted_or_error(omitted)}; empty scope: {_granted_or_error(empty)}")  # fmt: skip


def ensure_missing_grant_type_invalid(answer: TokenResponse) -> Finding:
    """RFC 6749 §5.2: invalid_request - "The request is missing a required parameter"; grant_type is REQUIRED
    (§4.1.3, §4.4.2, §6)."""
    return judged(answer.error == "invalid_request" and not answer.access_token, "error invalid_request", answer,
                  observed=f"no grant_type: {issued(answer)}")  # fmt: skip


def ensure_unknown_grant_type_unsupported(answer: TokenResponse, grant_type: str) -> Finding:
    """RFC 6749 §5.2: unsupported_grant_type - "The authorization grant type is not supported by the
    authorization server." """
    return judged(answer.error == "unsupported_grant_type" and not answer.access_token,
                  "error unsupported_grant_type", answer,
                  observed=f"grant_type={grant_type}: {issued(answer)}")  # fmt: skip
