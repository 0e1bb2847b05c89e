"""Judges of expiry: access tokens (RFC 6749 §5.1, §7; RFC 7519 §4.1.4), codes (§4.1.2), refresh tokens (§1.5).

Each judge reads what an expiry check's one probe got at its deadline (and the answer it was issued
with); the probe and the wait are the check's (`conformance/checks/test_expiry.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from conformance.evidence import Exchange
from conformance.findings import Finding, first_broken, judged
from conformance.flows.resource import parse_challenge
from conformance.flows.token import TokenResponse
from conformance.judges.answers import is_success
from conformance.verdict import describe


class Response(Protocol):
    """A recorded answer of the resource (`conformance.http.Response` is one)."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def exchange(self) -> Exchange: ...


def refusal(response: Response) -> str:
    """A resource's answer in a few words: its status and the RFC 6750 error of its challenge, if any."""
    challenge = parse_challenge(response.headers.get("www-authenticate"))
    error = f', WWW-Authenticate error="{challenge.error}"' if challenge and challenge.error else ""
    return f"HTTP {response.status}{error}"


def ensure_expired_token_refused(
    before: Response, after: Response, seconds: float, lifetimes: str
) -> Finding:
    """RFC 6749 §7: "The resource server MUST validate the access token and ensure that it has not expired";
    RFC 7519 §4.1.4: on or after exp the JWT "MUST NOT be accepted for processing"."""
    return judged(400 <= after.status < 500,
                  f'the expired token refused (4xx; RFC 6750 §3.1: 401 with error="invalid_token") {seconds:g} s '
                  "after issue", before, after, observed=f"{refusal(after)} {seconds:g} s after issue ({lifetimes})")  # fmt: skip


def ensure_token_valid_before_expiry(
    before: Response, after: Response, seconds: float, lifetimes: str
) -> Finding:
    """RFC 6749 §5.1: expires_in is "The lifetime in seconds of the access token": the token works until then."""
    return judged(is_success(after), f"the token still accepted {seconds:g} s after issue, before its stated expiry",
                  before, after, observed=f"{refusal(after)} {seconds:g} s after issue ({lifetimes})")  # fmt: skip


def ensure_expires_in_is_documented(answer: TokenResponse, expected: int, grant: str) -> Finding:
    """Spry guide: "Access tokens expire after 1 hour" and "expires_in": 3600; RFC 6749 §5.1: expires_in is
    "The lifetime in seconds of the access token" (the RFC RECOMMENDS it; the guide always sends it)."""
    value = answer.body.get("expires_in", "(absent)")
    exact = isinstance(value, int) and not isinstance(value, bool) and value == expected
    return judged(exact, f"expires_in {expected} (a JSON integer: the documented lifetime, token.expected_lifetime)",
                  answer, observed=f"expires_in {describe(value)} in the {grant} response")  # fmt: skip


def ensure_exp_agrees_with_expires_in(
    answer: TokenResponse, lifetime: float, source: str, tolerance: float
) -> Finding:
    """RFC 6749 §5.1: expires_in is "The lifetime in seconds of the access token"; RFC 7519 §4.1.4/§4.1.6:
    exp and iat bound the same lifetime: `lifetime` is exp minus `source` (iat, or the response's Date)."""
    return judged(abs(lifetime - float(answer.expires_in or 0)) <= tolerance,
                  f"exp - {source} equal to expires_in ({answer.expires_in}) within {tolerance} s", answer,
                  observed=f"exp - {source} = {lifetime:g} s, expires_in = {answer.expires_in}")  # fmt: skip


def ensure_refresh_states_lifetime(answer: TokenResponse, expected: int) -> Finding:
    """Spry guide: "Access tokens expire after 1 hour", refreshed ones too: expires_in is the documented
    lifetime (a JSON integer) in the refresh response."""
    value = answer.body.get("expires_in", "(absent)")
    return judged(isinstance(value, int) and not isinstance(value, bool) and value == expected,
                  f"expires_in {expected} in the refresh response, like every access token", answer,
                  observed=f"expires_in {describe(value)} in the refresh response")  # fmt: skip


def ensure_refreshed_token_expires(refreshed: TokenResponse, before: Response, after: Response,
                                   seconds: float) -> Finding:  # fmt: skip
    """RFC 6750 §5.3: "Issue short-lived bearer tokens": a refreshed token is refused once its lifetime passed."""
    return first_broken(
        judged(is_success(before), "the refreshed token accepted right after the refresh", refreshed, before,
               observed=refusal(before)),
        judged(400 <= after.status < 500, f"the refreshed token refused {seconds:g} s after the refresh", refreshed,
               before, after, observed=f"{refusal(after)} {seconds:g} s after the refresh"),
    )  # fmt: skip


def ensure_refresh_outlives_access_token(
    first: TokenResponse, answer: TokenResponse, seconds: float
) -> Finding:
    """Spry guide: "Access tokens expire after 1 hour. For long-running applications, implement token refresh";
    RFC 6749 §1.5: a refresh token obtains a new access token "when the current access token ... expires"."""
    outcome = f"HTTP {answer.status}" + (f", error {answer.error}" if answer.error else "")
    return judged(answer.ok and bool(answer.access_token),
                  f"a new access token {seconds:g} s later, once the first one expired", first, answer,
                  observed=f"{outcome}, {seconds:g} s after the grant")  # fmt: skip


def ensure_late_code_refused(late: TokenResponse, seconds: float) -> Finding:
    """RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED"; §5.2: an expired
    code is `invalid_grant`. The property is that no token is issued; the error code is the form."""
    return judged(late.error == "invalid_grant" and late.status in {400, 401} and not late.access_token,
                  f"the code refused (HTTP 400 invalid_grant) {seconds:g} s after it was issued", late,
                  observed=f"HTTP {late.status}" + (": the code was still redeemed" if late.access_token
                                                    else f", error {describe(late.error)}"),
                  property_held=not late.access_token)  # fmt: skip
