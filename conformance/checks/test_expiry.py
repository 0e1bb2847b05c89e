"""Expiry: the Spry guide's "Access tokens expire after 1 hour", expires_in (RFC 6749 §5.1) and exp (RFC 7519 §4.1.4).

Time passes through the `clock` fixture: moved on the embedded server, waited for on a short-lived
remote target, otherwise the check is skipped with the reason.
"""

from __future__ import annotations

import pytest

from conformance.catalogue import requirement
from conformance.config import Client, Target
from conformance.flows.jwt import decode_unverified
from conformance.flows.lifetime import (
    describe_lifetimes,
    is_number,
    own_lifetimes,
    response_date,
    stated_lifetimes,
)
from conformance.flows.resource import call_resource, challenge_of
from conformance.flows.token import TokenResponse, refresh
from conformance.http import Response, Session
from conformance.run.clock import Clock
from conformance.verdict import describe, expect

MARGIN = 10
"""Seconds kept before the stated expiry (beyond token.clock_skew) for requests in flight."""

GRANTS = {"client_credentials": "cc_token", "authorization_code": "code_tokens"}


def _token(request: pytest.FixtureRequest, target: Target) -> TokenResponse:
    """A fresh access token: client credentials when the primary client may use them, else the code flow."""
    primary = target.client("primary")
    if primary is not None and not primary.can("client_credentials") and primary.can("authorization_code"):
        return request.getfixturevalue("code_tokens")
    return request.getfixturevalue("cc_token")


def _accepted(response: Response) -> bool:
    return 200 <= response.status < 300


def _works_now(http: Session, target: Target, answer: TokenResponse) -> Response:
    """The token is accepted before any time passes; otherwise expiry cannot be judged (an error)."""
    used = call_resource(http, target, answer.access_token)
    if not _accepted(used):
        pytest.fail(
            f"a fresh access token was refused at {target.resource.read} (HTTP {used.status}): expiry cannot be judged"
        )
    return used


def _refusal(response: Response) -> str:
    challenge = challenge_of(response)
    error = f', WWW-Authenticate error="{challenge.error}"' if challenge and challenge.error else ""
    return f"HTTP {response.status}{error}"


@pytest.mark.parametrize("grant", list(GRANTS))
@requirement("TOKEN-EXPIRES-IN")
def test_expires_in_is_documented_lifetime(
    target: Target, request: pytest.FixtureRequest, grant: str
) -> None:
    """Spry guide: "Access tokens expire after 1 hour" and "expires_in": 3600 (RFC 6749 §5.1: expires_in is
    "The lifetime in seconds of the access token"; the RFC only RECOMMENDS it, the guide always sends it)."""
    answer: TokenResponse = request.getfixturevalue(GRANTS[grant])
    expected = target.token.expected_lifetime
    value = answer.body.get("expires_in", "(absent)")
    exact = is_number(value) and isinstance(value, int) and value == expected
    expect(exact, f"expires_in {expected} (a JSON integer: the documented lifetime, token.expected_lifetime)", answer,
           observed=f"expires_in {describe(value)} in the {grant} response")  # fmt: skip


@requirement("EXPIRY-EXPIRED-REFUSED")
def test_expired_token_is_refused(
    http: Session, target: Target, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """RFC 6749 §7: "The resource server MUST validate the access token and ensure that it has not expired";
    RFC 7519 §4.1.4: on or after exp the JWT "MUST NOT be accepted for processing"."""
    answer = _token(request, target)
    before = _works_now(http, target, answer)
    lifetimes = own_lifetimes(answer, target.token.expected_lifetime)
    wait = max(lifetimes.values()) + target.token.clock_skew
    clock.pass_time(
        wait,
        why=f"the token's longest stated lifetime ({describe_lifetimes(lifetimes)}) plus token.clock_skew",
    )
    after = call_resource(http, target, answer.access_token)
    expect(400 <= after.status < 500,
           f"the expired token refused (4xx; RFC 6750 §3.1: 401 with error=\"invalid_token\") {wait:g} s after issue",
           before, after, observed=f"{_refusal(after)} {wait:g} s after issue ({describe_lifetimes(lifetimes)})")  # fmt: skip


@requirement("EXPIRY-VALID-UNTIL-EXP")
def test_token_valid_until_shortly_before_expiry(
    http: Session, target: Target, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """Spry guide: "Access tokens expire after 1 hour"; RFC 6749 §5.1: expires_in is "The lifetime in
    seconds of the access token" - so the token works until then."""
    answer = _token(request, target)
    lifetimes = stated_lifetimes(answer, target.token.expected_lifetime)
    wait = min(lifetimes.values()) - target.token.clock_skew - MARGIN
    if wait <= 0:
        pytest.skip(f"the token's stated lifetime ({describe_lifetimes(lifetimes)}) is shorter than "
                    f"token.clock_skew + {MARGIN} s: nothing to check before it expires")  # fmt: skip
    before = _works_now(http, target, answer)
    clock.pass_time(
        wait,
        why=f"the token's shortest stated lifetime ({describe_lifetimes(lifetimes)}) less the skew and a margin",
    )
    after = call_resource(http, target, answer.access_token)
    expect(_accepted(after), f"the token still accepted {wait:g} s after issue, before its stated expiry", before,
           after, observed=f"{_refusal(after)} {wait:g} s after issue ({describe_lifetimes(lifetimes)})")  # fmt: skip


@requirement("EXPIRY-JWT-EXP-MATCHES")
def test_jwt_exp_matches_expires_in(target: Target, request: pytest.FixtureRequest) -> None:
    """RFC 6749 §5.1: expires_in is "The lifetime in seconds of the access token"; RFC 7519 §4.1.4/§4.1.6:
    exp and iat bound the same lifetime. The payload is read without verifying the signature."""
    answer = _token(request, target)
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
    expect(abs(lifetime - answer.expires_in) <= tolerance,
           f"exp - {source} equal to expires_in ({answer.expires_in}) within {tolerance} s", answer,
           observed=f"exp - {source} = {lifetime:g} s, expires_in = {answer.expires_in}")  # fmt: skip


@requirement("EXPIRY-REFRESHED-TOKEN")
def test_refreshed_token_expires_like_others(
    http: Session, target: Target, clock: Clock, refresh_client: Client, refreshable: TokenResponse
) -> None:
    """Spry guide: "Access tokens expire after 1 hour" - refreshed ones too (RFC 6750 §5.3: "Issue
    short-lived bearer tokens")."""
    expected = target.token.expected_lifetime
    answer = refresh(http, target, refresh_client, refreshable.refresh_token or "")
    if not answer.ok:
        pytest.fail(f"the refresh at {target.refresh_path} failed (HTTP {answer.status}, error {answer.error}): "
                    "RT-DOCUMENTED-ENDPOINT judges that endpoint")  # fmt: skip
    value = answer.body.get("expires_in", "(absent)")
    expect(isinstance(value, int) and not isinstance(value, bool) and value == expected,
           f"expires_in {expected} in the refresh response, like every access token", answer,
           observed=f"expires_in {describe(value)} in the refresh response")  # fmt: skip
    before = _works_now(http, target, answer)
    wait = expected + target.token.clock_skew
    clock.pass_time(wait, why="token.expected_lifetime plus token.clock_skew")
    after = call_resource(http, target, answer.access_token)
    expect(400 <= after.status < 500, f"the refreshed token refused {wait:g} s after the refresh", before, after,
           observed=f"{_refusal(after)} {wait:g} s after the refresh")  # fmt: skip
