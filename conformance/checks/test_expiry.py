"""Expiry: the Spry guide's "Access tokens expire after 1 hour", expires_in (RFC 6749 §5.1), exp (RFC 7519
§4.1.4), codes (RFC 6749 §4.1.2) and refresh tokens outliving their access tokens (§1.5).

The checks that need time to pass are in two parts (`conformance/run/expiry.py`): a `begin` function
obtains the token or code and its positive control and says when to probe it; the check itself gets what
its one probe returned at that deadline (the `expiry` fixture) and judges it (`conformance/judges/expiry.py`).
On the embedded server the clock is moved. On a remote target the tokens are obtained at the start of the
run and probed when they expire (`--wait-for-expiry`, `--budget certification`, or a lifetime within
`token.max_expiry_wait`); otherwise the check is skipped, naming the flag and the time it would take.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest

from conformance.catalogue import requirement
from conformance.config import Client, Target
from conformance.findings import settle, settle_property
from conformance.flows.authorize import AuthorizationResponse, LoginError, authorize, new_state
from conformance.flows.jwt import decode_unverified
from conformance.flows.lifetime import (
    describe_lifetimes,
    is_number,
    own_lifetimes,
    response_date,
    stated_lifetimes,
)
from conformance.flows.resource import call_resource
from conformance.flows.token import TokenResponse, client_credentials, exchange_code, refresh
from conformance.http import Response, Session
from conformance.judges import expiry as judge
from conformance.judges.answers import is_success
from conformance.run.expiry import Expiry, Plan
from conformance.verdict import refusal_format

MARGIN = 10
"""Seconds kept before the stated expiry (beyond token.clock_skew) for requests in flight."""

Check = TypeVar("Check", bound=Callable[..., None])

GRANTS = {"client_credentials": "cc_token", "authorization_code": "code_tokens"}


# What the expiry checks obtain at the start ------------------------------------------------------------


def _primary(target: Target, grant: str) -> Client:
    client = target.client("primary")
    if client is None:
        pytest.skip(f"needs [clients.primary] with its secret in {target.clients['primary'].secret_env}")
    if not client.can(grant):
        pytest.skip(f"needs [clients.primary] registered for the {grant} grant (grants = [...])")
    return client


def _issued_code(http: Session, target: Target) -> tuple[Client, AuthorizationResponse]:
    """A fresh authorization code for the primary client, through the login pages (as `issued_code`)."""
    client = _primary(target, "authorization_code")
    if not client.redirect_uri:
        pytest.skip("needs clients.primary.redirect_uri for the authorization code flow")
    if target.user.login.method == "form" and not target.user.password:
        pytest.skip(
            f"needs the user's password in {target.user.password_env} for the authorization code flow"
        )
    try:
        code = authorize(http, target, client, state=new_state())
    except LoginError as error:
        pytest.fail(f"could not get through the login pages: {error}")
    if not code.code:
        pytest.fail(f"the authorization request returned no code (error {code.error!r})")
    return client, code


def _code_tokens(http: Session, target: Target) -> TokenResponse:
    client, code = _issued_code(http, target)
    answer = exchange_code(http, target, client, code.code or "", redirect_uri=client.redirect_uri)
    if not answer.ok:
        pytest.fail(f"the code exchange failed (HTTP {answer.status}, error {answer.error})")
    return answer


def _access_token(http: Session, target: Target) -> TokenResponse:
    """A fresh access token: client credentials when the primary client may use them, else the code flow."""
    primary = target.client("primary")
    if primary is not None and not primary.can("client_credentials") and primary.can("authorization_code"):
        return _code_tokens(http, target)
    client = _primary(target, "client_credentials")
    answer = client_credentials(http, target, client, scope=client.scope)
    if not answer.ok:
        pytest.fail(
            f"could not obtain a client-credentials token (HTTP {answer.status}, error {answer.error})"
        )
    return answer


def _refreshable(http: Session, target: Target) -> tuple[Client, TokenResponse]:
    client = _primary(target, "refresh_token")
    answer = _code_tokens(http, target)
    if not answer.refresh_token:
        pytest.skip("the target issued no refresh token in the authorization code flow")
    return client, answer


def _works_now(http: Session, target: Target, answer: TokenResponse) -> Response:
    """The token is accepted before any time passes; otherwise expiry cannot be judged (an error)."""
    used = call_resource(http, target, answer.access_token)
    if not is_success(used):
        pytest.fail(
            f"a fresh access token was refused at {target.resource.read} (HTTP {used.status}): expiry cannot be judged"
        )
    return used


def _used_at_deadline(http: Session, target: Target, answer: TokenResponse) -> Plan:
    """A plan whose probe uses the token at the resource (its `after` and `why` are filled in by the caller)."""
    return Plan(answer, 0, "", lambda: call_resource(http, target, answer.access_token),
                control=_works_now(http, target, answer))  # fmt: skip


def begin_expired_token(http: Session, target: Target) -> Plan:
    answer = _access_token(http, target)
    plan = _used_at_deadline(http, target, answer)
    lifetimes = own_lifetimes(answer, target.token.expected_lifetime)
    plan.after = max(lifetimes.values()) + target.token.clock_skew
    plan.why = f"the token's longest stated lifetime ({describe_lifetimes(lifetimes)}) plus token.clock_skew"
    plan.facts["lifetimes"] = describe_lifetimes(lifetimes)
    return plan


def begin_token_before_expiry(http: Session, target: Target) -> Plan:
    answer = _access_token(http, target)
    lifetimes = stated_lifetimes(answer, target.token.expected_lifetime)
    after = min(lifetimes.values()) - target.token.clock_skew - MARGIN
    if after <= 0:
        pytest.skip(f"the token's stated lifetime ({describe_lifetimes(lifetimes)}) is shorter than "
                    f"token.clock_skew + {MARGIN} s: nothing to check before it expires")  # fmt: skip
    plan = _used_at_deadline(http, target, answer)
    plan.after = after
    plan.why = (
        f"the token's shortest stated lifetime ({describe_lifetimes(lifetimes)}) less the skew and a margin"
    )
    plan.facts["lifetimes"] = describe_lifetimes(lifetimes)
    return plan


def begin_refreshed_token(http: Session, target: Target) -> Plan:
    client, first = _refreshable(http, target)
    answer = refresh(http, target, client, first.refresh_token or "")
    if not answer.ok:
        pytest.fail(f"the refresh at {target.refresh_path} failed (HTTP {answer.status}, error {answer.error}): "
                    "RT-DOCUMENTED-ENDPOINT judges that endpoint")  # fmt: skip
    plan = Plan(answer, target.token.expected_lifetime + target.token.clock_skew,
                "token.expected_lifetime plus token.clock_skew", lambda: call_resource(http, target, answer.access_token),
                control=call_resource(http, target, answer.access_token))  # fmt: skip
    plan.facts["expected"] = target.token.expected_lifetime
    return plan


def begin_refresh_after_expiry(http: Session, target: Target) -> Plan:
    client, first = _refreshable(http, target)
    lifetimes = own_lifetimes(first, target.token.expected_lifetime)
    return Plan(first, max(lifetimes.values()) + target.token.clock_skew,
                f"the access token's lifetime ({describe_lifetimes(lifetimes)}) plus token.clock_skew",
                lambda: refresh(http, target, client, first.refresh_token or ""))  # fmt: skip


def begin_code_expiry(http: Session, target: Target) -> Plan:
    client, code = _issued_code(http, target)
    documented = min(target.token.code_lifetime, 600)
    return Plan(code, documented + target.token.clock_skew,
                f"the code's lifetime (token.code_lifetime {target.token.code_lifetime} s, at most the RECOMMENDED "
                "10 minutes) plus token.clock_skew",
                lambda: exchange_code(http, target, client, code.code or "", redirect_uri=client.redirect_uri))  # fmt: skip


def expiring(begin: object) -> Callable[[Check], Check]:
    """An expiry check: `begin` runs at the start of the run (or when the check runs, when time can be moved);
    the expiry checks are one xdist group, so one worker waits for them all."""

    def mark(check: Check) -> Check:
        return pytest.mark.xdist_group("expiry")(pytest.mark.expiry(begin=begin)(check))

    return mark


# The checks -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("grant", list(GRANTS))
@requirement("TOKEN-EXPIRES-IN")
def test_expires_in_is_documented_lifetime(
    target: Target, request: pytest.FixtureRequest, grant: str
) -> None:
    """Spry guide: "Access tokens expire after 1 hour" and "expires_in": 3600 (RFC 6749 §5.1: expires_in is
    "The lifetime in seconds of the access token"; the RFC only RECOMMENDS it, the guide always sends it)."""
    answer: TokenResponse = request.getfixturevalue(GRANTS[grant])
    settle(judge.ensure_expires_in_is_documented(answer, target.token.expected_lifetime, grant))


@expiring(begin_expired_token)
@requirement("EXPIRY-EXPIRED-REFUSED")
def test_expired_token_is_refused(expiry: Expiry) -> None:
    """RFC 6749 §7: "The resource server MUST validate the access token and ensure that it has not expired";
    RFC 7519 §4.1.4: on or after exp the JWT "MUST NOT be accepted for processing"."""
    plan = expiry.plan
    settle(
        judge.ensure_expired_token_refused(
            plan.control, expiry.probed_or_skip(), plan.after, plan.facts["lifetimes"]
        )
    )


@expiring(begin_token_before_expiry)
@requirement("EXPIRY-VALID-UNTIL-EXP")
def test_token_valid_until_shortly_before_expiry(expiry: Expiry) -> None:
    """Spry guide: "Access tokens expire after 1 hour"; RFC 6749 §5.1: expires_in is "The lifetime in
    seconds of the access token" - so the token works until then."""
    plan = expiry.plan
    settle(
        judge.ensure_token_valid_before_expiry(
            plan.control, expiry.probed_or_skip(), plan.after, plan.facts["lifetimes"]
        )
    )


