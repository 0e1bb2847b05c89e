"""Authorization code grant (RFC 6749 §4.1), as the Spry guide's "Authorization Code Flow" documents it.

The front channel is driven like a browser: the redirect back to the client is captured, never
followed. Errors that must be redirected (§4.1.2.1) are accepted whether the server answers at once
or after its login page; errors that must not be redirected are judged on where the walk ends.

Probes only: each check sends its requests and hands what came back to its judge
(conformance/judges/authorization_code.py), where the rule is decided and quoted.
"""

from __future__ import annotations

import secrets

import pytest

from conformance.catalogue import requirement
from conformance.checks._authorization_code import (
    ERROR_PROBES,
    FOREIGN_URI,
    STATES,
    UNKNOWN_PARAMETER,
    UNKNOWN_SCOPE,
    clicked_deny,
    error_code,
    lookalike,
    needs_login,
    secondary_works_or_skip,
)
from conformance.checks._authorization_code import redeem as _redeem
from conformance.checks._controls import registered_redirect_or_skip
from conformance.checks.conftest import LoginCheck
from conformance.config import Client, Target
from conformance.findings import settle, settle_refusal
from conformance.flows.authorize import AuthorizationResponse, LoginError, authorize, new_state
from conformance.flows.front_channel import attempt_authorization, raw_authorization_url
from conformance.flows.identity import token_identity, whose_token
from conformance.flows.resource import call_resource
from conformance.flows.token import TokenResponse, client_credentials, refresh
from conformance.http import Session
from conformance.judges import authorization_code as judge
from conformance.verdict import describe


@pytest.fixture
def ac_client(target: Target) -> Client:
    """The primary client, for authorization requests that a server may refuse before any login."""
    client = target.client("primary")
    if client is None or not client.can("authorization_code") or not client.redirect_uri:
        pytest.skip("needs clients.primary with its secret, a redirect_uri and the authorization_code grant")
    return client


# --- the authorization request and response (§4.1.1, §4.1.2) ------------------------------------


@requirement("AC-LOGIN-REDIRECT")
def test_login_and_consent_redirect_with_a_code(http: Session, target: Target, code_client: Client) -> None:
    """RFC 6749 §4.1.2: a granted request ends in a redirect to the redirect URI carrying a code;
    RFC 9700 §4.12.2: never a 307 after the forms (the browser would re-post them)."""
    try:
        answer = authorize(http, target, code_client, state=new_state())
    except LoginError as error:
        status = error.status
        if error.response is None or status is None or not (status >= 500 or status in {307, 308}):
            pytest.fail(f"could not get through the login pages: {error}")
        settle(judge.ensure_login_ends_in_a_redirect(error))
        return
    settle(judge.ensure_redirect_with_a_code(answer))


@requirement("AC-STATE-ROUNDTRIP")
@pytest.mark.parametrize("kind", list(STATES))
def test_state_comes_back_byte_identical(
    http: Session, target: Target, code_client: Client, kind: str, usable_login: LoginCheck
) -> None:
    """RFC 6749 §4.1.2: state is returned as "The exact value received from the client"."""
    state = STATES[kind]
    outcome = attempt_authorization(http, target, code_client, state=state)
    usable_login(outcome)
    if kind == "unicode" and not outcome.code:
        pytest.skip(
            "the server did not issue a code for a non-ASCII state; RFC 6749 Appendix A.5 limits state to "
            f"printable ASCII, so refusing it is allowed ({outcome.describe()})"
        )
    settle(judge.ensure_state_comes_back(outcome, state))


@requirement("AC-UNKNOWN-CLIENT-NO-REDIRECT")
@pytest.mark.parametrize("client_id", ["unknown", "missing"])
def test_unknown_client_is_not_redirected(http: Session, target: Target, client_id: str) -> None:
    """RFC 6749 §4.1.2.1: a missing or invalid client identifier MUST NOT be redirected to the redirect URI."""
    state = new_state()
    stranger = Client("unknown", f"unknown-{secrets.token_hex(8)}", None, ("read",), ("authorization_code",),
                      FOREIGN_URI)  # fmt: skip
    url = None
    if client_id == "missing":
        pairs = [
            ("response_type", "code"),
            ("redirect_uri", FOREIGN_URI),
            ("scope", "read"),
            ("state", state),
        ]
        url = raw_authorization_url(target, pairs)
    outcome = attempt_authorization(http, target, stranger, state=state, url=url, watch=FOREIGN_URI)
    needs_login(outcome, target)
    settle(judge.ensure_not_redirected_to(outcome, FOREIGN_URI))


