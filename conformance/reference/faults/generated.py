"""Faults only generated input reveals (the fuzzing and property checks)."""

from __future__ import annotations

from .fault import Fault

DECLARED = (
    Fault(
        "login-username-500",
        ("FUZZ-LOGIN-NO-5XX",),
        "a login whose username is not ASCII gets a 500 (only the username fuzzing sends one)",
    ),
    Fault(
        "client-id-non-ascii-500",
        ("FUZZ-TOKEN-NO-5XX",),
        "a token request whose client_id is not ASCII gets a 500 (only the identity fuzzing sends one)",
    ),
    Fault(
        "astral-char-500",
        ("FUZZ-TOKEN-NO-5XX",),
        "a token parameter with a character outside the BMP (an emoji) answers 500",
    ),
    Fault(
        "long-param-500", ("FUZZ-MALFORMED-REFUSED",), "a token parameter over 1024 characters answers 500"
    ),
    Fault(
        "scope-spacing-500",
        ("FUZZ-SCOPE-SPACING",),
        "a scope with a doubled, leading or trailing space answers 500",
    ),
    Fault(
        "state-markup-stripped",
        ("AC-STATE-ROUNDTRIP",),
        "<, >, \" and ' are removed from the state (an XSS filter)",
    ),
    Fault(
        "error-description-echoes-input",
        ("FUZZ-RESPONSE-CONFORMS",),
        "unsupported_grant_type's error_description quotes the grant_type sent, non-ASCII included",
    ),
    Fault(
        "grant-type-prefix-match",
        ("FUZZ-INVALID-NO-TOKEN",),
        "a grant_type that starts with a supported one (client_credentials_v2) is served as that one",
    ),
    Fault(
        "rotated-refresh-token-widens",
        ("FUZZ-LIFECYCLE",),
        "a rotated refresh token carries the client's registered scopes, not the grant's",
    ),
    Fault(
        "replay-spares-refreshed-family",
        ("FUZZ-LIFECYCLE-REVOCATION",),
        "a replayed code revokes nothing once its tokens were refreshed",
    ),
)