@expiring(begin_refreshed_token)
@requirement("EXPIRY-REFRESHED-TOKEN")
def test_refreshed_token_expires_like_others(expiry: Expiry) -> None:
    """Spry guide: "Access tokens expire after 1 hour" - refreshed ones too (RFC 6750 §5.3: "Issue
    short-lived bearer tokens")."""
    plan = expiry.plan
    settle(judge.ensure_refresh_states_lifetime(plan.issued, plan.facts["expected"]))
    settle(
        judge.ensure_refreshed_token_expires(plan.issued, plan.control, expiry.probed_or_skip(), plan.after)
    )


@expiring(begin_refresh_after_expiry)
@requirement("RT-OUTLIVES-ACCESS-TOKEN")
def test_refresh_token_outlives_access_token(expiry: Expiry) -> None:
    """Spry guide: "Access tokens expire after 1 hour. For long-running applications, implement token
    refresh"; RFC 6749 §1.5: refresh tokens obtain a new access token "when the current access token
    becomes invalid or expires"."""
    settle(
        judge.ensure_refresh_outlives_access_token(
            expiry.plan.issued, expiry.probed_or_skip(), expiry.plan.after
        )
    )


@expiring(begin_code_expiry)
@requirement("AC-CODE-EXPIRES")
def test_code_expires_within_ten_minutes(http: Session, expiry: Expiry) -> None:
    """RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED"."""
    late: TokenResponse = expiry.probed_or_skip()
    settle_property(
        judge.ensure_late_code_refused(late, expiry.plan.after), http.recorder, refusal_format(late)
    )


