"""Bearer token usage at the protected resource (RFC 6750) and the Spry response envelope.

Every check that needs "a token that works" first shows that the issued token is served with the
Authorization header (the control); when it is not, the check is skipped (BEARER-HEADER-ACCEPTED
judges that), so no check passes because the resource refuses everything.
"""

from __future__ import annotations

import secrets

import pytest

from conformance.catalogue import requirement
from conformance.checks._controls import served_or_skip
from conformance.config import Client, Target
from conformance.findings import Evidence, settle
from conformance.flows.authorize import AuthorizationResponse
from conformance.flows.resource import call_resource
from conformance.flows.responses import granted_scopes
from conformance.flows.token import TokenResponse, client_credentials, exchange_code, refresh
from conformance.http import Response, Session
from conformance.judges import bearer as judge

#: A JWT-shaped token whose payload is not JSON (`{"alg":"HS256","typ":"JWT"}` . "not-json" . "signature").
MALFORMED_JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.bm90LWpzb24.c2lnbmF0dXJl"


def _tampered(token: str) -> str:
    """The token with one character in the middle of its last segment changed."""
    head, dot, last = token.rpartition(".")
    segment = last or token
    middle = len(segment) // 2
    swapped = "A" if segment[middle] != "A" else "B"
    changed = segment[:middle] + swapped + segment[middle + 1 :]
    return f"{head}{dot}{changed}" if last else changed


