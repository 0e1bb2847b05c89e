"""Authorization code grant (RFC 6749 §4.1), as the Spry guide's "Authorization Code Flow" documents it.

The front channel is driven like a browser: the redirect back to the client is captured, never
followed. Errors that must be redirected (§4.1.2.1) are accepted whether the server answers at once
or after its login page; errors that must not be redirected are judged on where the walk ends.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import pytest

from conformance.catalogue import requirement
from conformance.checks._controls import registered_redirect_or_skip
from conformance.checks.conftest import LoginCheck
from conformance.config import Client, Target
from conformance.evidence import Exchange
from conformance.flows.authorize import AuthorizationResponse, LoginError, authorize, new_state
from conformance.flows.front_channel import AuthorizationOutcome, attempt_authorization, raw_authorization_url
from conformance.flows.identity import token_identity, whose_token
from conformance.flows.resource import call_resource
from conformance.flows.token import TokenResponse, client_credentials, exchange_code, refresh
from conformance.http import Session
from conformance.login.forms import DENY
from conformance.verdict import describe, expect, expect_refused

#: A redirect URI no client registers (RFC 2606 reserves .invalid): where an open redirector would send users.
FOREIGN_URI = "https://attacker.invalid/callback"


@pytest.fixture
def ac_client(target: Target) -> Client:
    """The primary client, for authorization requests that a server may refuse before any login."""
    client = target.client("primary")
    if client is None or not client.can("authorization_code") or not client.redirect_uri:
        pytest.skip("needs clients.primary with its secret, a redirect_uri and the authorization_code grant")
    return client


def _evidence(answer: AuthorizationResponse) -> list[Exchange]:
    return [answer.response.exchange] if answer.response is not None else []


def _needs_login(outcome: AuthorizationOutcome, target: Target) -> None:
    if outcome.needs_login:
        pytest.skip(
            f"the server answered with a page that needs the user's login: set {target.user.password_env}"
            " (or user.login.method = 'command')"
        )


def _lands_on(outcome: AuthorizationOutcome, uri: str) -> bool:
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


def _expect_error_redirect(outcome: AuthorizationOutcome, error: str, state: str, why: str) -> None:
    """An error redirect to the registered URI with `error` and the exact state (RFC 6749 §4.1.2.1)."""
    expect(outcome.redirect is not None, f"an error redirect to the registered redirect URI ({why})",
           *outcome.exchanges, observed=outcome.describe())  # fmt: skip
    assert outcome.redirect is not None
    expect(outcome.error == error, f"error={error} in the redirect ({why})", *outcome.exchanges,
           observed=outcome.describe())  # fmt: skip
    expect(outcome.redirect.state == state, "the exact state in the error redirect (RFC 6749 §4.1.2.1)",
           *outcome.exchanges, observed=f"state {describe(outcome.redirect.state)}")  # fmt: skip


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
        expect(False, "login and consent end in a redirect to the registered redirect URI", error.response,
               observed=f"HTTP {status}: {error}")  # fmt: skip
        return
    if answer.response is not None:
        status = answer.response.status
        expect(status not in {307, 308}, "a 302 or 303 redirect back to the client (a 307/308 re-posts the form)",
               answer.response, observed=f"HTTP {status}")  # fmt: skip
    expect(answer.code, "a code in the query of the redirect to the registered redirect URI",
           *_evidence(answer), observed=f"no code (error {describe(answer.error)})")  # fmt: skip


_STATES = {
    "spaces": "a state with  spaces ",
    "ampersand": "a&b&&c",
    "equals": "key=value==",
    "percent": "100% %41%2B%zz%",
    "plus": "1+1 =+2+",
    "unicode": "état ✓ 日本語",
    "long": ("0123456789abcdefghijklmnopqrstuvwxyz-._~ ABC" * 5)[:220],
}


@requirement("AC-STATE-ROUNDTRIP")
@pytest.mark.parametrize("kind", list(_STATES))
def test_state_comes_back_byte_identical(
    http: Session, target: Target, code_client: Client, kind: str, usable_login: LoginCheck
) -> None:
    """RFC 6749 §4.1.2: state is returned as "The exact value received from the client"."""
    state = _STATES[kind]
    outcome = attempt_authorization(http, target, code_client, state=state)
    usable_login(outcome)
    if kind == "unicode" and not outcome.code:
        pytest.skip(
            "the server did not issue a code for a non-ASCII state; RFC 6749 Appendix A.5 limits state to "
            f"printable ASCII, so refusing it is allowed ({outcome.describe()})"
        )
    expect(outcome.redirect is not None, "a redirect back to the client carrying the state",
           *outcome.exchanges, observed=outcome.describe())  # fmt: skip
    assert outcome.redirect is not None
    came_back = outcome.redirect.state
    expect(came_back == state, f"the state {state!r}, byte for byte", *outcome.exchanges,
           observed=f"state {describe(came_back)}")  # fmt: skip


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
    _needs_login(outcome, target)
    expect(not _lands_on(outcome, FOREIGN_URI), f"no redirect to {FOREIGN_URI} (an error shown to the user)",
           *outcome.exchanges, observed=outcome.describe())  # fmt: skip


def _lookalike(registered: str, kind: str) -> str:
    parts = urlsplit(registered)
    path = parts.path or "/"
    path = path.rstrip("/") + "/extra" if kind == "path-segment" else path + "-evil"
    return urlunsplit(parts._replace(path=path))


@requirement("AC-REDIRECT-URI-EXACT")
@pytest.mark.parametrize("kind", ["path-segment", "appended"])
def test_redirect_uri_must_match_exactly(http: Session, target: Target, ac_client: Client, kind: str) -> None:
    """RFC 6749 §3.1.2.3, RFC 9700 §2.1: redirect URIs are compared by exact string matching."""
    assert ac_client.redirect_uri is not None
    sent = _lookalike(ac_client.redirect_uri, kind)
    outcome = attempt_authorization(http, target, ac_client, state=new_state(), redirect_uri=sent)
    _needs_login(outcome, target)
    if not outcome.code:
        registered_redirect_or_skip(http, target, ac_client)  # a refusal counts once the genuine URI works
    expect(not outcome.code, f"no code delivered to {sent}, which only starts like the registered URI",
           *outcome.exchanges, observed=outcome.describe())  # fmt: skip


@requirement("AC-REDIRECT-MISMATCH-NO-REDIRECT")
def test_mismatching_redirect_uri_is_not_redirected(http: Session, target: Target, ac_client: Client) -> None:
    """RFC 6749 §4.1.2.1: a mismatching redirection URI MUST NOT be redirected to."""
    outcome = attempt_authorization(http, target, ac_client, state=new_state(), redirect_uri=FOREIGN_URI)
    _needs_login(outcome, target)
    if not _lands_on(outcome, FOREIGN_URI):
        registered_redirect_or_skip(http, target, ac_client)  # a refusal counts once the genuine URI works
    expect(not _lands_on(outcome, FOREIGN_URI), f"no redirect to {FOREIGN_URI} (an error shown to the user)",
           *outcome.exchanges, observed=outcome.describe())  # fmt: skip


@requirement("AC-RESPONSE-TYPE-MISSING")
def test_missing_response_type_is_an_error_redirect(http: Session, target: Target, ac_client: Client) -> None:
    """RFC 6749 §3.1.1: a missing response_type MUST get an error response as in §4.1.2.1."""
    state = new_state()
    outcome = attempt_authorization(http, target, ac_client, state=state, response_type=None)
    _needs_login(outcome, target)
    _expect_error_redirect(outcome, "invalid_request", state, "RFC 6749 §3.1.1: response_type is missing")


@requirement("AC-RESPONSE-TYPE-UNSUPPORTED")
def test_unknown_response_type_is_unsupported(http: Session, target: Target, ac_client: Client) -> None:
    """RFC 6749 §3.1.1, §4.1.2.1: a response type not understood is unsupported_response_type."""
    state = new_state()
    outcome = attempt_authorization(http, target, ac_client, state=state, response_type="spry_unknown_type")
    _needs_login(outcome, target)
    _expect_error_redirect(outcome, "unsupported_response_type", state, "RFC 6749 §4.1.2.1")


#: A scope the Spry guide does not define (it defines read and write).
UNKNOWN_SCOPE = "spry.unknown"


@requirement("AC-INVALID-SCOPE")
def test_unknown_scope_is_invalid_scope(http: Session, target: Target, ac_client: Client) -> None:
    """RFC 6749 §4.1.2.1: "invalid_scope The requested scope is invalid, unknown, or malformed"
    (a MAY: §3.3 lets the server ignore a requested scope instead)."""
    state = new_state()
    scope = f"{ac_client.scopes[0]} {UNKNOWN_SCOPE}" if ac_client.scopes else UNKNOWN_SCOPE
    outcome = attempt_authorization(http, target, ac_client, state=state, scope=scope)
    _needs_login(outcome, target)
    _expect_error_redirect(outcome, "invalid_scope", state, f"the scope {UNKNOWN_SCOPE!r} is unknown")


_ERROR_PROBES = {
    "missing-response-type": {"response_type": None},
    "unsupported-response-type": {"response_type": "spry_unknown_type"},
    "invalid-scope": {"scope": UNKNOWN_SCOPE},
    "access-denied": {"approve": False},
}


@requirement("AC-ERROR-STATE")
@pytest.mark.parametrize("probe", list(_ERROR_PROBES))
def test_error_redirects_carry_the_state(
    http: Session, target: Target, ac_client: Client, probe: str
) -> None:
    """RFC 6749 §4.1.2.1: the error response carries the exact state the client sent."""
    state = new_state()
    outcome = attempt_authorization(http, target, ac_client, state=state, **_ERROR_PROBES[probe])  # type: ignore[arg-type]
    _needs_login(outcome, target)
    if outcome.redirect is None or not outcome.error:
        pytest.skip(f"no error redirect to check for this request ({outcome.describe()})")
    came_back = outcome.redirect.state
    expect(came_back == state, f"the exact state in the error={outcome.error} redirect", *outcome.exchanges,
           observed=f"state {describe(came_back) if came_back is not None else '(absent)'}")  # fmt: skip


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
    _needs_login(outcome, target)
    expect(not outcome.code, f"the request with {parameter} twice refused, no code", *outcome.exchanges,
           observed=outcome.describe())  # fmt: skip
    if outcome.redirect is not None:
        _error_code(http, outcome, "invalid_request", f"{parameter} included more than once")


def _error_code(http: Session, outcome: AuthorizationOutcome, named: str, cause: str) -> None:
    """The refusal held (no code): a different error code is AC-ERROR-CODE's finding, not this check's."""
    if outcome.error != named and outcome.exchanges:
        http.recorder.deviate("AC-ERROR-CODE", f"error={outcome.error!r} where RFC 6749 §4.1.2.1 names {named} "
                              f"({cause})", outcome.exchanges[-1])  # fmt: skip


@requirement("AC-ERROR-CODE")
def test_unsupported_challenge_method_is_invalid_request(
    http: Session, target: Target, ac_client: Client
) -> None:
    """RFC 7636 §4.4.1: an unsupported transformation gets "error" value set to "invalid_request"."""
    state = new_state()
    outcome = attempt_authorization(http, target, ac_client, state=state,
                                    extra=[("code_challenge", "x" * 43), ("code_challenge_method", "S512")])  # fmt: skip
    _needs_login(outcome, target)
    expect(not outcome.code, "no code for an unsupported code_challenge_method", *outcome.exchanges,
           observed=outcome.describe())  # fmt: skip
    expect(outcome.error == "invalid_request", "error=invalid_request (RFC 7636 §4.4.1)", *outcome.exchanges,
           observed=outcome.describe())  # fmt: skip


@requirement("SEC-NO-PARAMETER-MERGING")
def test_repeated_state_is_not_merged(http: Session, target: Target, ac_client: Client) -> None:
    """RFC 6749 §4.1.2: state is "The exact value received from the client" - one of the copies sent, never
    a value joined from both."""
    first, second = new_state(), new_state()
    outcome = attempt_authorization(http, target, ac_client, state=first, extra=[("state", second)])
    _needs_login(outcome, target)
    returned = outcome.redirect.state if outcome.redirect is not None else None
    expect(returned in {None, first, second}, "the state of the redirect is one of the copies sent, or none",
           *outcome.exchanges, observed=f"state {describe(returned)} came back for {first!r} and {second!r}")  # fmt: skip


# --- the code exchange (§4.1.3) ------------------------------------------------------------------


def _redeem(
    http: Session, target: Target, client: Client, code: AuthorizationResponse, **options: object
) -> TokenResponse:
    options.setdefault("redirect_uri", client.redirect_uri)
    return exchange_code(http, target, client, code.code or "", **options)  # type: ignore[arg-type]


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
    expect_refused(http.recorder, replay, "the second redemption of the code refused", code_tokens,
                   errors={"invalid_grant"}, observed=f"HTTP {replay.status}: a second access token was issued")  # fmt: skip


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
        expect(after.status == 401, "the first access token refused (401) once its code was replayed",
               replay, after, observed=f"HTTP {after.status}: the access token still works")  # fmt: skip
        return
    if not code_tokens.refresh_token:
        pytest.skip("the code exchange issued no refresh token")
    replay = _redeem(http, target, code_client, issued_code)
    renewed = refresh(http, target, code_client, code_tokens.refresh_token)
    if not renewed.ok and renewed.error != "invalid_grant":
        pytest.skip(f"the refresh request was refused with HTTP {renewed.status}, error "
                    f"{describe(renewed.error)}: not the refresh token being revoked (invalid_grant)")  # fmt: skip
    expect(not renewed.ok, "the first refresh token refused (invalid_grant) once its code was replayed",
           replay, renewed, observed="the refresh token still issued a new access token")  # fmt: skip


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
        _secondary_works_or_skip(http, target, secondary, stolen, request)
    expect_refused(http.recorder, stolen, "the primary client's code refused to the secondary client",
                   errors={"invalid_grant"},
                   observed="the secondary client got an access token for the primary client's code")  # fmt: skip


def _secondary_works_or_skip(
    http: Session, target: Target, secondary: Client, stolen: TokenResponse, request: pytest.FixtureRequest
) -> None:
    """Before a refusal is blamed on the configuration, the secondary client's own flow is tried: when it works,
    the refusal was the server's answer to the stolen code, and is judged as such."""
    if secondary.can("client_credentials"):
        own = client_credentials(http, target, secondary, scope=secondary.scope or None)
        tried = "its own client-credentials request"
    else:
        authorize_user = request.getfixturevalue("authorize_user")
        mine = authorize_user(secondary)
        own = _redeem(http, target, secondary, mine, redirect_uri=secondary.redirect_uri)
        tried = "its own authorization code"
    if own.ok:
        return  # the secondary client works: the refusal of the primary's code is the server's own answer
    pytest.skip(f"the secondary client was refused for the primary's code (HTTP {stolen.status}, {stolen.error}) "
                f"and for {tried} too (HTTP {own.status}, {own.error}): check [clients.secondary], its secret "
                "and its grants")  # fmt: skip