@requirement("AC-REDIRECT-URI-EXACT")
@pytest.mark.parametrize("kind", ["path-segment", "appended"])
def test_redirect_uri_must_match_exactly(http: Session, target: Target, ac_client: Client, kind: str) -> None:
    """RFC 6749 §3.1.2.3, RFC 9700 §2.1: redirect URIs are compared by exact string matching."""
    assert ac_client.redirect_uri is not None
    sent = lookalike(ac_client.redirect_uri, kind)
    outcome = attempt_authorization(http, target, ac_client, state=new_state(), redirect_uri=sent)
    needs_login(outcome, target)
    finding = judge.ensure_no_code_for_a_lookalike(outcome, sent)
    if finding.held:
        registered_redirect_or_skip(http, target, ac_client)  # a refusal counts once the genuine URI works
    settle(finding)


@requirement("AC-REDIRECT-MISMATCH-NO-REDIRECT")
def test_mismatching_redirect_uri_is_not_redirected(http: Session, target: Target, ac_client: Client) -> None:
    """RFC 6749 §4.1.2.1: a mismatching redirection URI MUST NOT be redirected to."""
    outcome = attempt_authorization(http, target, ac_client, state=new_state(), redirect_uri=FOREIGN_URI)
    needs_login(outcome, target)
    finding = judge.ensure_not_redirected_to(outcome, FOREIGN_URI)
    if finding.held:
        registered_redirect_or_skip(http, target, ac_client)  # a refusal counts once the genuine URI works
    settle(finding)


@requirement("AC-RESPONSE-TYPE-MISSING")
def test_missing_response_type_is_an_error_redirect(http: Session, target: Target, ac_client: Client) -> None:
    """RFC 6749 §3.1.1: a missing response_type MUST get an error response as in §4.1.2.1."""
    state = new_state()
    outcome = attempt_authorization(http, target, ac_client, state=state, response_type=None)
    needs_login(outcome, target)
    settle(
        judge.ensure_error_redirect(
            outcome, "invalid_request", state, "RFC 6749 §3.1.1: response_type is missing"
        )
    )


@requirement("AC-RESPONSE-TYPE-UNSUPPORTED")
def test_unknown_response_type_is_unsupported(http: Session, target: Target, ac_client: Client) -> None:
    """RFC 6749 §3.1.1, §4.1.2.1: a response type not understood is unsupported_response_type."""
    state = new_state()
    outcome = attempt_authorization(http, target, ac_client, state=state, response_type="spry_unknown_type")
    needs_login(outcome, target)
    settle(judge.ensure_error_redirect(outcome, "unsupported_response_type", state, "RFC 6749 §4.1.2.1"))


@requirement("AC-INVALID-SCOPE")
def test_unknown_scope_is_invalid_scope(http: Session, target: Target, ac_client: Client) -> None:
    """RFC 6749 §4.1.2.1: "invalid_scope The requested scope is invalid, unknown, or malformed"
    (a MAY: §3.3 lets the server ignore a requested scope instead)."""
    state = new_state()
    scope = f"{ac_client.scopes[0]} {UNKNOWN_SCOPE}" if ac_client.scopes else UNKNOWN_SCOPE
    outcome = attempt_authorization(http, target, ac_client, state=state, scope=scope)
    needs_login(outcome, target)
    settle(
        judge.ensure_error_redirect(
            outcome, "invalid_scope", state, f"the scope {UNKNOWN_SCOPE!r} is unknown"
        )
    )


@requirement("AC-ERROR-STATE")
@pytest.mark.parametrize("probe", list(ERROR_PROBES))
def test_error_redirects_carry_the_state(
    http: Session, target: Target, ac_client: Client, probe: str
) -> None:
    """RFC 6749 §4.1.2.1: the error response carries the exact state the client sent."""
    state = new_state()
    outcome = attempt_authorization(http, target, ac_client, state=state, **ERROR_PROBES[probe])  # type: ignore[arg-type]
    needs_login(outcome, target)
    if outcome.redirect is None or not outcome.error:
        pytest.skip(f"no error redirect to check for this request ({outcome.describe()})")
    settle(judge.ensure_error_carries_the_state(outcome, state))


@requirement("AC-REPEATED-PARAM-REFUSED")
@pytest.mark.parametrize("parameter", ["scope", "state"])
def test_repeated_parameter_is_refused(
    http: Session, target: Target, ac_client: Client, parameter: str
) -> None:
    """RFC 6749 §3.1: parameters "MUST NOT be included more than once"; §4.1.2.1: invalid_request."""
    state = new_state()
    scopes = ac_client.scopes or ("read",)
    if parameter == "scope":
        outcome = attempt_authorization(http, target, ac_client, state=state, scope=scopes[0],
                                        extra=[("scope", scopes[-1])])  # fmt: skip
    else:
        outcome = attempt_authorization(http, target, ac_client, state=state, extra=[("state", new_state())])
    needs_login(outcome, target)
    settle(judge.ensure_repeated_parameter_refused(outcome, parameter))
    if outcome.redirect is not None:
        error_code(http, outcome, "invalid_request", f"{parameter} included more than once")


