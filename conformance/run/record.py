"""The run's record: one frozen object that every report writer reads.

Built once, when the checks are done (`record_of`): the manifest (what exactly was run, so a
certification result can be tied to it) and one result per requirement, waivers applied.
summary.json, results.json, junit.xml, report.html and the terminal summary are all views of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.compare import Comparison, compare, load_run, summary_of
from conformance.gates import mark_expected, unexpected_skips
from conformance.results import CheckResult, RequirementResult, counts, findings_by_kind, roll_up, verdict
from conformance.run.state import RunState
from conformance.waivers import apply_waivers

#: The reason of a check that the time limit (--max-time) kept from starting.
TIME_LIMIT = "not run: the time limit"
#: The reason of a check that the request budget (--max-requests) stopped or kept from starting ends so.
BUDGET_SPENT = "(--max-requests)"


@dataclass(frozen=True)
class RunRecord:
    """What the reports say about one run."""

    manifest: dict[str, Any]  # the JSON form, as summary.json carries it
    requirements: tuple[RequirementResult, ...]
    report_dir: Path
    #: the MUSTs (SHOULDs under --strict) skipped without being expected, under --fail-on-skip
    gaps: tuple[RequirementResult, ...] = ()
    comparison: Comparison | None = None  # against --baseline
    fail_on: str = "failure"
    not_run: int = 0  # checks the time limit (--max-time) stopped: the run is incomplete
    budget_spent: int = 0  # checks the request budget (--max-requests) stopped: the run is incomplete too

    @property
    def verdict(self) -> str:
        return verdict(list(self.requirements), gaps=len(self.gaps) + self.not_run + self.budget_spent)

    @property
    def counts(self) -> dict[str, int]:
        return counts(list(self.requirements))

    @property
    def findings(self) -> dict[str, int]:
        """Failed and warned requirements by kind: breaches apart from format deviations."""
        return findings_by_kind(list(self.requirements))

    @property
    def failed(self) -> bool:
        """Whether the run exits 1: its verdict is not `pass` or, with `--fail-on regression`, only when
        the comparison with the baseline found a regression."""
        if self.fail_on == "regression" and self.comparison is not None:
            return bool(self.comparison.regressions)
        return self.verdict != "pass"

    def gate(self) -> dict[str, Any]:
        """What decided the exit status, for summary.json (`gate`)."""
        return {
            "fail_on": self.fail_on,
            "unexpected_skips": [r.requirement.id for r in self.gaps],
            **({"baseline": self.comparison.old.source,
                "regressions": [c.requirement for c in self.comparison.regressions]}
               if self.comparison is not None else {}),
            "exit_status": 1 if self.failed else 0,
        }  # fmt: skip


def record_of(state: RunState, *, finished: float | None = None) -> RunRecord:
    """Roll the checks' results up into one result per requirement, apply the waivers, add the manifest."""
    options = state.options
    by_requirement: dict[str, list[CheckResult]] = defaultdict(list)
    for result in state.results.values():
        by_requirement[result.requirement].append(result)
    wanted = [
        r for r in state.catalogue.in_profile(options.profile) if not options.only or r.id in options.only
    ]
    for requirement in wanted:
        seen = deviations_of(state.results.values(), requirement.id, requirement.level, options.strict)
        if seen is not None:
            by_requirement[requirement.id].append(seen)
    rolled = [roll_up(r, by_requirement.get(r.id, [])) for r in wanted]
    results = mark_expected(apply_waivers(rolled, list(options.waivers)), options.expected_skips)
    data = manifest(state, finished=time.time() if finished is None else finished)
    record = RunRecord(
        manifest=data,
        requirements=tuple(results),
        report_dir=options.report_dir,
        gaps=tuple(unexpected_skips(results, options.strict)) if options.fail_on_skip else (),
        fail_on=options.fail_on,
        not_run=sum(
            1 for c in state.results.values() if c.status == "skipped" and c.message.startswith(TIME_LIMIT)
        ),
        budget_spent=sum(
            1 for c in state.results.values() if c.status == "skipped" and c.message.endswith(BUDGET_SPENT)
        ),
    )
    if options.baseline is None:
        return record
    entries = [r.summary_entry() for r in results]
    this_run = summary_of({"verdict": record.verdict, "started_at": data["started_at"],
                           "requirements": entries}, str(options.report_dir / "summary.json"))  # fmt: skip
    return replace(record, comparison=compare(load_run(options.baseline, "--baseline"), this_run))


