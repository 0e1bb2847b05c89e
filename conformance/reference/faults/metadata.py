"""Faults of the authorization server metadata (RFC 8414)."""

from __future__ import annotations

from .fault import Fault

DECLARED = (
    Fault(
        "metadata-issuer-mismatch",
        ("META-ISSUER-MATCHES",),
        "the metadata's issuer is not the URL it was fetched from",
    ),
    Fault(
        "metadata-wrong-endpoint",
        ("META-ENDPOINTS-MATCH",),
        "the metadata names a token endpoint the server does not serve",
    ),
    Fault(
        "metadata-no-s256",
        ("META-PKCE-S256-ADVERTISED",),
        "the metadata leaves out code_challenge_methods_supported",
    ),
    Fault(
        "metadata-advertises-implicit",
        ("META-NO-DEPRECATED-GRANTS",),
        "the metadata advertises response_type token",
    ),
    Fault(
        "metadata-advertises-password",
        ("META-NO-DEPRECATED-GRANTS",),
        "the metadata advertises the password grant",
    ),
)
