"""Judges of the authorization code grant (RFC 6749 §4.1), as the Spry guide's "Authorization Code Flow"
documents it: the authorization request and its redirect (§4.1.1, §4.1.2, §4.1.2.1), then the code
exchange (§4.1.3). Pure: each reads the recorded outcome of a walk or a token answer.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from conformance.errors import LoginError
from conformance.evidence import Exchange
from conformance.findings import Evidence, Finding, Refusal, first_broken, judged
from conformance.flows.authorize import AuthorizationResponse
from conformance.flows.front_channel import AuthorizationOutcome
from conformance.flows.token import TokenResponse
from conformance.judges.refusal import ensure_refused
from conformance.verdict import describe


def redirect_evidence(answer: AuthorizationResponse) -> list[Exchange]:
    """The redirect's exchange, when it was recorded (a login command's redirect is not)."""
    return [answer.response.exchange] if answer.response is not None else []


def lands_on(outcome: AuthorizationOutcome, uri: str) -> bool:
    """Did the walk end in a redirect to `uri`, or anywhere on its scheme, host and port?"""
    if outcome.redirect is not None:
        return True
    if outcome.off_origin is None:
        return False
    here, there = urlsplit(outcome.off_origin), urlsplit(uri)
    return (here.scheme.lower(), here.hostname, here.port) == (
        there.scheme.lower(),
        there.hostname,
        there.port,
    )


# --- the authorization request and response (§4.1.1, §4.1.2) ------------------------------------


def ensure_login_ends_in_a_redirect(error: LoginError) -> Finding:
    """RFC 6749 §4.1.2: a granted request ends in a redirect to the client; a 5xx, or a 307/308 that
    would re-post the forms (RFC 9700 §4.12.2), where the login pages should have redirected breaks it."""
    return judged(False, "login and consent end in a redirect to the registered redirect URI", error.response,
                  observed=f"HTTP {error.status}: {error}")  # fmt: skip


def ensure_redirect_with_a_code(answer: AuthorizationResponse) -> Finding:
    """RFC 6749 §4.1.2: the redirect URI's query carries the code; RFC 9700 §4.12.2: never a 307/308 after
    the forms (the browser would re-post them)."""
    findings = []
    if answer.response is not None:
        status = answer.response.status
        findings.append(judged(status not in {307, 308}, "a 302 or 303 redirect back to the client (a 307/308 "
                               "re-posts the form)", answer.response, observed=f"HTTP {status}"))  # fmt: skip
    findings.append(judged(answer.code, "a code in the query of the redirect to the registered redirect URI",
                           *redirect_evidence(answer), observed=f"no code (error {describe(answer.error)})"))  # fmt: skip
    return first_broken(*findings)


def ensure_state_comes_back(outcome: AuthorizationOutcome, state: str) -> Finding:
    """RFC 6749 §4.1.2: state is returned as "The exact value received from the client"."""
    if outcome.redirect is None:
        return judged(False, "a redirect back to the client carrying the state", *outcome.exchanges,
                      observed=outcome.describe())  # fmt: skip
    came_back = outcome.redirect.state
    return judged(came_back == state, f"the state {state!r}, byte for byte", *outcome.exchanges,
                  observed=f"state {describe(came_back)}")  # fmt: skip


def ensure_not_redirected_to(outcome: AuthorizationOutcome, uri: str) -> Finding:
    """RFC 6749 §4.1.2.1: for a missing or invalid client identifier, or a mismatching redirection URI, the
    server "MUST NOT automatically redirect the user-agent to the invalid redirection URI"."""
    return judged(not lands_on(outcome, uri), f"no redirect to {uri} (an error shown to the user)",
                  *outcome.exchanges, observed=outcome.describe())  # fmt: skip


def ensure_no_code_for_a_lookalike(outcome: AuthorizationOutcome, sent: str) -> Finding:
    """RFC 6749 §3.1.2.3, RFC 9700 §2.1: redirect URIs are compared by exact string matching."""
    return judged(not outcome.code, f"no code delivered to {sent}, which only starts like the registered URI",
                  *outcome.exchanges, observed=outcome.describe())  # fmt: skip


def ensure_error_redirect(outcome: AuthorizationOutcome, error: str, state: str, why: str) -> Finding:
    """RFC 6749 §4.1.2.1: an error redirect to the registered URI with `error` and the exact state."""
    if outcome.redirect is None:
        return judged(False, f"an error redirect to the registered redirect URI ({why})", *outcome.exchanges,
                      observed=outcome.describe())  # fmt: skip
    return first_broken(
        judged(outcome.error == error, f"error={error} in the redirect ({why})", *outcome.exchanges,
               observed=outcome.describe()),
        judged(outcome.redirect.state == state, "the exact state in the error redirect (RFC 6749 §4.1.2.1)",
               *outcome.exchanges, observed=f"state {describe(outcome.redirect.state)}"),
    )  # fmt: skip


def ensure_error_carries_the_state(outcome: AuthorizationOutcome, state: str) -> Finding:
    """RFC 6749 §4.1.2.1: the error response carries "the exact value received from the client" as state."""
    came_back = outcome.redirect.state if outcome.redirect is not None else None
    return judged(came_back == state, f"the exact state in the error={outcome.error} redirect", *outcome.exchanges,
                  observed=f"state {describe(came_back) if came_back is not None else '(absent)'}")  # fmt: skip


def ensure_repeated_parameter_refused(outcome: AuthorizationOutcome, parameter: str) -> Finding:
    """RFC 6749 §3.1: parameters "MUST NOT be included more than once"."""
    return judged(not outcome.code, f"the request with {parameter} twice refused, no code", *outcome.exchanges,
                  observed=outcome.describe())  # fmt: skip


def ensure_error_code(outcome: AuthorizationOutcome, named: str, cause: str) -> Finding:
    """RFC 6749 §4.1.2.1: the error code names the cause. A refusal (no code) with another code is a
    deviation of form, AC-ERROR-CODE's finding: `observed` is its text."""
    return judged(outcome.error == named, f"error={named}", *outcome.exchanges[-1:],
                  observed=f"error={outcome.error!r} where RFC 6749 §4.1.2.1 names {named} ({cause})")  # fmt: skip