@requirement("AC-CODE-BOUND-TO-REDIRECT-URI")
@pytest.mark.parametrize("redirect_uri", ["different", "missing"])
def test_code_is_bound_to_its_redirect_uri(
    http: Session, target: Target, code_client: Client, issued_code: AuthorizationResponse, redirect_uri: str
) -> None:
    """RFC 6749 §4.1.3: the redirect_uri of the authorization request must be present and identical."""
    sent = FOREIGN_URI if redirect_uri == "different" else None
    answer = _redeem(http, target, code_client, issued_code, redirect_uri=sent)
    what = f"redirect_uri={FOREIGN_URI}" if sent else "no redirect_uri"
    expect_refused(http.recorder, answer, f"the code refused with {what}", errors={"invalid_grant", "invalid_request"},
                   observed=f"HTTP {answer.status}: a token was issued")  # fmt: skip


@requirement("AC-REFRESH-TOKEN-ISSUED")
def test_code_exchange_issues_a_refresh_token(code_tokens: TokenResponse, code_client: Client) -> None:
    """Spry guide, Token Refresh: tokens are refreshed with a refresh_token, which the code flow issues."""
    if not code_client.can("refresh_token"):
        pytest.skip("needs clients.primary registered for the refresh_token grant")
    expect(code_tokens.refresh_token, "a refresh_token in the code exchange's response", code_tokens,
           observed="no refresh_token member")  # fmt: skip


