"""Access token scope (RFC 6749 §3.3).

"The value of the scope parameter is expressed as a list of space-delimited, case-sensitive
strings." An unknown scope, or one the client is not registered for, is refused with
``invalid_scope``; "If the client omits the scope parameter ... the authorization server MUST
either process the request using a pre-defined default value or fail": the default here is
every scope the client is registered for.
"""

from __future__ import annotations

from .faults import FaultSet
from .registry import KNOWN_SCOPES


class ScopeError(ValueError):
    """The requested scope is invalid, unknown or exceeds what may be granted (``invalid_scope``)."""


def parse(requested: str) -> frozenset[str]:
    """The set of scope tokens in a scope parameter (extra spaces are ignored)."""
    return frozenset(token for token in requested.split(" ") if token)


def canonical(scope: frozenset[str]) -> str:
    """The scope as a response string: known scopes in order "read write", others after them sorted."""
    known = [name for name in KNOWN_SCOPES if name in scope]
    return " ".join(known + sorted(scope - set(KNOWN_SCOPES)))


def resolve(requested: str | None, registered: frozenset[str], faults: FaultSet) -> frozenset[str]:
    """The scope to grant a client registered for ``registered`` that asked for ``requested``."""
    if requested is None:
        return frozenset() if faults.on("omitted-scope-empty") else registered
    tokens = parse(requested)
    if not tokens:
        raise ScopeError("the scope parameter names no scope")
    if faults.on("scope-order-sensitive") and " ".join(requested.split()) != canonical(tokens):
        raise ScopeError("the scopes are not in the order read write")
    unknown = tokens - set(KNOWN_SCOPES)
    if unknown and faults.on("unknown-scope-dropped") and tokens - unknown:  # RFC 6749 §3.3: ignored, stated
        tokens, unknown = tokens - unknown, frozenset()
    if unknown and not faults.on("unknown-scope-granted"):
        raise ScopeError("the scope names an unknown scope")
    unregistered = (tokens - unknown) - registered
    if unregistered and not faults.on("unregistered-scope-granted"):
        raise ScopeError("the client is not registered for the requested scope")
    if faults.on("scope-subset-ignored"):
        return tokens | registered
    return tokens