def ensure_unsupported_method_is_invalid_request(outcome: AuthorizationOutcome) -> Finding:
    """RFC 7636 §4.4.1: an unsupported transformation gets "error" value set to "invalid_request"."""
    return first_broken(
        judged(not outcome.code, "no code for an unsupported code_challenge_method", *outcome.exchanges,
               observed=outcome.describe()),
        judged(outcome.error == "invalid_request", "error=invalid_request (RFC 7636 §4.4.1)", *outcome.exchanges,
               observed=outcome.describe()),
    )  # fmt: skip


def ensure_state_is_not_merged(outcome: AuthorizationOutcome, first: str, second: str) -> Finding:
    """RFC 6749 §4.1.2: state is "The exact value received from the client" - one of the copies sent, never
    a value joined from both."""
    returned = outcome.redirect.state if outcome.redirect is not None else None
    return judged(returned in {None, first, second}, "the state of the redirect is one of the copies sent, or none",
                  *outcome.exchanges, observed=f"state {describe(returned)} came back for {first!r} and {second!r}")  # fmt: skip


def ensure_denial_issues_no_code(outcome: AuthorizationOutcome) -> Finding:
    """RFC 6749 §4.1.2: a code only "If the resource owner grants the access request"; §4.1.2.1: a denial
    is redirected back to the client (with error=access_denied)."""
    return first_broken(
        judged(outcome.redirect is not None, "a redirect back to the client after the user clicked Deny",
               *outcome.exchanges, observed=outcome.describe()),
        judged(not outcome.code, "no code after the user clicked Deny", *outcome.exchanges,
               observed="a code was issued although the user denied the request"),
    )  # fmt: skip