def _invalid_token(variant: str, issued: str) -> str:
    if variant == "unknown":
        return secrets.token_urlsafe(max(32, min(len(issued), 256)) * 3 // 4)
    if variant == "malformed-jwt":
        return MALFORMED_JWT
    return _tampered(issued)


_INVALID = {
    "unknown": "a random token the server never issued",
    "malformed-jwt": "a JWT-shaped token whose payload is not JSON",
    "tampered": "the issued token with one character of its last segment changed",
}


@requirement("BEARER-HEADER-ACCEPTED")
def test_authorization_header_token_is_accepted(http: Session, target: Target, access: TokenResponse) -> None:
    """RFC 6750 §2.1: "Resource servers MUST support this method" (Authorization: Bearer <token>);
    Spry guide, Using Access Tokens."""
    response = call_resource(http, target, access.access_token)
    settle(judge.ensure_header_token_served(access, response, str(target.resource.read)))


@requirement("BEARER-MISSING-CHALLENGE")
@pytest.mark.parametrize("sent", ["no-authorization", "basic-scheme"])
def test_missing_token_gets_bearer_challenge(http: Session, target: Target, sent: str) -> None:
    """RFC 6750 §3: the resource server "MUST include the HTTP "WWW-Authenticate" response header field"
    and "All challenges defined by this specification MUST use the auth-scheme value "Bearer""; 401 per
    RFC 9110 §15.5.2. An unsupported scheme (Basic) counts as no authentication (RFC 6750 §3.1)."""
    authorization = None if sent == "no-authorization" else "Basic " + secrets.token_urlsafe(18)
    response = call_resource(http, target, None, authorization=authorization)
    settle(judge.ensure_bearer_challenge(response))


@requirement("BEARER-MISSING-NO-ERROR")
@pytest.mark.parametrize("sent", ["no-authorization", "basic-scheme"])
def test_missing_token_challenge_has_no_error(http: Session, target: Target, sent: str) -> None:
    """RFC 6750 §3.1: "If the request lacks any authentication information ... the resource server
    SHOULD NOT include an error code or other error information"."""
    authorization = None if sent == "no-authorization" else "Basic " + secrets.token_urlsafe(18)
    response = call_resource(http, target, None, authorization=authorization)
    if not judge.has_bearer_challenge(response):
        pytest.skip(f"no Bearer challenge to inspect ({judge.challenge_text(response)}): BEARER-MISSING-CHALLENGE "
                    "judges that")  # fmt: skip
    settle(judge.ensure_challenge_without_error(response))


@requirement("BEARER-INVALID-TOKEN-REFUSED")
@pytest.mark.parametrize("variant", list(_INVALID))
def test_invalid_token_gets_no_access(
    http: Session, target: Target, access: TokenResponse, variant: str
) -> None:
    """RFC 6749 §7: "The resource server MUST validate the access token"; RFC 6750 §3: a request whose
    token does not enable access MUST get a WWW-Authenticate challenge."""
    served_or_skip(http, target, access.access_token or "")
    response = call_resource(http, target, _invalid_token(variant, access.access_token or ""))
    settle(judge.ensure_invalid_token_refused(response, _INVALID[variant]))


@requirement("BEARER-INVALID-TOKEN")
@pytest.mark.parametrize("variant", list(_INVALID))
def test_invalid_token_gets_invalid_token_error(
    http: Session, target: Target, access: TokenResponse, variant: str
) -> None:
    """RFC 6750 §3.1: invalid_token - "The access token provided is expired, revoked, malformed, or
    invalid for other reasons. The resource SHOULD respond with the HTTP 401 (Unauthorized) status code";
    §3: the server SHOULD include the error attribute."""
    response = call_resource(http, target, _invalid_token(variant, access.access_token or ""))
    settle(judge.ensure_invalid_token_error(response, _INVALID[variant]))


@requirement("BEARER-SCHEME-CASE-INSENSITIVE")
@pytest.mark.parametrize("scheme", ["bearer", "BEARER"])
def test_scheme_is_case_insensitive(
    http: Session, target: Target, access: TokenResponse, scheme: str
) -> None:
    """RFC 9110 §11.1: HTTP authentication "uses a case-insensitive token to identify the authentication
    scheme"."""
    served_or_skip(http, target, access.access_token or "")
    response = call_resource(http, target, access.access_token, scheme=scheme)
    settle(judge.ensure_scheme_served(response, scheme))


@requirement("BEARER-NO-QUERY-TOKEN")
def test_query_token_is_not_accepted(http: Session, target: Target, access: TokenResponse) -> None:
    """RFC 6750 §2.3: the URI query method "SHOULD NOT be used" (servers MAY support it); RFC 9700 §4.3.2:
    "Clients MUST NOT pass access tokens in a URI query parameter"; the Spry guide documents the header only."""
    served_or_skip(http, target, access.access_token or "")
    response = call_resource(http, target, access.access_token, placement="query")
    settle(judge.ensure_query_token_refused(response))


@requirement("BEARER-NO-FORM-TOKEN")
def test_form_token_is_not_accepted(http: Session, target: Target, access: TokenResponse) -> None:
    """Spry guide, Using Access Tokens: the token goes in the Authorization header; RFC 6750 §2.2 lets a
    server support (MAY) the form-encoded body method. A POST whose only token is access_token in an
    application/x-www-form-urlencoded body does not get past authentication."""
    served_or_skip(http, target, access.access_token or "")
    probe = call_resource(http, target, access.access_token, placement="form")
    baseline = None
    if not judge.form_token_refused(probe):
        baseline = call_resource(http, target, secrets.token_urlsafe(32), placement="form")
    if baseline is not None and judge.form_inconclusive(probe, baseline):
        pytest.skip(f"inconclusive: the form POST answers HTTP {probe.status} with a valid and with an invalid "
                    "token alike, before or without authentication")  # fmt: skip
    settle(judge.ensure_form_token_refused(probe, baseline))


def _header_and_form(http: Session, target: Target, token: str) -> Response:
    """Authorization: Bearer plus access_token in a form body, POSTed to the read endpoint's path."""
    headers = {"Authorization": f"Bearer {token}"}
    return http.request("POST", target.resource.read.path, data=[("access_token", token)], headers=headers)


@requirement("BEARER-ONE-METHOD")
@pytest.mark.parametrize("second", ["query", "form"])
def test_two_token_methods_are_refused(
    http: Session, target: Target, access: TokenResponse, second: str
) -> None:
    """RFC 6750 §2: "Clients MUST NOT use more than one method to transmit the token in each request";
    §3.1: invalid_request for a request that "uses more than one method for including an access token" -
    "The resource server SHOULD respond with the HTTP 400 (Bad Request) status code"."""
    token = access.access_token or ""
    served_or_skip(http, target, token)
    if second == "query":
        response = call_resource(http, target, token, placement="header+query")
    else:
        response = _header_and_form(http, target, token)
    settle(judge.ensure_one_method(response, second))


def _read_only_token(http: Session, target: Target, request: pytest.FixtureRequest) -> TokenResponse:
    """A client-credentials token granted `read` only (the primary client narrowed, else the read_only client)."""
    candidates: list[Client] = []
    primary = target.client("primary")
    if primary is not None and primary.can("client_credentials") and "read" in primary.scopes:
        candidates.append(primary)
    reader = target.client("read_only")
    if reader is not None and reader.can("client_credentials") and "read" in reader.scopes:
        candidates.append(reader)
    for client in candidates:
        answer = client_credentials(http, target, client, scope="read")
        if answer.ok and granted_scopes(answer, "read") == {"read"}:
            return answer
    pytest.skip("needs a client that can obtain a client-credentials token granted the read scope only "
                "(clients.primary or clients.read_only)")  # fmt: skip


@requirement("BEARER-INSUFFICIENT-SCOPE")
def test_insufficient_scope_gets_403_challenge(
    http: Session, target: Target, request: pytest.FixtureRequest
) -> None:
    """RFC 6750 §3.1: insufficient_scope - "The resource server SHOULD respond with the HTTP 403 (Forbidden)
    status code and MAY include the "scope" attribute"; in a Bearer challenge (§3)."""
    write = target.resource.write
    if write is None:
        pytest.skip(
            "needs resource.write (a write endpoint) and resource.write_probe_body (a body it refuses)"
        )
    token = _read_only_token(http, target, request)
    served_or_skip(http, target, token.access_token or "")
    response = call_resource(
        http, target, token.access_token, endpoint=write, body=target.resource.write_probe_body
    )
    if not judge.scope_refusal_to_inspect(response):
        pytest.skip(f"{write} did not refuse the read-only token (HTTP {response.status}): "
                    "SCOPE-READ-ONLY-CANNOT-WRITE judges that; there is no refusal to inspect")  # fmt: skip
    settle(judge.ensure_insufficient_scope(token, response, str(write)))


def _after_revocation(
    http: Session,
    target: Target,
    client: Client,
    tokens: list[tuple[str, str]],
    signal: str | None,
    how: str,
    *evidence: Evidence,
) -> None:
    """Judge the access tokens of a grant the authorization server was just asked to revoke (by a replay).

    `tokens` are (label, access token); `signal` is a refresh token of the grant, used only when an access
    token is still served: invalid_grant then shows the grant was revoked and the resource ignored it.
    """
    answers = [(label, call_resource(http, target, token)) for label, token in tokens]
    probe = None
    if judge.still_served(answers):
        if signal is None:
            pytest.skip(f"after {how} the access token is still served, and no refresh token shows whether the "
                        "grant was revoked (AC-CODE-REUSE-REVOKES / RT-REUSE-REVOKES-FAMILY judge revocation)")  # fmt: skip
        probe = refresh(http, target, client, signal)
        if not judge.grant_revoked(probe):
            pytest.skip(f"after {how} the grant was not revoked (its refresh token: HTTP {probe.status}, error "
                        f"{probe.error!r}): AC-CODE-REUSE-REVOKES / RT-REUSE-REVOKES-FAMILY judge that")  # fmt: skip
    settle(judge.ensure_revoked_tokens_refused(answers, how, evidence, probe))


@requirement("BEARER-REVOKED-REFUSED")
@pytest.mark.parametrize("trigger", ["code-replay", "refresh-replay"])
def test_revoked_token_is_refused(
    http: Session, target: Target, request: pytest.FixtureRequest, trigger: str
) -> None:
    """RFC 6750 §3.1: invalid_token when the token is "expired, revoked, malformed, or invalid"; RFC 6749
    §4.1.2 (a replayed code SHOULD revoke its tokens) and RFC 9700 §4.14.2 (a replayed refresh token
    revokes the family) trigger the revocation."""
    client: Client = request.getfixturevalue("code_client")
    if trigger == "code-replay":
        code: AuthorizationResponse = request.getfixturevalue("issued_code")
        tokens: TokenResponse = request.getfixturevalue("code_tokens")
        served_or_skip(http, target, tokens.access_token or "")
        replay = exchange_code(http, target, client, code.code or "", redirect_uri=client.redirect_uri)
        if replay.ok:
            pytest.skip(
                "the replayed code was accepted, so nothing was revoked: AC-CODE-SINGLE-USE judges that"
            )
        _after_revocation(http, target, client, [("the code's access token", tokens.access_token or "")],
                          tokens.refresh_token, "the code replay", tokens, replay)  # fmt: skip
        return
    tokens = request.getfixturevalue("refreshable")
    first = refresh(http, target, client, tokens.refresh_token or "")
    if not first.ok:
        pytest.skip(
            f"the refresh failed (HTTP {first.status}, error {first.error!r}): the refresh family judges that"
        )
    if not first.refresh_token or first.refresh_token == tokens.refresh_token:
        pytest.skip("the target does not rotate refresh tokens: replaying the old one is not a theft signal")
    served_or_skip(http, target, first.access_token or "")
    replay = refresh(http, target, client, tokens.refresh_token or "")
    if replay.ok:
        pytest.skip("the replayed (rotated) refresh token was accepted: RT-ROTATION-OLD-REFUSED judges that")
    _after_revocation(http, target, client, [("the rotated access token", first.access_token or ""),
                      ("the first access token", tokens.access_token or "")],
                      first.refresh_token, "the refresh-token replay", first, replay)  # fmt: skip


@requirement("SPRY-ENVELOPE")
def test_resource_uses_spry_envelope(http: Session, target: Target, access: TokenResponse) -> None:
    """Spry API response format: {"code": 2000, "data": ..., "message": "Success"} on success."""
    settle(judge.ensure_spry_envelope(served_or_skip(http, target, access.access_token or "")))
