"""The :class:`Fault` type: one deliberate defect of the reference server."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    """One deliberate defect: its name, the requirement ids it breaks and what it does."""

    name: str
    breaks: tuple[str, ...]
    description: str
    needs_tls: bool = False
    """The fault only shows on a server started with ``ServerSettings.tls`` (transport faults)."""