@requirement("EXPIRY-JWT-EXP-MATCHES")
def test_jwt_exp_matches_expires_in(target: Target, access: TokenResponse) -> None:
    """RFC 6749 §5.1: expires_in is "The lifetime in seconds of the access token"; RFC 7519 §4.1.4/§4.1.6:
    exp and iat bound the same lifetime. The payload is read without verifying the signature."""
    answer = access
    decoded = decode_unverified(answer.access_token)
    if decoded is None:
        pytest.skip("the access token is opaque (not a JWT): it has no readable exp to compare")
    exp, iat = decoded.claims.get("exp"), decoded.claims.get("iat")
    if not is_number(exp):
        pytest.skip("the JWT has no numeric exp claim (JWT-HAS-EXP judges that)")
    if not is_number(answer.expires_in):
        pytest.skip("the token response has no numeric expires_in (TOKEN-EXPIRES-IN judges that)")
    start, source = (iat, "iat") if is_number(iat) else (response_date(answer), "the response's Date header")
    if start is None:
        pytest.skip("the JWT has no iat claim and the response no Date header: the issue time is unknown")
    lifetime = float(exp) - float(start)
    tolerance = target.token.clock_skew + (0 if source == "iat" else 1)
    settle(judge.ensure_exp_agrees_with_expires_in(answer, lifetime, source, tolerance))
