"""Judges of replay by racing: one authorization code, or one refresh token, used by N simultaneous requests
(RFC 6749 §4.1.2, §10.5; RFC 9700 §4.14.2). Pure: each reads the N recorded token answers of one race.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.findings import Finding, judged
from conformance.flows.token import TokenResponse


def outcomes(answers: Sequence[TokenResponse]) -> str:
    """`HTTP 200, HTTP 400 invalid_grant, ...` in the order the responses were read."""
    return ", ".join(f"HTTP {a.status}" + (f" {a.error}" if a.error else "") for a in answers)


def judged_on_the_grant(answers: Sequence[TokenResponse]) -> bool:
    """Does the race say anything? Something was granted, or every refusal is the grant's own (invalid_grant)."""
    return any(a.ok for a in answers) or all(a.error == "invalid_grant" for a in answers)


def rotated(answers: Sequence[TokenResponse], old: str) -> list[TokenResponse]:
    """The granted answers that carry a new refresh token (RFC 9700 §4.14.2 rotation)."""
    return [a for a in answers if a.ok and a.refresh_token and a.refresh_token != old]


def ensure_one_code_yields_one_token(answers: Sequence[TokenResponse], n: int) -> Finding:
    """RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server MUST deny
    the request"; §10.5: codes are single-use. Of N simultaneous redemptions, at most one gets tokens."""
    granted = [a for a in answers if a.ok]
    return judged(len(granted) <= 1, f"at most one of {n} simultaneous redemptions of one code gets tokens",
                  *granted, observed=f"{len(granted)} of {n} got an access token ({outcomes(answers)})")  # fmt: skip


def ensure_one_refresh_token_yields_one_pair(answers: Sequence[TokenResponse], old: str, n: int) -> Finding:
    """RFC 9700 §4.14.2: with refresh token rotation "the authorization server issues a new refresh token with
    every access token refresh response. The previous refresh token is invalidated". Of N simultaneous
    refreshes with one refresh token, at most one gets a new refresh token."""
    new = rotated(answers, old)
    return judged(len(new) <= 1,
                  f"at most one of {n} simultaneous refreshes with one refresh token gets a new refresh token",
                  *new, observed=f"{len(new)} of {n} got a new token pair ({outcomes(answers)})")  # fmt: skip
