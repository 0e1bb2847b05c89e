"""The first generated input that broke a property (or a campaign's rule), with what shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance.evidence import Exchange

if TYPE_CHECKING:
    from conformance.generated.sender import Sent


@dataclass
class Found:
    """The first input that broke a property."""

    problem: str
    evidence: list[Exchange]
    example: str
    steps: list[str] = field(default_factory=list)
    reproduce: Exchange | None = None  # the request to repeat (default: the last exchange)


@dataclass
class Breach:
    """The first response of the fuzzing campaign that broke one rule, with what was wrong."""

    sent: Sent
    problem: str