def ensure_unknown_parameter_ignored(outcome: AuthorizationOutcome, parameter: str) -> Finding:
    """RFC 6749 §3.1: "The authorization server MUST ignore unrecognized request parameters"."""
    return judged(outcome.code, f"a code, the unknown parameter {parameter} ignored", *outcome.exchanges,
                  observed=outcome.describe())  # fmt: skip


# --- the code exchange (§4.1.3) ------------------------------------------------------------------


def ensure_replay_revokes_the_access_token(replay: TokenResponse, after: Evidence, status: int) -> Finding:
    """RFC 6749 §4.1.2: after a replay the server "SHOULD revoke (when possible) all tokens previously
    issued based on that authorization code": the resource refuses the first access token (401)."""
    return judged(status == 401, "the first access token refused (401) once its code was replayed", replay,
                  after, observed=f"HTTP {status}: the access token still works")  # fmt: skip


def ensure_replay_revokes_the_refresh_token(replay: TokenResponse, renewed: TokenResponse) -> Finding:
    """RFC 6749 §4.1.2: the tokens issued from a replayed code are revoked, its refresh token included."""
    return judged(not renewed.ok, "the first refresh token refused (invalid_grant) once its code was replayed",
                  replay, renewed, observed="the refresh token still issued a new access token")  # fmt: skip


def ensure_refresh_token_issued(tokens: TokenResponse) -> Finding:
    """Spry guide, Token Refresh: tokens are refreshed with a refresh_token, which the code flow issues."""
    return judged(tokens.refresh_token, "a refresh_token in the code exchange's response", tokens,
                  observed="no refresh_token member")  # fmt: skip


def ensure_client_authentication_required(answer: TokenResponse) -> Finding:
    """RFC 6749 §4.1.3: "require client authentication for confidential clients"."""
    return judged(not answer.ok, "no token for a code exchange without the client's secret", answer,
                  observed=f"HTTP {answer.status}: a token was issued to the unauthenticated request")  # fmt: skip


def ensure_token_represents_the_user(whose: str, reason: str, *evidence: Evidence) -> Finding:
    """Spry guide: the code flow acts "on behalf of a user"; RFC 9068 §2.2: `sub` "SHOULD correspond to the
    subject identifier of the resource owner" (`flows.identity.whose_token` reads whose it is)."""
    return judged(whose == "user", "a token for the user who logged in, not the client's own identity",
                  *evidence, observed=f"the code-flow token speaks for the client: {reason}")  # fmt: skip


def ensure_code_replay_refused(replay: TokenResponse, first: TokenResponse) -> Refusal:
    """RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server MUST deny
    the request"; §5.2: invalid_grant."""
    return ensure_refused(replay, "the second redemption of the code refused", first, errors={"invalid_grant"},
                          observed=f"HTTP {replay.status}: a second access token was issued")  # fmt: skip


def ensure_stolen_code_refused(stolen: TokenResponse) -> Refusal:
    """RFC 6749 §4.1.3: "ensure that the authorization code was issued to the authenticated confidential
    client"; §5.2 invalid_grant: the code "was issued to another client"."""
    return ensure_refused(stolen, "the primary client's code refused to the secondary client",
                          errors={"invalid_grant"},
                          observed="the secondary client got an access token for the primary client's code")  # fmt: skip


def ensure_code_refused_without_its_redirect_uri(answer: TokenResponse, what: str) -> Refusal:
    """RFC 6749 §4.1.3: the redirect_uri is REQUIRED "if the "redirect_uri" parameter was included in the
    authorization request", "and their values MUST be identical"."""
    return ensure_refused(answer, f"the code refused with {what}", errors={"invalid_grant", "invalid_request"},
                          observed=f"HTTP {answer.status}: a token was issued")  # fmt: skip
