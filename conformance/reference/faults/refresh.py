"""Faults of refresh tokens (RFC 6749 §6, RFC 9700 §4.14)."""

from __future__ import annotations

from .fault import Fault

DECLARED = (
    Fault("v1-refresh-missing", ("RT-DOCUMENTED-ENDPOINT",), "/apis/v1/oauth/token answers 404"),
    Fault(
        "refresh-no-client-auth",
        ("RT-CLIENT-AUTH-REQUIRED",),
        "a refresh without client authentication succeeds",
    ),
    Fault("refresh-not-bound-to-client", ("RT-BOUND-TO-CLIENT",), "another client may use the refresh token"),
    Fault(
        "refresh-narrow-ignored",
        ("RT-SCOPE-NARROWING",),
        "a narrower scope on refresh gets the original scope",
    ),
    Fault("refresh-scope-widening", ("RT-SCOPE-NO-WIDENING",), "a wider scope on refresh is granted"),
    Fault(
        "refresh-scope-not-preserved",
        ("RT-SCOPE-PRESERVED",),
        "after a narrowed refresh, the new refresh token carries only the narrowed scope",
    ),
    Fault(
        "refresh-same-access-token",
        ("RT-NEW-ACCESS-TOKEN",),
        "refresh hands back the same access token again",
    ),
    Fault(
        "refresh-not-rotated-old-valid",
        ("RT-ROTATION-OLD-REFUSED",),
        "a new refresh token is issued but the old one still works",
    ),
    Fault(
        "refresh-reuse-keeps-family",
        ("RT-REUSE-REVOKES-FAMILY",),
        "a replayed rotated refresh token is refused but its family stays valid",
    ),
    Fault(
        "access-token-as-refresh",
        ("RT-WRONG-ARTEFACT-REFUSED",),
        "an access token presented as refresh_token is accepted",
    ),
    Fault(
        "v2-refresh-500", ("RT-V2-TOKEN-PATH",), "the v2 token endpoint answers a refresh request with 500"
    ),
    Fault(
        "refresh-expires-with-access-token",
        ("RT-OUTLIVES-ACCESS-TOKEN",),
        "refresh tokens die once an access-token lifetime has passed since the grant",
    ),
    Fault("refresh-race", ("SEC-RACE-REFRESH",), "refresh rotation is check-then-act with a 50 ms gap"),
    Fault("low-entropy-refresh", ("SEC-ENTROPY-REFRESH",), "refresh tokens are sequential counters"),
)