@requirement("AC-CLIENT-AUTH-REQUIRED")
def test_code_exchange_requires_client_authentication(
    http: Session, target: Target, code_client: Client, issued_code: AuthorizationResponse
) -> None:
    """RFC 6749 §4.1.3: "require client authentication for confidential clients"."""
    answer = _redeem(http, target, code_client, issued_code, auth="none")
    expect(not answer.ok, "no token for a code exchange without the client's secret", answer,
           observed=f"HTTP {answer.status}: a token was issued to the unauthenticated request")  # fmt: skip


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
    expect(verdict == "user", "a token for the user who logged in, not the client's own identity", *evidence,
           observed=f"the code-flow token speaks for the client: {reason}")  # fmt: skip


def _clicked_deny(answer: AuthorizationResponse) -> bool:
    """Was the redirect the answer to a form post that carried a Deny button's name or value?"""
    if answer.response is None or answer.response.exchange.method != "POST":
        return False
    body = answer.response.exchange.request_body
    pairs = parse_qsl(body, keep_blank_values=True)
    if body.lstrip().startswith("{"):  # a script's JSON post (method = "browser" on a single-page login)
        pairs = [(str(k), str(v)) for k, v in _json_members(body)]
    return any(DENY.search(name) or DENY.search(value) for name, value in pairs if "csrf" not in name.lower())


