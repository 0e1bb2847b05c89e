"""Faults of the protected resource (RFC 6750), the Spry envelope and token lifetime
(RFC 6749 §4.2.2 ``expires_in``, RFC 7519 §4.1.4 ``exp``)."""

from __future__ import annotations

from .fault import Fault

DECLARED = (
    Fault(
        "low-entropy-access-token",
        ("SEC-ENTROPY-ACCESS",),
        "access tokens are opaque, zero-padded sequential counters",
    ),
    Fault(
        "insufficient-scope-401",
        ("BEARER-INSUFFICIENT-SCOPE",),
        "insufficient scope answers 401 invalid_token instead of 403",
    ),
    Fault(
        "no-token-no-challenge",
        ("BEARER-MISSING-CHALLENGE",),
        "a request with no token gets 401 without WWW-Authenticate",
    ),
    Fault(
        "no-token-error-attribute",
        ("BEARER-MISSING-NO-ERROR",),
        'a request with no token gets error="invalid_token" in its challenge',
    ),
    Fault(
        "bad-token-no-error-code",
        ("BEARER-INVALID-TOKEN",),
        'a malformed/unknown token gets a bare challenge, no error="invalid_token"',
    ),
    Fault(
        "bearer-scheme-case-sensitive",
        ("BEARER-SCHEME-CASE-INSENSITIVE",),
        'only "Bearer" exactly is recognised',
    ),
    Fault("query-token-accepted", ("BEARER-NO-QUERY-TOKEN",), "?access_token= is accepted"),
    Fault(
        "header-token-refused",
        ("BEARER-HEADER-ACCEPTED",),
        "a token in the Authorization header is not recognised (treated as no token)",
    ),
    Fault(
        "invalid-token-fail-open",
        ("BEARER-INVALID-TOKEN-REFUSED",),
        "a token that fails verification is let through (fail-open error handling)",
    ),
    Fault(
        "two-token-methods-accepted",
        ("BEARER-ONE-METHOD",),
        "a token in the header and in the query or body together is served (the header wins)",
    ),
    Fault("form-token-accepted", ("BEARER-NO-FORM-TOKEN",), "access_token in a form body is accepted"),
    Fault(
        "envelope-missing", ("SPRY-ENVELOPE",), "the resource answers bare JSON instead of the Spry envelope"
    ),
    Fault(
        "revoked-token-accepted",
        ("BEARER-REVOKED-REFUSED",),
        "revocation is recorded but not checked at the resource",
    ),
    Fault("expired-token-accepted", ("EXPIRY-EXPIRED-REFUSED",), "the resource ignores exp"),
    Fault(
        "token-expires-early",
        ("EXPIRY-VALID-UNTIL-EXP",),
        "the resource refuses tokens older than half their lifetime",
    ),
    Fault("jwt-exp-mismatch", ("EXPIRY-JWT-EXP-MATCHES",), "the JWT exp is iat + 2 x lifetime"),
    Fault(
        "refreshed-token-long-lived",
        ("EXPIRY-REFRESHED-TOKEN",),
        "tokens from a refresh get 10 x the lifetime",
    ),
)
