"""Judges of token strength: issued values cannot be guessed (RFC 6749 §10.10).

The values are estimated by `flows.entropy`; a finding names only their length, alphabet and the
patterns found, never a value.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.findings import Evidence, Finding, judged
from conformance.flows.entropy import MUST_BITS, estimate
from conformance.flows.jwt import decode_unverified

WANTED = f"at least {MUST_BITS} bits: an attacker's guess succeeds with probability at most 2^-{MUST_BITS}"


def ensure_unguessable(values: Sequence[str], kind: str, evidence: Evidence) -> Finding:
    """RFC 6749 §10.10: "The probability of an attacker guessing generated tokens (and other credentials not
    intended for handling by end-users) MUST be less than or equal to 2^(-128)". `kind` names the values
    ("authorization codes", "refresh tokens", "access tokens")."""
    found = estimate(list(values))
    return judged(found.bits >= MUST_BITS, WANTED, evidence, observed=f"{kind}: {found.describe()}")


def all_jwts(tokens: Sequence[str]) -> bool:
    """Whether every access token is a JWT: its unpredictability is then the signing key and the jti
    (JWT-STRONG-KEY, JWT-JTI-UNIQUE), not the token string."""
    return all(decode_unverified(token) is not None for token in tokens)
