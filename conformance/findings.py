"""What a check found, as data: a judge's verdict on recorded exchanges, before anyone formats it.

A check is two parts. Its *probe* sends requests through the session and keeps what came back;
its *judge* is a pure function of those recorded answers that returns a `Finding`. Only the
probe touches the network, so every judge is tested in memory with one good and one bad
recorded exchange (tests/judges/), as the OpenID Foundation suite tests its conditions.

    answer = client_credentials(http, target, client)       # probe
    settle(ensure_token_type_is_bearer(answer))             # judge, then the verdict

`settle` raises a `Violation` (a failure, or a warning at SHOULD level) when the rule is broken;
the plugin reads the finding off it, so reports see data, not a formatted string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from conformance.errors import Violation
from conformance.evidence import Exchange, Recorder

#: held: the rule held on what was recorded; broken: the recorded exchanges break it.
Outcome = Literal["held", "broken"]


class HasExchange(Protocol):
    @property
    def exchange(self) -> Exchange: ...


Evidence = HasExchange | Exchange


@dataclass(frozen=True)
class Finding:
    """One judgement on one rule, from recorded exchanges.

    `wanted` is what the rule wants, in a reader's words; `observed` what the exchanges show.
    `property_held` is whether the security property the requirement's title names still held
    (false for a breach; true for a deviation of form, such as a refusal with the wrong error
    code, where nothing was issued). `key` identifies the finding for de-duplication across checks.
    """

    outcome: Outcome
    wanted: str
    observed: str = ""
    exchanges: tuple[Exchange, ...] = ()
    property_held: bool = True
    requirement: str = ""  # filled in by the plugin from the check's requirement marker
    notes: tuple[str, ...] = field(default=())

    @property
    def held(self) -> bool:
        return self.outcome == "held"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.requirement, self.wanted, self.observed)

    def message(self) -> str:
        """The failure text: what the rule wants, what was observed, the exchanges that show it."""
        lines = [f"expected: {self.wanted}"]
        if self.observed:
            lines.append(f"observed: {self.observed}")
        for exchange in self.exchanges:
            lines.append("exchange:")
            lines.extend("  " + line for line in exchange.summary().splitlines())
        return "\n".join(lines)


def exchanges_of(evidence: tuple[Evidence, ...]) -> tuple[Exchange, ...]:
    return tuple(e if isinstance(e, Exchange) else e.exchange for e in evidence)


def judged(condition: object, wanted: str, *evidence: Evidence, observed: str = "",
           property_held: bool | None = None) -> Finding:  # fmt: skip
    """A finding: held when `condition` is true, broken otherwise.

    `property_held` defaults to the outcome (a broken rule breaks its property) unless the judge
    says the break is one of form only.
    """
    outcome: Outcome = "held" if condition else "broken"
    held = outcome == "held" if property_held is None else property_held
    return Finding(outcome, wanted, observed, exchanges_of(evidence), property_held=held)


def first_broken(*findings: Finding) -> Finding:
    """The first broken finding of several judged together, or the last one when all held."""
    for finding in findings:
        if not finding.held:
            return finding
    return findings[-1]


class FindingViolation(Violation):
    """A `Violation` that carries its `Finding`."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message(), list(finding.exchanges))
        self.finding = finding


def settle(finding: Finding) -> Finding:
    """Raise the finding as a `Violation` when its rule is broken; return it when it held."""
    if not finding.held:
        raise FindingViolation(finding)
    return finding


def settle_property(finding: Finding, recorder: Recorder, format_requirement: str) -> Finding:
    """A finding in two parts: its property decides this check (a `Violation` when broken); when the property
    held but the form did not, the deviation goes to `format_requirement` (see `evidence.Deviation`)."""
    if not finding.property_held:
        raise FindingViolation(finding)
    if not finding.held and finding.exchanges:
        recorder.deviate(format_requirement, f"{finding.observed} where the rule wants {finding.wanted}",
                         finding.exchanges[-1])  # fmt: skip
    return finding


@dataclass(frozen=True)
class Refusal:
    """A refusal judged in two parts: `finding`, whether anything was issued (the check's own property),
    and `deviation`, the format requirement and text when the refusal is not the RFC 6749 §5.2 error named."""

    finding: Finding
    deviation: tuple[str, str] | None = None


def settle_refusal(refusal: Refusal, recorder: Recorder) -> Finding:
    """Raise when something was issued; otherwise record the refusal's deviation of form, if any."""
    settle(refusal.finding)
    if refusal.deviation is not None and refusal.finding.exchanges:
        recorder.deviate(*refusal.deviation, refusal.finding.exchanges[-1])
    return refusal.finding
