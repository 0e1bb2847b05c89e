"""Named variants: behaviours that are unusual but correct, each switched on like a fault.

Faults prove that a check fails on the server that breaks its rule; variants prove that no check
fails on a server that keeps the rules in a way the suite's authors might not have expected. Each
variant names the sentence that permits it, and the warnings a reader should expect (a SHOULD the
variant leaves unmet, reported as a warning, never as a failure). ``tests/reference/test_variants.py``
runs the whole suite against each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Variant:
    """A correct but unusual behaviour: its name, what it does, and the text that permits it."""

    name: str
    description: str
    permitted_by: str
    warns: tuple[str, ...] = ()  # SHOULD-level requirements it leaves unmet (a warning is expected)


_DECLARED = (
    Variant("token-type-lowercase", 'token_type is "bearer"',
            'RFC 6749 §5.1: "The value is case insensitive"; RFC 6750 §4 registers "Bearer" as the type name'),
    Variant("invalid-client-400-for-body-auth",
            "a failed client authentication in the body gets 400 invalid_client (a failed Basic one still 401)",
            'RFC 6749 §5.2 invalid_client: the server "MAY return an HTTP 401"; 401 is a MUST only when the '
            "client used the Authorization header"),
    Variant("no-store-without-pragma", "token responses carry Cache-Control: no-store and no Pragma",
            "RFC 9111 §5.4 deprecates Pragma; Cache-Control: no-store (RFC 6749 §5.1's MUST) keeps the tokens "
            "out of every HTTP/1.1 cache", warns=("TOKEN-PRAGMA-NO-CACHE", "TOKEN-ERROR-NO-CACHE")),
    Variant("extra-token-members", "token responses carry members no RFC defines",
            'RFC 6749 §5.1: "The client MUST ignore unrecognized value names in the response"'),
    Variant("scope-omitted-when-equal", "the scope member is left out when the granted scope is the requested one",
            'RFC 6749 §5.1 scope: "OPTIONAL, if identical to the scope requested by the client"'),
    Variant("unknown-scope-dropped", "an unknown scope is dropped from the request, and the granted scope stated",
            'RFC 6749 §3.3: the server "MAY fully or partially ignore the scope requested by the client" and '
            '"MUST include the "scope" response parameter to inform the client of the actual scope granted"'),
    Variant("refresh-not-rotated", "a refresh answers with a new access token and no new refresh token",
            'RFC 6749 §6: the server "MAY issue a new refresh token"; RFC 9700 §4.14.2 requires rotation or '
            "sender-constraining for public clients only"),
    Variant("opaque-access-tokens", "access tokens are random opaque strings, not JWTs",
            "RFC 6749 §1.4: an access token is \"usually opaque to the client\"; RFC 6750 does not require a format"),
    Variant("rs256-tokens", "access tokens are RS256-signed, the public key set published at the JWKS URL",
            "RFC 7518 §3.1 (RS256 is RECOMMENDED); RFC 9068 §4 (the key set from the metadata's jwks_uri)"),
    Variant("short-lived-codes", "authorization codes live 10 seconds",
            'RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED" (a maximum)'),
    Variant("no-metadata", "no authorization server metadata is published (the well-known URL answers 404)",
            "RFC 8414 §1: metadata is something an authorization server MAY publish; nothing requires it"),
    Variant("json-charset", "JSON responses are application/json; charset=utf-8",
            "RFC 8259 §11: application/json has no charset parameter, and a recipient ignores one; "
            "RFC 6749 §5.1 asks for application/json"),
)  # fmt: skip

VARIANTS: Mapping[str, Variant] = MappingProxyType({variant.name: variant for variant in _DECLARED})
"""Every variant, keyed by name (read-only)."""

assert len(VARIANTS) == len(_DECLARED), "a variant is declared twice"
