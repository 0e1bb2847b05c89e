"""The first generated input that broke a property, with the exchanges and steps that show it."""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.evidence import Exchange


@dataclass
class Found:
    """The first input that broke a property."""

    problem: str
    evidence: list[Exchange]
    example: str
    steps: list[str] = field(default_factory=list)
    reproduce: Exchange | None = None  # the request to repeat (default: the last exchange)