def _json_members(body: str) -> list[tuple[object, object]]:
    try:
        document = json.loads(body)
    except ValueError:
        return []
    return list(document.items()) if isinstance(document, dict) else []


@requirement("AC-DENY-NO-CODE")
def test_denial_issues_no_code(
    http: Session, target: Target, code_client: Client, usable_login: LoginCheck
) -> None:
    """RFC 6749 §4.1.2: a code only "If the resource owner grants the access request";
    §4.1.2.1: a denial is error=access_denied."""
    outcome = attempt_authorization(http, target, code_client, state=new_state(), approve=False)
    usable_login(outcome)
    _needs_login(outcome, target)
    if outcome.redirect is None and outcome.stopped is not None and "no deny button" in str(outcome.stopped):
        pytest.skip("the consent page has no Deny button to click (a denial by link or by closing the page "
                    "is not driven): cannot judge the denial")  # fmt: skip
    if outcome.redirect is not None and outcome.code and not _clicked_deny(outcome.redirect):
        pytest.skip("a code came back, but the request before it shows no click on a Deny button "
                    "(a server without a consent page): cannot judge the denial")  # fmt: skip
    expect(outcome.redirect is not None, "a redirect back to the client after the user clicked Deny",
           *outcome.exchanges, observed=outcome.describe())  # fmt: skip
    expect(not outcome.code, "no code after the user clicked Deny", *outcome.exchanges,
           observed="a code was issued although the user denied the request")  # fmt: skip
    _error_code(http, outcome, "access_denied", "the user clicked Deny")


#: A parameter no authorization server defines.
UNKNOWN_PARAMETER = ("x_conformance_unknown", "1")


@requirement("AC-UNKNOWN-PARAM-IGNORED")
def test_unknown_parameter_is_ignored(
    http: Session, target: Target, code_client: Client, usable_login: LoginCheck
) -> None:
    """RFC 6749 §3.1: "The authorization server MUST ignore unrecognized request parameters"."""
    outcome = attempt_authorization(http, target, code_client, state=new_state(), extra=[UNKNOWN_PARAMETER])
    usable_login(outcome)
    _needs_login(outcome, target)
    expect(outcome.code, f"a code, the unknown parameter {UNKNOWN_PARAMETER[0]} ignored", *outcome.exchanges,
           observed=outcome.describe())  # fmt: skip