def deviations_of(
    checks: Iterable[CheckResult], requirement: str, level: str, strict: bool
) -> CheckResult | None:
    """The format deviations other checks saw for `requirement`, as one more of its check results.

    Every occurrence is in its evidence; its message names the trait once, with the count.
    """
    found = [d for check in checks for d in check.deviations if d["requirement"] == requirement]
    if not found:
        return None
    must = level == "MUST" or strict and level == "SHOULD"
    status = "failed" if must else "warning" if level == "SHOULD" else "passed"
    others = f" (and {len(found) - 1} more like it, each in the evidence)" if len(found) > 1 else ""
    prefix = "observed (a MAY: permitted either way): " if status == "passed" else ""
    return CheckResult(
        nodeid=f"format deviations seen by other checks::{requirement}",
        requirement=requirement,
        status=status,
        message=f"{prefix}{len(found)} refusal(s) judged by other checks deviate: {found[0]['problem']}{others}",
        evidence=[d["exchange"] for d in found],
    )


def manifest(state: RunState, *, finished: float) -> dict[str, Any]:
    options, target = state.options, state.target
    if target is not None and not options.distributed:
        base_url = target.base_url
    elif options.embedded:
        base_url = "embedded reference server (one per xdist worker)"
    else:
        base_url = target.base_url if target else ""
    fingerprint = target.fingerprint() if target and not options.embedded else {"embedded": True}
    fingerprint = {**fingerprint, "faults": list(options.faults), "profile": options.profile,
                   **({"variants": list(options.variants)} if options.variants else {})}  # fmt: skip
    results = state.results.values()
    return {
        "tool": {"name": "spry-conformance", "version": __version__},
        "catalogue_version": state.catalogue.version,
        "target": {
            "base_url": base_url,
            "embedded": options.embedded,
            "faults": list(options.faults),
            **({"variants": list(options.variants)} if options.variants else {}),
        },  # fmt: skip
        "profile": options.profile,
        "budget": options.budget,
        "strict": options.strict,
        "aggressive": options.aggressive,
        "seed": options.seed,
        "config_hash": config_hash(fingerprint),
        "started_at": _iso(state.started),
        "finished_at": _iso(finished),
        "duration_s": round(finished - state.started, 2),
        "requests_sent": state.requests_outside_checks + sum(c.requests for c in results),
        "generated_requests": sum(c.generated for c in results),
        "python": platform.python_version(),
        "command": state.command,
    }


def config_hash(fingerprint: dict[str, Any]) -> str:
    """sha256 of the configuration without its secrets."""
    canonical = json.dumps(fingerprint, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_suite_error_summary(state: RunState, line: str) -> None:
    """summary.json for a run the suite itself broke: the contract's keys, verdict fail, and what broke."""
    manifest_data = manifest(state, finished=time.time())
    summary = {
        "tool": manifest_data["tool"],
        "target": {"base_url": manifest_data["target"]["base_url"]},
        "profile": manifest_data["profile"],
        "started_at": manifest_data["started_at"],
        "duration_s": manifest_data["duration_s"],
        "requests_sent": manifest_data["requests_sent"],
        "seed": manifest_data["seed"],
        "verdict": "fail",
        "counts": {status: 0 for status in ("passed", "failed", "warning", "skipped", "error", "waived")},
        "requirements": [],
        "suite_error": line,
        "manifest": manifest_data,
    }
    path = state.options.report_dir / "summary.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