@requirement("AC-ERROR-CODE")
def test_unsupported_challenge_method_is_invalid_request(
    http: Session, target: Target, ac_client: Client
) -> None:
    """RFC 7636 §4.4.1: an unsupported transformation gets "error" value set to "invalid_request"."""
    state = new_state()
    outcome = attempt_authorization(http, target, ac_client, state=state,
                                    extra=[("code_challenge", "x" * 43), ("code_challenge_method", "S512")])  # fmt: skip
    needs_login(outcome, target)
    settle(judge.ensure_unsupported_method_is_invalid_request(outcome))


@requirement("SEC-NO-PARAMETER-MERGING")
def test_repeated_state_is_not_merged(http: Session, target: Target, ac_client: Client) -> None:
    """RFC 6749 §4.1.2: state is "The exact value received from the client" - one of the copies sent, never
    a value joined from both."""
    first, second = new_state(), new_state()
    outcome = attempt_authorization(http, target, ac_client, state=first, extra=[("state", second)])
    needs_login(outcome, target)
    settle(judge.ensure_state_is_not_merged(outcome, first, second))


# --- the code exchange (§4.1.3) ------------------------------------------------------------------


@requirement("AC-CODE-SINGLE-USE")
def test_code_is_single_use(
    http: Session,
    target: Target,
    code_client: Client,
    issued_code: AuthorizationResponse,
    code_tokens: TokenResponse,
) -> None:
    """RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server MUST deny the request"."""
    replay = _redeem(http, target, code_client, issued_code)
    settle_refusal(judge.ensure_code_replay_refused(replay, code_tokens), http.recorder)


@requirement("AC-CODE-REUSE-REVOKES")
@pytest.mark.parametrize("token", ["access-token", "refresh-token"])
def test_code_replay_revokes_its_tokens(
    http: Session,
    target: Target,
    code_client: Client,
    issued_code: AuthorizationResponse,
    code_tokens: TokenResponse,
    token: str,
) -> None:
    """RFC 6749 §4.1.2: after a replay the server "SHOULD revoke (when possible) all tokens previously
    issued based on that authorization code"."""
    if token == "access-token":
        before = call_resource(http, target, code_tokens.access_token)
        if not 200 <= before.status < 300:
            pytest.skip(f"the code-flow access token is refused at {target.resource.read} even before the "
                        f"replay (HTTP {before.status}): revocation cannot be told apart")  # fmt: skip
        replay = _redeem(http, target, code_client, issued_code)
        after = call_resource(http, target, code_tokens.access_token)
        if after.status != 401 and not 200 <= after.status < 300:
            pytest.skip(
                f"the resource answered HTTP {after.status} after the replay: neither accepted nor 401"
            )
        settle(judge.ensure_replay_revokes_the_access_token(replay, after, after.status))
        return
    if not code_tokens.refresh_token:
        pytest.skip("the code exchange issued no refresh token")
    replay = _redeem(http, target, code_client, issued_code)
    renewed = refresh(http, target, code_client, code_tokens.refresh_token)
    if not renewed.ok and renewed.error != "invalid_grant":
        pytest.skip(f"the refresh request was refused with HTTP {renewed.status}, error "
                    f"{describe(renewed.error)}: not the refresh token being revoked (invalid_grant)")  # fmt: skip
    settle(judge.ensure_replay_revokes_the_refresh_token(replay, renewed))


@requirement("AC-CODE-BOUND-TO-CLIENT")
def test_code_is_bound_to_its_client(
    http: Session,
    target: Target,
    code_client: Client,
    secondary: Client,
    issued_code: AuthorizationResponse,
    request: pytest.FixtureRequest,
) -> None:
    """RFC 6749 §4.1.3: "ensure that the authorization code was issued to the authenticated confidential client"."""
    if not secondary.can("authorization_code"):
        pytest.skip("needs [clients.secondary] registered for the authorization_code grant")
    stolen = _redeem(http, target, secondary, issued_code, redirect_uri=code_client.redirect_uri)
    if stolen.error in {"invalid_client", "unauthorized_client"} or stolen.status == 429:
        secondary_works_or_skip(http, target, secondary, stolen, request)
    settle_refusal(judge.ensure_stolen_code_refused(stolen), http.recorder)


