"""Faults of scopes (RFC 6749 §3.3), at the token endpoint and at the resource."""

from __future__ import annotations

from .fault import Fault

DECLARED = (
    Fault(
        "unknown-scope-granted",
        ("SCOPE-UNKNOWN-REFUSED",),
        "an unknown scope (e.g. admin) is granted and echoed",
    ),
    Fault(
        "unregistered-scope-granted",
        ("SCOPE-UNREGISTERED-REFUSED",),
        "a scope the client is not registered for is granted",
    ),
    Fault(
        "scope-subset-ignored", ("SCOPE-SUBSET-GRANTED",), "asking for a subset gets all registered scopes"
    ),
    Fault(
        "omitted-scope-empty", ("SCOPE-DEFAULT-WHEN-OMITTED",), 'an omitted scope grants nothing (scope "")'
    ),
    Fault(
        "scope-order-sensitive",
        ("SCOPE-ORDER-INSENSITIVE",),
        'scopes in another order than "read write" get invalid_scope',
    ),
    Fault(
        "narrowed-token-keeps-scope",
        ("SCOPE-NARROWED-CANNOT-WRITE",),
        "a narrowed request is answered with the narrow scope, but the token carries every registered scope",
    ),
    Fault(
        "resource-ignores-scope",
        ("SCOPE-READ-ONLY-CANNOT-WRITE", "SCOPE-NARROWED-CANNOT-WRITE"),
        "the resource never checks scope",
    ),
    Fault(
        "read-scope-refused",
        ("SCOPE-READ-TOKEN-READS",),
        "GET /v2/patients refuses read-only tokens (requires write)",
    ),
    Fault(
        "write-scope-refused",
        ("SCOPE-WRITE-TOKEN-WRITES",),
        "POST /v2/patients refuses tokens with write scope (403)",
    ),
)
