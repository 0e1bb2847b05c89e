"""Faults of JWT access tokens (RFC 8725, RFC 7519)."""

from __future__ import annotations

from .fault import Fault

DECLARED = (
    Fault(
        "rs256-alg-confusion",
        ("JWT-ALG-CONFUSION",),
        "RS256 tokens; an HS256 token signed with the public key's PEM as the HMAC secret is accepted",
    ),
    Fault("alg-none-accepted", ("JWT-ALG-NONE",), "the resource accepts alg none tokens"),
    Fault(
        "signature-not-verified",
        ("JWT-SIGNATURE-VERIFIED",),
        "the resource decodes without verifying the signature",
    ),
    Fault(
        "alg-confusion-hs512",
        ("JWT-ALG-ALLOWLIST",),
        "the resource accepts HS384/HS512 tokens, checked with an empty key (its key table only holds the HS256 secret)",
    ),
    Fault(
        "jwk-header-trusted",
        ("JWT-HEADER-KEYS-IGNORED",),
        "the resource verifies with an embedded `jwk` header key",
    ),
    Fault("weak-signing-key", ("JWT-STRONG-KEY",), 'tokens are signed with the key "secret"'),
    Fault("jwt-no-exp", ("JWT-HAS-EXP",), "tokens carry no exp claim (and the resource accepts them)"),
    Fault("jwt-leaks-secret", ("JWT-NO-SECRETS",), "the client secret is put in the JWT payload"),
    Fault("jti-reused", ("JWT-JTI-UNIQUE",), "every token gets the same jti"),
    Fault(
        "refresh-token-is-jwt-accepted",
        ("JWT-TOKEN-TYPE-CONFUSION",),
        "refresh tokens are JWTs signed with the access-token key, accepted by the resource",
    ),
)