@requirement("AC-CODE-BOUND-TO-REDIRECT-URI")
@pytest.mark.parametrize("redirect_uri", ["different", "missing"])
def test_code_is_bound_to_its_redirect_uri(
    http: Session, target: Target, code_client: Client, issued_code: AuthorizationResponse, redirect_uri: str
) -> None:
    """RFC 6749 §4.1.3: the redirect_uri of the authorization request must be present and identical."""
    sent = FOREIGN_URI if redirect_uri == "different" else None
    answer = _redeem(http, target, code_client, issued_code, redirect_uri=sent)
    what = f"redirect_uri={FOREIGN_URI}" if sent else "no redirect_uri"
    settle_refusal(judge.ensure_code_refused_without_its_redirect_uri(answer, what), http.recorder)


@requirement("AC-REFRESH-TOKEN-ISSUED")
def test_code_exchange_issues_a_refresh_token(code_tokens: TokenResponse, code_client: Client) -> None:
    """Spry guide, Token Refresh: tokens are refreshed with a refresh_token, which the code flow issues."""
    if not code_client.can("refresh_token"):
        pytest.skip("needs clients.primary registered for the refresh_token grant")
    settle(judge.ensure_refresh_token_issued(code_tokens))


@requirement("AC-CLIENT-AUTH-REQUIRED")
def test_code_exchange_requires_client_authentication(
    http: Session, target: Target, code_client: Client, issued_code: AuthorizationResponse
) -> None:
    """RFC 6749 §4.1.3: "require client authentication for confidential clients"."""
    answer = _redeem(http, target, code_client, issued_code, auth="none")
    settle(judge.ensure_client_authentication_required(answer))


@requirement("AC-TOKEN-REPRESENTS-USER")
def test_code_flow_token_represents_the_user(
    http: Session, target: Target, code_client: Client, code_tokens: TokenResponse
) -> None:
    """Spry guide: the code flow acts "on behalf of a user"; RFC 9068 §2.2, RFC 9700 §4.15."""
    own = None
    evidence = [code_tokens]
    if code_client.can("client_credentials"):
        cc = client_credentials(http, target, code_client, scope=code_client.scope)
        if cc.ok:
            own = token_identity(cc)
            evidence.append(cc)
    mine = token_identity(code_tokens)
    verdict, reason = whose_token(mine, code_client.client_id, own)
    if verdict == "unknown":
        pytest.skip(f"cannot tell whose token it is: {reason}; configure a user other than the account the "
                    "client acts as in client_credentials")  # fmt: skip
    settle(judge.ensure_token_represents_the_user(verdict, reason, *evidence))


@requirement("AC-DENY-NO-CODE")
def test_denial_issues_no_code(
    http: Session, target: Target, code_client: Client, usable_login: LoginCheck
) -> None:
    """RFC 6749 §4.1.2: a code only "If the resource owner grants the access request";
    §4.1.2.1: a denial is error=access_denied."""
    outcome = attempt_authorization(http, target, code_client, state=new_state(), approve=False)
    usable_login(outcome)
    needs_login(outcome, target)
    if outcome.redirect is None and outcome.stopped is not None and "no deny button" in str(outcome.stopped):
        pytest.skip("the consent page has no Deny button to click (a denial by link or by closing the page "
                    "is not driven): cannot judge the denial")  # fmt: skip
    if (
        outcome.redirect is None
        and outcome.stopped is not None
        and "cannot deny consent" in str(outcome.stopped)
    ):
        pytest.skip(str(outcome.stopped))  # the login command has no {decision}: the message says to add it
    # a login command was told {decision} = deny; the other drivers' last request shows the click
    denied = target.user.login.method == "command" or (
        outcome.redirect is not None and clicked_deny(outcome.redirect)
    )
    if outcome.redirect is not None and outcome.code and not denied:
        pytest.skip("a code came back, but the request before it shows no click on a Deny button "
                    "(a server without a consent page): cannot judge the denial")  # fmt: skip
    settle(judge.ensure_denial_issues_no_code(outcome))
    error_code(http, outcome, "access_denied", "the user clicked Deny")


@requirement("AC-UNKNOWN-PARAM-IGNORED")
def test_unknown_parameter_is_ignored(
    http: Session, target: Target, code_client: Client, usable_login: LoginCheck
) -> None:
    """RFC 6749 §3.1: "The authorization server MUST ignore unrecognized request parameters"."""
    outcome = attempt_authorization(http, target, code_client, state=new_state(), extra=[UNKNOWN_PARAMETER])
    usable_login(outcome)
    needs_login(outcome, target)
    settle(judge.ensure_unknown_parameter_ignored(outcome, UNKNOWN_PARAMETER[0]))
