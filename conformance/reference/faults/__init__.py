"""Named faults: small switches that make the reference server break one rule each.

A fault is read at the one place where its rule is enforced
(``if state.faults.on("code-reusable"): ...``); there is no second copy of the server.
Every fault is declared once, in the module of the rule family it breaks (``token``,
``client_auth``, ``authorization``, ``scopes``, ``refresh``, ``resource``, ``jwt``, ``metadata``,
``hardening``, ``generated``), with the requirement id(s) of the suite's catalogue that it breaks
(the fault table of the project plan is the contract). This module is the registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from . import (
    authorization,
    client_auth,
    generated,
    hardening,
    jwt,
    metadata,
    refresh,
    resource,
    scopes,
    token,
)
from .fault import Fault

__all__ = ["FAULTS", "Fault", "FaultSet", "UnknownFault"]

_DECLARED: tuple[Fault, ...] = (
    *token.DECLARED,
    *client_auth.DECLARED,
    *authorization.DECLARED,
    *scopes.DECLARED,
    *refresh.DECLARED,
    *resource.DECLARED,
    *jwt.DECLARED,
    *metadata.DECLARED,
    *hardening.DECLARED,
    *generated.DECLARED,
)

FAULTS: Mapping[str, Fault] = MappingProxyType({fault.name: fault for fault in _DECLARED})
"""Every fault, keyed by name (read-only)."""

assert len(FAULTS) == len(_DECLARED), "a fault is declared twice"


class UnknownFault(ValueError):
    """A fault name that is not in :data:`FAULTS`."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(sorted(names))
        known = ", ".join(sorted(FAULTS))
        super().__init__(f"unknown fault(s): {', '.join(self.names)}; known faults: {known}")


class FaultSet:
    """The faults (and variants, conformance.reference.variants) switched on in one server.

    ``on(name)`` is read at each enforcement site, for a fault or a variant alike.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        from ..variants import VARIANTS

        active = frozenset(names)
        unknown = active - FAULTS.keys() - VARIANTS.keys()
        if unknown:
            raise UnknownFault(unknown)
        self.active = active
        self._known = FAULTS.keys() | VARIANTS.keys()

    def on(self, name: str) -> bool:
        """Whether fault or variant ``name`` is switched on; an undeclared name raises :class:`UnknownFault`."""
        if name not in self._known:
            raise UnknownFault([name])
        return name in self.active

    def __repr__(self) -> str:
        return f"FaultSet({sorted(self.active)!r})"
