"""Outcomes: one per check, rolled up into one per requirement and one verdict per run.

Statuses (the contract's): passed, failed (a MUST broken, or a SHOULD under --strict),
warning (a SHOULD broken), skipped (with what the configuration lacks), error (the check
itself could not run), waived (failed, but an unexpired waiver accepts it).

Verdicts of a run: pass, fail (a requirement failed or errored), incomplete (nothing failed, but the run
cannot vouch for the target: no requirement was checked at all, or `--fail-on-skip` found a MUST skipped
that the expected-skips file does not list).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from conformance.catalogue import Requirement

STATUSES = ("passed", "failed", "warning", "skipped", "error", "waived")
VERDICTS = ("pass", "fail", "incomplete")
#: The statuses that say something about the target: a requirement in one of them was checked.
CHECKED = ("passed", "failed", "warning", "error", "waived")
# When several checks serve one requirement, the worst status wins.
_RANK = {"error": 5, "failed": 4, "waived": 3, "warning": 2, "passed": 1, "skipped": 0}


@dataclass
class CheckResult:
    nodeid: str
    requirement: str
    status: str
    message: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)
    duration: float = 0.0
    requests: int = 0
    generated: int = 0  # of those, requests a fuzzing or property check generated
    #: format deviations this check saw while judging its own property (evidence.Deviation.to_dict())
    deviations: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class RequirementResult:
    requirement: Requirement
    status: str
    reason: str
    checks: list[CheckResult]
    #: the waiver that matched a failure (requirement, reason, owner, expires, active), as data for the writers
    waiver: dict[str, Any] | None = None
    #: why this skip was expected (the expected-skips file), when it is listed there
    expected_skip: str | None = None

    def summary_entry(self) -> dict[str, Any]:
        """The contract's entry in `summary.json`."""
        r = self.requirement
        return {
            "id": r.id,
            "title": r.title,
            "level": r.level,
            "source": r.source,
            "severity": r.severity,
            "status": self.status,
            "checks": [c.nodeid for c in self.checks],
            "reason": self.reason,
            **({"waiver": self.waiver} if self.waiver else {}),
            **({"expected_skip": self.expected_skip} if self.expected_skip is not None else {}),
            **({"screenshots": self.screenshots} if self.screenshots else {}),
        }

    @property
    def screenshots(self) -> list[str]:
        """Where a browser login stopped in this requirement's checks: PNGs, relative to the report dir."""
        return [
            str(e["screenshot"])
            for c in self.checks
            for e in c.evidence
            if isinstance(e, dict) and e.get("screenshot")
        ]


def roll_up(requirement: Requirement, checks: list[CheckResult]) -> RequirementResult:
    """One status for a requirement from the outcomes of its checks."""
    if not checks:
        return RequirementResult(
            requirement, "skipped", "no check of this requirement ran (not selected)", []
        )
    worst = max(checks, key=lambda c: _RANK[c.status])
    status = worst.status
    if status == "passed":
        skipped = [c for c in checks if c.status == "skipped"]
        notes = [c.message for c in checks if c.status == "passed" and c.message]
        reason = f"{len(skipped)} of {len(checks)} checks skipped: {skipped[0].message}" if skipped else ""
        reason = "; ".join([*notes, reason] if reason else notes)[:500]
    else:
        reason = first_line(worst.message)
    return RequirementResult(requirement, status, reason, checks)


def counts(results: list[RequirementResult]) -> dict[str, int]:
    tally = Counter(r.status for r in results)
    return {status: tally.get(status, 0) for status in STATUSES}


def findings_by_kind(results: list[RequirementResult]) -> dict[str, int]:
    """Requirements failed or warned, counted apart: breaches (a security property broken) and format deviations."""
    found = Counter(r.requirement.kind for r in results if r.status in {"failed", "warning"})
    return {"breaches": found.get("breach", 0), "format": found.get("format", 0)}


def verdict(results: list[RequirementResult], gaps: int = 0) -> str:
    """`fail` when a requirement failed or errored (waivers and warnings do not fail a run); `incomplete`
    when nothing failed but no requirement was checked at all, or the run has `gaps` (MUSTs skipped
    without being expected under `--fail-on-skip`, checks the time limit kept from starting); else `pass`."""
    if any(r.status in {"failed", "error"} for r in results):
        return "fail"
    if gaps or not any(r.status in CHECKED for r in results):
        return "incomplete"
    return "pass"


def first_line(message: str) -> str:
    """The finding in one line: what was observed, and what the rule wants."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    expected = next((line for line in lines if line.startswith("expected: ")), None)
    observed = next((line for line in lines if line.startswith("observed: ")), None)
    if expected and observed:
        return f"{observed[:300]} ({expected[:200]})"
    return (expected or (lines[0] if lines else ""))[:500]
